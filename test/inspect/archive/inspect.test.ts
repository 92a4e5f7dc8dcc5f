import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspectPath } from '../../../src/inspect/archive/index.js';
import { classFile, elfHeader, fatMachoFile, machoFile, noise, peFile, pycFile, realElf, realSharedObject } from './fixtures/index.js';

const root = t.testdir({});
const write = (name: string, data: Buffer | string): string => {
  const p = path.join(root, name);
  writeFileSync(p, data);
  return p;
};

t.test('single files are classified by content, named by base name', async (t) => {
  const cases: [string, Buffer, string][] = [
    ['prog', readFileSync(realElf()), 'elf'],
    ['libz.so.1', readFileSync(realSharedObject()), 'shared-object'],
    ['x.o', elfHeader(1), 'object'],
    ['A.class', classFile(), 'java-class'],
    ['m.pyc', pycFile(), 'pyc'],
    ['app.exe', peFile(), 'pe'],
    ['tool', machoFile(), 'mach-o'],
    ['fat', fatMachoFile(), 'mach-o'],
  ];
  for (const [name, data, kind] of cases) {
    const l = await inspectPath(write(name, data));
    t.equal(l.format, 'file', name);
    t.equal(l.members, 1);
    t.equal(l.error, null);
    t.same(l.binaries, [{ member: name, kind, size: data.length }], name);
  }
  const text = await inspectPath(write('script.sh', '#!/bin/sh\necho hi\n'));
  t.same([text.format, text.members, text.binaryCount, text.error], ['file', 1, 0, null]);
});

t.test('an empty file', async (t) => {
  const l = await inspectPath(write('empty', ''));
  t.same(l, { path: path.join(root, 'empty'), format: 'file', members: 1, binaries: [], binaryCount: 0, byKind: {}, capped: null, error: null });
});

t.test('random bytes are just a file', async (t) => {
  const bytes = noise(100_000, 'random-file');
  const l = await inspectPath(write('random.bin', bytes));
  t.equal(l.format, 'file');
  t.equal(l.error, null);
  t.equal(l.binaryCount, 0);
});

t.test('formats we recognise but cannot decode say so', async (t) => {
  const cases: [string, Buffer, string][] = [
    ['x.tar.lz', Buffer.concat([Buffer.from('LZIP\x01'), noise(100)]), 'lzip'],
    ['x.tar.Z', Buffer.concat([Buffer.from([0x1f, 0x9d, 0x90]), noise(100)]), 'compress'],
    ['x.7z', Buffer.concat([Buffer.from('377abcaf271c', 'hex'), noise(100)]), '7z'],
  ];
  for (const [name, data, format] of cases) {
    const l = await inspectPath(write(name, data));
    t.equal(l.format, format);
    t.equal(l.error, `${format}: not supported`);
  }
});

t.test('a path that is not there, or not a file', async (t) => {
  const missing = await inspectPath(path.join(root, 'nope'));
  t.equal(missing.format, 'unknown');
  t.match(missing.error, /^ENOENT: no such file or directory/);
  const dev = await inspectPath('/dev/null');
  t.equal(dev.error, 'not a regular file or directory');
});

t.test('errors are one line even when the input is hostile', async (t) => {
  // A tar member name with a newline in it, then a truncation inside that member.
  const h = Buffer.alloc(512);
  h.write('evil\nname', 0);
  h.write('0000644\0', 100);
  h.write(`${(100000).toString(8).padStart(11, '0')}\0`, 124);
  h.write('0', 156);
  h.write('ustar\x0000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of h) sum += x;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const l = await inspectPath(write('evil.tar', Buffer.concat([h, Buffer.alloc(1000)])));
  t.equal(l.format, 'tar');
  t.equal(l.error, 'tar: unexpected end of data in "evil name" (header at offset 0)');
});
