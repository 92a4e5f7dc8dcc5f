import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { inspectPath } from '../../../src/inspect/archive/index.js';
import {
  TREE_BINARIES,
  binariesOf,
  classFile,
  elfHeader,
  hasTool,
  jarBytes,
  makeTree,
  makeZip,
  noise,
  realElf,
  realSharedObject,
  run,
  wheelBytes,
} from './fixtures/index.js';

const root = t.testdir({ tree: {} });
const tree = path.join(root, 'tree');
const entries = makeTree(tree);

const write = (name: string, data: Buffer): string => {
  const p = path.join(root, name);
  writeFileSync(p, data);
  return p;
};

t.test('a jar lists its classes', async (t) => {
  const l = await inspectPath(write('lib.jar', jarBytes()));
  t.equal(l.error, null);
  t.equal(l.format, 'zip');
  t.equal(l.members, 3, 'the directory entry counts too');
  t.same(l.binaries, [{ member: 'com/example/Hello.class', kind: 'java-class', size: classFile().length }]);
});

t.test('a wheel lists its deflated extension module', async (t) => {
  const l = await inspectPath(write('pkg.whl', wheelBytes()));
  t.equal(l.error, null);
  t.equal(l.members, 3);
  t.same(l.binaries, [
    { member: 'pkg/_native.cpython-311-x86_64-linux-gnu.so', kind: 'shared-object', size: readFileSync(realSharedObject()).length },
  ]);
});

t.test('stored and deflated members, with an archive comment', async (t) => {
  const elf = readFileSync(realElf());
  const zip = makeZip(
    [
      { name: 'stored/prog', data: elf, method: 0 },
      { name: 'deflated/prog', data: elf, method: 8 },
      { name: 'deflated/obj.o', data: elfHeader(1), method: 8 },
      { name: 'text.txt', data: Buffer.from('hello\n'.repeat(1000)) },
      { name: 'empty', data: Buffer.alloc(0) },
    ],
    'a comment at the end of the archive',
  );
  const l = await inspectPath(write('mixed.zip', zip));
  t.equal(l.error, null);
  t.equal(l.members, 5);
  t.same(binariesOf(l), { 'stored/prog': 'elf', 'deflated/prog': 'elf', 'deflated/obj.o': 'object' });
});

t.test('a member whose first 4 KiB compress to more than 1 KiB is still read', async (t) => {
  // Incompressible bytes before the PE signature would defeat a too-short deflate prefix.
  const pe = Buffer.concat([noise(0x800, 'stub'), Buffer.alloc(0x800)]);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(0x900, 0x3c);
  pe.write('PE\0\0', 0x900, 'latin1');
  const l = await inspectPath(write('pe.zip', makeZip([{ name: 'tool.exe', data: pe }])));
  t.same(binariesOf(l), { 'tool.exe': 'pe' });
});

t.test('a self-extracting stub before the zip shifts every offset', async (t) => {
  const stub = Buffer.concat([readFileSync(realElf()).subarray(0, 4096)]);
  const l = await inspectPath(write('sfx.bin', Buffer.concat([stub, jarBytes()])));
  // The file starts with ELF magic, so by magic it is an ELF file, not a zip.
  t.equal(l.format, 'file');
  t.same(binariesOf(l), { 'sfx.bin': 'elf' });
  // A zip with junk (not a known magic) before it is read through the shifted offsets.
  const shifted = await inspectPath(write('prefixed.zip', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(1000), jarBytes()])));
  t.equal(shifted.error, null);
  t.same(binariesOf(shifted), { 'com/example/Hello.class': 'java-class' });
});

const zipper = hasTool('zip') ? 'zip' : hasTool('python3') ? 'python3' : null;
t.test(`the tree zipped with ${zipper ?? 'zip(1)'}`, { skip: zipper ? false : 'neither zip nor python3 is installed' }, async (t) => {
  const file = path.join(root, 'tree.zip');
  const want: Record<string, string> = { ...TREE_BINARIES };
  if (zipper === 'zip') {
    // -y stores symlinks as links instead of following them
    run('zip', ['-q', '-r', '-y', file, '.'], tree);
  } else {
    // `python3 -m zipfile -c` stores directories too, but follows symlinks
    run('python3', ['-m', 'zipfile', '-c', file, ...entries.filter((e) => !e.includes('/'))], tree);
    want['bin/true-link'] = 'elf';
  }
  const l = await inspectPath(file);
  t.equal(l.error, null);
  t.equal(l.members, entries.length);
  t.same(binariesOf(l), want);
});

t.test('zip64 end records and extra fields', { skip: hasTool('python3') ? false : 'python3 is not installed' }, async (t) => {
  const file = path.join(root, 'z64.zip');
  const elf = realElf();
  run('python3', [
    '-c',
    [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)',
      'w = z.open("bin/prog", "w", force_zip64=True)',
      'w.write(open(sys.argv[2], "rb").read())',
      'w.close()',
      'z.writestr("readme", "text")',
      'z.close()',
    ].join('\n'),
    file,
    elf,
  ]);
  const l = await inspectPath(file);
  t.equal(l.error, null);
  t.equal(l.members, 2);
  t.same(l.binaries, [{ member: 'bin/prog', kind: 'elf', size: readFileSync(elf).length }]);
});

t.test('a bogus central directory is an error, not a throw', async (t) => {
  const good = makeZip([
    { name: 'a/prog', data: readFileSync(realElf()) },
    { name: 'b/Hello.class', data: classFile() },
    { name: 'c/readme', data: Buffer.from('hi') },
  ]);
  const eocd = good.length - 22;
  const cdStart = good.readUInt32LE(eocd + 16);

  const outside = Buffer.from(good);
  outside.writeUInt32LE(good.length * 4, eocd + 16);
  let l = await inspectPath(write('outside.zip', outside));
  t.equal(l.error, 'zip: central directory lies outside the file');
  t.equal(l.members, 0);

  // Second entry's signature smashed: the first entry is still reported.
  const firstLen = 46 + good.readUInt16LE(cdStart + 28);
  const smashed = Buffer.from(good);
  smashed.write('XXXX', cdStart + firstLen, 'latin1');
  l = await inspectPath(write('smashed.zip', smashed));
  t.match(l.error, /^zip: bad central directory entry 2 of 3 at offset \d+$/);
  t.equal(l.members, 1);
  t.same(binariesOf(l), { 'a/prog': 'elf' });

  // An entry count larger than the directory holds.
  const overcount = Buffer.from(good);
  overcount.writeUInt16LE(9, eocd + 10);
  l = await inspectPath(write('overcount.zip', overcount));
  t.match(l.error, /^zip: bad central directory entry 4 of 9/);
  t.equal(l.members, 3);

  // One member's local header offset is wrong: that member is reported, the rest read.
  const badLocal = Buffer.from(good);
  badLocal.writeUInt32LE(7, cdStart + 42);
  l = await inspectPath(write('badlocal.zip', badLocal));
  t.equal(l.error, 'zip: member "a/prog" (local header at offset 7): no local header there');
  t.equal(l.members, 3);
  t.same(binariesOf(l), { 'b/Hello.class': 'java-class' });

  // The end record cut off: nothing to go on.
  l = await inspectPath(write('noend.zip', good.subarray(0, eocd)));
  t.equal(l.error, 'zip: end of central directory not found');
  t.equal(l.format, 'zip');

  // Deflated data starting with a reserved block type (BTYPE=11).
  const garbage = makeZip([{ name: 'x.so', data: readFileSync(realSharedObject()) }]);
  garbage[30 + 'x.so'.length] = 0xff;
  l = await inspectPath(write('garbage.zip', garbage));
  t.match(l.error, /^zip: member "x\.so" \(local header at offset 0\): deflate: /);
  t.equal(l.members, 1);
});

t.test('maxMembers caps a zip', async (t) => {
  const many = makeZip(Array.from({ length: 20 }, (_, i) => ({ name: `c${String(i).padStart(2, '0')}.class`, data: classFile() })));
  const l = await inspectPath(write('many.zip', many), { maxMembers: 7 });
  t.equal(l.members, 7);
  t.equal(l.binaryCount, 7);
  t.equal(l.capped, `maxMembers: stopped after 7 members; "c07.class" (local header at offset ${7 * (30 + 'c00.class'.length + deflateRawSync(classFile()).length)}) and every entry after it were not read`);
  t.equal(l.error, null);
});
