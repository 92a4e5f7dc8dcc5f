/**
 * Issue 13 item 4: the decoders are chosen per stream (node:zlib, zlib's zstd, the host's
 * xz / zstd / bzip2, or the portable JS / WebAssembly fallbacks). Whatever ran, a user must
 * see the same listing; a host decompressor that fails must fail the listing with one line,
 * and one that is no longer needed must be gone.
 */
import t from 'tap';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as zlib from 'node:zlib';
import { decoderFor, hostDecodersRunning } from '../../../src/inspect/archive/decompress.js';
import { inspectPath } from '../../../src/inspect/archive/index.js';
import { TREE_BINARIES, binariesOf, hasTool, makeTree, noise, run } from './fixtures/index.js';

const root = t.testdir({ tree: {} });
const tree = path.join(root, 'tree');
makeTree(tree);
// a large, poorly compressible member, so a cut lands inside the stream and not in its last block
writeFileSync(path.join(tree, 'zz-noise.bin'), Buffer.concat([noise(600_000, 'decoders'), Buffer.from('text '.repeat(200_000))]));

const CODECS = [
  { kind: 'xz', tool: 'xz', args: ['-6'] },
  { kind: 'zstd', tool: 'zstd', args: ['-q'] },
  { kind: 'bzip2', tool: 'bzip2', args: ['-1'] },
  { kind: 'gzip', tool: 'gzip', args: [] },
] as const;
const hasZlibZstd = typeof (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';

const withDecoders = async <T>(choice: string, f: () => Promise<T>): Promise<T> => {
  const before = process.env.SEEDAUDIT_ARCHIVE_DECODERS;
  process.env.SEEDAUDIT_ARCHIVE_DECODERS = choice;
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env.SEEDAUDIT_ARCHIVE_DECODERS;
    else process.env.SEEDAUDIT_ARCHIVE_DECODERS = before;
  }
};
const nameUnder = (choice: string, kind: (typeof CODECS)[number]['kind']): Promise<string> => withDecoders(choice, async () => decoderFor(kind).name);

t.test('the choice: native where it can be, the portable decoders when told', async (t) => {
  t.equal(await nameUnder('auto', 'gzip'), 'zlib');
  t.equal(await nameUnder('portable', 'gzip'), 'zlib', 'zlib is part of every Node: gzip has no other decoder');
  t.equal(await nameUnder('auto', 'zstd'), hasTool('zstd') ? 'host zstd' : hasZlibZstd ? 'zlib zstd' : 'fzstd', 'the host tool first: it was the faster');
  t.equal(await nameUnder('host', 'zstd'), await nameUnder('auto', 'zstd'), 'host is auto');
  t.equal(await nameUnder('node', 'zstd'), hasZlibZstd ? 'zlib zstd' : 'fzstd', 'node: no host process');
  t.same([await nameUnder('node', 'xz'), await nameUnder('node', 'bzip2'), await nameUnder('node', 'gzip')], ['xz-decompress', 'bzip2.ts', 'zlib']);
  t.equal(await nameUnder('auto', 'xz'), hasTool('xz') ? 'host xz' : 'xz-decompress');
  t.equal(await nameUnder('auto', 'bzip2'), hasTool('bzip2') ? 'host bzip2' : 'bzip2.ts');
  t.same(
    [await nameUnder('portable', 'zstd'), await nameUnder('portable', 'xz'), await nameUnder('portable', 'bzip2')],
    ['fzstd', 'xz-decompress', 'bzip2.ts'],
  );
  const bad = await withDecoders('fast', () => inspectPath(path.join(root, 'nope.xz')));
  t.match(bad.error ?? '', /^ENOENT/, 'a missing file is still reported as missing');
  const file = path.join(root, 'one.xz');
  writeFileSync(file, Buffer.from('fd377a585a0000', 'hex'));
  const l = await withDecoders('fast', () => inspectPath(file));
  t.equal(l.error, 'xz: SEEDAUDIT_ARCHIVE_DECODERS must be auto, node, portable or host, not "fast" at the start of the xz stream, before the first member');
});

/** Every decoder choice that means something different here, for `kind`. */
const choicesFor = async (kind: (typeof CODECS)[number]['kind']): Promise<string[]> => {
  const seen = new Map<string, string>();
  for (const c of ['auto', 'node', 'host', 'portable']) {
    const name = await nameUnder(c, kind);
    if (![...seen.values()].includes(name)) seen.set(c, name);
  }
  return [...seen.keys()];
};

for (const c of CODECS) {
  t.test(`${c.kind}: every decoder gives the same listing of the same files`, { skip: hasTool(c.tool) && hasTool('tar') ? false : `${c.tool} is not installed` }, async (t) => {
    const choices = await choicesFor(c.kind);
    if (c.kind !== 'gzip') t.ok(choices.length >= 2, `${c.kind}: at least two decoders compared (${choices.join(', ')})`);
    const plain = path.join(root, `tree-${c.kind}.tar`);
    run('tar', ['--sort=name', '-cf', plain, '-C', tree, '.']);
    // bzip2 -1: 100 kB blocks, so a cut leaves whole blocks before it
    const tarball = path.join(root, `tree.${c.kind}`);
    run(c.tool, [...c.args, '-c', plain], undefined, tarball);
    // two streams back to back, split inside a member (pigz / pbzip2 / pzstd style)
    const whole = readFileSync(plain);
    const halves = [whole.subarray(0, whole.length >> 1), whole.subarray(whole.length >> 1)].map((h, i) => {
      const f = path.join(root, `half-${c.kind}-${i}`);
      writeFileSync(f, h);
      run(c.tool, [...c.args, '-c', f], undefined, `${f}.out`);
      return readFileSync(`${f}.out`);
    });
    const concat = path.join(root, `concat.${c.kind}`);
    writeFileSync(concat, Buffer.concat(halves));
    // one compressed file (not a tar): its size is learnt by decoding it all
    const single = path.join(root, `single-${c.kind}`);
    run(c.tool, [...c.args, '-c', path.join(tree, 'bin/true')], undefined, single);
    // the same tarball cut at 70%: the error and what was read before it
    const cut = path.join(root, `cut.${c.kind}`);
    const full = readFileSync(tarball);
    writeFileSync(cut, full.subarray(0, Math.floor(full.length * 0.7)));

    for (const file of [tarball, concat, single, cut]) {
      const listings = [];
      for (const choice of choices) {
        const l = await withDecoders(choice, () => inspectPath(file));
        t.equal(hostDecodersRunning(), 0, `${path.basename(file)} (${choice}): no host decompressor left running`);
        listings.push(l);
      }
      for (let i = 1; i < listings.length; i++) t.same(listings[i], listings[0], `${path.basename(file)}: ${choices[i]} lists what ${choices[0]} lists`);
      const l = listings[0];
      if (file === cut) {
        t.match(l.error, new RegExp(`^${c.kind}: unexpected end of (data|file) in "[^"]+" \\(header at offset \\d+\\)$`), `cut: one line naming the format and the member (${l.error})`);
        t.ok(l.members > 0, 'cut: the members before the cut are kept');
      } else if (file === single) {
        t.same([l.format, l.error, l.binaries], [c.kind, null, [{ member: `single-${c.kind}`, kind: 'elf', size: readFileSync(path.join(tree, 'bin/true')).length }]]);
      } else {
        t.equal(l.error, null);
        t.same(binariesOf(l), TREE_BINARIES, `${path.basename(file)}: every binary found`);
      }
    }
  });
}

t.test('a host decompressor is killed when the walk stops early or a cap is hit', { skip: hasTool('xz') && hasTool('tar') ? false : 'xz is not installed' }, async (t) => {
  const file = path.join(root, 'early.tar.xz');
  run('tar', ['--sort=name', '-J', '-cf', file, '-C', tree, '.']);
  await withDecoders('host', async () => {
    t.equal(decoderFor('xz').name, 'host xz');
    const members = await inspectPath(file, { maxMembers: 2 });
    t.match(members.capped, /^maxMembers: stopped after 2 members; /);
    t.equal(hostDecodersRunning(), 0, 'gone after the member cap');
    const bytes = await inspectPath(file, { maxBytes: 64 * 1024 });
    t.match(bytes.capped, /^maxBytes: stopped after 64\.0 KiB of decompressed data \(xz stream, /);
    t.equal(hostDecodersRunning(), 0, 'gone after the byte cap');
    // and it is not left in a state that blocks the next one: two at once, both whole
    const [a, b] = await Promise.all([inspectPath(file), inspectPath(file)]);
    t.same([a.error, b.error, binariesOf(a), binariesOf(b)], [null, null, TREE_BINARIES, TREE_BINARIES]);
  });
});

t.test('what a host decompressor only warns about still fails the listing (fail closed)', { skip: hasTool('bzip2') ? false : 'bzip2 is not installed' }, async (t) => {
  // bzip2 -d exits 0 on data after the end of the stream, with a warning on stderr
  const file = path.join(root, 'trailing.bz2');
  run('bzip2', ['-c', path.join(tree, 'bin/true')], undefined, file);
  writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from('trailing bytes that are no bzip2 stream\n')]));
  for (const choice of ['host', 'portable']) {
    const l = await withDecoders(choice, () => inspectPath(file));
    t.match(l.error, /^bzip2: trailing data after the end of the stream/, `${choice}: ${l.error}`);
    t.equal(l.binaries[0]?.size, -1, `${choice}: the size is not claimed`);
  }
});

t.test('garbage behind a valid magic fails every decoder with one line', async (t) => {
  const magics = { xz: 'fd377a585a000004e6d6b446', bzip2: '425a6839', zstd: '28b52ffd0458' } as const;
  for (const [kind, hex] of Object.entries(magics) as [keyof typeof magics, string][]) {
    const file = path.join(root, `garbage-${kind}`);
    writeFileSync(file, Buffer.concat([Buffer.from(hex, 'hex'), noise(70_000, kind)]));
    for (const choice of await choicesFor(kind)) {
      const l = await withDecoders(choice, () => inspectPath(file));
      t.match(l.error, new RegExp(`^${kind}: [^\\n]+$`), `${kind} (${choice}): ${l.error}`);
      t.equal(l.binaryCount, 0);
      t.equal(hostDecodersRunning(), 0);
    }
  }
});

t.test('a host decompressor reading the file itself: its input is still counted for the ratio cap', { skip: hasTool('zstd') && hasTool('tar') ? false : 'zstd is not installed' }, async (t) => {
  // 20 MiB that does not compress, then 64 MiB of zeros: with maxRatio 2 the cap must let the
  // first member through (its input is counted as the tool reads it) and stop in the zeros.
  const dir = path.join(root, 'ratio-direct');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'a-random'), noise(20 * 1024 * 1024, 'direct'));
  writeFileSync(path.join(dir, 'b-zeros'), Buffer.alloc(64 * 1024 * 1024));
  const file = path.join(root, 'ratio-direct.tar.zst');
  run('tar', ['--sort=name', '--zstd', '-cf', file, '-C', dir, '.']);
  const size = statSync(file).size;
  for (const choice of await choicesFor('zstd')) {
    const l = await withDecoders(choice, () => inspectPath(file, { maxRatio: 2 }));
    t.match(l.capped, /^maxRatio: the zstd stream expanded more than 2:1 \(([\d.]+) MiB from ([\d.]+) MiB of compressed data\), in "b-zeros" \(header at offset \d+\); nothing after it was read$/, `${choice}: ${l.capped}`);
    const [, out, inp] = /\(([\d.]+) MiB from ([\d.]+) MiB/.exec(l.capped ?? '') ?? [];
    t.ok(Number(inp) >= 20 && Number(inp) * 1024 * 1024 <= size, `${choice}: the input counted (${inp} MiB) is what was read, at most the file (${size} bytes)`);
    t.ok(Number(out) <= 2 * Number(inp) + 0.1, `${choice}: the output stops at the ratio`);
    t.equal(hostDecodersRunning(), 0);
  }
});
