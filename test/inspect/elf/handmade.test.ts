import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isElf, readElfFactsFromBuffer, readElfFactsHashedSync, readElfFactsSync } from '../../../src/inspect/elf/index.js';
import { buildElf, Fields } from './builder.js';

const read = (buf: Buffer, name = 'x') => readElfFactsFromBuffer(buf, name);

/** 32-bit, one PT_LOAD, no section headers, a few hundred bytes: the shape of hex0-seed. */
const seed = () => buildElf({ cls: 32, sections: false, code: Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff)) });

t.test('a stage0-like seed: 32-bit, program headers only', async (t) => {
  const { buf } = seed();
  t.ok(buf.length > 300 && buf.length < 512, `a few hundred bytes (${buf.length})`);
  const f = read(buf, 'hex0-seed');
  t.same(f, {
    path: 'hex0-seed',
    elf: true,
    class: 'ELF32',
    endian: 'little',
    machine: 'i386',
    type: 'EXEC',
    interpreter: null,
    needed: [],
    runpath: [],
    rpath: [],
    soname: null,
    buildId: null,
    static: true,
    pie: false,
    stripped: true,
    comment: [],
    go: null,
  });
  t.notOk('error' in f);
});

t.test('the file readers agree with the buffer reader on a file on disk', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'seedaudit-elf-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = {
    seed: seed().buf,
    // more than the first read of a file (16 KiB), so later parts need reads of their own
    big: buildElf({
      interp: '/lib/ld.so',
      needed: ['libc.so.6'],
      runpath: '/nix/store/a/lib',
      buildId: 'aa'.repeat(20),
      comment: ['GCC: (GNU) 13.2.0'],
      code: Buffer.alloc(100_000, 0xcc),
    }).buf,
  };
  for (const [name, buf] of Object.entries(files)) {
    const p = path.join(dir, name);
    writeFileSync(p, buf);
    const fromBuf = read(buf, p);
    t.same(readElfFactsHashedSync(p), { ...fromBuf, sha256: createHash('sha256').update(buf).digest('hex') }, `${name}: hashed = buffer + SHA-256`);
    t.same(readElfFactsSync(p), fromBuf, `${name}: sync = buffer`);
  }
  t.same(readElfFactsSync(path.join(dir, 'big')).needed, ['libc.so.6']);
});

t.test('big-endian 64-bit (PowerPC64) with a dynamic section', async (t) => {
  const { buf } = buildElf({
    endian: 'big',
    machine: 21,
    type: 3,
    interp: '/lib64/ld64.so.2',
    needed: ['libc.so.6', 'libm.so.6'],
    soname: 'libfoo.so.1',
    rpath: '/opt/a:/opt/b',
    runpath: '/nix/store/x-glibc/lib:$ORIGIN/../lib',
    buildId: '0123456789abcdef0123456789abcdef01234567',
    symtab: true,
  });
  const f = read(buf);
  t.equal(f.class, 'ELF64');
  t.equal(f.endian, 'big');
  t.equal(f.machine, 'PowerPC64');
  t.equal(f.type, 'DYN');
  t.equal(f.interpreter, '/lib64/ld64.so.2');
  t.same(f.needed, ['libc.so.6', 'libm.so.6']);
  t.equal(f.soname, 'libfoo.so.1');
  t.same(f.rpath, ['/opt/a', '/opt/b']);
  t.same(f.runpath, ['/nix/store/x-glibc/lib', '$ORIGIN/../lib']);
  t.equal(f.buildId, '0123456789abcdef0123456789abcdef01234567');
  t.equal(f.static, false);
  t.equal(f.pie, true, 'ET_DYN with an interpreter');
  t.equal(f.stripped, false, 'has .symtab');
  t.equal(f.error, undefined);
});

t.test('big-endian 32-bit MIPS with NEEDED, build-id only as a PT_NOTE segment', async (t) => {
  const f = read(buildElf({ cls: 32, endian: 'big', machine: 8, interp: '/lib/ld.so.1', needed: ['libc.so.6'], buildId: 'deadbeef', notesIn: 'segment' }).buf);
  t.match(f, { class: 'ELF32', endian: 'big', machine: 'MIPS', type: 'EXEC', interpreter: '/lib/ld.so.1', needed: ['libc.so.6'], buildId: 'deadbeef', pie: false });
  t.equal(f.error, undefined);
  const g = read(buildElf({ cls: 32, endian: 'big', machine: 8, buildId: 'cafe', notesIn: 'section' }).buf);
  t.equal(g.buildId, 'cafe', 'build-id from a note section with no PT_NOTE');
});

t.test('.comment strings are split on NUL and deduplicated', async (t) => {
  const f = read(buildElf({ comment: ['GCC: (GNU) 13.2.0', 'GCC: (GNU) 13.2.0', 'clang version 17.0.6', ''] }).buf);
  t.same(f.comment, ['GCC: (GNU) 13.2.0', 'clang version 17.0.6']);
  t.same(read(buildElf({}).buf).comment, [], 'no .comment section: empty list');
});

t.test('pie and static', async (t) => {
  t.match(read(buildElf({ type: 3 }).buf), { pie: false, static: true }, 'DYN without interpreter or NEEDED (a static-pie without DF_1_PIE, or a plain object)');
  t.match(read(buildElf({ type: 3, needed: ['libc.so.6'] }).buf), { pie: false, static: false }, 'a shared library');
  t.match(read(buildElf({ type: 3, flags1: 0x08000000 }).buf), { pie: true, static: true }, 'static-pie: DF_1_PIE, no interpreter');
  t.match(read(buildElf({ type: 2, interp: '/lib/ld.so' }).buf), { pie: false, static: false }, 'EXEC with an interpreter');
  t.match(read(buildElf({ type: 1 }).buf), { type: 'REL', needed: [] });
});

t.test('Go build info: inline strings (Go 1.18+) and the older pointer format', async (t) => {
  const modinfo = 'path\texample.com/cmd/tool\nmod\texample.com\t(devel)\t\nbuild\t-compiler=gc\n';
  const cases = [
    { cls: 64, endian: 'little', format: 'inline' },
    { cls: 64, endian: 'little', format: 'pointers' },
    { cls: 32, endian: 'little', format: 'pointers' },
    { cls: 64, endian: 'big', format: 'pointers' },
    { cls: 32, endian: 'big', format: 'inline' },
  ] as const;
  for (const c of cases) {
    const f = read(buildElf({ cls: c.cls, endian: c.endian, go: { format: c.format, version: 'go1.21.5', modinfo } }).buf);
    t.same(f.go, { version: 'go1.21.5', path: 'example.com/cmd/tool' }, `${c.cls}-bit ${c.endian} ${c.format}`);
    t.equal(f.error, undefined);
  }
  const noMod = read(buildElf({ go: { format: 'inline', version: 'go1.22.0', modinfo: '' } }).buf);
  t.same(noMod.go, { version: 'go1.22.0', path: null }, 'built without modules: no path');
  t.equal(read(buildElf({}).buf).go, null, 'not Go');
});

t.test('isElf', async (t) => {
  t.ok(isElf(Buffer.from('\x7fELF', 'latin1')));
  t.notOk(isElf(Buffer.from('\x7fEL', 'latin1')));
  t.notOk(isElf(Buffer.from('#!/bin/sh\n')));
  t.same(read(Buffer.from('#!/bin/sh\n'), 's'), { path: 's', elf: false });
  t.same(read(Buffer.alloc(0), 'e'), { path: 'e', elf: false });
});

t.test('truncated at every byte: a seed', async (t) => {
  const { buf } = seed();
  for (let n = 0; n < buf.length; n++) {
    const f = read(buf.subarray(0, n));
    if (n < 4) {
      t.equal(f.elf, false, `${n} bytes: not ELF`);
      continue;
    }
    t.equal(f.elf, true);
    t.type(f.error, 'string', `${n} bytes: reported broken`);
    t.notMatch(f.error ?? '', /internal error/);
  }
});

t.test('truncated at every header and part boundary', async (t) => {
  for (const spec of [
    { interp: '/lib/ld.so', needed: ['libc.so.6'], runpath: '/a', buildId: 'ab'.repeat(20), comment: ['GCC: (GNU) 13.2.0'], symtab: true },
    { cls: 32 as const, endian: 'big' as const, interp: '/lib/ld.so', needed: ['libc.so.6'], go: { format: 'pointers' as const, version: 'go1.4', modinfo: '' } },
  ]) {
    const { buf, at } = buildElf(spec);
    for (const cut of at.boundaries) {
      for (const n of [cut - 1, cut, cut + 1]) {
        if (n < 0 || n >= buf.length) continue;
        const f = read(buf.subarray(0, n));
        t.ok(f.elf === (n >= 4), `${n}/${buf.length}: elf flag`);
        if (n >= 4) t.type(f.error, 'string', `${n}/${buf.length} bytes: reported broken`);
        t.notMatch(f.error ?? '', /internal error/);
      }
    }
    t.equal(read(buf).error, undefined, 'whole file: no error');
  }
});

/** A copy of a built file with one field overwritten. */
function patched(spec: Parameters<typeof buildElf>[0], edit: (f: Fields, at: ReturnType<typeof buildElf>['at'], buf: Buffer) => void) {
  const b = buildElf(spec);
  const buf = Buffer.from(b.buf);
  edit(new Fields(buf, (spec?.endian ?? 'little') === 'little'), b.at, buf);
  return read(buf);
}

t.test('bogus counts and offsets', async (t) => {
  const full = { interp: '/lib/ld.so', needed: ['libc.so.6'], buildId: 'ab'.repeat(20), comment: ['GCC: (GNU) 13.2.0'] };

  let f = patched(full, (w) => w.u64(32, 0xfffffff0)); // e_phoff
  t.match(f.error, /program header table .* outside the file/);
  t.equal(f.interpreter, undefined, 'program-header facts unknown');
  t.same(f.comment, ['GCC: (GNU) 13.2.0'], 'section facts still read');

  f = patched(full, (w) => w.u16(56, 0xfffe)); // e_phnum
  t.match(f.error, /program header table/);

  f = patched(full, (w) => {
    w.u16(56, 0xffff); // PN_XNUM: the count is in section 0 ...
    w.u64(40, 0); // ... but there is no section header table
  });
  t.match(f.error, /e_phnum is PN_XNUM but section 0 cannot be read/);

  f = patched(full, (w) => w.u16(54, 8)); // e_phentsize too small
  t.match(f.error, /program header size 8/);

  f = patched(full, (w) => w.u64(40, 2 ** 60)); // e_shoff beyond any file
  t.match(f.error, /section header table .* outside the file/);
  t.equal(f.interpreter, '/lib/ld.so', 'program-header facts still read');
  t.equal(f.stripped, undefined);

  f = patched(full, (w) => w.u16(60, 0xffff)); // e_shnum
  t.match(f.error, /section header table/);

  f = patched(full, (w) => w.u16(62, 0x7000)); // e_shstrndx
  t.match(f.error, /section name table index/);

  f = patched(full, (w, at) => w.u64(at.sh['.shstrtab'] + 24, 2 ** 40)); // .shstrtab offset
  t.match(f.error, /section name table .* outside/);
  t.equal(f.comment, undefined, 'without section names .comment cannot be found: unknown, not empty');
  t.equal(f.go, undefined);
  t.equal(f.stripped, true, 'the section types were still read');

  // dynamic section pointing outside the file, through the segment and the section
  f = patched(full, (w, at) => {
    w.u64(at.ph.dynamic + 8, 0x7fff0000);
    w.u64(at.sh['.dynamic'] + 24, 0x7fff0000);
  });
  t.match(f.error, /dynamic section .* outside the file/);
  t.equal(f.needed, undefined);
  t.equal(f.static, undefined, 'static is not claimed when NEEDED is unknown');

  // DT_STRTAB not in any PT_LOAD (and the section link broken too)
  f = patched(full, (w, at) => {
    const dyn = at.part['.dynamic'];
    for (let i = 0; i < 4; i++) if (Number(w.buf.readBigUInt64LE(dyn + i * 16)) === 5) w.u64(dyn + i * 16 + 8, 0x7000000000);
    w.u32(at.sh['.dynamic'] + 40, 999);
  });
  t.match(f.error, /DT_STRTAB 0x7000000000 is not inside any PT_LOAD/);

  // DT_NEEDED string offset past DT_STRSZ
  f = patched(full, (w, at) => w.u64(at.part['.dynamic'] + 8, 0x100000));
  t.match(f.error, /dynamic string offset .* outside the dynamic string table/);

  // a name that runs to the end of the string table without a NUL
  f = patched({ needed: ['libc.so.6'] }, (w, at, buf) => {
    buf[at.part['.dynstr'] + '\0libc.so.6'.length] = 0x58;
  });
  t.match(f.error, /DT_NEEDED name at .* is not NUL-terminated/);

  // a note whose name size runs off the end
  f = patched(full, (w, at) => w.u32(at.part['.note.gnu.build-id'], 0xfffffff0));
  t.match(f.error, /corrupt note/);

  // PT_LOAD larger than the file
  f = patched(full, (w, at) => w.u64(at.ph.load + 32, 2 ** 40));
  t.match(f.error, /PT_LOAD segment 0 .* extends past the end of the file/);

  // invalid class and data encoding
  t.match(patched(full, (w) => w.u8(4, 9)), { elf: true, error: 'invalid ELF class 9' });
  t.match(patched(full, (w) => w.u8(5, 0)), { elf: true, error: 'invalid ELF data encoding 0' });
});

t.test('extended numbering: e_phnum = PN_XNUM with the count in section 0', async (t) => {
  const b = buildElf({ interp: '/lib/ld.so', needed: ['libc.so.6'] });
  const buf = Buffer.from(b.buf);
  const w = new Fields(buf, true);
  w.u16(56, 0xffff);
  w.u32(b.at.shoff + 44, b.at.phnum); // sh_info of section 0
  const f = read(buf);
  t.equal(f.error, undefined);
  t.equal(f.interpreter, '/lib/ld.so');
  t.same(f.needed, ['libc.so.6']);
});

t.test('hostile amounts are capped, not walked', async (t) => {
  const many = read(buildElf({ type: 3, needed: Array.from({ length: 5000 }, (_, i) => `lib${i}.so`) }).buf);
  t.match(many.error, /5000 named entries in the dynamic section \(at most 4096 are read\)/);
  t.equal(many.needed, undefined);

  // 1000 note sections, all pointing at the same note (which is not a build-id)
  const b = buildElf({});
  const noteAt = b.buf.length;
  const n = Buffer.alloc(16);
  n.writeUInt32LE(4, 0);
  n.writeUInt32LE(0, 4);
  n.writeUInt32LE(1, 8);
  n.write('GNU\0', 12, 'latin1');
  const count = 1000;
  const shoff = noteAt + 16;
  const table = Buffer.alloc(64 * count);
  for (let i = 1; i < count; i++) {
    const o = i * 64;
    table.writeUInt32LE(7, o + 4); // SHT_NOTE
    table.writeBigUInt64LE(BigInt(noteAt), o + 24);
    table.writeBigUInt64LE(16n, o + 32);
    table.writeBigUInt64LE(4n, o + 48);
  }
  const file = Buffer.concat([b.buf, n, table]);
  const w = new Fields(file, true);
  w.u64(40, shoff);
  w.u16(60, count);
  w.u16(62, 0);
  w.u64(b.at.ph.load + 32, file.length);
  const f = read(file);
  t.match(f.error, /no build-id in the first 64 note sections/);
  t.equal(f.stripped, true, 'the section table itself was read');
});
