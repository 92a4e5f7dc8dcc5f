/**
 * The ELF fact extractor proper, written once for every way of getting bytes (an open file
 * or a Buffer holding an archive member): it starts from the bytes it is given (the file's
 * first bytes, or all of them) and asks a synchronous `read(offset, length)` for any other
 * range it needs. That is how it reads only the ranges it needs (libraries can be hundreds
 * of MB) without caring whether the read is a syscall or a subarray.
 *
 * It decodes the headers itself, straight from the bytes read: no per-entry Buffer slices,
 * objects or name strings beyond what the facts need (a tree has thousands of ELF files with
 * dozens of sections each, and that garbage was a good part of the time per file). It used
 * to be a generator driven by an async and a sync reader; the generator frames and the elfy
 * decoder per entry cost more than the reads, and nothing needs the async reader any more.
 *
 * Files are hostile input: every count is capped, every offset is checked against the file
 * size before it is read, the bytes read per file are budgeted, and a broken part of a file
 * costs only the facts that depend on it (the problem is reported in `error`). Nothing here
 * throws to the caller and no loop runs longer than a capped count.
 */
import type { ElfFacts } from '../../model/report.js';
import {
  DF_1_PIE,
  DT_FLAGS_1,
  DT_NEEDED,
  DT_NULL,
  DT_RPATH,
  DT_RUNPATH,
  DT_SONAME,
  DT_STRSZ,
  DT_STRTAB,
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  NT_GNU_BUILD_ID,
  PN_XNUM,
  SHN_XINDEX,
  machineName,
  typeName,
} from './constants.js';
import { decodeGoHeader, findGoBlob, modinfoPath, readPtr } from './go.js';

/**
 * Bytes [offset, offset+length) of the file: fewer only at its end. May throw (an I/O error
 * is reported as "read error: …"). The returned Buffer may be a view of a buffer the caller
 * reuses after the parse: the parser keeps no reference once it returns.
 */
export type ReadFn = (offset: number, length: number) => Buffer;

const KiB = 1024;
const MiB = 1024 * KiB;

export const LIMITS = {
  /** program headers and section headers, each */
  maxHeaders: 65535,
  /** total bytes requested from one file, whatever it claims about itself */
  maxBytesPerFile: 64 * MiB,
  /** separate reads from one file (real files need fewer than ten) */
  maxReads: 4096,
  /** PT_INTERP (PATH_MAX) */
  maxInterp: 4 * KiB,
  /** one DT_NEEDED / DT_RPATH / DT_RUNPATH / DT_SONAME string (a Nix RUNPATH can be long) */
  maxDynString: 64 * KiB,
  maxDynamicEntries: 65536,
  /** DT_NEEDED + DT_RPATH + DT_RUNPATH + DT_SONAME entries whose strings are read */
  maxDynStrings: 4096,
  /** note sections or segments searched for the build-id (real files have a handful) */
  maxNoteRegions: 64,
  /** dynamic-string offsets closer together than this are fetched with one read */
  stringWindow: 256 * KiB,
  maxShstrtab: 1 * MiB,
  maxNoteBytes: 1 * MiB,
  maxBuildIdBytes: 1 * KiB,
  maxCommentBytes: 1 * MiB,
  maxCommentStrings: 1000,
  maxCommentLength: 4 * KiB,
  maxGoBytes: 1 * MiB,
  maxGoVersion: 1 * KiB,
  maxGoModinfo: 1 * MiB,
  /** read before the section header table: .shstrtab normally sits just there */
  shdrLeadIn: 1 * KiB,
} as const;

/** A problem with the file's contents (not with reading it). */
class ElfError extends Error {}

// p_type and sh_type values we act on
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const PT_NOTE = 4;
const SHT_SYMTAB = 2;
const SHT_DYNAMIC = 6;
const SHT_NOTE = 7;
const SHT_NOBITS = 8;

interface Program {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
  align: number;
}

interface Section {
  nameIndex: number;
  type: number;
  off: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
}

/** Where the sections the facts come from are (indices into the table, -1 for none). */
interface SectionIndex {
  symtab: boolean;
  dynamic: number;
  notes: number[];
  comment: number;
  go: number;
}

const EMPTY = Buffer.alloc(0);

/** The ELF header fields the parse uses (e_phoff … e_shstrndx). */
interface Header {
  phoff: number;
  shoff: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

class Parse {
  /** byte ranges read so far (the first one is the head the parse was given) */
  private readonly chunkOff: number[] = [];
  private readonly chunkBuf: Buffer[] = [];
  private bytesRead = 0;
  private readonly errors: string[] = [];
  private hdr!: Header;
  private is64 = false;
  private le = true;
  private etype = -1;

  private cls?: 'ELF32' | 'ELF64';
  private endian?: 'little' | 'big';
  private machine?: string;
  private type?: string;
  /** null until read, and when the table cannot be read; [] when the file has none */
  private programs: Program[] | null = null;
  /**
   * Number of section headers: null until read, and when the table cannot be read; 0 when
   * the file has none. The entries stay in `shTable` and are decoded where used: a file has
   * dozens of sections and the parse needs the types of all of them but the rest of few.
   */
  private shCount: number | null = null;
  private shTable: Buffer = EMPTY;
  private shEnt = 0;
  private shIndex?: SectionIndex;
  /** the section name table; section names were read (needed to find .comment and .go.buildinfo) */
  private names: Buffer | null = null;
  private extendedPhnum?: number;
  private interpreter?: string | null;
  private needed?: string[];
  private runpath?: string[];
  private rpath?: string[];
  private soname?: string | null;
  private flags1 = 0;
  private buildId?: string | null;
  private comment?: string[];
  private go?: { version: string | null; path: string | null } | null;

  constructor(
    private readonly path: string,
    private readonly size: number,
    head: Buffer,
    private readonly read: ReadFn,
  ) {
    if (head.length > 0) {
      this.chunkOff.push(0);
      this.chunkBuf.push(head.length > size ? head.subarray(0, size) : head);
    }
  }

  // ---- bytes ---------------------------------------------------------------------------

  /** [off, off+len) of the file; `before`/`after` widen the read (not the result) to save later reads. */
  private bytes(off: number, len: number, what: string, before = 0, after = 0): Buffer {
    if (!(Number.isSafeInteger(off) && Number.isSafeInteger(len) && off >= 0 && len >= 0 && off + len <= this.size)) {
      throw new ElfError(`${what} (offset ${hex(off)}, ${len} bytes) lies outside the file (${this.size} bytes)`);
    }
    for (let i = 0; i < this.chunkOff.length; i++) {
      const c = this.chunkOff[i];
      const b = this.chunkBuf[i];
      if (c <= off && off + len <= c + b.length) return b.subarray(off - c, off - c + len);
    }
    const start = Math.max(0, off - before);
    const end = Math.min(this.size, off + len + after);
    if (this.bytesRead + (end - start) > LIMITS.maxBytesPerFile) {
      throw new ElfError(`reading ${what} would pass the limit of ${LIMITS.maxBytesPerFile / MiB} MiB read per file`);
    }
    if (this.chunkOff.length >= LIMITS.maxReads) throw new ElfError(`reading ${what} would pass the limit of ${LIMITS.maxReads} reads per file`);
    this.bytesRead += end - start;
    const buf = this.read(start, end - start);
    if (buf.length < end - start) throw new ElfError(`the file ended early while reading ${what} (it changed while being read?)`);
    this.chunkOff.push(start);
    this.chunkBuf.push(buf);
    return buf.subarray(off - start, off - start + len);
  }

  /** A NUL-terminated string at `off`, not reading at or past `end`. */
  private cstring(off: number, end: number, cap: number, what: string): string {
    let len = Math.min(end - off, KiB, cap);
    for (;;) {
      const b = this.bytes(off, len, what);
      const z = b.indexOf(0);
      if (z >= 0) return b.toString('utf8', 0, z);
      if (len >= end - off) throw new ElfError(`${what} at ${hex(off)} is not NUL-terminated`);
      if (len >= cap) throw new ElfError(`${what} at ${hex(off)} is longer than ${cap} bytes`);
      len = Math.min(end - off, cap, len * 16);
    }
  }

  private u16(b: Buffer, o: number): number {
    return this.le ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }
  private u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }
  /** 64-bit values beyond 2^53 lose precision; they are then rejected as offsets anyway. */
  private u64(b: Buffer, o: number): number {
    const lo = this.le ? b.readUInt32LE(o) : b.readUInt32BE(o + 4);
    const hi = this.le ? b.readUInt32LE(o + 4) : b.readUInt32BE(o);
    return hi * 0x100000000 + lo;
  }
  private word(b: Buffer, o: number): number {
    return this.is64 ? this.u64(b, o) : this.u32(b, o);
  }

  /** Runs one part of the parse; an ElfError there is recorded and the other parts go on. */
  private soft(step: () => void): void {
    try {
      step();
    } catch (e) {
      if (e instanceof ElfError) this.errors.push(e.message);
      else throw e;
    }
  }

  // ---- section names -------------------------------------------------------------------

  /**
   * Section `s` is named `name` (ASCII). Compared on the bytes: the name as a string would
   * be the bytes up to the NUL (at most 256), UTF-8 decoded, and a decoded string equals an
   * ASCII name exactly when the bytes do.
   */
  private nameIs(i: number, name: string): boolean {
    const names = this.names;
    if (names === null) return false;
    const at = this.u32(this.shTable, i * this.shEnt);
    if (at >= names.length) return false;
    const end = at + name.length;
    if (end > names.length) return false;
    for (let k = 0; k < name.length; k++) if (names[at + k] !== name.charCodeAt(k)) return false;
    return end === names.length || names[end] === 0;
  }

  /** The name of section `i` ('' when names were not read or it has none). */
  private nameOf(i: number): string {
    const names = this.names;
    if (names === null) return '';
    const at = this.u32(this.shTable, i * this.shEnt);
    if (at >= names.length) return '';
    const z = names.indexOf(0, at);
    return names.toString('utf8', at, z < 0 ? names.length : Math.min(z, at + 256));
  }

  /**
   * The sections the facts come from, found in one pass over the table (the first match of
   * each, as a search per fact would find it). Names are only known when the name table
   * could be read; without it, no section matches by name.
   */
  private index(): SectionIndex {
    if (this.shIndex) return this.shIndex;
    const x: SectionIndex = { symtab: false, dynamic: -1, notes: [], comment: -1, go: -1 };
    const n = this.shCount ?? 0;
    for (let i = 0; i < n; i++) {
      const type = this.u32(this.shTable, i * this.shEnt + 4);
      if (type === SHT_SYMTAB) x.symtab = true;
      else if (type === SHT_NOTE) x.notes.push(i);
      if (x.dynamic < 0 && (type === SHT_DYNAMIC || (type === SHT_NOBITS && this.nameIs(i, '.dynamic')))) x.dynamic = i;
      if (type !== SHT_NOBITS && this.names !== null) {
        if (x.comment < 0 && this.nameIs(i, '.comment')) x.comment = i;
        else if (x.go < 0 && this.nameIs(i, '.go.buildinfo')) x.go = i;
      }
    }
    return (this.shIndex = x);
  }

  // ---- the parse -----------------------------------------------------------------------

  run(): void {
    const head = this.bytes(0, Math.min(this.size, 64), 'ELF header');
    if (head.length < 16) throw new ElfError(`truncated ELF identification (${this.size} bytes)`);
    const cls = head[4];
    const data = head[5];
    if (cls !== ELFCLASS32 && cls !== ELFCLASS64) throw new ElfError(`invalid ELF class ${cls}`);
    if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) throw new ElfError(`invalid ELF data encoding ${data}`);
    this.is64 = cls === ELFCLASS64;
    this.le = data === ELFDATA2LSB;
    this.cls = this.is64 ? 'ELF64' : 'ELF32';
    this.endian = this.le ? 'little' : 'big';
    const ehsize = this.is64 ? 64 : 52;
    if (head.length < ehsize) throw new ElfError(`truncated ELF header (${this.size} bytes, an ${this.cls} header has ${ehsize})`);
    this.etype = this.u16(head, 16);
    this.type = typeName(this.etype);
    this.machine = machineName(this.u16(head, 18));
    this.hdr = this.is64
      ? {
          phoff: this.u64(head, 32),
          shoff: this.u64(head, 40),
          phentsize: this.u16(head, 54),
          phnum: this.u16(head, 56),
          shentsize: this.u16(head, 58),
          shnum: this.u16(head, 60),
          shstrndx: this.u16(head, 62),
        }
      : {
          phoff: this.u32(head, 28),
          shoff: this.u32(head, 32),
          phentsize: this.u16(head, 42),
          phnum: this.u16(head, 44),
          shentsize: this.u16(head, 46),
          shnum: this.u16(head, 48),
          shstrndx: this.u16(head, 50),
        };

    // Sections first: with extended numbering the program header count lives in section 0.
    this.soft(() => this.readSections());
    this.soft(() => this.readPrograms());
    if (this.programs) this.soft(() => this.readInterp());
    this.soft(() => this.readDynamic());
    this.soft(() => this.readBuildId());
    if (this.shCount !== null && (this.names !== null || this.shCount === 0)) {
      this.soft(() => this.readComment());
      this.soft(() => this.readGo());
    }
  }

  /** Section header `i` of the table. */
  private sectionAt(i: number): Section {
    return this.section(this.shTable, i * this.shEnt);
  }

  /** The section header entry at `at` in `b` (Elf32_Shdr or Elf64_Shdr). */
  private section(b: Buffer, at: number): Section {
    return this.is64
      ? {
          nameIndex: this.u32(b, at),
          type: this.u32(b, at + 4),
          off: this.u64(b, at + 24),
          size: this.u64(b, at + 32),
          link: this.u32(b, at + 40),
          info: this.u32(b, at + 44),
          addralign: this.u64(b, at + 48),
        }
      : {
          nameIndex: this.u32(b, at),
          type: this.u32(b, at + 4),
          off: this.u32(b, at + 16),
          size: this.u32(b, at + 20),
          link: this.u32(b, at + 24),
          info: this.u32(b, at + 28),
          addralign: this.u32(b, at + 32),
        };
  }

  private readSections(): void {
    const h = this.hdr;
    if (h.shoff === 0) {
      this.shCount = 0; // no section header table at all (the stage0 seeds)
      return;
    }
    const entSize = this.is64 ? 64 : 40;
    if (h.shentsize < entSize) throw new ElfError(`section header size ${h.shentsize} is smaller than ${entSize}`);
    let count = h.shnum;
    if (count === 0 || h.shstrndx === SHN_XINDEX || h.phnum === PN_XNUM) {
      // extended numbering: the real counts live in section 0
      const zero = this.section(this.bytes(h.shoff, h.shentsize, 'section header 0'), 0);
      if (count === 0) count = zero.size;
      if (h.phnum === PN_XNUM) this.extendedPhnum = zero.info;
    }
    if (count === 0) {
      this.shCount = 0;
      return;
    }
    if (count > LIMITS.maxHeaders) throw new ElfError(`${count} section headers (at most ${LIMITS.maxHeaders} are read)`);
    this.shTable = this.bytes(h.shoff, count * h.shentsize, 'section header table', LIMITS.shdrLeadIn);
    this.shEnt = h.shentsize;
    this.shCount = count;

    const strndx = h.shstrndx === SHN_XINDEX ? this.sectionAt(0).link : h.shstrndx;
    if (strndx === 0) return; // no section names
    if (strndx >= count) throw new ElfError(`section name table index ${strndx} is out of range (${count} sections)`);
    const st = this.sectionAt(strndx);
    if (st.type === SHT_NOBITS) throw new ElfError('the section name table has no contents');
    this.names = this.bytes(st.off, Math.min(st.size, LIMITS.maxShstrtab), 'section name table');
  }

  private readPrograms(): void {
    const h = this.hdr;
    let count = h.phnum;
    if (count === PN_XNUM) {
      if (this.extendedPhnum === undefined) throw new ElfError('e_phnum is PN_XNUM but section 0 cannot be read');
      count = this.extendedPhnum;
    }
    if (count === 0) {
      this.programs = [];
      return;
    }
    const entSize = this.is64 ? 56 : 32;
    if (h.phentsize < entSize) throw new ElfError(`program header size ${h.phentsize} is smaller than ${entSize}`);
    if (count > LIMITS.maxHeaders) throw new ElfError(`${count} program headers (at most ${LIMITS.maxHeaders} are read)`);
    const table = this.bytes(h.phoff, count * h.phentsize, 'program header table');
    const programs: Program[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const at = i * h.phentsize;
      programs[i] = this.is64
        ? { type: this.u32(table, at), offset: this.u64(table, at + 8), vaddr: this.u64(table, at + 16), filesz: this.u64(table, at + 32), align: this.u64(table, at + 48) }
        : { type: this.u32(table, at), offset: this.u32(table, at + 4), vaddr: this.u32(table, at + 8), filesz: this.u32(table, at + 16), align: this.u32(table, at + 28) };
    }
    this.programs = programs;
    // A loadable segment that the file does not hold means a truncated or doctored file;
    // for a seed (program headers and code only) this is the one check that can notice.
    for (let i = 0; i < count; i++) {
      const p = programs[i];
      if (p.type === PT_LOAD && !(p.offset + p.filesz <= this.size)) {
        throw new ElfError(`PT_LOAD segment ${i} (offset ${hex(p.offset)}, ${p.filesz} bytes) extends past the end of the file (${this.size} bytes)`);
      }
    }
  }

  private readInterp(): void {
    const p = this.programs?.find((x) => x.type === PT_INTERP);
    // filesz 0: the header survived but the contents did not (separate debug files)
    if (!p || p.filesz === 0) {
      this.interpreter = null;
      return;
    }
    const b = this.bytes(p.offset, Math.min(p.filesz, LIMITS.maxInterp), 'PT_INTERP');
    const z = b.indexOf(0);
    this.interpreter = b.toString('utf8', 0, z < 0 ? b.length : z);
  }

  /** File offset of a virtual address, through the PT_LOAD segment holding it. */
  private vaddrToOffset(vaddr: number): number | null {
    for (const p of this.programs ?? []) {
      if (p.type === PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return p.offset + (vaddr - p.vaddr);
    }
    return null;
  }

  private readDynamic(): void {
    // Like readelf: the PT_DYNAMIC segment, but the .dynamic section's extent when the file
    // has one (in separate debug files it is NOBITS: no dynamic data at all).
    const seg = this.programs?.find((x) => x.type === PT_DYNAMIC);
    const di = this.index().dynamic;
    const sec = di < 0 ? undefined : this.sectionAt(di);
    let off = 0;
    let size = 0;
    if (seg) {
      off = seg.offset;
      size = seg.filesz;
    }
    if (sec && (seg || this.programs === null)) {
      off = sec.off;
      size = sec.type === SHT_NOBITS ? 0 : sec.size;
    } else if (!seg && this.programs === null) {
      return; // program headers unreadable and no .dynamic section: unknown
    }
    const needed: number[] = [];
    const rpath: number[] = [];
    const runpath: number[] = [];
    let soname: number | null = null;
    let strtab: number | null = null;
    let strsz: number | null = null;
    const entSize = this.is64 ? 16 : 8;
    const n = Math.min(Math.floor(size / entSize), LIMITS.maxDynamicEntries);
    if (n > 0) {
      const b = this.bytes(off, n * entSize, 'dynamic section');
      for (let i = 0; i < n; i++) {
        const tag = this.word(b, i * entSize);
        if (tag === DT_NULL) break;
        const val = this.word(b, i * entSize + entSize / 2);
        if (tag === DT_NEEDED) needed.push(val);
        else if (tag === DT_RPATH) rpath.push(val);
        else if (tag === DT_RUNPATH) runpath.push(val);
        else if (tag === DT_SONAME) soname ??= val;
        else if (tag === DT_STRTAB) strtab ??= val;
        else if (tag === DT_STRSZ) strsz ??= val;
        else if (tag === DT_FLAGS_1) this.flags1 = val % 0x100000000;
      }
    }
    const all = [...needed, ...rpath, ...runpath, ...(soname === null ? [] : [soname])];
    if (all.length === 0) {
      this.needed = [];
      this.rpath = [];
      this.runpath = [];
      this.soname = null;
      return;
    }
    if (all.length > LIMITS.maxDynStrings) throw new ElfError(`${all.length} named entries in the dynamic section (at most ${LIMITS.maxDynStrings} are read)`);
    if (strtab === null) throw new ElfError('the dynamic section names libraries but has no DT_STRTAB');
    let strOff = this.vaddrToOffset(strtab);
    const linked = sec && sec.type === SHT_DYNAMIC && sec.link < this.shCount! ? this.sectionAt(sec.link) : undefined;
    if (strOff === null && linked && linked.type !== SHT_NOBITS) {
      strOff = linked.off;
      strsz ??= linked.size;
    }
    if (strOff === null) throw new ElfError(`DT_STRTAB ${hex(strtab)} is not inside any PT_LOAD segment`);
    let strEnd = this.size;
    if (strsz !== null) {
      strEnd = strOff + strsz;
      if (!(strEnd <= this.size)) throw new ElfError(`the dynamic string table (offset ${hex(strOff)}, ${strsz} bytes) lies outside the file`);
    }
    if (strOff >= strEnd) throw new ElfError(`the dynamic string table at ${hex(strOff)} is empty or outside the file`);
    for (const o of all) {
      if (o >= strEnd - strOff) throw new ElfError(`dynamic string offset ${hex(o)} is outside the dynamic string table`);
    }
    let lo = all[0];
    let hi = all[0];
    for (const o of all) {
      lo = Math.min(lo, o);
      hi = Math.max(hi, o);
    }
    if (hi - lo <= LIMITS.stringWindow) {
      // one read for all of them: they are usually close together
      this.bytes(strOff + lo, Math.min(hi - lo + KiB, strEnd - strOff - lo), 'dynamic string table');
    }
    const base = strOff;
    const str = (o: number, what: string): string => this.cstring(base + o, strEnd, LIMITS.maxDynString, what);
    const names: string[] = [];
    for (const o of needed) names.push(str(o, 'DT_NEEDED name'));
    const rp: string[] = [];
    for (const o of rpath) rp.push(...str(o, 'DT_RPATH').split(':'));
    const rn: string[] = [];
    for (const o of runpath) rn.push(...str(o, 'DT_RUNPATH').split(':'));
    this.soname = soname === null ? null : str(soname, 'DT_SONAME');
    this.needed = names;
    this.rpath = rp.length === 1 && rp[0] === '' ? [] : rp;
    this.runpath = rn.length === 1 && rn[0] === '' ? [] : rn;
  }

  /** The GNU build-id in a run of notes, or null. */
  private notes(off: number, size: number, align: number, what: () => string): string | null {
    const a = align === 8 ? 8 : 4;
    const len = Math.min(size, LIMITS.maxNoteBytes);
    if (len < 12) return null;
    const b = this.bytes(off, len, what());
    let p = 0;
    while (p + 12 <= b.length) {
      const namesz = this.u32(b, p);
      const descsz = this.u32(b, p + 4);
      const type = this.u32(b, p + 8);
      const descAt = p + alignUp(12 + namesz, a);
      if (descAt + descsz > b.length) throw new ElfError(`corrupt note in ${what()} at ${hex(off + p)}`);
      // "GNU\0"
      if (type === NT_GNU_BUILD_ID && namesz === 4 && b[p + 12] === 0x47 && b[p + 13] === 0x4e && b[p + 14] === 0x55 && b[p + 15] === 0) {
        if (descsz > LIMITS.maxBuildIdBytes) throw new ElfError(`build-id of ${descsz} bytes`);
        return b.toString('hex', descAt, descAt + descsz);
      }
      p = p + alignUp(descAt - p + descsz, a);
    }
    return null;
  }

  private readBuildId(): void {
    // Like readelf -n: note sections when the file has them, else PT_NOTE segments.
    let regions = 0;
    const count = (): void => {
      if (++regions > LIMITS.maxNoteRegions) throw new ElfError(`no build-id in the first ${LIMITS.maxNoteRegions} note sections and segments`);
    };
    for (const i of this.index().notes) {
      const s = this.sectionAt(i);
      count();
      // the label only appears in messages: built when one is needed
      const id = this.notes(s.off, s.size, s.addralign, () => `note section ${this.nameOf(i) || `#${i}`}`);
      if (id !== null) {
        this.buildId = id;
        return;
      }
    }
    for (const p of this.programs ?? []) {
      if (p.type !== PT_NOTE) continue;
      count();
      const id = this.notes(p.offset, p.filesz, p.align, () => 'PT_NOTE segment');
      if (id !== null) {
        this.buildId = id;
        return;
      }
    }
    if (this.shCount !== null || this.programs !== null) this.buildId = null;
  }

  private readComment(): void {
    const ci = this.index().comment;
    const s = ci < 0 ? undefined : this.sectionAt(ci);
    if (!s) {
      this.comment = [];
      return;
    }
    const b = this.bytes(s.off, Math.min(s.size, LIMITS.maxCommentBytes), '.comment section');
    const seen = new Set<string>();
    let start = 0;
    while (start < b.length && seen.size < LIMITS.maxCommentStrings) {
      let z = b.indexOf(0, start);
      if (z < 0) z = b.length;
      if (z > start) seen.add(b.toString('utf8', start, Math.min(z, start + LIMITS.maxCommentLength)));
      start = z + 1;
    }
    this.comment = [...seen];
  }

  private readGo(): void {
    const gi = this.index().go;
    const s = gi < 0 ? undefined : this.sectionAt(gi);
    if (!s) {
      this.go = null;
      return;
    }
    // The section marks a Go binary even when the blob inside cannot be decoded.
    const go: { version: string | null; path: string | null } = { version: null, path: null };
    this.go = go;
    const data = this.bytes(s.off, Math.min(s.size, LIMITS.maxGoBytes), '.go.buildinfo section');
    const at = findGoBlob(data);
    if (at < 0) throw new ElfError('.go.buildinfo has no build info header');
    const h = decodeGoHeader(data, at);
    if (!h) throw new ElfError('.go.buildinfo header cannot be decoded');
    let mod: Buffer | null;
    if (h.kind === 'inline') {
      go.version = h.version || null;
      mod = h.modinfo;
    } else {
      const v = this.goString(h.versionAddr, h.ptrSize, h.bigEndian, LIMITS.maxGoVersion);
      go.version = v && v.length ? v.toString('utf8') : null;
      mod = this.goString(h.modAddr, h.ptrSize, h.bigEndian, LIMITS.maxGoModinfo);
    }
    go.path = mod ? modinfoPath(mod) : null;
  }

  /** A Go string {data pointer, length} at virtual address `addr`, or null. */
  private goString(addr: number, ptrSize: 4 | 8, bigEndian: boolean, cap: number): Buffer | null {
    const at = this.vaddrToOffset(addr);
    if (at === null) return null;
    const hdr = this.bytes(at, 2 * ptrSize, 'Go string header');
    const dataAddr = readPtr(hdr, 0, ptrSize, bigEndian);
    const len = readPtr(hdr, ptrSize, ptrSize, bigEndian);
    if (len > cap) return null;
    const dataAt = this.vaddrToOffset(dataAddr);
    if (dataAt === null) return null;
    return this.bytes(dataAt, len, 'Go string');
  }

  fail(e: unknown): void {
    if (e instanceof ElfError) this.errors.push(e.message);
    else if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string') this.errors.push(`read error: ${e.message}`);
    else this.errors.push(`internal error: ${e instanceof Error ? e.message : String(e)}`);
  }

  /** The facts, keys in the order `seedaudit elf` documents. */
  result(): ElfFacts {
    const f: ElfFacts = { path: this.path, elf: true };
    if (this.cls !== undefined) f.class = this.cls;
    if (this.endian !== undefined) f.endian = this.endian;
    if (this.machine !== undefined) f.machine = this.machine;
    if (this.type !== undefined) f.type = this.type;
    if (this.interpreter !== undefined) f.interpreter = this.interpreter;
    if (this.needed !== undefined) f.needed = this.needed;
    if (this.runpath !== undefined) f.runpath = this.runpath;
    if (this.rpath !== undefined) f.rpath = this.rpath;
    if (this.soname !== undefined) f.soname = this.soname;
    if (this.buildId !== undefined) f.buildId = this.buildId;
    if (this.interpreter !== undefined && this.needed !== undefined) {
      f.static = this.interpreter === null && this.needed.length === 0;
      f.pie = (this.etype === 3 && this.interpreter !== null) || (this.flags1 & DF_1_PIE) !== 0;
    }
    if (this.shCount !== null) f.stripped = !this.index().symtab;
    if (this.comment !== undefined) f.comment = this.comment;
    if (this.go !== undefined) f.go = this.go;
    if (this.errors.length) f.error = this.errors.join('; ');
    return f;
  }
}

/**
 * The facts of one ELF file of `size` bytes whose first bytes are `head` (any length,
 * possibly the whole file); `read` fetches any other range. Never throws.
 */
export function parseElf(path: string, size: number, head: Buffer, read: ReadFn): ElfFacts {
  const p = new Parse(path, size, head, read);
  try {
    p.run();
  } catch (e) {
    p.fail(e);
  }
  return p.result();
}
