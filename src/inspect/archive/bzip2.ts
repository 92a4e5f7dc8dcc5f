/**
 * A bzip2 decoder driven block by block, over the block decoder of unbzip2-stream
 * (lib/bzip2.js, pure JS). unbzip2-stream itself collects a whole block's output as a JS
 * array of numbers before handing it over (hundreds of MB for a 45 MB run-length block);
 * here every output byte goes into a fixed 64 KiB Buffer and each full piece is handed to
 * `emit` at once, which may throw to stop the block half-way (a cap was hit, or a zip
 * member's first bytes are all that is wanted). Memory stays at one input block (at most
 * ~2.3 MB compressed, 3.6 MB of work space) plus what `emit` keeps.
 */
import { createRequire } from 'node:module';

interface BitReader {
  (n: number | null): number;
  bytesRead: number;
}
interface Bzip2Lib {
  header(bits: BitReader): number;
  decompress(bits: BitReader, out: (byte: number) => void, buf: Int32Array, bufsize: number, streamCRC: number | null): number | null;
  Bzip2Error: new (message: string) => Error;
}
const requireCjs = createRequire(import.meta.url);
const bz2 = requireCjs('unbzip2-stream/lib/bzip2.js') as Bzip2Lib;
const bitIterator = requireCjs('unbzip2-stream/lib/bit_iterator.js') as (next: () => Buffer | undefined) => BitReader;

const OUT_PIECE = 64 * 1024;
/** unbzip2-stream's rule: a block is decoded once this much input beyond it is buffered. */
const blockInput = (blockSize: number): number => 25_000 + 100_000 * blockSize;

/** What the block decoder's messages mean, in words a report can show. */
const bzMessage = (e: unknown, starved: boolean): string => {
  // Its bit reader runs off the end of the input with a TypeError.
  if (starved) return 'unexpected end of data';
  const msg = e instanceof Error ? e.message : String(e);
  if (/crc32/i.test(msg)) return 'CRC mismatch (corrupt data)';
  if (/magic|Not a BZIP/i.test(msg)) return 'not a bzip2 stream';
  // the block decoder's other messages are jokes ("rawr i'm a dinosaur"), not reasons
  return 'corrupt data';
};

export class Bzip2Error extends Error {}

export class Bzip2Decoder {
  private readonly queue: Buffer[] = [];
  private fed = 0;
  private bits: BitReader | null = null;
  private blockSize = 0;
  private streamCRC: number | null = null;
  private work: Int32Array | null = null;
  private streams = 0;
  private piece = Buffer.allocUnsafe(OUT_PIECE);
  private pieceLen = 0;
  private broken = false;
  /** the bit reader asked for input that was not there */
  private starved = false;
  /** what emit threw, passed through as it is */
  private stopped: unknown = null;

  /** `emit` receives each decoded piece (a Buffer it may keep); it may throw to stop decoding. */
  constructor(private readonly emit: (piece: Buffer) => void) {}

  /** compressed bytes taken in so far */
  get bytesIn(): number {
    return this.fed;
  }

  private put = (byte: number): void => {
    this.piece[this.pieceLen++] = byte;
    if (this.pieceLen === OUT_PIECE) this.flushPiece();
  };

  private flushPiece(): void {
    if (this.pieceLen === 0) return;
    const out = this.piece.subarray(0, this.pieceLen);
    this.piece = Buffer.allocUnsafe(OUT_PIECE);
    this.pieceLen = 0;
    try {
      this.emit(out);
    } catch (e) {
      this.stopped = e;
      throw e;
    }
  }

  /** One header or block. The decoder's errors become Bzip2Error; what emit throws passes through. */
  private step(): void {
    const bits = this.bits as BitReader;
    if (!this.blockSize) {
      try {
        this.blockSize = bz2.header(bits);
      } catch (e) {
        const why = bzMessage(e, this.starved);
        throw new Bzip2Error(this.streams > 0 ? `trailing data after the end of the stream (${why})` : why);
      }
      this.streamCRC = 0;
      this.work ??= new Int32Array(900_000);
      return;
    }
    let crc: number | null;
    try {
      crc = bz2.decompress(bits, this.put, this.work as Int32Array, 100_000 * this.blockSize, this.streamCRC);
    } catch (e) {
      if (e === this.stopped) throw e;
      throw new Bzip2Error(bzMessage(e, this.starved));
    }
    this.flushPiece();
    if (crc === null) {
      this.blockSize = 0;
      this.streamCRC = null;
      this.streams++;
    } else this.streamCRC = crc;
  }

  /**
   * Decodes one header or block when enough input is there (`final`: all input is there).
   * False when it needs more input, or at the end; throws on corrupt or truncated data.
   */
  next(final: boolean): boolean {
    if (this.broken) return false;
    try {
      const bits = this.bits;
      if (!bits) {
        if (final) throw new Bzip2Error('unexpected end of data');
        return false;
      }
      const ready = final ? this.fed > bits.bytesRead : this.fed - bits.bytesRead + 1 >= (this.blockSize ? blockInput(this.blockSize) : 4);
      if (ready) {
        this.step();
        return true;
      }
      if (final && (this.streamCRC !== null || this.streams === 0)) throw new Bzip2Error('unexpected end of data');
      return false;
    } catch (e) {
      this.broken = true;
      throw e;
    }
  }

  /** Takes in more compressed bytes without decoding them. */
  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.queue.push(chunk);
    this.fed += chunk.length;
    this.bits ??= bitIterator(() => {
      const next = this.queue.shift();
      if (!next) this.starved = true;
      return next;
    });
  }

  /** Takes in more compressed bytes and decodes every block they complete. */
  push(chunk: Buffer): void {
    this.feed(chunk);
    while (this.next(false));
  }

  /** Decodes what is left; throws when the data ends inside a stream. */
  end(): void {
    while (this.next(true));
  }
}
