/**
 * zip (also jar, wheel, apk) by random access: the central directory is found from the
 * end record, and for each member only its local header and first bytes are read; a
 * compressed member has just enough of its data decoded to give HEAD_BYTES (deflate,
 * bzip2, LZMA), so a member costs a bounded amount of work whatever its ratio. Zip64 sizes
 * and offsets and a prepended self-extractor program are understood. Entries whose data
 * overlap (the "better zip bomb" construction: many central entries sharing one kernel)
 * are refused before any member is decoded.
 */
import { constants, inflateRawSync } from 'node:zlib';
import { readAtSync } from '../../files.js';
import type { FileHandle } from 'node:fs/promises';
import { Bzip2Decoder } from './bzip2.js';
import type { ListingBuilder } from './listing.js';
import { lzmaHead } from './lzma.js';
import { readAt } from './reader.js';
import { HEAD_BYTES } from './types.js';

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_LEN = 22;
const MAX_COMMENT = 0xffff;

const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const METHOD_BZIP2 = 12;
const METHOD_LZMA = 14;
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;

/** Methods named in APPNOTE 4.4.5 that are not decoded: a member using one is reported unreadable. */
const METHOD_NAMES: Record<number, string> = {
  1: 'shrink',
  2: 'reduce',
  3: 'reduce',
  4: 'reduce',
  5: 'reduce',
  6: 'implode',
  9: 'deflate64',
  10: 'PKWARE DCL implode',
  16: 'IBM z/OS CMPSC',
  18: 'IBM TERSE',
  19: 'IBM LZ77',
  20: 'zstd (old id)',
  93: 'zstd',
  94: 'MP3',
  95: 'xz',
  96: 'JPEG',
  97: 'WavPack',
  98: 'PPMd',
  99: 'AES encryption',
};

/** The zip is not readable as one; the walk stops and the message becomes `error`. */
export class ZipError extends Error {}

const u64 = (b: Buffer, at: number): number => {
  const v = b.readBigUInt64LE(at);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
};

interface Directory {
  entries: number;
  start: number;
  size: number;
  /** bytes prepended to the archive after its offsets were written (self-extractors) */
  shift: number;
}

const findDirectory = async (fh: FileHandle, fileSize: number): Promise<Directory> => {
  const tailLen = Math.min(fileSize, EOCD_LEN + MAX_COMMENT);
  const tailPos = fileSize - tailLen;
  const tail = await readAt(fh, tailPos, tailLen);
  let eocd = -1;
  // Scan backwards: the record sits before a comment of at most 64 KiB. Prefer the one
  // whose comment length reaches exactly the end of the file; tolerate trailing bytes.
  let loose = -1;
  for (let i = tail.length - EOCD_LEN; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== SIG_EOCD) continue;
    const end = i + EOCD_LEN + tail.readUInt16LE(i + 20);
    if (end === tail.length) {
      eocd = i;
      break;
    }
    if (loose < 0 && end < tail.length) loose = i;
  }
  if (eocd < 0) eocd = loose;
  if (eocd < 0) throw new ZipError('zip: end of central directory not found');

  let entries = tail.readUInt16LE(eocd + 10);
  let size = tail.readUInt32LE(eocd + 12);
  let start = tail.readUInt32LE(eocd + 16);
  let recordPos = tailPos + eocd;

  if (entries === 0xffff || size === 0xffffffff || start === 0xffffffff) {
    const locPos = recordPos - 20;
    const loc = locPos >= 0 ? await readAt(fh, locPos, 20) : Buffer.alloc(0);
    if (loc.length === 20 && loc.readUInt32LE(0) === SIG_EOCD64_LOCATOR) {
      const pos64 = u64(loc, 8);
      const rec = await readAt(fh, pos64, 56);
      if (rec.length < 56 || rec.readUInt32LE(0) !== SIG_EOCD64) throw new ZipError('zip: bad zip64 end of central directory');
      entries = u64(rec, 32);
      size = u64(rec, 40);
      start = u64(rec, 48);
      recordPos = pos64;
    }
  }
  // The directory ends where the end record begins; if it was written for a file that
  // has since had bytes prepended, every offset in it is short by the same amount.
  const shift = Math.max(0, recordPos - size - start);
  if (start + shift + size > fileSize) throw new ZipError('zip: central directory lies outside the file');
  return { entries, start: start + shift, size, shift };
};

/**
 * Reads forward through [start, end) in windows (1 MiB by default), so a directory of
 * 200000 entries costs a few hundred reads, not three per entry.
 */
class Window {
  private buf: Buffer = Buffer.alloc(0);
  private bufPos = 0;
  constructor(
    private readonly fh: FileHandle,
    private readonly end: number,
    private readonly ahead = 1 << 20,
  ) {}

  async get(pos: number, len: number): Promise<Buffer | null> {
    if (pos + len > this.end) return null;
    if (pos < this.bufPos || pos + len > this.bufPos + this.buf.length) {
      // Reading on from the window: a full window. A jump (entries pointing anywhere, as in a
      // hostile zip) reads only what is asked, so it cannot cost a window per entry.
      const forward = pos >= this.bufPos && pos <= this.bufPos + this.buf.length + this.ahead;
      this.bufPos = pos;
      // synchronous: the inspect stage reads one archive at a time, and a thread-pool round
      // trip per member cost more than the read
      this.buf = readAtSync(this.fh.fd, pos, Math.min(Math.max(len, forward ? this.ahead : 512), this.end - pos));
      if (this.buf.length < len) return null;
    }
    return this.buf.subarray(pos - this.bufPos, pos - this.bufPos + len);
  }
}

interface CentralEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Sizes and offset that did not fit 32 bits are in the zip64 extra field (id 1), in order. */
const applyZip64 = (e: CentralEntry, extra: Buffer): void => {
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p);
    const len = extra.readUInt16LE(p + 2);
    const body = extra.subarray(p + 4, p + 4 + len);
    p += 4 + len;
    if (id !== 1) continue;
    let q = 0;
    const next = (): number | null => {
      if (q + 8 > body.length) return null;
      const v = u64(body, q);
      q += 8;
      return v;
    };
    if (e.size === 0xffffffff) e.size = next() ?? e.size;
    if (e.compressedSize === 0xffffffff) e.compressedSize = next() ?? e.compressedSize;
    if (e.localOffset === 0xffffffff) e.localOffset = next() ?? e.localOffset;
    return;
  }
};

/** What the first inflate tries: most members give HEAD_BYTES from this much. */
const FIRST_INFLATE = 1024;
/** Output one inflate of a prefix may produce; past it the prefix is too long (a bomb, a run of zeros). */
const INFLATE_CAP = 64 * 1024;
/** A deflate stream that gives no HEAD_BYTES from this much input is not read further. */
const MAX_INFLATE_INPUT = 64 * 1024;
/** One bzip2 block, compressed, is at most ~2.3 MB (900k symbols of up to 20 bits). */
const MAX_BZIP2_INPUT = 2_400_000;
/** An LZMA literal costs at most ~6 bytes of input: 4 KiB of output never needs more than this. */
const MAX_LZMA_INPUT = 64 * 1024;
/** Room for the local extra field, which usually repeats the central one's few bytes. */
const EXTRA_GUESS = 128;

class Enough extends Error {}

/** What a prefix of a deflate stream inflates to; null when that is more than INFLATE_CAP. */
const inflatePrefix = (input: Buffer): Buffer | null => {
  try {
    return inflateRawSync(input, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: INFLATE_CAP });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return null;
    throw new Error(`deflate: ${(e as Error).message}`);
  }
};

/**
 * The first HEAD_BYTES of a deflate stream whose first bytes are `first` (more are read
 * with `more` when needed). Prefixes of growing length (1, 4, 16, 64 KiB) are inflated with
 * zlib, each stopped at INFLATE_CAP of output, until one gives HEAD_BYTES; when a prefix
 * gives too much (a bomb, a long run of zeros), the length in between that gives HEAD_BYTES
 * is found by bisection. Every step inflates at most INFLATE_CAP, so no member costs more
 * than a few MB of inflating whatever its ratio. (An inflater fed 256 bytes at a time and
 * stopped at HEAD_BYTES did the same in pure JS, at ~0.6 ms a member: most of a zip listing.)
 */
const inflateHead = async (first: Buffer, compressedSize: number, more: (len: number) => Promise<Buffer>): Promise<Buffer> => {
  let input = first;
  /** a prefix length known to give less than HEAD_BYTES */
  let short = 0;
  for (;;) {
    const out = inflatePrefix(input);
    if (out === null) return bisectHead(input, short);
    if (out.length >= HEAD_BYTES || input.length >= compressedSize || input.length >= MAX_INFLATE_INPUT) return out.subarray(0, HEAD_BYTES);
    short = input.length;
    input = await more(Math.min(compressedSize, input.length * 4, MAX_INFLATE_INPUT));
    if (input.length <= short) return out.subarray(0, HEAD_BYTES);
  }
};

/** `input.subarray(0, short)` inflates to less than HEAD_BYTES, all of `input` to more than INFLATE_CAP. */
const bisectHead = (input: Buffer, short: number): Buffer => {
  let lo = short;
  let hi = input.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    const out = inflatePrefix(input.subarray(0, mid));
    if (out === null) hi = mid;
    else if (out.length >= HEAD_BYTES) return out.subarray(0, HEAD_BYTES);
    else lo = mid;
  }
  // One byte of deflate codes at most a few 258-byte matches, so this is not reached; if it
  // were, the bytes before it are what can be read.
  return (inflatePrefix(input.subarray(0, lo)) ?? Buffer.alloc(0)).subarray(0, HEAD_BYTES);
};

/** The first HEAD_BYTES of a bzip2 member: its first block decoded, stopped once enough came out. */
const bunzip2Head = (data: Buffer): Buffer => {
  const parts: Buffer[] = [];
  let have = 0;
  const bz = new Bzip2Decoder((piece) => {
    parts.push(piece);
    have += piece.length;
    if (have >= HEAD_BYTES) throw new Enough();
  });
  try {
    bz.push(data);
    bz.end();
  } catch (e) {
    if (!(e instanceof Enough)) throw new Error(`bzip2: ${(e as Error).message}`);
  }
  return Buffer.concat(parts).subarray(0, HEAD_BYTES);
};

/** Zip's LZMA data: version (2 bytes), properties size (2, always 5), properties, then the range coder. */
const lzmaMemberHead = (data: Buffer, size: number): Buffer => {
  if (data.length < 9) throw new Error('lzma: unexpected end of data');
  const propsLen = data.readUInt16LE(2);
  if (propsLen !== 5) throw new Error(`lzma: ${propsLen}-byte properties (5 expected)`);
  try {
    return lzmaHead(data.subarray(4, 9), data.subarray(9), HEAD_BYTES, size);
  } catch (e) {
    throw new Error(`lzma: ${(e as Error).message}`);
  }
};

/** The first bytes of a member a reader needs for the method (all of it when the member is smaller). */
const inputFor = (method: number, compressedSize: number): number => {
  switch (method) {
    case METHOD_STORED:
      return Math.min(compressedSize, HEAD_BYTES);
    case METHOD_DEFLATE:
      return Math.min(compressedSize, FIRST_INFLATE);
    case METHOD_BZIP2:
      return Math.min(compressedSize, MAX_BZIP2_INPUT);
    default:
      return Math.min(compressedSize, MAX_LZMA_INPUT);
  }
};

/**
 * The first HEAD_BYTES of a member. A member costs one read in the common case: its local
 * header, name, extra field and first bytes together (through the read-ahead window).
 */
const memberHead = async (win: Window, fh: FileHandle, e: CentralEntry, localPos: number, fileSize: number): Promise<{ head: Buffer; dataOffset: number }> => {
  if (e.method !== METHOD_STORED && e.method !== METHOD_DEFLATE && e.method !== METHOD_BZIP2 && e.method !== METHOD_LZMA) {
    throw new Error(`compression method ${e.method}${METHOD_NAMES[e.method] ? ` (${METHOD_NAMES[e.method]})` : ''} is not supported`);
  }
  const want = inputFor(e.method, e.compressedSize);
  const fixed = await win.get(localPos, 30);
  if (!fixed || fixed.readUInt32LE(0) !== SIG_LOCAL) throw new Error('no local header there');
  // The two directories must agree on the name: readers that trust one or the other see
  // different members (a local header whose name length is off shifts where the data starts).
  const localNameLen = fixed.readUInt16LE(26);
  const localName = (await win.get(localPos + 30, localNameLen)) ?? (await readAt(fh, localPos + 30, localNameLen));
  const decoded = localName.toString(fixed.readUInt16LE(6) & FLAG_UTF8 ? 'utf8' : 'latin1');
  if (decoded !== e.name)
    throw new Error(`its local header names ${JSON.stringify(decoded.slice(0, 100))}, the central directory ${JSON.stringify(e.name.slice(0, 100))}: the two disagree`);
  const dataOffset = localPos + 30 + localNameLen + fixed.readUInt16LE(28);
  if (dataOffset + e.compressedSize > fileSize) throw new Error('data runs past the end of the file');
  const first = want <= 64 * 1024 ? ((await win.get(dataOffset, want)) ?? (await readAt(fh, dataOffset, want))) : await readAt(fh, dataOffset, want);
  if (first.length < want) throw new Error('data runs past the end of the file');
  switch (e.method) {
    case METHOD_STORED:
      return { head: first, dataOffset };
    case METHOD_DEFLATE:
      return { head: await inflateHead(first, e.compressedSize, (len) => readAt(fh, dataOffset, len)), dataOffset };
    case METHOD_BZIP2:
      return { head: bunzip2Head(first), dataOffset };
    default:
      return { head: lzmaMemberHead(first, e.size === 0xffffffff ? -1 : e.size), dataOffset };
  }
};

/**
 * A member's whole body, for its identity, from where memberHead found its data (the local
 * header is checked there): stored and deflated members only (what real release zips use);
 * null for other methods or when the data is not the size the central
 * directory says. Bounded by the caller (ListingBuilder.identityLimit).
 */
const memberBody = async (fh: FileHandle, e: CentralEntry, dataOffset: number): Promise<Buffer | null> => {
  if (e.method !== METHOD_STORED && e.method !== METHOD_DEFLATE) return null;
  const data = await readAt(fh, dataOffset, e.compressedSize);
  if (data.length < e.compressedSize) return null;
  const body = e.method === METHOD_STORED ? data : inflateRawSync(data, { maxOutputLength: Math.max(1, e.size) });
  return body.length === e.size ? body : null;
};

/** One central entry's place, for the overlap check: where its local record starts and at least where its data ends. */
interface Span {
  start: number;
  end: number;
  /** where its central entry is, to name it */
  central: number;
}

/** The central entry at `pos`: its fields, and where the next one starts. Throws ZipError when it is not one. */
const readCentral = async (win: Window, pos: number, i: number, total: number): Promise<{ e: CentralEntry; nameLen: number; next: number }> => {
  const fixed = await win.get(pos, 46);
  if (!fixed || fixed.readUInt32LE(0) !== SIG_CENTRAL) {
    throw new ZipError(`zip: bad central directory entry ${i + 1} of ${total} at offset ${pos}`);
  }
  const nameLen = fixed.readUInt16LE(28);
  const extraLen = fixed.readUInt16LE(30);
  const commentLen = fixed.readUInt16LE(32);
  const flags = fixed.readUInt16LE(8);
  const e: CentralEntry = {
    name: '',
    method: fixed.readUInt16LE(10),
    flags,
    compressedSize: fixed.readUInt32LE(20),
    size: fixed.readUInt32LE(24),
    localOffset: fixed.readUInt32LE(42),
  };
  const vars = await win.get(pos + 46, nameLen + extraLen);
  if (!vars) throw new ZipError(`zip: central directory entry ${i + 1} at offset ${pos} runs past the directory's end`);
  // Without the UTF-8 flag names are CP437; latin1 decodes its ASCII part the same.
  e.name = vars.subarray(0, nameLen).toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1');
  applyZip64(e, vars.subarray(nameLen));
  return { e, nameLen, next: pos + 46 + nameLen + extraLen + commentLen };
};

export async function walkZip(fh: FileHandle, fileSize: number, b: ListingBuilder, maxEntries = Number.MAX_SAFE_INTEGER): Promise<void> {
  const dir = await findDirectory(fh, fileSize);
  const dirEnd = dir.start + dir.size;
  const win = new Window(fh, dirEnd);
  /**
   * Entries are read while the end record's count says so, and past it while central
   * records follow within the directory: writers that do not use zip64 store the count of
   * a zip with more than 65535 entries modulo 65536, and unzip reads them all.
   */
  const more = async (i: number, pos: number): Promise<boolean> => {
    if (i < dir.entries) return true;
    const sig = await win.get(pos, 4);
    return sig !== null && sig.readUInt32LE(0) === SIG_CENTRAL;
  };

  // Pass 1: where every entry's data lies. An entry whose local record lies inside another
  // entry's data (the "better zip bomb" quotes one kernel from many entries) is not decoded.
  // A damaged directory is reported after the entries before the damage have been listed.
  // 8 KiB: a member's local header, name, extra field and first KiB of data, and the next
  // few members when they are small (64 KiB read most of an archive of mid-sized members twice)
  const local = new Window(fh, fileSize, 8 * 1024);
  const spans: Span[] = [];
  let damage: unknown = null;
  {
    let pos = dir.start;
    try {
      for (let i = 0; (await more(i, pos)) && i <= maxEntries; i++) {
        const { e, nameLen, next } = await readCentral(win, pos, i, dir.entries);
        const start = e.localOffset + dir.shift;
        const sig = await local.get(start, 4);
        // an entry with no local record there is reported by pass 2 and spans nothing
        const real = sig !== null && sig.readUInt32LE(0) === SIG_LOCAL;
        spans.push({ start, end: real ? start + 30 + nameLen + e.compressedSize : start, central: pos });
        pos = next;
      }
    } catch (e) {
      damage = e;
    }
  }
  // central position -> the entry it overlaps, and whether its own header lies inside that one's data
  const overlapping = new Map<number, { other: Span; inside: boolean }>();
  const order = spans.filter((x) => x.end > x.start).sort((x, y) => x.start - y.start);
  let reach: Span | null = null; // the span reaching furthest so far
  for (const cur of order) {
    if (reach && cur.start < reach.end) {
      overlapping.set(cur.central, { other: reach, inside: true });
      if (!overlapping.has(reach.central)) overlapping.set(reach.central, { other: cur, inside: false });
    }
    if (!reach || cur.end > reach.end) reach = cur;
  }
  /** Names are read only for the message that is kept (the first error): random reads cost a window each. */
  const overlapMessage = async (o: { other: Span; inside: boolean }): Promise<string> => {
    const name = (await readCentral(new Window(fh, dirEnd, 64 * 1024), o.other.central, 0, dir.entries)).e.name;
    const other = `member "${name}" (local header at offset ${o.other.start})`;
    return `${o.inside ? `its local header lies inside the data of ${other}` : `its data overlaps ${other}`}: overlapping entries (a zip bomb construction) are not read`;
  };

  // Pass 2: each member's first bytes.
  let pos = dir.start;
  for (let i = 0; i < spans.length; i++) {
    const { e, next } = await readCentral(win, pos, i, dir.entries);
    pos = next;
    const localPos = e.localOffset + dir.shift;
    const where = `"${e.name}" (local header at offset ${localPos})`;
    if (!b.entry(where)) return;
    if (e.name.endsWith('/')) continue;
    if (e.flags & FLAG_ENCRYPTED) {
      b.fail(`zip: member ${where}: encrypted, its content cannot be read`);
      continue;
    }
    const overlap = overlapping.get(spans[i].central);
    if (overlap !== undefined) {
      if (b.listing.error === null) b.fail(`zip: member ${where}: ${await overlapMessage(overlap)}`);
      continue;
    }
    if (e.size === 0 && e.compressedSize === 0) continue;
    let head: Buffer;
    let dataOffset: number;
    try {
      ({ head, dataOffset } = await memberHead(local, fh, e, localPos, fileSize));
    } catch (err) {
      // One damaged member should not hide the others.
      b.fail(`zip: member ${where}: ${(err as Error).message}`);
      continue;
    }
    const kind = b.file(e.name, head, e.size);
    if (b.wantsBody(kind, e.size)) {
      try {
        const body = await memberBody(fh, e, dataOffset);
        if (body) b.body(e.name, body);
      } catch {
        // the listing already has this member; an identity that cannot be read is just absent
      }
    }
  }
  if (damage) throw damage;
}
