/**
 * Class `archive`: an input source of the root that is an archive holding an ELF file among
 * text files (tar, tar.gz/xz/bz2/zst, zip, ar, .deb, a compressed single ELF), truncated,
 * bit-flipped, with bogus sizes, unsupported zip methods, sparse tar members, and small
 * bombs. Scanned with --fail-on unknown: the ELF is either found (prebuilt) or the listing is
 * incomplete (unknown, with evidence), so the gate must fail (exit 1) and the input must never
 * be called source. Flips inside a member's stored bytes (where no container checksum reaches)
 * and in a stream's magic are not held to that; they must still meet the rest of the contract.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { buildElf } from '../../inspect/elf/builder.js';
import { builtDrv, storePath } from './graph.js';
import { putPath, scanStoreArgs, writeStore } from './store.js';
import { CODECS, EXT, MAGIC_LEN, compress, compressFile, deflatedZeros, writeZeros, makeAr, makeDeb, makeTar, makeZip, setTarChecksum, tarHeader, type Built, type Codec, type Member } from './archive-writers.js';
import type { GenContext, Generator, InputClass, Shared } from './context.js';
import { cliPath, type Expect, type FuzzCase, type RunResult, type Violation } from './runner.js';
import { Rng } from './prng.js';

type Case = Omit<FuzzCase, 'cls' | 'kind' | 'seed' | 'cwd'>;
type Format = 'tar' | `tar.${Codec}` | 'zip' | 'ar' | 'deb' | `single.${Codec}`;
const FORMATS: Format[] = ['tar', 'tar.gzip', 'tar.xz', 'tar.bzip2', 'tar.zstd', 'zip', 'ar', 'deb', 'single.gzip', 'single.xz', 'single.zstd'];

const elfBytes = (rng: Rng): Buffer =>
  rng.chance(0.3) && existsSync('/usr/bin/true')
    ? readFileSync('/usr/bin/true')
    : buildElf({ interp: '/lib64/ld-linux-x86-64.so.2', needed: ['libc.so.6'], buildId: rng.bytes(20).toString('hex'), code: rng.bytes(rng.range(16, 2000)) }).buf;

function members(rng: Rng): Member[] {
  const text: Member[] = [{ name: 'pkg-1.0/README', data: Buffer.from('hello world\n'.repeat(rng.range(1, 300))) }];
  if (rng.chance(0.5)) text.push({ name: 'pkg-1.0/share/data.bin', data: rng.bytes(rng.range(0, 20_000)) });
  const elf: Member = { name: 'pkg-1.0/bin/tool', data: elfBytes(rng) };
  const at = rng.int(text.length + 1);
  return [...text.slice(0, at), elf, ...text.slice(at)];
}

interface Made {
  buf: Buffer;
  /** [start, end) ranges a flip is allowed to silently change (member data, magic) */
  exempt: [number, number][];
  built?: Built;
  ext: string;
}

function make(rng: Rng, format: Format, ms: Member[]): Made {
  const magic = (n: number): [number, number] => [0, n];
  if (format === 'tar') {
    const b = makeTar(ms);
    return { buf: b.buf, exempt: b.exempt, built: b, ext: 'tar' };
  }
  if (format.startsWith('tar.')) {
    const codec = format.slice(4) as Codec;
    return { buf: compress(codec, makeTar(ms).buf), exempt: [magic(MAGIC_LEN[codec])], ext: `tar.${EXT[codec]}` };
  }
  if (format.startsWith('single.')) {
    const codec = format.slice(7) as Codec;
    const elf = ms.find((m) => m.name.endsWith('/tool'))!;
    return { buf: compress(codec, elf.data), exempt: [magic(MAGIC_LEN[codec])], ext: `tool.${EXT[codec]}` };
  }
  if (format === 'zip') {
    for (const m of ms) m.method ??= rng.pick([0, 8, 8]);
    const b = makeZip(ms);
    return { buf: b.buf, exempt: [magic(4), ...b.exempt], built: b, ext: 'zip' };
  }
  if (format === 'ar') {
    const b = makeAr(ms.map((m) => ({ ...m, name: m.name.split('/').pop()! })));
    return { buf: b.buf, exempt: [magic(8)], built: b, ext: 'a' };
  }
  const codec = rng.pick<Codec | null>(['gzip', 'xz', 'zstd', null]);
  const b = makeDeb(makeTar(ms).buf, codec);
  const data = b.members[2];
  return { buf: b.buf, exempt: [magic(8), ...(codec ? [] : [[data.data, data.data + data.size] as [number, number]])], built: b, ext: 'deb' };
}

/** The archive input: prebuilt (ELF found) or unknown with evidence; never source. */
export const classified = (r: RunResult): Violation[] => {
  if (r.code === 2 || !r.stdout.trimStart().startsWith('{')) return [];
  const rep = JSON.parse(r.stdout) as { inputs: { kind: string; name: string; class: string; evidence: { rule: string; detail: string }[] }[] };
  const i = rep.inputs.find((x) => x.kind === 'input-src' && (x.name.startsWith('pkg') || x.name === 'source'));
  if (!i) return [{ name: 'input-missing', detail: 'the archive input is not in the report' }];
  if (i.class === 'prebuilt') return [];
  if (i.class === 'unknown' && i.evidence.length) return [];
  return [{ name: 'called-source', detail: `the archive input is ${i.class}: ${JSON.stringify(i.evidence).slice(0, 300)}` }];
};

/**
 * A root with one input source (the archive) and an output that is in the store. Under
 * --store-root the runtime closure is never queried, a coverage gap every such scan has; a
 * baseline made once per run from a clean scan accepts exactly that gap, so the gate fails
 * (exit 1) on the archive input and nothing else.
 */
function storeCase(ctx: GenContext, src: string, fill: (storeRoot: string) => void): { storeRoot: string; root: string; args: string[] } {
  const storeRoot = path.join(ctx.dir, 'root');
  const [root, d] = builtDrv(ctx.rng, 'root-1.0', [], [src]);
  writeStore(storeRoot, { [root]: d });
  putPath(storeRoot, d.outputs.out.path!, { 'share/doc/README': Buffer.from('hello\n') });
  fill(storeRoot);
  return { storeRoot, root, args: scanStoreArgs(storeRoot, root, ctx.shared.emptyAllowlist, ['--fail-on', 'unknown', '--format', 'json', '--baseline', baseline(ctx.shared)]) };
}

let baselineFile: string | undefined;
/** The JSON report of a clean scan (a text-only tarball): its only gate item is the closure gap. */
function baseline(shared: Shared): string {
  const file = path.join(shared.cacheDir, 'archive-baseline.json');
  if (baselineFile === file) return file;
  const dir = path.join(shared.cacheDir, 'baseline-store');
  const rng = new Rng(1);
  const src = storePath(rng, 'pkg-1.0.tar');
  const [root, d] = builtDrv(rng, 'root-1.0', [], [src]);
  writeStore(dir, { [root]: d });
  putPath(dir, d.outputs.out.path!, { 'share/doc/README': Buffer.from('hello\n') });
  putPath(dir, src, makeTar([{ name: 'pkg-1.0/README', data: Buffer.from('hello\n') }]).buf);
  const r = spawnSync(process.execPath, [cliPath, ...scanStoreArgs(dir, root, shared.emptyAllowlist, ['--fail-on', 'unknown', '--format', 'json', '--output', file])], { encoding: 'utf8' });
  if (r.status !== 1 && r.status !== 0) throw new Error(`baseline scan failed (exit ${r.status}): ${r.stderr}`);
  const rep = JSON.parse(readFileSync(file, 'utf8')) as { gate: { items: { kind: string }[] } };
  const other = rep.gate.items.filter((i) => i.kind !== 'uninspected');
  if (other.length) throw new Error(`the baseline scan has gate items besides the closure gap: ${JSON.stringify(other)}`);
  baselineFile = file;
  return file;
}

function scan(ctx: GenContext, buf: Buffer, ext: string, expect: Expect, why: string): Case {
  const src = storePath(ctx.rng, `pkg-1.0.${ext}`);
  const { args } = storeCase(ctx, src, (storeRoot) => putPath(storeRoot, src, buf));
  return { args, expect, why, check: expect === 'fail' ? classified : undefined };
}

const inside = (ranges: [number, number][], at: number) => ranges.some(([a, b]) => at >= a && at < b);

const kinds: Record<string, Generator> = {
  valid: (ctx) => {
    const f = ctx.rng.pick(FORMATS);
    const m = make(ctx.rng, f, members(ctx.rng));
    return scan(ctx, m.buf, m.ext, 'fail', `well-formed ${f} (${m.buf.length} bytes) holding an ELF`);
  },
  truncate: (ctx) => {
    const f = ctx.rng.pick(FORMATS);
    const m = make(ctx.rng, f, members(ctx.rng));
    // keep the magic so it is still recognisably this format; cut before the end-of-archive padding
    const tail = f === 'tar' ? 1024 : f.startsWith('tar.') || f === 'deb' ? 0 : 0;
    const cut = ctx.rng.range(8, Math.max(9, m.buf.length - tail - 1));
    return scan(ctx, m.buf.subarray(0, cut), m.ext, 'fail', `${f} cut at ${cut} of ${m.buf.length}`);
  },
  'bit-flip': (ctx) => {
    const f = ctx.rng.pick(FORMATS);
    const m = make(ctx.rng, f, members(ctx.rng));
    const b = Buffer.from(m.buf);
    const at: number[] = [];
    let exempt = false;
    for (let i = ctx.rng.range(1, 3); i > 0; i--) {
      const k = ctx.rng.int(b.length);
      b[k] ^= 1 << ctx.rng.int(8);
      at.push(k);
      if (inside(m.exempt, k)) exempt = true;
    }
    return scan(ctx, b, m.ext, exempt ? 'read' : 'fail', `${f}: bits flipped at ${at.join(',')} of ${b.length}${exempt ? ' (in member data or magic)' : ''}`);
  },
  'bogus-size': (ctx) => {
    const f = ctx.rng.pick<Format>(['tar', 'zip', 'ar', 'tar.gzip']);
    const ms = members(ctx.rng);
    if (f === 'tar' || f === 'tar.gzip') {
      const b = makeTar(ms);
      const r = ctx.rng.pick(b.members);
      const v = ctx.rng.pick([0, 1, r.size + 1, Math.max(0, r.size - 1), r.size + 512, 0o77777777777, b.buf.length]);
      const h = b.buf.subarray(r.header, r.header + 512);
      h.write(v.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
      setTarChecksum(h);
      const out = f === 'tar' ? b.buf : gzipSync(b.buf);
      return scan(ctx, out, f === 'tar' ? 'tar' : 'tar.gz', 'fail', `${f}: member ${r.name} size ${r.size} -> ${v} (checksum fixed)`);
    }
    if (f === 'zip') {
      const b = makeZip(ms.map((m) => ({ ...m, method: ctx.rng.pick([0, 8]) })));
      const r = ctx.rng.pick(b.members);
      const ci = b.members.indexOf(r);
      // central entry offsets: walk the directory
      let cd = b.marks.centralDirectory;
      for (let i = 0; i < ci; i++) cd += 46 + b.buf.readUInt16LE(cd + 28) + b.buf.readUInt16LE(cd + 30) + b.buf.readUInt16LE(cd + 32);
      const fields: [string, number][] = [
        ['local compressed size', r.header + 18],
        ['local uncompressed size', r.header + 22],
        ['local name length', r.header + 26],
        ['local extra length', r.header + 28],
        ['central compressed size', cd + 20],
        ['central uncompressed size', cd + 24],
        ['central name length', cd + 28],
        ['central extra length', cd + 30],
        ['central local-header offset', cd + 42],
        ['end: entries on disk', b.marks.endRecord + 8],
        ['end: entries', b.marks.endRecord + 10],
        ['end: directory size', b.marks.endRecord + 12],
        ['end: directory offset', b.marks.endRecord + 16],
      ];
      const [what, off] = ctx.rng.pick(fields);
      const wide = /size|offset/.test(what) && !/length/.test(what) && !/entries/.test(what);
      const v = ctx.rng.pick(wide ? [0, 1, 0xffffffff, 0x7fffffff, b.buf.length, b.buf.length + 1] : [0, 1, 0xffff, 2, 1000]);
      if (wide) b.buf.writeUInt32LE(v >>> 0, off);
      else b.buf.writeUInt16LE(v & 0xffff, off);
      return scan(ctx, b.buf, 'zip', 'fail', `zip: ${what} of ${r.name} = ${v}`);
    }
    const b = makeAr(ms.map((m) => ({ ...m, name: m.name.split('/').pop()! })));
    const r = ctx.rng.pick(b.members);
    const v = ctx.rng.pick(['0', '9999999999', String(r.size + 1), '-1', 'abc', '']);
    b.buf.write(v.padEnd(10, ' ').slice(0, 10), r.sizeField!, 'latin1');
    return scan(ctx, b.buf, 'a', 'fail', `ar: member ${r.name} size -> ${JSON.stringify(v)}`);
  },
  'zip-method': (ctx) => {
    const method = ctx.rng.pick([12, 14, 93, 95, 99, 1, 6, 9]);
    const ms = members(ctx.rng).map((m) => {
      if (!m.name.endsWith('/tool')) return { ...m, method: 8 };
      const data = method === 12 ? compress('bzip2', m.data) : method === 93 ? compress('zstd', m.data) : method === 95 ? compress('xz', m.data) : ctx.rng.bytes(m.data.length);
      return { ...m, data, method };
    });
    // the local/central uncompressed size is the ELF's, the stored bytes are the method's
    const b = makeZip(ms);
    return scan(ctx, b.buf, 'zip', 'fail', `zip: the ELF member stored with method ${method}`);
  },
  'sparse-tar': (ctx) => {
    const sparse = ctx.rng.pick<'gnu' | 'pax'>(['gnu', 'pax']);
    const ms = members(ctx.rng).map((m) => (m.name.endsWith('/tool') ? { ...m, sparse } : m));
    const tar = makeTar(ms).buf;
    const codec = ctx.rng.pick<Codec | null>([null, 'gzip', 'xz']);
    return scan(ctx, codec ? compress(codec, tar) : tar, codec ? `tar.${EXT[codec]}` : 'tar', 'fail', `${codec ? `tar.${EXT[codec]}` : 'tar'}: the ELF member written as a ${sparse === 'gnu' ? "GNU sparse ('S')" : 'PAX 1.0 sparse'} file`);
  },
  'source-tree': (ctx) => {
    // a directory input: special files, link loops and deep nesting beside the ELF
    const src = storePath(ctx.rng, 'source');
    const depth = ctx.rng.pick([1, 50, 300]);
    const extras: string[] = [];
    const { args } = storeCase(ctx, src, (storeRoot) => {
      const top = path.join(storeRoot, src);
      const deep = path.join(top, ...Array.from({ length: depth }, (_, i) => `d${i % 10}`));
      mkdirSync(deep, { recursive: true });
      writeFileSync(path.join(top, 'README'), 'hello\n');
      writeFileSync(path.join(ctx.rng.chance(0.5) ? deep : top, 'tool'), elfBytes(ctx.rng));
      for (const what of ['fifo', 'loop', 'dev-zero', 'outside', 'self'].filter(() => ctx.rng.chance(0.6))) {
        const at = path.join(ctx.rng.chance(0.5) ? deep : top, `x-${what}`);
        if (what === 'fifo') execFileSync('mkfifo', [at]);
        else if (what === 'loop') symlinkSync(at, at);
        else if (what === 'dev-zero') symlinkSync('/dev/zero', at);
        else if (what === 'outside') symlinkSync('/etc', at);
        else symlinkSync('.', at);
        extras.push(what);
      }
    });
    return {
      args,
      expect: 'fail',
      why: `a source directory ${depth} levels deep holding an ELF, with ${extras.join(', ') || 'nothing else'}`,
      timeoutMs: 10_000,
      check: classified,
    };
  },
  bomb: (ctx) => {
    const f = ctx.rng.pick<'tar.gzip' | 'tar.xz' | 'tar.zstd' | 'tar.bzip2' | 'zip'>(['tar.gzip', 'tar.zstd', 'tar.xz', 'zip', 'tar.bzip2']);
    const { file, mib } = bombFile(ctx.shared, f, ctx.rng);
    return scan(ctx, readFileSync(file), f === 'zip' ? 'zip' : `tar.${EXT[f.slice(4) as Codec]}`, 'fail', `${f}: a ${mib} MiB member of zeros before the ELF`);
  },
};

/** Bombs are made once per run and format, streamed to files (never held whole in memory). */
function bombFile(shared: Shared, f: string, rng: Rng): { file: string; mib: number } {
  const mib = shared.long ? (f === 'tar.bzip2' ? 256 : 1024) : f === 'tar.bzip2' ? 32 : f === 'tar.xz' ? 64 : 128;
  const file = path.join(shared.cacheDir, `bomb-${mib}.${f}`);
  if (!existsSync(file)) {
    const elf = { name: 'pkg-1.0/bin/tool', data: elfBytes(rng) };
    if (f === 'zip') {
      writeFileSync(file, makeZip([{ name: 'pkg-1.0/zeros', data: Buffer.alloc(0), method: 8, raw: deflatedZeros(mib) }, { ...elf, method: 8 }]).buf);
    } else {
      const tarFile = `${file}.tar`;
      const fd = openSync(tarFile, 'w');
      try {
        writeSync(fd, tarHeader('pkg-1.0/zeros', mib * 1024 * 1024));
        writeZeros(fd, mib);
        writeSync(fd, makeTar([elf]).buf);
      } finally {
        closeSync(fd);
      }
      compressFile(f.slice(4) as Codec, tarFile, file);
      rmSync(tarFile);
    }
  }
  return { file, mib };
}

export const archiveClass: InputClass = { name: 'archive', weight: 25, kinds, caps: { bomb: 1 } };
void CODECS;
void deflateRawSync;
