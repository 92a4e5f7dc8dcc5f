/**
 * Issue 10: archives built to hide an ELF file from the inspector or to exhaust it. Each
 * case is one a user would meet: the ELF must be found (tar and unzip extract it), or the
 * listing must say that it could not read everything — which cap, or which member and why —
 * and it must say so quickly.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, openSync, writeSync, ftruncateSync, closeSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { inspectPath } from '../../../src/inspect/archive/index.js';
import { binariesOf, classFile, hasTool, makeZip, realElf, run, tarHeader, tarPad, zerosBeforeElf } from './fixtures/index.js';

const root = t.testdir({});
const write = (name: string, data: Buffer): string => {
  const f = path.join(root, name);
  writeFileSync(f, data);
  return f;
};
const elf = readFileSync(realElf());
const MiB = 1024 * 1024;

t.test('zip members compressed with bzip2 (12) and LZMA (14) are read', { skip: hasTool('python3') ? false : 'python3 is not installed' }, async (t) => {
  for (const [method, name] of [['ZIP_BZIP2', 'bzip2'], ['ZIP_LZMA', 'lzma']]) {
    const file = path.join(root, `${name}.zip`);
    run('python3', [
      '-c',
      [
        'import sys, zipfile',
        `z = zipfile.ZipFile(sys.argv[1], "w", zipfile.${method})`,
        'z.writestr("README", "hello\\n" * 100)',
        'z.write(sys.argv[2], "bin/tool")',
        'z.writestr("lib/Hello.class", bytes.fromhex(sys.argv[3]))',
        'z.close()',
        // the archive is sound: every member's CRC checks out when extracted
        'assert zipfile.ZipFile(sys.argv[1]).testzip() is None',
      ].join('\n'),
      file,
      realElf(),
      classFile().toString('hex'),
    ]);
    const l = await inspectPath(file);
    t.equal(l.error, null, `${name}: read without error`);
    t.equal(l.members, 3);
    t.same(l.binaries, [
      { member: 'bin/tool', kind: 'elf', size: elf.length },
      { member: 'lib/Hello.class', kind: 'java-class', size: classFile().length },
    ], `${name}: the ELF and the class are found`);
  }
});

/** A zip whose only member is `data` stored, then relabelled with `method` and `flags` (local and central). */
const relabelled = (data: Buffer, method: number, flags = 0x800): Buffer => {
  const z = makeZip([{ name: 'bin/tool', data, method: 0 }, { name: 'README', data: Buffer.from('hi\n'), method: 0 }]);
  z.writeUInt16LE(method, 8);
  z.writeUInt16LE(flags, 6);
  const cd = z.readUInt32LE(z.length - 22 + 16);
  z.writeUInt16LE(method, cd + 10);
  z.writeUInt16LE(flags, cd + 8);
  return z;
};

t.test('a member in a compression method that is not decoded is reported unreadable, by name', async (t) => {
  const l = await inspectPath(write('deflate64.zip', relabelled(elf, 9)));
  t.equal(l.error, 'zip: member "bin/tool" (local header at offset 0): compression method 9 (deflate64) is not supported');
  t.equal(l.members, 2, 'the other members are still counted');
  const enc = await inspectPath(write('encrypted.zip', relabelled(elf, 0, 0x801)));
  t.equal(enc.error, 'zip: member "bin/tool" (local header at offset 0): encrypted, its content cannot be read');
});

t.test('an encrypted member made by zip(1) is unreadable, not clean', { skip: hasTool('zip') ? false : 'zip is not installed' }, async (t) => {
  const file = path.join(root, 'secret.zip');
  run('zip', ['-q', '-j', '-P', 'secret', file, realElf()]);
  const l = await inspectPath(file);
  t.match(l.error, /^zip: member "true" \(local header at offset 0\): encrypted, its content cannot be read$/);
  t.equal(l.binaryCount, 0);
});

t.test('overlapping zip entries (a better zip bomb) are refused by name, without inflating the kernel', async (t) => {
  // One deflated kernel of 64 MiB of zeros, and 20000 central entries that all point at it
  // or into it: each would inflate to 64 MiB if read.
  const kernel = deflateRawSync(Buffer.alloc(64 * MiB));
  const one = makeZip([{ name: 'k', data: Buffer.alloc(64 * MiB) }]);
  const local = one.subarray(0, 30 + 1 + kernel.length);
  const central = one.subarray(local.length, one.length - 22);
  const entries: Buffer[] = [];
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const c = Buffer.from(central);
    // every other entry points at the kernel's local header, the rest just inside its data
    c.writeUInt32LE(i % 2 === 0 ? 0 : 31 + 100, 42);
    entries.push(c);
  }
  const cd = Buffer.concat(entries);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(n, 8);
  end.writeUInt16LE(n, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(local.length, 16);
  const l = await inspectPath(write('overlap.zip', Buffer.concat([local, cd, end])));
  t.match(l.error, /^zip: member "k" \(local header at offset 0\): its (data overlaps|local header lies inside the data of) member "k" \(local header at offset \d+\): overlapping entries \(a zip bomb construction\) are not read$/);
  t.equal(l.members, n, 'every entry is counted');
  t.equal(l.capped, null);
});

t.test('a highly compressed zip member costs a bounded inflate and the members after it are read', async (t) => {
  const l = await inspectPath(write('zeros.zip', makeZip([{ name: 'zeros', data: Buffer.alloc(64 * MiB) }, { name: 'bin/tool', data: elf }])));
  t.equal(l.error, null);
  t.same(binariesOf(l), { 'bin/tool': 'elf' });
});

t.test('GNU sparse members (old GNU S with extension headers, pax 0.0, 0.1, 1.0) are read as tar extracts them', { skip: hasTool('tar') ? false : 'tar is not installed' }, async (t) => {
  const dir = path.join(root, 'sparse');
  mkdirSync(dir);
  // an ELF at offset 0, then five more data regions separated by holes: more than the four
  // regions an old GNU header holds, so an extension header follows it
  const prog = path.join(dir, 'prog');
  const fd = openSync(prog, 'w');
  writeSync(fd, elf, 0, elf.length, 0);
  for (let i = 1; i < 6; i++) writeSync(fd, Buffer.from(`region ${i}\n`.repeat(100)), 0, undefined, i * MiB);
  ftruncateSync(fd, 7 * MiB);
  closeSync(fd);
  const variants: [string, string[]][] = [
    ['gnu', ['--format=gnu']],
    ['pax 0.0', ['--format=posix', '--sparse-version=0.0']],
    ['pax 0.1', ['--format=posix', '--sparse-version=0.1']],
    ['pax 1.0', ['--format=posix', '--sparse-version=1.0']],
  ];
  for (const [label, flags] of variants) {
    const file = path.join(root, `sparse-${label.replace(/\W/g, '')}.tar`);
    run('tar', ['--sparse', ...flags, '-cf', file, '-C', dir, 'prog']);
    // tar itself gives back the ELF
    const extracted = execFileSync('tar', ['-xOf', file, 'prog'], { maxBuffer: 16 * MiB });
    t.equal(Buffer.compare(extracted.subarray(0, elf.length), elf), 0, `${label}: tar extracts the ELF`);
    const l = await inspectPath(file);
    t.equal(l.error, null, `${label}: no error`);
    t.equal(l.members, 1, `${label}: one member`);
    t.same(l.binaries, [{ member: 'prog', kind: 'elf', size: 7 * MiB }], `${label}: the ELF under its real name and size`);
  }
});

t.test('a sparse member whose map is out of order is an error naming it', async (t) => {
  // pax 0.1 map with regions going backwards
  const rec = (k: string, v: string): string => {
    const body = Buffer.byteLength(` ${k}=${v}\n`);
    let n = body + 1;
    while (String(n).length + body !== n) n = String(n).length + body;
    return `${n} ${k}=${v}\n`;
  };
  const pax = Buffer.from(rec('GNU.sparse.map', '4096,512,0,512') + rec('GNU.sparse.size', '8192') + rec('GNU.sparse.name', 'prog'));
  const data = Buffer.alloc(1024);
  const tar = Buffer.concat([tarHeader('PaxHeaders/prog', pax.length, { type: 'x' }), pax, tarPad(pax.length), tarHeader('GNUSparseFile.1/prog', 1024), data, Buffer.alloc(1024)]);
  const l = await inspectPath(write('badmap.tar', tar));
  t.equal(l.error, 'tar: sparse map regions overlap or are out of order in "prog" (header at offset 1024)');
});

t.test('a member whose size is in base-256 is read', async (t) => {
  const tar = Buffer.concat([tarHeader('bin/tool', elf.length, { base256: true }), elf, tarPad(elf.length), Buffer.alloc(1024)]);
  const file = write('base256.tar', tar);
  if (hasTool('tar')) t.match(execFileSync('tar', ['-tvf', file], { encoding: 'utf8' }), new RegExp(` ${elf.length} .*bin/tool`), 'tar lists it with its size');
  const l = await inspectPath(file);
  t.equal(l.error, null);
  t.same(l.binaries, [{ member: 'bin/tool', kind: 'elf', size: elf.length }]);
});

t.test('200,001 empty members before an ELF: the default member cap says it stopped, and where', async (t) => {
  const batch = gzipSync(Buffer.concat(Array.from({ length: 1000 }, () => tarHeader('empty', 0))));
  const tail = gzipSync(Buffer.concat([tarHeader('empty', 0), tarHeader('bin/tool', elf.length), elf, tarPad(elf.length), Buffer.alloc(1024)]));
  const file = write('many.tar.gz', Buffer.concat([...Array.from({ length: 200 }, () => batch), tail]));
  // 1000 identical headers compress far past the ratio cap, which is not what this case is about
  const opts = { maxRatio: 100_000 };
  const l = await inspectPath(file, opts);
  t.equal(l.members, 200_000);
  t.equal(l.capped, `maxMembers: stopped after 200000 members; "empty" (header at offset ${200_000 * 512}) and every entry after it were not read`);
  t.equal(l.error, null);
  t.equal(l.binaryCount, 0, 'the ELF past the cap is not claimed to be absent: the listing is capped');
  const raised = await inspectPath(file, { ...opts, maxMembers: 200_002 });
  t.same(binariesOf(raised), { 'bin/tool': 'elf' }, 'with the cap raised the ELF is found');
});

t.test('a .tar.gz of 4 MB holding 4 GiB of zeros before an ELF stops at the ratio cap at once', async (t) => {
  const file = write('bomb.tar.gz', zerosBeforeElf((b) => gzipSync(b), 4 * 1024 * MiB, 16 * MiB, elf));
  t.ok(readFileSync(file).length < 5 * MiB, 'a few MB on disk');
  const l = await inspectPath(file);
  t.equal(l.format, 'tar.gz');
  t.equal(l.error, null, 'a cap is not an error');
  t.match(l.capped, /^maxRatio: the gzip stream expanded more than 100:1 \(16\.0 MiB from [\d.]+ KiB of compressed data\), in "zeros" \(header at offset 0\); nothing after it was read$/);
  t.equal(l.binaryCount, 0);

  const absolute = await inspectPath(file, { maxRatio: Infinity, maxBytes: 64 * MiB });
  t.match(absolute.capped, /^maxBytes: stopped after 64\.0 MiB of decompressed data \(gzip stream, [\d.]+ KiB of it read\), in "zeros" \(header at offset 0\); nothing after it was read$/);

  // The same construction with 64 MiB of zeros and the ratio cap lifted: the ELF is there.
  const small = write('small-bomb.tar.gz', zerosBeforeElf((b) => gzipSync(b), 64 * MiB, 16 * MiB, elf));
  const whole = await inspectPath(small, { maxRatio: 100_000 });
  t.equal(whole.capped, null);
  t.same(binariesOf(whole), { 'bin/tool': 'elf' });
  if (hasTool('tar')) t.equal(Buffer.compare(execFileSync('tar', ['-xzOf', small, 'bin/tool'], { maxBuffer: 16 * MiB }), elf), 0, 'tar extracts the ELF');
});

t.test('a .tar.bz2 bomb is stopped inside a block, within the ratio cap grace', { skip: hasTool('bzip2') ? false : 'bzip2 is not installed' }, async (t) => {
  // One bzip2 block holds ~45 MB of zeros: each 40 MiB chunk is a single block of ~50 bytes.
  const bz = (b: Buffer): Buffer => execFileSync('bzip2', ['-9c'], { input: b, maxBuffer: 64 * MiB });
  const file = write('bomb.tar.bz2', zerosBeforeElf(bz, 100 * 40 * MiB, 40 * MiB, elf));
  t.ok(readFileSync(file).length < 64 * 1024, `a few KB on disk (${readFileSync(file).length} bytes) for 4000 MiB of zeros`);
  const l = await inspectPath(file);
  t.equal(l.error, null);
  // 16 MiB out of the first 40 MiB block: the decoder was stopped half-way through it
  t.match(l.capped, /^maxRatio: the bzip2 stream expanded more than 100:1 \(16\.0 MiB from [\d.]+ KiB of compressed data\), in "zeros" \(header at offset 0\); nothing after it was read$/);
  t.equal(l.binaryCount, 0);
});

t.test('the ratio cap stops every decoder', async (t) => {
  const dir = path.join(root, 'ratio');
  mkdirSync(dir);
  const fd = openSync(path.join(dir, 'zeros'), 'w');
  ftruncateSync(fd, 64 * MiB);
  closeSync(fd);
  writeFileSync(path.join(dir, 'zz-tool'), elf);
  for (const [flag, kind, tool] of [['-z', 'gzip', 'gzip'], ['-j', 'bzip2', 'bzip2'], ['-J', 'xz', 'xz'], ['--zstd', 'zstd', 'zstd']]) {
    if (!hasTool(tool) || !hasTool('tar')) continue;
    const file = path.join(root, `ratio.${kind}`);
    run('tar', ['--sort=name', flag, '-cf', file, '-C', dir, '.']);
    const l = await inspectPath(file);
    t.match(l.capped, new RegExp(`^maxRatio: the ${kind} stream expanded more than 100:1 \\(16\\.0 MiB from .*\\), in "zeros" \\(header at offset 512\\); nothing after it was read$`), `${kind}: capped by ratio`);
    t.equal(l.error, null, `${kind}: not an error`);
    const raised = await inspectPath(file, { maxRatio: 1_000_000 });
    t.same(binariesOf(raised), { 'zz-tool': 'elf' }, `${kind}: with the ratio cap lifted the ELF is found`);
  }
});

t.test('every reader failure names the member and its offset, and nothing throws', async (t) => {
  // a tarball of one text file and the ELF, damaged in the ELF's data in each compressor
  const plain = Buffer.concat([tarHeader('README', 6), Buffer.from('hello\n'), tarPad(6), tarHeader('bin/tool', elf.length), elf, tarPad(elf.length), Buffer.alloc(1024)]);
  const cut = 1024 + 512 + 20000; // inside bin/tool's data
  const cases: [string, Buffer, RegExp][] = [
    ['cut.tar', plain.subarray(0, cut), /^tar: unexpected end of data in "bin\/tool" \(header at offset 1024\)$/],
    ['cut.tar.gz', gzipSync(plain).subarray(0, 5000), /^gzip: unexpected end of file in "bin\/tool" \(header at offset 1024\)$/],
  ];
  if (hasTool('bzip2')) {
    const bz = execFileSync('bzip2', ['-c'], { input: plain });
    cases.push(['cut.tar.bz2', bz.subarray(0, bz.length - 200), /^bzip2: unexpected end of data at the start of the bzip2 stream, before the first member$/]);
  }
  const badZip = makeZip([{ name: 'README', data: Buffer.from('hi') }, { name: 'bin/tool', data: elf }]);
  const second = 30 + 'README'.length + deflateRawSync(Buffer.from('hi')).length;
  badZip[second + 30 + 'bin/tool'.length] = 0xff; // reserved deflate block type
  cases.push(['bad.zip', badZip, new RegExp(`^zip: member "bin/tool" \\(local header at offset ${second}\\): deflate: `)]);
  for (const [name, data, want] of cases) {
    const l = await inspectPath(write(name, data));
    t.match(l.error, want, `${name}: ${l.error}`);
  }
});
