/**
 * Sequential byte sources for the tar walker: one over a range of a file (skips are
 * seeks, so an uncompressed tar costs only its headers) and one over a decompressed
 * stream (skips must decode and drop the bytes).
 */
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

/** Decompressed bytes still allowed; shared by every decoder in one inspection. */
export class Budget {
  used = 0;
  /** true once a decoder was cut short because the budget ran out */
  hit = false;
  constructor(readonly max: number) {}

  /** Books up to `n` bytes and returns how many of them may be passed on. */
  take(n: number): number {
    const allowed = Math.max(0, Math.min(n, this.max - this.used));
    this.used += allowed;
    if (allowed < n) this.hit = true;
    return allowed;
  }
}

export interface ByteReader {
  /** up to `n` bytes; fewer only at the end of the data */
  read(n: number): Promise<Buffer>;
  /** drops up to `n` bytes and returns how many there were */
  skip(n: number): Promise<number>;
  /** releases the underlying stream early (idempotent) */
  close(): Promise<void>;
}

export class FileRangeReader implements ByteReader {
  private pos: number;
  constructor(
    private readonly fh: FileHandle,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  async read(n: number): Promise<Buffer> {
    const got = await readAt(this.fh, this.pos, Math.max(0, Math.min(n, this.end - this.pos)));
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

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.source.next();
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
    const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered, this.bufferedLen);
    const out = all.subarray(0, Math.min(n, all.length));
    const rest = all.subarray(out.length);
    this.buffered = rest.length ? [rest] : [];
    this.bufferedLen = rest.length;
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
