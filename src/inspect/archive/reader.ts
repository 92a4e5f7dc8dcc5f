/**
 * Sequential byte sources for the tar walker: one over a range of a file (skips are
 * seeks, so an uncompressed tar costs only its headers) and one over a decompressed
 * stream (skips must decode and drop the bytes).
 */
import { readFully } from '../../files.js';
import type { FileHandle } from 'node:fs/promises';

/** Up to `len` bytes at `pos`; fewer only when the file ends first. */
export const readAt = async (fh: FileHandle, pos: number, len: number): Promise<Buffer> => {
  const buf = Buffer.alloc(Math.max(0, len));
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === len ? buf : buf.subarray(0, got);
};

const MIB = 1024 * 1024;
/** "1.0 GiB", "16.0 MiB", "785 bytes": sizes in cap notes. */
export const humanBytes = (n: number): string =>
  n >= 1024 * MIB ? `${(n / 1024 / MIB).toFixed(1)} GiB` : n >= MIB ? `${(n / MIB).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`;

/**
 * The caps on decompressed data of one inspection: `maxBytes` in all (shared by every
 * decoder) and, for each compressed stream, at most `maxRatio` decompressed bytes per
 * compressed byte read once the stream has produced `ratioGrace` bytes. The first cap that
 * stops a decoder is kept as `note`, which names the cap and the stream.
 */
export class Budget {
  used = 0;
  /** the cap that stopped a decoder, e.g. "maxRatio: the gzip stream expanded past 100:1 (...)" */
  note: string | null = null;
  /** where the walker was when the cap stopped it (set by the walker, appended to the note) */
  where: string | null = null;
  constructor(
    readonly maxBytes: number,
    readonly maxRatio: number,
    readonly ratioGrace: number,
  ) {}

  get hit(): boolean {
    return this.note !== null;
  }

  /** A meter for one compressed stream (`kind` names it in notes: gzip, bzip2, …). */
  stream(kind: string): Meter {
    return new Meter(this, kind);
  }

  /** The capped note with the place the walker reached, or null when no cap was hit. */
  capNote(): string | null {
    if (this.note === null) return null;
    return this.where ? `${this.note}, ${this.where}` : this.note;
  }
}

/** Bytes in and out of one compressed stream, booked against the inspection's Budget. */
export class Meter {
  /** compressed bytes read from the file so far */
  in = 0;
  /** decompressed bytes passed on so far */
  out = 0;
  /** when set, the current count of compressed bytes read, asked for only when a cap would bind */
  inSource: (() => number) | null = null;
  constructor(
    private readonly budget: Budget,
    readonly kind: string,
  ) {}

  /**
   * Books up to `n` decompressed bytes and returns how many of them may be passed on; when
   * fewer than `n`, the budget's note says which cap stopped the stream.
   */
  take(n: number): number {
    const b = this.budget;
    const absolute = Math.max(0, b.maxBytes - b.used);
    // The ratio cap lets a stream produce `ratioGrace` bytes whatever its input, then at
    // most maxRatio bytes per compressed byte read so far.
    let byRatio = Math.max(0, Math.max(b.ratioGrace, b.maxRatio * this.in) - this.out);
    if (this.inSource && Math.min(n, absolute, byRatio) < n) {
      // `in` is learnt lazily (a host decompressor reading the file itself): only when a cap
      // would bind, so its note and the ratio use the current count
      this.in = Math.max(this.in, this.inSource());
      byRatio = Math.max(0, Math.max(b.ratioGrace, b.maxRatio * this.in) - this.out);
    }
    const allowed = Math.max(0, Math.min(n, absolute, byRatio));
    b.used += allowed;
    this.out += allowed;
    if (allowed < n && b.note === null) {
      b.note =
        absolute <= byRatio
          ? `maxBytes: stopped after ${humanBytes(b.maxBytes)} of decompressed data (${this.kind} stream, ${humanBytes(this.in)} of it read)`
          : `maxRatio: the ${this.kind} stream expanded more than ${b.maxRatio}:1 (${humanBytes(this.out)} from ${humanBytes(this.in)} of compressed data)`;
    }
    return allowed;
  }
}

export interface ByteReader {
  /**
   * up to `n` bytes; fewer only at the end of the data. The bytes may be a view of a buffer
   * the next read reuses: a caller that needs them after its next read copies them.
   */
  read(n: number): Promise<Buffer>;
  /** drops up to `n` bytes and returns how many there were */
  skip(n: number): Promise<number>;
  /** releases the underlying stream early (idempotent) */
  close(): Promise<void>;
}

/**
 * Bytes read at once by FileRangeReader: a header and a member's first HEAD_BYTES (4.5 KiB)
 * fit, and so do a run of small members. Not more: after a skip the window is discarded, and
 * filling 64 KiB per member read most of an archive of mid-sized files for nothing (the
 * listing of 300 MB of /usr/lib copied ~the whole file).
 */
const READ_AHEAD = 16 * 1024;

/**
 * An uncompressed tar in a file (or a range of one): skips are seeks, reads are positioned
 * synchronous reads (the inspect stage reads one archive at a time, and a thread-pool round
 * trip per header cost more than the read itself), so a member costs one read of its
 * header and first bytes, whatever its size.
 */
export class FileRangeReader implements ByteReader {
  private pos: number;
  private window: Buffer = Buffer.alloc(0);
  private windowPos = 0;
  constructor(
    private readonly fh: FileHandle,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  /** reused by every fill that fits it (see ByteReader.read): one allocation per walk, not per member */
  private readonly spare = Buffer.allocUnsafe(READ_AHEAD);

  private fill(want: number): void {
    const len = Math.min(Math.max(want, READ_AHEAD), this.end - this.pos);
    const buf = len <= READ_AHEAD ? this.spare : Buffer.allocUnsafe(len);
    const got = readFully(this.fh.fd, buf, 0, len, this.pos);
    this.windowPos = this.pos;
    this.window = buf.subarray(0, got);
  }

  async read(n: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(n, this.end - this.pos));
    if (this.pos < this.windowPos || this.pos + want > this.windowPos + this.window.length) this.fill(want);
    const at = this.pos - this.windowPos;
    const got = this.window.subarray(at, Math.min(at + want, this.window.length));
    this.pos += got.length;
    return got;
  }

  async skip(n: number): Promise<number> {
    const step = Math.max(0, Math.min(n, this.end - this.pos));
    this.pos += step;
    return step;
  }

  async close(): Promise<void> {
    // The file handle belongs to the caller.
  }
}

export class StreamReader implements ByteReader {
  private buffered: Buffer[] = [];
  private bufferedLen = 0;
  private done = false;
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /**
   * What the source threw (a corrupt or truncated compressed stream). Reads return the
   * bytes decoded before it, as at an end of data; the caller reports it.
   */
  failure: unknown = null;

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    let r: IteratorResult<Buffer>;
    try {
      r = await this.source.next();
    } catch (e) {
      this.failure = e;
      this.done = true;
      return false;
    }
    if (r.done) {
      this.done = true;
      return false;
    }
    if (r.value.length > 0) {
      this.buffered.push(r.value);
      this.bufferedLen += r.value.length;
    }
    return true;
  }

  /** Puts bytes back in front, for a caller that peeked to decide what the data is. */
  unshift(b: Buffer): void {
    if (b.length === 0) return;
    this.buffered.unshift(b);
    this.bufferedLen += b.length;
  }

  async read(n: number): Promise<Buffer> {
    while (this.bufferedLen < n && (await this.fill()));
    const want = Math.min(n, this.bufferedLen);
    const first = this.buffered[0];
    // Within the first chunk (the common case): a view, no copy.
    if (first !== undefined && first.length >= want) {
      const out = first.subarray(0, want);
      if (first.length === want) this.buffered.shift();
      else this.buffered[0] = first.subarray(want);
      this.bufferedLen -= want;
      return out;
    }
    // Across chunks: copy only the bytes asked for (a header or a member's first bytes),
    // never the rest of the chunks, which the next skip usually drops unread.
    const out = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const c = this.buffered[0];
      const take = Math.min(c.length, want - got);
      c.copy(out, got, 0, take);
      got += take;
      if (take === c.length) this.buffered.shift();
      else this.buffered[0] = c.subarray(take);
    }
    this.bufferedLen -= want;
    return out;
  }

  async skip(n: number): Promise<number> {
    let left = n;
    for (;;) {
      while (left > 0 && this.buffered.length) {
        const first = this.buffered[0];
        if (first.length <= left) {
          left -= first.length;
          this.bufferedLen -= first.length;
          this.buffered.shift();
        } else {
          this.buffered[0] = first.subarray(left);
          this.bufferedLen -= left;
          left = 0;
        }
      }
      if (left === 0 || !(await this.fill())) return n - left;
    }
  }

  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.buffered = [];
    this.bufferedLen = 0;
    await this.source.return?.();
  }
}
