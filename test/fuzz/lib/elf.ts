/**
 * Class `elf`: ELF files (this machine's /usr/bin/true and a system library, hand-made
 * 32/64-bit, little/big-endian ones with Go build info) truncated, bit-flipped, or with
 * bogus offsets, counts and sizes in the ELF, program and section headers. Each is both an
 * input source of the root (a single-file store path: its bytes make it prebuilt) and a file
 * in the root's output (read for ELF facts). The magic is kept, so the gate must fail (exit 1):
 * a damaged ELF is still a binary, and damage is a coverage gap, never an input error.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { buildElf } from '../../inspect/elf/builder.js';
import { builtDrv, storePath } from './graph.js';
import { putPath, scanStoreArgs, writeStore } from './store.js';
import type { GenContext, Generator, InputClass } from './context.js';
import type { FuzzCase, RunResult, Violation } from './runner.js';
import type { Rng } from './prng.js';

type Case = Omit<FuzzCase, 'cls' | 'kind' | 'seed' | 'cwd'>;

let seedCache: { name: string; buf: Buffer }[] | undefined;
function seeds(): { name: string; buf: Buffer }[] {
  if (seedCache) return seedCache;
  const out: { name: string; buf: Buffer }[] = [];
  for (const f of ['/usr/bin/true', '/usr/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libz.so.1'])
    if (existsSync(f) && !out.some((o) => o.name.endsWith(path.basename(f)))) out.push({ name: f, buf: readFileSync(realpathSync(f)) });
  out.push({
    name: 'hand-made 64-bit big-endian, Go build info',
    buf: buildElf({ endian: 'big', machine: 21, type: 3, interp: '/lib64/ld64.so.2', needed: ['libc.so.6'], runpath: '/a:/b', buildId: 'ab'.repeat(20), comment: ['GCC: (GNU) 13.2.0'], go: { format: 'pointers', version: 'go1.17', modinfo: 'path\tx\n' } }).buf,
  });
  out.push({ name: 'hand-made 32-bit, no sections', buf: buildElf({ cls: 32, sections: false, code: Buffer.alloc(300, 0x90) }).buf });
  out.push({
    name: 'hand-made 64-bit dynamic',
    buf: buildElf({ interp: '/lib64/ld-linux-x86-64.so.2', needed: ['libc.so.6', 'libm.so.6'], rpath: '$ORIGIN/../lib', buildId: 'cd'.repeat(20), comment: ['GCC: (Ubuntu 13.2.0) 13.2.0'], symtab: true }).buf,
  });
  return (seedCache = out);
}

interface Layout {
  is64: boolean;
  le: boolean;
}
const layout = (b: Buffer): Layout => ({ is64: b[4] === 2, le: b[5] !== 2 });
const put = (b: Buffer, l: Layout, at: number, size: 2 | 4 | 8, v: bigint): void => {
  if (at + size > b.length) return;
  if (size === 2) l.le ? b.writeUInt16LE(Number(v & 0xffffn), at) : b.writeUInt16BE(Number(v & 0xffffn), at);
  else if (size === 4) l.le ? b.writeUInt32LE(Number(v & 0xffffffffn), at) : b.writeUInt32BE(Number(v & 0xffffffffn), at);
  else l.le ? b.writeBigUInt64LE(v & 0xffffffffffffffffn, at) : b.writeBigUInt64BE(v & 0xffffffffffffffffn, at);
};
const get = (b: Buffer, l: Layout, at: number, size: 2 | 4 | 8): number => {
  if (at + size > b.length) return 0;
  if (size === 2) return l.le ? b.readUInt16LE(at) : b.readUInt16BE(at);
  if (size === 4) return l.le ? b.readUInt32LE(at) : b.readUInt32BE(at);
  return Number(l.le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at));
};

/** Header fields: [name, offset64, size64, offset32, size32] */
const EHDR: [string, number, 2 | 4 | 8, number, 2 | 4 | 8][] = [
  ['e_phoff', 32, 8, 28, 4],
  ['e_shoff', 40, 8, 32, 4],
  ['e_phentsize', 54, 2, 42, 2],
  ['e_phnum', 56, 2, 44, 2],
  ['e_shentsize', 58, 2, 46, 2],
  ['e_shnum', 60, 2, 48, 2],
  ['e_shstrndx', 62, 2, 50, 2],
];
// program header: p_offset, p_filesz (64: 8/8 at 8/32; 32: 4/4 at 4/16)
const PHDR: [string, number, 2 | 4 | 8, number, 2 | 4 | 8][] = [
  ['p_type', 0, 4, 0, 4],
  ['p_offset', 8, 8, 4, 4],
  ['p_filesz', 32, 8, 16, 4],
];
// section header: sh_name, sh_type, sh_offset, sh_size, sh_link
const SHDR: [string, number, 2 | 4 | 8, number, 2 | 4 | 8][] = [
  ['sh_name', 0, 4, 0, 4],
  ['sh_type', 4, 4, 4, 4],
  ['sh_offset', 24, 8, 16, 4],
  ['sh_size', 32, 8, 20, 4],
  ['sh_link', 40, 4, 24, 4],
];

function bogus(rng: Rng, len: number, size: 2 | 4 | 8): bigint {
  const max = size === 2 ? 0xffffn : size === 4 ? 0xffffffffn : 0xffffffffffffffffn;
  return rng.pick([0n, 1n, max, max - 1n, BigInt(len), BigInt(len - 1), BigInt(len + 1), 1n << BigInt(size * 8 - 1), BigInt(rng.int(len)), 0x7fffffffn]) & max;
}

function mutate(rng: Rng, src: Buffer, kind: string): { buf: Buffer; what: string } {
  const b = Buffer.from(src);
  const l = layout(b);
  const f = (t: [string, number, 2 | 4 | 8, number, 2 | 4 | 8]) => (l.is64 ? [t[1], t[2]] : [t[3], t[4]]) as [number, 2 | 4 | 8];
  if (kind === 'truncate') {
    const cut = rng.chance(0.6) ? rng.range(5, Math.min(b.length - 1, 4096)) : rng.range(5, b.length - 1);
    return { buf: b.subarray(0, cut), what: `cut at ${cut} of ${b.length}` };
  }
  if (kind === 'bit-flip') {
    const at: number[] = [];
    for (let i = rng.range(1, 8); i > 0; i--) {
      const k = rng.chance(0.7) ? rng.range(4, Math.min(b.length - 1, 1024)) : rng.range(4, b.length - 1);
      b[k] ^= 1 << rng.int(8);
      at.push(k);
    }
    return { buf: b, what: `bits flipped at ${at.join(',')}` };
  }
  if (kind === 'bogus-ehdr') {
    const t = rng.pick(EHDR);
    const [off, size] = f(t);
    const v = bogus(rng, b.length, size);
    put(b, l, off, size, v);
    return { buf: b, what: `${t[0]} = ${v}` };
  }
  const phoff = get(b, l, l.is64 ? 32 : 28, l.is64 ? 8 : 4);
  const phent = get(b, l, l.is64 ? 54 : 42, 2);
  const phnum = get(b, l, l.is64 ? 56 : 44, 2);
  const shoff = get(b, l, l.is64 ? 40 : 32, l.is64 ? 8 : 4);
  const shent = get(b, l, l.is64 ? 58 : 46, 2);
  const shnum = get(b, l, l.is64 ? 60 : 48, 2);
  if (kind === 'bogus-phdr' && phnum > 0) {
    const i = rng.int(phnum);
    const t = rng.pick(PHDR);
    const [off, size] = f(t);
    const v = t[0] === 'p_type' ? BigInt(rng.pick([1, 2, 3, 4, 7, 0x6474e550])) : bogus(rng, b.length, size);
    put(b, l, phoff + i * phent + off, size, v);
    return { buf: b, what: `program header ${i}: ${t[0]} = ${v}` };
  }
  if (shnum > 0) {
    const i = rng.int(shnum);
    const t = rng.pick(SHDR);
    const [off, size] = f(t);
    const v = t[0] === 'sh_type' ? BigInt(rng.pick([2, 3, 6, 7, 8, 11])) : bogus(rng, b.length, size);
    put(b, l, shoff + i * shent + off, size, v);
    return { buf: b, what: `section header ${i}: ${t[0]} = ${v}` };
  }
  return mutate(rng, src, 'bogus-ehdr');
}

/** The output ELF file is in the report: as a finding, or as a gap naming it. */
const reported = (r: RunResult): Violation[] => {
  if (r.code === 2 || !r.stdout.trimStart().startsWith('{')) return [];
  const rep = JSON.parse(r.stdout) as { elf?: { path: string }[]; coverage?: { gaps?: { path: string | null; detail: string }[] } };
  const seen = (rep.elf ?? []).some((e) => e.path.endsWith('/bin/tool')) || (rep.coverage?.gaps ?? []).some((g) => `${g.path} ${g.detail}`.includes('/bin/tool'));
  return seen ? [] : [{ name: 'elf-not-reported', detail: 'the output ELF file bin/tool is neither an ELF finding nor a coverage gap' }];
};

const gen = (kind: string): Generator => (ctx: GenContext): Case => {
  const s = ctx.rng.pick(seeds());
  const { buf, what } = mutate(ctx.rng, s.buf, kind);
  const storeRoot = path.join(ctx.dir, 'root');
  const tool = storePath(ctx.rng, 'tool');
  const [root, d] = builtDrv(ctx.rng, 'root-1.0', [], [tool]);
  writeStore(storeRoot, { [root]: d });
  putPath(storeRoot, tool, buf);
  putPath(storeRoot, d.outputs.out.path!, { 'bin/tool': buf, 'share/doc/README': Buffer.from('hello\n') });
  return {
    args: scanStoreArgs(storeRoot, root, ctx.shared.emptyAllowlist, ['--format', 'json']),
    expect: 'fail',
    why: `${s.name}: ${what}`,
    check: reported,
  };
};

export const elfClass: InputClass = {
  name: 'elf',
  weight: 15,
  kinds: { truncate: gen('truncate'), 'bit-flip': gen('bit-flip'), 'bogus-ehdr': gen('bogus-ehdr'), 'bogus-phdr': gen('bogus-phdr'), 'bogus-shdr': gen('bogus-shdr') },
};
