import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { inspectPath } from '../../../src/inspect/archive/index.js';
import { TREE_BINARIES, binariesOf, hasTool, makeTree, noise, realElf, run, tarHeader } from './fixtures/index.js';

const root = t.testdir({ tree: {} });
const tree = path.join(root, 'tree');
const entries = makeTree(tree);
/** `tar -C tree .` also lists "." itself */
const TAR_ENTRIES = entries.length + 1;

const tarOf = (out: string, ...flags: string[]): string => {
  const file = path.join(root, out);
  run('tar', ['--sort=name', ...flags, '-cf', file, '-C', tree, '.']);
  return file;
};

const compressions: { flag: string; format: string; ext: string; tool: string }[] = [
  { flag: '', format: 'tar', ext: 'tar', tool: 'tar' },
  { flag: '-z', format: 'tar.gz', ext: 'tar.gz', tool: 'gzip' },
  { flag: '-J', format: 'tar.xz', ext: 'tar.xz', tool: 'xz' },
  { flag: '-j', format: 'tar.bz2', ext: 'tar.bz2', tool: 'bzip2' },
  { flag: '--zstd', format: 'tar.zst', ext: 'tar.zst', tool: 'zstd' },
];

for (const c of compressions) {
  t.test(`${c.format}: every member counted, every binary found`, { skip: hasTool(c.tool) ? false : `${c.tool} is not installed` }, async (t) => {
    // Named without an extension: the format must come from the bytes.
    const file = tarOf(`sample-${c.ext.replace(/\./g, '-')}`, ...(c.flag ? [c.flag] : []));
    const l = await inspectPath(file);
    t.equal(l.error, null);
    t.equal(l.capped, null);
    t.equal(l.format, c.format);
    t.equal(l.members, TAR_ENTRIES);
    t.same(binariesOf(l), TREE_BINARIES);
    t.equal(l.binaryCount, Object.keys(TREE_BINARIES).length);
    t.same(l.byKind, { elf: 2, 'shared-object': 1, 'static-library': 1, object: 1, 'java-class': 1, pyc: 1, pe: 1, 'mach-o': 2, jar: 1, wheel: 1 });
    const libz = l.binaries.find((b) => b.member === 'lib/libz.so.1');
    t.equal(libz?.size, readFileSync(path.join(tree, 'lib/libz.so.1')).length, 'size is the member size');
  });
}

// gnu: 'L' long-name records; posix: pax 'x' records; ustar: the prefix field.
for (const format of ['gnu', 'posix', 'ustar']) {
  t.test(`long names in ${format} format`, async (t) => {
    const file = tarOf(`names-${format}.tar`, `--format=${format}`);
    const l = await inspectPath(file);
    t.equal(l.error, null);
    t.equal(l.members, TAR_ENTRIES);
    t.same(binariesOf(l), TREE_BINARIES);
  });
}

t.test('pax global header path and per-file size records are honoured', async (t) => {
  // Hand-made: a 'g' record, then an 'x' record renaming the next file.
  const block = (name: string, type: string, size: number): Buffer => tarHeader(name, size, { type });
  const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
  // "<len> key=value\n", where len counts the bytes of the whole record including itself
  const record = (k: string, v: string): string => {
    const body = Buffer.byteLength(` ${k}=${v}\n`);
    let n = body + 1;
    while (String(n).length + body !== n) n = String(n).length + body;
    return `${n} ${k}=${v}\n`;
  };
  const elf = readFileSync(realElf());
  const pax = Buffer.from(record('path', 'renamed/ünïcode-elf'));
  const tar = Buffer.concat([
    block('pax_global_header', 'g', 0),
    block('PaxHeaders/x', 'x', pax.length),
    pad(pax),
    block('short-name', '0', elf.length),
    pad(elf),
    block('plain.txt', '0', 3),
    pad(Buffer.from('hi\n')),
    Buffer.alloc(1024),
  ]);
  const file = path.join(root, 'pax.tar');
  writeFileSync(file, tar);
  const l = await inspectPath(file);
  t.equal(l.error, null);
  t.equal(l.members, 2, 'pax headers are not members');
  t.same(l.binaries, [{ member: 'renamed/ünïcode-elf', kind: 'elf', size: elf.length }]);
});

t.test('a single compressed file that is not a tar is classified itself', async (t) => {
  const dir = path.join(root, 'single');
  mkdirSync(dir);
  const elf = path.join(dir, 'prog');
  writeFileSync(elf, readFileSync(realElf()));
  run('gzip', ['-k', elf]);
  const gz = await inspectPath(`${elf}.gz`);
  t.equal(gz.error, null);
  t.equal(gz.format, 'gzip');
  t.equal(gz.members, 1);
  t.same(gz.binaries, [{ member: 'prog', kind: 'elf', size: readFileSync(elf).length }]);

  const text = path.join(dir, 'notes.txt');
  writeFileSync(text, 'plain words\n'.repeat(100));
  run('xz', ['-k', text]);
  const xz = await inspectPath(`${text}.xz`);
  t.equal(xz.error, null);
  t.equal(xz.format, 'xz');
  t.equal(xz.members, 1);
  t.equal(xz.binaryCount, 0);
});

t.test('truncated and corrupt compressed tarballs: error set, partial results kept, no throw', async (t) => {
  const plain = tarOf('cut-src.tar');
  // bzip2 -1 (100 kB blocks): a block is decoded only whole, so the default 900 kB block
  // would hold the entire sample and a cut would leave nothing to keep.
  const compress: Record<string, string[]> = { gzip: ['gzip'], xz: ['xz'], bzip2: ['bzip2', '-1'], zstd: ['zstd', '-q'] };
  for (const c of compressions) {
    if (!hasTool(c.tool)) continue;
    const [tool, ...args] = compress[c.tool] ?? [];
    if (tool) run(tool, [...args, '-k', '-f', '-c', plain], undefined, path.join(root, `cut-src.${c.ext}`));
    const whole = readFileSync(tool ? path.join(root, `cut-src.${c.ext}`) : plain);
    const cut = path.join(root, `cut.${c.ext}`);
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.7)));
    const l = await inspectPath(cut);
    t.equal(l.format, c.format, `${c.format}: detected`);
    const prefix = c.format === 'tar' ? 'tar' : { 'tar.gz': 'gzip', 'tar.xz': 'xz', 'tar.bz2': 'bzip2', 'tar.zst': 'zstd' }[c.format];
    t.match(l.error, new RegExp(`^${prefix}: `), `${c.format}: error names the layer that broke (${l.error})`);
    t.ok(l.members > 0 && l.members < TAR_ENTRIES, `${c.format}: members before the cut are kept (${l.members})`);
    t.equal(l.capped, null);
  }
  // Same magic, garbage after it: every decoder must fail cleanly, and a later healthy
  // archive of the same kind must still decode (xz-decompress holds a process-wide lock).
  const magics: Record<string, string> = { gzip: '1f8b0800', xz: 'fd377a585a000004e6d6b446', bzip2: '425a6839', zstd: '28b52ffd0458' };
  for (const [name, hex] of Object.entries(magics)) {
    const bad = path.join(root, `garbage.${name}`);
    writeFileSync(bad, Buffer.concat([Buffer.from(hex, 'hex'), noise(70000, name)]));
    const l = await inspectPath(bad);
    t.match(l.error, new RegExp(`^${name}: `), `${name}: garbage reported (${l.error})`);
    t.equal(l.binaryCount, 0);
  }
  if (hasTool('xz')) {
    const l = await inspectPath(tarOf('after-garbage.tar.xz', '-J'));
    t.equal(l.error, null, 'a healthy .tar.xz after the broken ones still decodes');
    t.equal(l.members, TAR_ENTRIES);
  }
});

t.test('a damaged header in the middle stops the walk with an error', async (t) => {
  const whole = Buffer.from(readFileSync(tarOf('damaged-src.tar')));
  // The 3rd header: "." is first, then README.md (one data block), then bin/.
  const third = 512 + 512 + 512;
  whole.write('garbage!', third + 10, 'latin1');
  const file = path.join(root, 'damaged.tar');
  writeFileSync(file, whole);
  const l = await inspectPath(file);
  t.equal(l.error, `tar: bad checksum in the header at offset ${third} (after "README.md")`);
  t.equal(l.members, 2);
});

t.test('maxMembers stops the walk and says so', async (t) => {
  const l = await inspectPath(tarOf('cap.tar.gz', '-z'), { maxMembers: 5 });
  t.equal(l.members, 5);
  // GNU tar's own block numbers (-R) say where the 6th header is
  const blocks = execFileSync('tar', ['-tzRf', path.join(root, 'cap.tar.gz')], { encoding: 'utf8' });
  const sixth = Number(/^block (\d+): \.\/bin\/true-link$/m.exec(blocks)?.[1]);
  t.equal(l.capped, `maxMembers: stopped after 5 members; "bin/true-link" (header at offset ${sixth * 512}) and every entry after it were not read`);
  t.equal(l.error, null);
  // "." README.md bin/ bin/script.sh bin/true: the 5th is the only binary reached
  t.same(binariesOf(l), { 'bin/true': 'elf' });
});

t.test('maxBytes stops a decompression bomb in every decoder', async (t) => {
  const dir = path.join(root, 'bomb');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'zeros'), Buffer.alloc(4 * 1024 * 1024));
  writeFileSync(path.join(dir, 'zz-after'), readFileSync(realElf()));
  for (const c of compressions) {
    if (!hasTool(c.tool)) continue;
    const file = path.join(root, `bomb.${c.ext}`);
    run('tar', ['--sort=name', ...(c.flag ? [c.flag] : []), '-cf', file, '-C', dir, '.']);
    const l = await inspectPath(file, { maxBytes: 1024 * 1024 });
    t.equal(l.error, null, `${c.format}: the cap is not an error`);
    if (c.format === 'tar') {
      // An uncompressed tar is read by seeking over member data: nothing is decompressed.
      t.equal(l.capped, null);
      t.same(binariesOf(l), { 'zz-after': 'elf' });
    } else {
      t.match(
        l.capped,
        /^maxBytes: stopped after 1\.0 MiB of decompressed data \((gzip|xz|bzip2|zstd) stream, [\d.]+ (bytes|KiB|MiB) of it read\), in "zeros" \(header at offset 512\); nothing after it was read$/,
        `${c.format}: capped, saying which cap and where`,
      );
      t.equal(l.binaryCount, 0, `${c.format}: nothing past the cap was looked at`);
    }
  }
});

t.test('concatenated compressed streams (pigz, pbzip2, pixz, pzstd style) are read to the end', async (t) => {
  const plain = readFileSync(tarOf('concat-src.tar'));
  // Split inside the shared library's data, so the walk has to cross the stream boundary.
  const cut = Math.floor(plain.length / 2);
  const halves = [plain.subarray(0, cut), plain.subarray(cut)].map((b, i) => {
    const f = path.join(root, `half${i}`);
    writeFileSync(f, b);
    return f;
  });
  const tools: Record<string, string[]> = { gzip: ['gzip'], xz: ['xz'], bzip2: ['bzip2'], zstd: ['zstd', '-q'] };
  for (const c of compressions) {
    if (c.format === 'tar' || !hasTool(c.tool)) continue;
    const [tool, ...args] = tools[c.tool];
    const parts = halves.map((h, i) => {
      const out = path.join(root, `half${i}.${c.ext}`);
      run(tool, [...args, '-c', h], undefined, out);
      return readFileSync(out);
    });
    const file = path.join(root, `concat.${c.ext}`);
    writeFileSync(file, Buffer.concat(parts));
    const l = await inspectPath(file);
    t.equal(l.error, null, `${c.format}: no error`);
    t.equal(l.members, TAR_ENTRIES, `${c.format}: all members`);
    t.same(binariesOf(l), TREE_BINARIES, `${c.format}: all binaries`);
  }
});

t.test('xz: stopping early and running two at once both release the decoder', { skip: hasTool('xz') ? false : 'xz is not installed', timeout: 60_000 }, async (t) => {
  const file = tarOf('twice.tar.xz', '-J');
  const capped = await inspectPath(file, { maxMembers: 2 });
  t.match(capped.capped, /^maxMembers: stopped after 2 members; /);
  // xz-decompress lets one stream decode at a time; a stream left open would block these.
  const [a, b] = await Promise.all([inspectPath(file), inspectPath(file)]);
  t.equal(a.members, TAR_ENTRIES);
  t.equal(b.members, TAR_ENTRIES);
  t.same(binariesOf(a), TREE_BINARIES);
  t.same(binariesOf(b), TREE_BINARIES);
});
