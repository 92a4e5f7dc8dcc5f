/**
 * zip (also jar, wheel, apk) by random access: the central directory is found from the
 * end record, and for each member only its local header and first bytes are read; a
 * deflated member has just a bounded prefix inflated. Zip64 sizes and offsets and a
 * prepended self-extractor program are understood.
 */
import { constants, inflateRawSync } from 'node:zlib';
import type { FileHandle } from 'node:fs/promises';
import type { ListingBuilder } from './listing.js';
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
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;

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
 * Reads forward through [start, end) in 1 MiB windows, so a directory of 200000 entries
 * costs a few hundred reads, not three per entry.
 */
class Window {
  private buf: Buffer = Buffer.alloc(0);
  private bufPos = 0;
  constructor(
    private readonly fh: FileHandle,
    private readonly end: number,
  ) {}

  async get(pos: number, len: number): Promise<Buffer | null> {
    if (pos + len > this.end) return null;
    if (pos < this.bufPos || pos + len > this.bufPos + this.buf.length) {
      this.bufPos = pos;
      this.buf = await readAt(this.fh, pos, Math.min(Math.max(len, 1 << 20), this.end - pos));
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

const FIRST_INFLATE = 1024;
const SECOND_INFLATE = 16 * 1024;
/** Room for the local extra field, which usually repeats the central one's few bytes. */
const EXTRA_GUESS = 128;

const inflatePrefix = (slice: Buffer): Buffer =>
  inflateRawSync(slice, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 32 * 1024 * 1024 });

/**
 * The first HEAD_BYTES of a member. A member costs one read in the common case: its local
 * header, name, extra field and first bytes together. For a deflated member a 1 KiB
 * prefix usually inflates to enough; 16 KiB always does unless the stream is corrupt
 * (stored blocks inflate 1:1). Z_SYNC_FLUSH makes zlib return what a truncated prefix
 * decodes to instead of failing; the output limit keeps a highly compressed prefix from
 * inflating without bound.
 */
const memberHead = async (fh: FileHandle, e: CentralEntry, nameLen: number, shift: number, fileSize: number): Promise<Buffer | null> => {
  if (e.method !== METHOD_STORED && e.method !== METHOD_DEFLATE) {
    // bzip2, lzma, zstd, deflate64 members are rare in the archives this tool meets.
    return null;
  }
  const localPos = e.localOffset + shift;
  const want = Math.min(e.compressedSize, e.method === METHOD_STORED ? HEAD_BYTES : FIRST_INFLATE);
  const chunk = await readAt(fh, localPos, 30 + nameLen + EXTRA_GUESS + want);
  if (chunk.length < 30 || chunk.readUInt32LE(0) !== SIG_LOCAL) {
    throw new Error(`no local header at offset ${localPos}`);
  }
  const dataOffset = 30 + chunk.readUInt16LE(26) + chunk.readUInt16LE(28);
  if (localPos + dataOffset + e.compressedSize > fileSize) throw new Error('data runs past the end of the file');
  const first =
    dataOffset + want <= chunk.length
      ? chunk.subarray(dataOffset, dataOffset + want)
      : await readAt(fh, localPos + dataOffset, want);
  if (e.method === METHOD_STORED) return first;
  let out = inflatePrefix(first);
  if (out.length < HEAD_BYTES && e.compressedSize > want) {
    out = inflatePrefix(await readAt(fh, localPos + dataOffset, Math.min(e.compressedSize, SECOND_INFLATE)));
  }
  return out.subarray(0, HEAD_BYTES);
};

export async function walkZip(fh: FileHandle, fileSize: number, b: ListingBuilder): Promise<void> {
  const dir = await findDirectory(fh, fileSize);
  const win = new Window(fh, dir.start + dir.size);
  let pos = dir.start;
  for (let i = 0; i < dir.entries; i++) {
    const fixed = await win.get(pos, 46);
    if (!fixed || fixed.readUInt32LE(0) !== SIG_CENTRAL) {
      throw new ZipError(`zip: bad central directory entry ${i + 1} of ${dir.entries} at offset ${pos}`);
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
    if (!vars) throw new ZipError(`zip: central directory entry ${i + 1} runs past its end`);
    // Without the UTF-8 flag names are CP437; latin1 decodes its ASCII part the same.
    e.name = vars.subarray(0, nameLen).toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1');
    applyZip64(e, vars.subarray(nameLen));
    pos += 46 + nameLen + extraLen + commentLen;

    if (!b.entry()) return;
    if (e.name.endsWith('/') || flags & FLAG_ENCRYPTED) continue;
    let head: Buffer | null;
    try {
      head = await memberHead(fh, e, nameLen, dir.shift, fileSize);
    } catch (err) {
      // One damaged member should not hide the others.
      b.fail(`zip: member "${e.name}": ${(err as Error).message}`);
      continue;
    }
    if (head) b.file(e.name, head, e.size);
  }
}
