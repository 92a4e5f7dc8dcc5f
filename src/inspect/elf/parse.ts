/**
 * The ELF fact extractor proper, written once for every way of getting bytes (an open file,
 * read asynchronously or synchronously, or a Buffer holding an archive member): it is a
 * generator that yields "I need bytes [offset, offset+length)" and is resumed with them.
 * That is how it reads only the ranges it needs (libraries can be hundreds of MB) without
 * caring whether the read is a syscall or a subarray.
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
import { NO_FILE, newElfyParser, type ElfyHeader } from './elfy.js';
import { decodeGoHeader, findGoBlob, modinfoPath, readPtr } from './go.js';

export interface ReadRequest {
  offset: number;
  length: number;
}

/** Yields read requests, is resumed with exactly those bytes, returns the facts. */
export type ElfParse = Generator<ReadRequest, ElfFacts, Buffer>;
type Step<T = void> = Generator<ReadRequest, T, Buffer>;

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

interface Program {
  type: string | undefined;
  offset: number;
  vaddr: number;
  filesz: number;
  align: number;
}

interface Section {
  nameIndex: number;
  name: string;
  type: string | number;
  addr: number;
  off: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

class Parse {
  private readonly chunks: { off: number; buf: Buffer }[] = [];
  private bytesRead = 0;
  private readonly errors: string[] = [];
  private readonly elfy = newElfyParser();
  private hdr!: ElfyHeader;
  private is64 = false;
  private le = true;
  private etype = -1;

  private cls?: 'ELF32' | 'ELF64';
  private endian?: 'little' | 'big';
  private machine?: string;
  private type?: string;
  /** null until read, and when the table cannot be read; [] when the file has none */
  private programs: Program[] | null = null;
  private sections: Section[] | null = null;
  /** section names were read (needed to find .comment and .go.buildinfo) */
  private named = false;
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
  ) {
    if (head.length > 0) this.chunks.push({ off: 0, buf: head.subarray(0, Math.min(head.length, size)) });
  }

  // ---- bytes ---------------------------------------------------------------------------

  /** [off, off+len) of the file; `slack` widens the read (not the result) to save later reads. */
  private *bytes(off: number, len: number, what: string, slack?: { before?: number; after?: number }): Step<Buffer> {
    if (!(Number.isSafeInteger(off) && Number.isSafeInteger(len) && off >= 0 && len >= 0 && off + len <= this.size)) {
      throw new ElfError(`${what} (offset ${hex(off)}, ${len} bytes) lies outside the file (${this.size} bytes)`);
    }
    for (const c of this.chunks) {
      if (c.off <= off && off + len <= c.off + c.buf.length) return c.buf.subarray(off - c.off, off - c.off + len);
    }
    const start = Math.max(0, off - (slack?.before ?? 0));
    const end = Math.min(this.size, off + len + (slack?.after ?? 0));
    if (this.bytesRead + (end - start) > LIMITS.maxBytesPerFile) {
      throw new ElfError(`reading ${what} would pass the limit of ${LIMITS.maxBytesPerFile / MiB} MiB read per file`);
    }
    if (this.chunks.length >= LIMITS.maxReads) throw new ElfError(`reading ${what} would pass the limit of ${LIMITS.maxReads} reads per file`);
    this.bytesRead += end - start;
    const buf = yield { offset: start, length: end - start };
    if (buf.length < end - start) throw new ElfError(`the file ended early while reading ${what} (it changed while being read?)`);
    this.chunks.push({ off: start, buf });
    return buf.subarray(off - start, off - start + len);
  }

  /** A NUL-terminated string at `off`, not reading at or past `end`. */
  private *cstring(off: number, end: number, cap: number, what: string): Step<string> {
    let len = Math.min(end - off, KiB, cap);
    for (;;) {
      const b = yield* this.bytes(off, len, what);
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
  private *soft(step: Step): Step {
    try {
      yield* step;
    } catch (e) {
      if (e instanceof ElfError) this.errors.push(e.message);
      else throw e;
    }
  }

  // ---- the parse -----------------------------------------------------------------------

  *run(): Step {
    const head = yield* this.bytes(0, Math.min(this.size, 64), 'ELF header');
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
    // elfy names e_type and e_machine only for the values it knows, with its own
    // spellings; we keep the numbers and name them ourselves.
    this.etype = this.u16(head, 16);
    this.type = typeName(this.etype);
    this.machine = machineName(this.u16(head, 18));
    this.hdr = this.elfy.parseHeader(head.subarray(0, ehsize));

    // Sections first: with extended numbering the program header count lives in section 0.
    yield* this.soft(this.readSections());
    yield* this.soft(this.readPrograms());
    if (this.programs) yield* this.soft(this.readInterp());
    yield* this.soft(this.readDynamic());
    yield* this.soft(this.readBuildId());
    if (this.sections && (this.named || this.sections.length === 0)) {
      yield* this.soft(this.readComment());
      yield* this.soft(this.readGo());
    }
  }

  private section(e: Buffer): Section {
    const s = this.elfy.parseSection(e, this.hdr, NO_FILE);
    return {
      nameIndex: s.name,
      name: '',
      type: s.type,
      addr: s.addr,
      off: s.off,
      size: s.size,
      link: s.link,
      info: s.info,
      // elfy reads the 64-bit sh_addralign at offset 46 instead of 48
      addralign: this.is64 ? this.u64(e, 48) : s.addralign,
    };
  }

  private *readSections(): Step {
    const h = this.hdr;
    if (h.shoff === 0) {
      this.sections = []; // no section header table at all (the stage0 seeds)
      return;
    }
    const entSize = this.is64 ? 64 : 40;
    if (h.shentsize < entSize) throw new ElfError(`section header size ${h.shentsize} is smaller than ${entSize}`);
    let count = h.shnum;
    if (count === 0 || h.shstrndx === SHN_XINDEX || h.phnum === PN_XNUM) {
      // extended numbering: the real counts live in section 0
      const zero = this.section(yield* this.bytes(h.shoff, h.shentsize, 'section header 0'));
      if (count === 0) count = zero.size;
      if (h.phnum === PN_XNUM) this.extendedPhnum = zero.info;
    }
    if (count === 0) {
      this.sections = [];
      return;
    }
    if (count > LIMITS.maxHeaders) throw new ElfError(`${count} section headers (at most ${LIMITS.maxHeaders} are read)`);
    const table = yield* this.bytes(h.shoff, count * h.shentsize, 'section header table', { before: LIMITS.shdrLeadIn });
    const sections: Section[] = [];
    for (let i = 0; i < count; i++) sections.push(this.section(table.subarray(i * h.shentsize, (i + 1) * h.shentsize)));
    this.sections = sections;

    const strndx = h.shstrndx === SHN_XINDEX ? sections[0].link : h.shstrndx;
    if (strndx === 0) return; // no section names
    if (strndx >= count) throw new ElfError(`section name table index ${strndx} is out of range (${count} sections)`);
    const st = sections[strndx];
    if (st.type === 'nobits') throw new ElfError('the section name table has no contents');
    const names = yield* this.bytes(st.off, Math.min(st.size, LIMITS.maxShstrtab), 'section name table');
    for (const s of sections) {
      if (s.nameIndex >= names.length) continue;
      const z = names.indexOf(0, s.nameIndex);
      s.name = names.toString('utf8', s.nameIndex, z < 0 ? names.length : Math.min(z, s.nameIndex + 256));
    }
    this.named = true;
  }

  private *readPrograms(): Step {
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
    const table = yield* this.bytes(h.phoff, count * h.phentsize, 'program header table');
    const programs: Program[] = [];
    for (let i = 0; i < count; i++) {
      const p = this.elfy.parseProgram(table.subarray(i * h.phentsize, (i + 1) * h.phentsize), h, NO_FILE);
      programs.push({ type: p.type, offset: p.offset, vaddr: p.vaddr, filesz: p.filesz, align: p.align });
    }
    this.programs = programs;
    // A loadable segment that the file does not hold means a truncated or doctored file;
    // for a seed (program headers and code only) this is the one check that can notice.
    for (const [i, p] of programs.entries()) {
      if (p.type === 'load' && !(p.offset + p.filesz <= this.size)) {
        throw new ElfError(`PT_LOAD segment ${i} (offset ${hex(p.offset)}, ${p.filesz} bytes) extends past the end of the file (${this.size} bytes)`);
      }
    }
  }

  private *readInterp(): Step {
    const p = this.programs?.find((x) => x.type === 'interp');
    // filesz 0: the header survived but the contents did not (separate debug files)
    if (!p || p.filesz === 0) {
      this.interpreter = null;
      return;
    }
    const b = yield* this.bytes(p.offset, Math.min(p.filesz, LIMITS.maxInterp), 'PT_INTERP');
    const z = b.indexOf(0);
    this.interpreter = b.toString('utf8', 0, z < 0 ? b.length : z);
  }

  /** File offset of a virtual address, through the PT_LOAD segment holding it. */
  private vaddrToOffset(vaddr: number): number | null {
    for (const p of this.programs ?? []) {
      if (p.type === 'load' && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return p.offset + (vaddr - p.vaddr);
    }
    return null;
  }

  private *readDynamic(): Step {
    // Like readelf: the PT_DYNAMIC segment, but the .dynamic section's extent when the file
    // has one (in separate debug files it is NOBITS: no dynamic data at all).
    const seg = this.programs?.find((x) => x.type === 'dynamic');
    const sec = this.sections?.find((x) => x.type === 'dynamic' || (x.name === '.dynamic' && x.type === 'nobits'));
    let off = 0;
    let size = 0;
    if (seg) {
      off = seg.offset;
      size = seg.filesz;
    }
    if (sec && (seg || this.programs === null)) {
      off = sec.off;
      size = sec.type === 'nobits' ? 0 : sec.size;
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
      const b = yield* this.bytes(off, n * entSize, 'dynamic section');
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
    const linked = sec && sec.type === 'dynamic' && this.sections ? this.sections[sec.link] : undefined;
    if (strOff === null && linked && linked.type !== 'nobits') {
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
      yield* this.bytes(strOff + lo, Math.min(hi - lo + KiB, strEnd - strOff - lo), 'dynamic string table');
    }
    const str = (o: number, what: string): Step<string> => this.cstring(strOff + o, strEnd, LIMITS.maxDynString, what);
    const names: string[] = [];
    for (const o of needed) names.push(yield* str(o, 'DT_NEEDED name'));
    const rp: string[] = [];
    for (const o of rpath) rp.push(...(yield* str(o, 'DT_RPATH')).split(':'));
    const rn: string[] = [];
    for (const o of runpath) rn.push(...(yield* str(o, 'DT_RUNPATH')).split(':'));
    this.soname = soname === null ? null : yield* str(soname, 'DT_SONAME');
    this.needed = names;
    this.rpath = rp.length === 1 && rp[0] === '' ? [] : rp;
    this.runpath = rn.length === 1 && rn[0] === '' ? [] : rn;
  }

  /** The GNU build-id in a run of notes, or null. */
  private *notes(off: number, size: number, align: number, what: string): Step<string | null> {
    const a = align === 8 ? 8 : 4;
    const len = Math.min(size, LIMITS.maxNoteBytes);
    if (len < 12) return null;
    const b = yield* this.bytes(off, len, what);
    let p = 0;
    while (p + 12 <= b.length) {
      const namesz = this.u32(b, p);
      const descsz = this.u32(b, p + 4);
      const type = this.u32(b, p + 8);
      const descAt = p + alignUp(12 + namesz, a);
      if (descAt + descsz > b.length) throw new ElfError(`corrupt note in ${what} at ${hex(off + p)}`);
      if (type === NT_GNU_BUILD_ID && namesz === 4 && b.toString('latin1', p + 12, p + 16) === 'GNU\0') {
        if (descsz > LIMITS.maxBuildIdBytes) throw new ElfError(`build-id of ${descsz} bytes`);
        return b.toString('hex', descAt, descAt + descsz);
      }
      p = p + alignUp(descAt - p + descsz, a);
    }
    return null;
  }

  private *readBuildId(): Step {
    // Like readelf -n: note sections when the file has them, else PT_NOTE segments.
    let regions = 0;
    const count = (): void => {
      if (++regions > LIMITS.maxNoteRegions) throw new ElfError(`no build-id in the first ${LIMITS.maxNoteRegions} note sections and segments`);
    };
    for (const s of this.sections ?? []) {
      if (s.type !== 'note') continue;
      count();
      const id = yield* this.notes(s.off, s.size, s.addralign, `note section ${s.name || `#${this.sections!.indexOf(s)}`}`);
      if (id !== null) {
        this.buildId = id;
        return;
      }
    }
    for (const p of this.programs ?? []) {
      if (p.type !== 'note') continue;
      count();
      const id = yield* this.notes(p.offset, p.filesz, p.align, 'PT_NOTE segment');
      if (id !== null) {
        this.buildId = id;
        return;
      }
    }
    if (this.sections !== null || this.programs !== null) this.buildId = null;
  }

  private *readComment(): Step {
    const s = this.sections?.find((x) => x.name === '.comment' && x.type !== 'nobits');
    if (!s) {
      this.comment = [];
      return;
    }
    const b = yield* this.bytes(s.off, Math.min(s.size, LIMITS.maxCommentBytes), '.comment section');
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

  private *readGo(): Step {
    const s = this.sections?.find((x) => x.name === '.go.buildinfo' && x.type !== 'nobits');
    if (!s) {
      this.go = null;
      return;
    }
    // The section marks a Go binary even when the blob inside cannot be decoded.
    const go: { version: string | null; path: string | null } = { version: null, path: null };
    this.go = go;
    const data = yield* this.bytes(s.off, Math.min(s.size, LIMITS.maxGoBytes), '.go.buildinfo section');
    const at = findGoBlob(data);
    if (at < 0) throw new ElfError('.go.buildinfo has no build info header');
    const h = decodeGoHeader(data, at);
    if (!h) throw new ElfError('.go.buildinfo header cannot be decoded');
    let mod: Buffer | null;
    if (h.kind === 'inline') {
      go.version = h.version || null;
      mod = h.modinfo;
    } else {
      const str = (addr: number, cap: number): Step<Buffer | null> => this.goString(addr, h.ptrSize, h.bigEndian, cap);
      const v = yield* str(h.versionAddr, LIMITS.maxGoVersion);
      go.version = v && v.length ? v.toString('utf8') : null;
      mod = yield* str(h.modAddr, LIMITS.maxGoModinfo);
    }
    go.path = mod ? modinfoPath(mod) : null;
  }

  /** A Go string {data pointer, length} at virtual address `addr`, or null. */
  private *goString(addr: number, ptrSize: 4 | 8, bigEndian: boolean, cap: number): Step<Buffer | null> {
    const at = this.vaddrToOffset(addr);
    if (at === null) return null;
    const hdr = yield* this.bytes(at, 2 * ptrSize, 'Go string header');
    const dataAddr = readPtr(hdr, 0, ptrSize, bigEndian);
    const len = readPtr(hdr, ptrSize, ptrSize, bigEndian);
    if (len > cap) return null;
    const dataAt = this.vaddrToOffset(dataAddr);
    if (dataAt === null) return null;
    return yield* this.bytes(dataAt, len, 'Go string');
  }

  fail(e: unknown): void {
    if (e instanceof ElfError) this.errors.push(e.message);
    else if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string') this.errors.push(`read error: ${e.message}`);
    else this.errors.push(`internal error: ${e instanceof Error ? e.message : String(e)}`);
  }

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
    if (this.sections !== null) f.stripped = !this.sections.some((s) => s.type === 'symtab');
    if (this.comment !== undefined) f.comment = this.comment;
    if (this.go !== undefined) f.go = this.go;
    if (this.errors.length) f.error = this.errors.join('; ');
    return f;
  }
}

/**
 * The parse of one ELF file of `size` bytes whose first bytes are `head` (any length,
 * possibly the whole file). Drive it with the functions in index.ts.
 */
export function* parseElf(path: string, size: number, head: Buffer): ElfParse {
  const p = new Parse(path, size, head);
  try {
    yield* p.run();
  } catch (e) {
    p.fail(e);
  }
  return p.result();
}
