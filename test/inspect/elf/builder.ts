/**
 * Builds small ELF files byte by byte for the tests: either class, either byte order, with
 * or without section headers, and with the parts the reader looks at (PT_INTERP, a dynamic
 * section with its string table, a build-id note, .comment, .symtab, .go.buildinfo).
 *
 * Layout: ELF header, program headers, then the parts in order, then the section header
 * table. One PT_LOAD maps the whole file at BASE + file offset, so every part has the
 * virtual address BASE + its offset (that is what DT_STRTAB and Go's pointers hold).
 */

export const BASE = 0x400000;

export interface GoInfo {
  format: 'inline' | 'pointers';
  version: string;
  /** runtime.modinfo without the 16-byte sentinels; framed by the builder */
  modinfo: string;
  /** pointers format only: byte order of the pointers (default: the file's) */
  bigEndian?: boolean;
}

export interface ElfSpec {
  cls?: 32 | 64;
  endian?: 'little' | 'big';
  /** e_type: 2 EXEC (default), 3 DYN, 1 REL */
  type?: number;
  /** e_machine: default 62 (x86-64) for 64-bit, 3 (i386) for 32-bit */
  machine?: number;
  interp?: string;
  needed?: string[];
  soname?: string;
  rpath?: string;
  runpath?: string;
  flags1?: number;
  /** hex */
  buildId?: string;
  /** where the build-id note is listed: a PT_NOTE segment, a .note section, or both (default) */
  notesIn?: 'segment' | 'section' | 'both';
  /** false: no section header table at all (e_shoff = e_shnum = e_shentsize = 0) */
  sections?: boolean;
  comment?: string[];
  symtab?: boolean;
  go?: GoInfo;
  /** code bytes put in the file (default 16 bytes) */
  code?: Buffer;
}

export interface Built {
  buf: Buffer;
  /** file offsets of the parts, for tests that corrupt them */
  at: {
    phoff: number;
    phentsize: number;
    phnum: number;
    shoff: number;
    shentsize: number;
    shnum: number;
    /** offset of each program header entry by kind: load, interp, dynamic, note */
    ph: Record<string, number>;
    /** offset of each section header entry by section name */
    sh: Record<string, number>;
    /** offset of each part's contents by name (.interp, .dynamic, .dynstr, …) */
    part: Record<string, number>;
    /** boundaries of every header and part, sorted: the interesting places to cut */
    boundaries: number[];
  };
}

// Go's cmd/go/internal/modload infoStart / infoEnd sentinels
const GO_INFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const GO_INFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');
const GO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');

class Out {
  private readonly parts: { off: number; buf: Buffer }[] = [];
  size = 0;
  align(a: number): void {
    this.size = Math.ceil(this.size / a) * a;
  }
  add(buf: Buffer, align = 1): number {
    this.align(align);
    const off = this.size;
    this.parts.push({ off, buf });
    this.size += buf.length;
    return off;
  }
  reserve(len: number, align = 1): number {
    return this.add(Buffer.alloc(len), align);
  }
  bytes(): Buffer {
    const out = Buffer.alloc(this.size);
    for (const p of this.parts) p.buf.copy(out, p.off);
    return out;
  }
}

/** Little/big-endian field writer over a fixed buffer. */
export class Fields {
  constructor(
    readonly buf: Buffer,
    readonly le: boolean,
  ) {}
  u8(o: number, v: number): void {
    this.buf[o] = v;
  }
  u16(o: number, v: number): void {
    if (this.le) this.buf.writeUInt16LE(v, o);
    else this.buf.writeUInt16BE(v, o);
  }
  u32(o: number, v: number): void {
    if (this.le) this.buf.writeUInt32LE(v >>> 0, o);
    else this.buf.writeUInt32BE(v >>> 0, o);
  }
  u64(o: number, v: number | bigint): void {
    if (this.le) this.buf.writeBigUInt64LE(BigInt(v), o);
    else this.buf.writeBigUInt64BE(BigInt(v), o);
  }
}

const cstr = (s: string): Buffer => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]);

function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}

function note(le: boolean, type: number, name: string, desc: Buffer): Buffer {
  const n = cstr(name);
  const nPad = Math.ceil(n.length / 4) * 4;
  const dPad = Math.ceil(desc.length / 4) * 4;
  const b = Buffer.alloc(12 + nPad + dPad);
  const f = new Fields(b, le);
  f.u32(0, n.length);
  f.u32(4, desc.length);
  f.u32(8, type);
  n.copy(b, 12);
  desc.copy(b, 12 + nPad);
  return b;
}

export function buildElf(spec: ElfSpec = {}): Built {
  const is64 = (spec.cls ?? 64) === 64;
  const le = (spec.endian ?? 'little') === 'little';
  const W = is64 ? 8 : 4;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const withSections = spec.sections ?? true;
  const notesIn = spec.notesIn ?? 'both';
  const dyn: [number, string | number][] = [];
  for (const n of spec.needed ?? []) dyn.push([1, n]);
  if (spec.soname !== undefined) dyn.push([14, spec.soname]);
  if (spec.rpath !== undefined) dyn.push([15, spec.rpath]);
  if (spec.runpath !== undefined) dyn.push([29, spec.runpath]);
  if (spec.flags1 !== undefined) dyn.push([0x6ffffffb, spec.flags1]);
  const hasDynamic = dyn.length > 0;

  const phKinds = ['load'];
  if (spec.interp !== undefined) phKinds.push('interp');
  if (hasDynamic) phKinds.push('dynamic');
  if (spec.buildId !== undefined && notesIn !== 'section') phKinds.push('note');

  const out = new Out();
  out.reserve(ehsize);
  const phoff = out.reserve(phentsize * phKinds.length);
  const part: Record<string, number> = {};
  const sizes: Record<string, number> = {};
  const put = (name: string, buf: Buffer, align = 1): void => {
    part[name] = out.add(buf, align);
    sizes[name] = buf.length;
  };

  if (spec.interp !== undefined) put('.interp', cstr(spec.interp));
  if (spec.buildId !== undefined) put('.note.gnu.build-id', note(le, 3, 'GNU', Buffer.from(spec.buildId, 'hex')), 4);
  put('.text', spec.code ?? Buffer.alloc(16, 0x90), 16);

  // dynamic string table, then the dynamic section pointing into it
  if (hasDynamic) {
    const strs: Buffer[] = [Buffer.alloc(1)];
    let len = 1;
    const index = new Map<string, number>();
    for (const [, v] of dyn) {
      if (typeof v !== 'string' || index.has(v)) continue;
      index.set(v, len);
      const b = cstr(v);
      strs.push(b);
      len += b.length;
    }
    put('.dynstr', Buffer.concat(strs));
    const dynEntries: [number, number][] = dyn.map(([tag, v]) => [tag, typeof v === 'string' ? index.get(v)! : v]);
    dynEntries.push([5, BASE + part['.dynstr']], [10, sizes['.dynstr']], [0, 0]);
    const db = Buffer.alloc(dynEntries.length * 2 * W);
    const f = new Fields(db, le);
    dynEntries.forEach(([tag, val], i) => {
      if (is64) {
        f.u64(i * 16, tag);
        f.u64(i * 16 + 8, val);
      } else {
        f.u32(i * 8, tag);
        f.u32(i * 8 + 4, val);
      }
    });
    put('.dynamic', db, W);
  }

  if (spec.go) {
    const g = spec.go;
    const mod = Buffer.concat([GO_INFO_START, Buffer.from(g.modinfo, 'utf8'), GO_INFO_END]);
    const header = Buffer.alloc(32);
    GO_MAGIC.copy(header, 0);
    header[14] = W;
    if (g.format === 'inline') {
      header[15] = 2 | (le ? 0 : 1);
      const v = Buffer.from(g.version, 'utf8');
      put('.go.buildinfo', Buffer.concat([header, uvarint(v.length), v, uvarint(mod.length), mod]), 16);
    } else {
      const big = g.bigEndian ?? !le;
      header[15] = big ? 1 : 0;
      const pf = new Fields(header, !big);
      const vData = out.add(Buffer.from(g.version, 'utf8'));
      const mData = out.add(mod);
      const strHdr = (data: number, len: number): Buffer => {
        const b = Buffer.alloc(2 * W);
        const f = new Fields(b, !big);
        if (W === 8) {
          f.u64(0, BASE + data);
          f.u64(8, len);
        } else {
          f.u32(0, BASE + data);
          f.u32(4, len);
        }
        return b;
      };
      const vHdr = out.add(strHdr(vData, Buffer.byteLength(g.version)), W);
      const mHdr = out.add(strHdr(mData, mod.length), W);
      if (W === 8) {
        pf.u64(16, BASE + vHdr);
        pf.u64(24, BASE + mHdr);
      } else {
        pf.u32(16, BASE + vHdr);
        pf.u32(20, BASE + mHdr);
      }
      put('.go.buildinfo', header, 16);
    }
  }

  if (spec.comment) put('.comment', Buffer.concat(spec.comment.map(cstr)));
  if (spec.symtab) put('.symtab', Buffer.alloc(is64 ? 24 : 16), W);

  // section headers: null, then every part that is a section, then .shstrtab
  const secNames = withSections ? Object.keys(part).filter((n) => n.startsWith('.')) : [];
  let shoff = 0;
  let shnum = 0;
  const sh: Record<string, number> = {};
  const names = ['', ...secNames, '.shstrtab'];
  const nameOff = new Map<string, number>();
  if (withSections) {
    const strs: Buffer[] = [];
    let len = 0;
    for (const n of names) {
      nameOff.set(n, len);
      const b = cstr(n);
      strs.push(b);
      len += b.length;
    }
    put('.shstrtab', Buffer.concat(strs));
    shnum = names.length;
    shoff = out.reserve(shentsize * shnum, W);
    names.forEach((n, i) => (sh[n === '' ? '(null)' : n] = shoff + i * shentsize));
  }

  const buf = out.bytes();
  const f = new Fields(buf, le);

  // ELF header
  buf.write('\x7fELF', 0, 'latin1');
  f.u8(4, is64 ? 2 : 1);
  f.u8(5, le ? 1 : 2);
  f.u8(6, 1);
  f.u16(16, spec.type ?? 2);
  f.u16(18, spec.machine ?? (is64 ? 62 : 3));
  f.u32(20, 1);
  if (is64) {
    f.u64(24, BASE + part['.text']);
    f.u64(32, phoff);
    f.u64(40, shoff);
    f.u16(52, ehsize);
    f.u16(54, phentsize);
    f.u16(56, phKinds.length);
    f.u16(58, withSections ? shentsize : 0);
    f.u16(60, shnum);
    f.u16(62, withSections ? shnum - 1 : 0);
  } else {
    f.u32(24, BASE + part['.text']);
    f.u32(28, phoff);
    f.u32(32, shoff);
    f.u16(40, ehsize);
    f.u16(42, phentsize);
    f.u16(44, phKinds.length);
    f.u16(46, withSections ? shentsize : 0);
    f.u16(48, shnum);
    f.u16(50, withSections ? shnum - 1 : 0);
  }

  // program headers
  const ph: Record<string, number> = {};
  const PT: Record<string, number> = { load: 1, dynamic: 2, interp: 3, note: 4 };
  const extent: Record<string, [number, number, number]> = {
    load: [0, buf.length, 0x1000],
    interp: [part['.interp'] ?? 0, sizes['.interp'] ?? 0, 1],
    dynamic: [part['.dynamic'] ?? 0, sizes['.dynamic'] ?? 0, W],
    note: [part['.note.gnu.build-id'] ?? 0, sizes['.note.gnu.build-id'] ?? 0, 4],
  };
  phKinds.forEach((k, i) => {
    const o = phoff + i * phentsize;
    ph[k] = o;
    const [off, size, align] = extent[k];
    if (is64) {
      f.u32(o, PT[k]);
      f.u32(o + 4, k === 'load' ? 7 : 4);
      f.u64(o + 8, off);
      f.u64(o + 16, BASE + off);
      f.u64(o + 24, BASE + off);
      f.u64(o + 32, size);
      f.u64(o + 40, size);
      f.u64(o + 48, align);
    } else {
      f.u32(o, PT[k]);
      f.u32(o + 4, off);
      f.u32(o + 8, BASE + off);
      f.u32(o + 12, BASE + off);
      f.u32(o + 16, size);
      f.u32(o + 20, size);
      f.u32(o + 24, k === 'load' ? 7 : 4);
      f.u32(o + 28, align);
    }
  });

  // section headers
  if (withSections) {
    const TYPE: Record<string, number> = { '.note.gnu.build-id': 7, '.dynstr': 3, '.dynamic': 6, '.symtab': 2, '.shstrtab': 3 };
    names.forEach((n, i) => {
      if (i === 0) return;
      const o = shoff + i * shentsize;
      const type = TYPE[n] ?? 1;
      const off = part[n];
      const size = sizes[n];
      const alloc = n !== '.comment' && n !== '.symtab' && n !== '.shstrtab';
      const addr = alloc ? BASE + off : 0;
      const link = n === '.dynamic' ? names.indexOf('.dynstr') : 0;
      const align = n === '.dynamic' || n === '.symtab' ? W : n === '.note.gnu.build-id' ? 4 : 1;
      f.u32(o, nameOff.get(n)!);
      f.u32(o + 4, type);
      if (is64) {
        f.u64(o + 8, alloc ? 2 : 0);
        f.u64(o + 16, addr);
        f.u64(o + 24, off);
        f.u64(o + 32, size);
        f.u32(o + 40, link);
        f.u32(o + 44, 0);
        f.u64(o + 48, align);
        f.u64(o + 56, n === '.dynamic' ? 16 : 0);
      } else {
        f.u32(o + 8, alloc ? 2 : 0);
        f.u32(o + 12, addr);
        f.u32(o + 16, off);
        f.u32(o + 20, size);
        f.u32(o + 24, link);
        f.u32(o + 28, 0);
        f.u32(o + 32, align);
        f.u32(o + 36, n === '.dynamic' ? 8 : 0);
      }
    });
  }
  if (notesIn === 'segment' && withSections && sh['.note.gnu.build-id'] !== undefined) {
    // listed only as a segment: turn the note section into a plain PROGBITS section
    f.u32(sh['.note.gnu.build-id'] + 4, 1);
  }

  const boundaries = new Set<number>([0, 16, ehsize, buf.length]);
  for (let i = 0; i <= phKinds.length; i++) boundaries.add(phoff + i * phentsize);
  for (let i = 0; i <= shnum; i++) boundaries.add(shoff + i * shentsize);
  for (const [n, o] of Object.entries(part)) {
    boundaries.add(o);
    boundaries.add(o + sizes[n]);
  }
  return {
    buf,
    at: {
      phoff,
      phentsize,
      phnum: phKinds.length,
      shoff,
      shentsize: withSections ? shentsize : 0,
      shnum,
      ph,
      sh,
      part,
      boundaries: [...boundaries].filter((b) => b <= buf.length).sort((a, b) => a - b),
    },
  };
}

/** Deterministic PRNG (mulberry32), so a failing mutation can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
