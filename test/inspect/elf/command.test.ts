import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { elfCommand } from '../../../src/commands/elf.js';
import { InputError } from '../../../src/errors.js';
import type { Io } from '../../../src/io.js';
import type { ElfFacts } from '../../../src/model/report.js';
import { buildElf } from './builder.js';

function io(): Io & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    stdout: (s: string) => void (o.out += s),
    stderr: (s: string) => void (o.err += s),
    isTTY: false,
    stderrIsTTY: false,
    env: {},
    cwd: '/',
  };
  return o;
}

const dir = mkdtempSync(path.join(tmpdir(), 'seedaudit-elf-cmd-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const text = path.join(dir, 'notes.txt');
writeFileSync(text, 'just text\n');
const missing = path.join(dir, 'missing');
const seed = path.join(dir, 'seed');
writeFileSync(seed, buildElf({ cls: 32, sections: false, code: Buffer.alloc(200, 0x90) }).buf);

t.test('--format json: an array in argument order with the documented keys', async (t) => {
  const o = io();
  const code = await elfCommand(['--format', 'json', '/usr/bin/ls', text, missing, seed], o);
  t.equal(code, 0, 'some files were read');
  t.equal(o.err, '');
  const out = JSON.parse(o.out) as ElfFacts[];
  t.same(out.map((f) => f.path), ['/usr/bin/ls', text, missing, seed]);
  const ls = out[0];
  t.same(Object.keys(ls), ['path', 'elf', 'class', 'endian', 'machine', 'type', 'interpreter', 'needed', 'runpath', 'rpath', 'soname', 'buildId', 'static', 'pie', 'stripped', 'comment', 'go']);
  t.match(ls, { elf: true, class: 'ELF64', machine: 'x86-64', interpreter: '/lib64/ld-linux-x86-64.so.2', static: false });
  t.ok(ls.needed?.includes('libc.so.6'), 'ls needs libc');
  t.match(ls.buildId, /^[0-9a-f]{40}$/);
  t.same(out[1], { path: text, elf: false });
  t.match(out[2], { path: missing, elf: false, error: /no such file/ });
  t.match(out[3], { path: seed, elf: true, class: 'ELF32', machine: 'i386', interpreter: null, static: true });
  t.notOk('error' in out[3]);
});

t.test('text output: one readable block per file', async (t) => {
  const o = io();
  t.equal(await elfCommand(['/usr/bin/ls', text, missing], o), 0);
  t.match(o.out, /^\/usr\/bin\/ls\n  ELF64 little-endian x86-64 DYN\n/);
  t.match(o.out, /\n  interpreter  \/lib64\/ld-linux-x86-64\.so\.2\n/);
  t.match(o.out, /\n  needed       .*libc\.so\.6/);
  t.match(o.out, /\n  build-id     [0-9a-f]{40}\n/);
  t.match(o.out, new RegExp(`${text.replace(/[.]/g, '\\.')}\n  not an ELF file\n`));
  t.match(o.out, /missing\n  error: cannot read: no such file or directory \(ENOENT\)\n/);
});

t.test('a broken ELF file is listed with its error and what could be read', async (t) => {
  const b = buildElf({ interp: '/lib/ld.so', needed: ['libc.so.6'] }).buf;
  const p = path.join(dir, 'truncated');
  writeFileSync(p, b.subarray(0, b.length - 10));
  const o = io();
  t.equal(await elfCommand([p], o), 0, 'a broken ELF file was still read');
  t.match(o.out, /error: section header table .* lies outside the file/);
  t.match(o.out, /interpreter  \/lib\/ld\.so/);
});

t.test('control characters in names are shown escaped in text', async (t) => {
  const p = path.join(dir, 'evil\x1b[2Jname');
  writeFileSync(p, buildElf({ needed: ['lib\x1b]0;owned\x07.so'] }).buf);
  const o = io();
  await elfCommand([p], o);
  t.notMatch(o.out, /\x1b/, 'no raw ESC reaches the terminal');
  t.match(o.out, /evil\\x1b\[2Jname/);
  t.match(o.out, /lib\\x1b\]0;owned\\x07\.so/);
  const j = io();
  await elfCommand(['--format=json', p], j);
  t.same((JSON.parse(j.out) as ElfFacts[])[0].needed, ['lib\x1b]0;owned\x07.so'], 'JSON keeps the exact bytes');
});

t.test('exit 2 when no file could be read', async (t) => {
  const o = io();
  t.equal(await elfCommand(['--format', 'json', missing, `${missing}2`], o), 2);
  t.equal(JSON.parse(o.out).length, 2, 'the entries are still printed');
  t.match(o.err, /^seedaudit: elf: none of the 2 file\(s\) could be read\n$/);
});

t.test('usage errors are InputErrors', async (t) => {
  await t.rejects(elfCommand([], io()), InputError, 'no FILE');
  await t.rejects(elfCommand(['--format', 'json'], io()), InputError, 'options but no FILE');
  await t.rejects(elfCommand(['--bogus', '/usr/bin/ls'], io()), InputError, 'unknown option');
  await t.rejects(elfCommand(['--format', 'yaml', '/usr/bin/ls'], io()), InputError, 'unknown format');
  const o = io();
  t.equal(await elfCommand(['--help'], o), 0);
  t.match(o.out, /^Usage: seedaudit elf FILE/);
  const dash = io();
  t.equal(await elfCommand(['--', '--format'], dash), 2, 'after -- a name is a FILE, even one that looks like an option');
  t.match(dash.out, /^--format\n  error: cannot read/);
});
