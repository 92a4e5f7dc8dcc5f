/**
 * Streaming decoders for the compressors tarballs come in. Each is an async generator of
 * decompressed chunks that books every byte on its stream's Meter (the absolute maxBytes
 * cap shared by the inspection, and the stream's own maxRatio cap) and stops when a cap
 * says so, so a decompression bomb costs a bounded amount of work and memory. Decoders
 * that decode synchronously (bzip2, zstd) are stopped from inside their output callback.
 * Returning from the generator early (the tar walker is done or capped) releases the
 * decoder and the file.
 *
 * gzip: node:zlib. xz: xz-decompress (xz-embedded compiled to WebAssembly, driven
 * through a web ReadableStream). bzip2: unbzip2-stream's block decoder (pure JS, driven by
 * ./bzip2.ts). zstd: fzstd (pure JS, streaming `Decompress`). None of them is native, so
 * Node 20 and 22 behave the same.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Bzip2Decoder } from './bzip2.js';
import type { Meter } from './reader.js';

export type Compression = 'gzip' | 'xz' | 'bzip2' | 'zstd';

/** A byte range of a file: a whole compressed tarball, or the data.tar member of a .deb. */
export interface FileRange {
  path: string;
  start: number;
  /** exclusive */
  end: number;
}

/** Thrown inside a synchronous decoder callback to stop it once a cap is hit. */
class BudgetSpent extends Error {}

const INPUT_CHUNK = 64 * 1024;

const openRange = (r: FileRange) =>
  createReadStream(r.path, {
    start: r.start,
    // createReadStream's end is inclusive; an empty range must still read nothing.
    end: Math.max(r.start, r.end - 1),
    highWaterMark: INPUT_CHUNK,
  });

/** The compressed bytes of `r`, counted on `meter` as they are read. */
async function* rangeChunks(r: FileRange, meter: Meter): AsyncGenerator<Buffer> {
  if (r.end <= r.start) return;
  const s = openRange(r);
  try {
    for await (const c of s) {
      meter.in += (c as Buffer).length;
      yield c as Buffer;
    }
  } finally {
    s.destroy();
  }
}

async function* gunzip(r: FileRange, meter: Meter): AsyncGenerator<Buffer> {
  const src = openRange(r);
  src.on('data', (c: string | Buffer) => {
    meter.in += c.length;
  });
  // 64 KiB output pieces: one input chunk of a bomb inflates at most ~1000:1, and zlib
  // hands the result over in pieces we can stop between.
  const z = createGunzip({ chunkSize: 64 * 1024 });
  src.on('error', (e) => z.destroy(e));
  src.pipe(z);
  try {
    for await (const c of z) {
      const chunk = c as Buffer;
      const n = meter.take(chunk.length);
      if (n > 0) yield chunk.subarray(0, n);
      if (n < chunk.length) return;
    }
  } finally {
    src.unpipe(z);
    src.destroy();
    z.destroy();
  }
}

/** A web ReadableStream pulling from a node iterator, one chunk per pull (no read-ahead). */
const webStreamOf = (it: AsyncIterator<Buffer>): ReadableStream<Uint8Array> =>
  new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const r = await it.next();
        if (r.done) controller.close();
        else controller.enqueue(new Uint8Array(r.value.buffer, r.value.byteOffset, r.value.byteLength));
      },
      async cancel() {
        await it.return?.();
      },
    },
    { highWaterMark: 0 },
  );

/** xz-embedded's enum xz_ret, which xz-decompress reports only as a number. */
const XZ_ERRORS: Record<string, string> = {
  '2': 'unsupported integrity check',
  '3': 'out of memory',
  '4': 'memory limit exceeded',
  '5': 'not an xz stream',
  '6': 'unsupported options',
  '7': 'corrupt data',
  '8': 'unexpected end of data',
};
const xzMessage = (e: unknown): string => {
  // xz-decompress fails with a TypeError when its input ends before the stream does.
  if (e instanceof TypeError) return 'unexpected end of data';
  const msg = e instanceof Error ? e.message : String(e);
  const code = /error code (\d+)/.exec(msg)?.[1];
  return (code && XZ_ERRORS[code]) ?? msg;
};

async function* unxz(r: FileRange, meter: Meter): AsyncGenerator<Buffer> {
  const input = rangeChunks(r, meter);
  // xz-decompress serialises its WebAssembly contexts behind one lock that is released
  // only when a stream ends, errors or is cancelled: the finally below always cancels,
  // otherwise the next .tar.xz in this process would wait forever.
  // loaded on first use: the WebAssembly module costs start-up time on every scan otherwise
  const xzDecompress = (await import('xz-decompress')).default;
  const stream = new xzDecompress.XzReadableStream(webStreamOf(input));
  const reader = stream.getReader();
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        throw new Error(xzMessage(e));
      }
      if (r.done) return;
      const chunk = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      const n = meter.take(chunk.length);
      if (n > 0) yield chunk.subarray(0, n);
      if (n < chunk.length) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
    await input.return(undefined);
  }
}

async function* bunzip2(r: FileRange, meter: Meter): AsyncGenerator<Buffer> {
  let out: Buffer[] = [];
  let spent = false;
  // A block is decoded synchronously, its output handed over in 64 KiB pieces: a cap stops
  // it between two pieces, so a bomb never holds more than the grace of the ratio cap.
  const bz = new Bzip2Decoder((piece) => {
    const n = meter.take(piece.length);
    if (n > 0) out.push(piece.subarray(0, n));
    if (n < piece.length) {
      spent = true;
      throw new BudgetSpent();
    }
  });
  /** One block at a time: false when the decoder needs more input or is done (or a cap stopped it). */
  const next = (final: boolean): boolean => {
    try {
      return bz.next(final);
    } catch (e) {
      if (e instanceof BudgetSpent) return false;
      throw e;
    }
  };
  const flush = function* (): Generator<Buffer> {
    const ready = out;
    out = [];
    yield* ready;
  };
  const input = rangeChunks(r, meter);
  try {
    // Blocks are handed over one by one, so memory holds one block's output at most; the
    // blocks decoded before a failure are passed on before it is raised.
    for await (const c of input) {
      bz.feed(c);
      for (;;) {
        let more: boolean;
        try {
          more = next(false);
        } catch (e) {
          yield* flush();
          throw e;
        }
        yield* flush();
        if (spent) return;
        if (!more) break;
      }
    }
    for (;;) {
      let more: boolean;
      try {
        more = next(true);
      } catch (e) {
        yield* flush();
        throw e;
      }
      yield* flush();
      if (spent || !more) return;
    }
  } finally {
    await input.return(undefined);
  }
}

const ZSTD_PIECE = 256;

async function* unzstd(r: FileRange, meter: Meter): AsyncGenerator<Buffer> {
  let out: Buffer[] = [];
  let spent = false;
  const { Decompress: ZstdDecompress } = await import('fzstd');
  const d = new ZstdDecompress((chunk) => {
    const n = meter.take(chunk.length);
    if (n > 0) out.push(Buffer.from(chunk.buffer, chunk.byteOffset, n));
    if (n < chunk.length) {
      spent = true;
      // fzstd decodes every block of a pushed chunk in one synchronous call (a few KiB of
      // RLE blocks can expand to gigabytes); throwing out of the callback stops it.
      throw new BudgetSpent();
    }
  });
  let failure: unknown = null;
  // A failure is raised only after the blocks decoded before it have been passed on.
  const push = (chunk: Uint8Array, final: boolean): void => {
    try {
      d.push(chunk, final);
    } catch (e) {
      if (!(e instanceof BudgetSpent)) failure = e;
    }
  };
  const flush = function* (): Generator<Buffer> {
    const ready = out;
    out = [];
    yield* ready;
  };
  const input = rangeChunks(r, meter);
  let first = true;
  try {
    for await (const c of input) {
      if (first) {
        checkZstdWindow(c);
        first = false;
      }
      // Small pieces: a piece completes at most ZSTD_PIECE/4 blocks of at most 128 KiB
      // each, so the output waiting to be handed over stays below 8 MiB even when a
      // stream within the ratio cap turns to run-length blocks.
      for (let at = 0; at < c.length; at += ZSTD_PIECE) {
        push(c.subarray(at, at + ZSTD_PIECE), false);
        yield* flush();
        if (failure) throw failure;
        if (spent) return;
      }
    }
    push(new Uint8Array(0), true);
    yield* flush();
    if (failure) throw failure;
  } finally {
    await input.return(undefined);
  }
}

/**
 * fzstd allocates the frame's whole window up front and copies it once per block, so a
 * tiny file claiming a 2 GiB window would make it crawl. zstd itself refuses windows over
 * 128 MiB unless told otherwise (--long / --memory); so do we, for the first frame.
 */
const ZSTD_MAX_WINDOW = 128 * 1024 * 1024;
const checkZstdWindow = (b: Buffer): void => {
  if (b.length < 6 || b.readUInt32LE(0) !== 0xfd2fb528) return;
  const fhd = b[4];
  const singleSegment = (fhd >> 5) & 1;
  if (singleSegment) {
    // The window is the frame content size, stored after the optional dictionary id.
    const dictBytes = [0, 1, 2, 4][fhd & 3];
    const sizeBytes = [1, 2, 4, 8][fhd >> 6];
    const at = 5 + dictBytes;
    if (b.length < at + sizeBytes) return;
    let size = 0;
    for (let i = sizeBytes - 1; i >= 0; i--) size = size * 256 + b[at + i];
    if (sizeBytes === 2) size += 256;
    if (size > ZSTD_MAX_WINDOW) throw new Error(`window of ${mib(size)} exceeds the 128 MiB limit`);
    return;
  }
  const wd = b[5];
  const base = 2 ** (10 + (wd >> 3));
  const window = base + (base / 8) * (wd & 7);
  if (window > ZSTD_MAX_WINDOW) throw new Error(`window of ${mib(window)} exceeds the 128 MiB limit`);
};
const mib = (n: number): string => `${Math.round(n / 1024 / 1024)} MiB`;

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Prefixes a decoder's errors with the format name, e.g. "gzip: unexpected end of file". */
async function* labelled(kind: Compression, chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
  } catch (e) {
    throw new Error(`${kind}: ${messageOf(e)}`);
  }
}

const DECODERS: Record<Compression, (r: FileRange, meter: Meter) => AsyncGenerator<Buffer>> = {
  gzip: gunzip,
  xz: unxz,
  bzip2: bunzip2,
  zstd: unzstd,
};

/**
 * Decompressed chunks of `r`, booked on `meter` (whose caps end the stream early, leaving
 * the note on its Budget); a corrupt or truncated input ends in an Error naming the format.
 */
export const decompress = (kind: Compression, r: FileRange, meter: Meter): AsyncGenerator<Buffer> =>
  labelled(kind, DECODERS[kind](r, meter));
