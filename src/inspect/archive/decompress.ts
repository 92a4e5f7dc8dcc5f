/**
 * Streaming decoders for the compressors tarballs come in. Each is an async generator of
 * decompressed chunks that books every byte on its stream's Meter (the absolute maxBytes
 * cap shared by the inspection, and the stream's own maxRatio cap) and stops when a cap
 * says so, so a decompression bomb costs a bounded amount of work and memory. Decoders
 * that decode synchronously (bzip2, zstd) are stopped from inside their output callback.
 * Returning from the generator early (the tar walker is done or capped) releases the
 * decoder and the file, and kills a host decompressor.
 *
 * Which decoder (issue 13: archives at native speed; the choice is made per stream, see
 * `decoderFor`):
 * - gzip: node:zlib, always.
 * - zstd: the host's `zstd -dc`, else node:zlib's zstd where the running Node has it (22.15+,
 *   23.8+), else fzstd (pure JS). The host tool first: listing a 110 MB tar.zst on node 24 took
 *   1.40x GNU tar's CPU through it and 1.55x through zlib's (BENCHMARKS.md, archives).
 * - xz: the host's `xz -dc`, else xz-decompress (xz-embedded compiled to WebAssembly).
 * - bzip2: the host's `bzip2 -dc`, else unbzip2-stream's block decoder (pure JS, ./bzip2.ts).
 * A host decompressor is spawned from an absolute path found on PATH, with an argument
 * array and no shell; its stdin is the archive file itself (a range of a file, or a system
 * without /proc, gets the bytes piped from here instead; either way its input is counted for
 * the ratio cap as for the other decoders) and its stdout is read with back-pressure.
 * What it writes to stderr, or a non-zero exit, fails the stream with one line, after the
 * data decoded before the failure has been passed on. Only decompressors run: nothing that
 * is scanned is ever executed.
 *
 * SEEDAUDIT_ARCHIVE_DECODERS: `auto` (the default) is the order above; `node` runs no host
 * tool (zlib for gzip and zstd, the bundled decoders for the rest); `portable` forces the
 * bundled decoders (no host tool, no zlib zstd); `host` is `auto` (it named host-first zstd
 * when `auto` preferred zlib's).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, closeSync, constants as fsConstants, createReadStream, existsSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Transform, Writable } from 'node:stream';
import * as zlib from 'node:zlib';
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

/**
 * Output pieces of node:zlib's decoders. 256 KiB rather than zlib's 16 KiB default: each
 * piece is one trip through the stream machinery and the tar walker, and larger pieces
 * measured 0.58x the CPU of 64 KiB ones for a gunzip listing (issue 13). The input stays
 * in 64 KiB chunks: the ratio cap counts input as it is read, so a bomb is stopped within
 * 100 x 64 KiB of the grace, not 100 x 256 KiB.
 */
const ZLIB_OUTPUT_CHUNK = 256 * 1024;

/** A node:zlib decoder fed from `r`: its output pieces, booked on `meter`. */
async function* zlibStream(z: Transform, r: FileRange, meter: Meter): AsyncGenerator<Buffer> {
  const src = openRange(r);
  src.on('data', (c: string | Buffer) => {
    meter.in += c.length;
  });
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

// One input chunk of a bomb inflates at most ~1000:1, and zlib hands the result over in
// pieces we can stop between.
const gunzip = (r: FileRange, meter: Meter): AsyncGenerator<Buffer> =>
  zlibStream(zlib.createGunzip({ chunkSize: ZLIB_OUTPUT_CHUNK }), r, meter);

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

async function* unxzWasm(r: FileRange, meter: Meter): AsyncGenerator<Buffer> {
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

async function* bunzip2Js(r: FileRange, meter: Meter): AsyncGenerator<Buffer> {
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

/**
 * A cut zstd stream in the words the other decoders (and zstd itself) use: fzstd says
 * "unexpected EOF", zlib's zstd "unexpected end of file".
 */
const zstdFailure = (e: unknown): unknown => (/unexpected (EOF|end of file)/i.test(messageOf(e)) ? new Error('unexpected end of data') : e);

async function* unzstdJs(r: FileRange, meter: Meter): AsyncGenerator<Buffer> {
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
  try {
    for await (const c of input) {
      // Small pieces: a piece completes at most ZSTD_PIECE/4 blocks of at most 128 KiB
      // each, so the output waiting to be handed over stays below 8 MiB even when a
      // stream within the ratio cap turns to run-length blocks.
      for (let at = 0; at < c.length; at += ZSTD_PIECE) {
        push(c.subarray(at, at + ZSTD_PIECE), false);
        yield* flush();
        if (failure) throw zstdFailure(failure);
        if (spent) return;
      }
    }
    push(new Uint8Array(0), true);
    yield* flush();
    if (failure) throw zstdFailure(failure);
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

// ---------------------------------------------------------------- host decompressors

/** Absolute paths of host tools found on PATH (null: not there), looked up once each. */
const found = new Map<string, string | null>();
const hostTool = (name: string): string | null => {
  let p = found.get(name);
  if (p === undefined) {
    p = null;
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      // a relative PATH entry would depend on the working directory: only absolute ones
      if (!path.isAbsolute(dir)) continue;
      const candidate = path.join(dir, name);
      try {
        accessSync(candidate, fsConstants.X_OK);
        if (!statSync(candidate).isFile()) continue;
        p = candidate;
        break;
      } catch {
        // not here
      }
    }
    found.set(name, p);
  }
  return p;
};

/**
 * What a host decompressor's stderr means, in the words the in-process decoders use, so a
 * report reads the same whichever decoder ran. Anything else: its first line, without the
 * tool's own "xz: (stdin): " prefix.
 */
const HOST_MESSAGES: [RegExp, string][] = [
  [/unexpected end of input|ends unexpectedly|premature end|truncated/i, 'unexpected end of data'],
  [/trailing garbage/i, 'trailing data after the end of the stream'],
  [/file format not recognized|not a bzip2 file|unsupported format|unknown header/i, 'not a %s stream'],
  [/data integrity error|crc/i, 'CRC mismatch (corrupt data)'],
  [/memory usage limit|requires too much memory/i, 'memory limit exceeded'],
  [/unsupported options/i, 'unsupported options'],
  [/unsupported type of integrity check/i, 'unsupported integrity check'],
  [/corrupt/i, 'corrupt data'],
];
const hostMessage = (kind: Compression, stderr: string, code: number | null, signal: string | null): string => {
  for (const [re, msg] of HOST_MESSAGES) if (re.test(stderr)) return msg.replace('%s', kind);
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  if (line) return line.replace(/^[\w.-]+:\s*/, '').replace(/^(\(stdin\)|\/\*stdin\*\\)\s*:?\s*/, '');
  return signal ? `the ${kind} decompressor was killed by ${signal}` : `the ${kind} decompressor exited with status ${code}`;
};

/** Host decompressors started and not yet gone: tests check that stopping early kills them. */
let liveHostDecoders = 0;
export const hostDecodersRunning = (): number => liveHostDecoders;

/** stderr kept for the error line: enough for any tool's message, bounded whatever it writes. */
const MAX_STDERR = 4096;

/**
 * `tool args` with the compressed bytes of `r` on stdin (the file itself, see directInput, or
 * piped from here) and its stdout as the decompressed chunks. The child is killed when the caller stops early or a cap is hit, and a failure
 * (non-zero exit, a signal, anything on stderr such as bzip2's "trailing garbage after EOF
 * ignored") is raised after the output before it: an archive it could not read fully never
 * looks clean.
 */
async function* hostDecode(kind: Compression, tool: string, args: string[], r: FileRange, meter: Meter): AsyncGenerator<Buffer> {
  const direct = directInput(r);
  let closed = false;
  let lastPos = 0;
  const closeDirect = (): void => {
    if (direct === null || closed) return;
    lastPos = fdPosition(direct);
    closed = true;
    closeSync(direct);
  };
  // Our descriptor shares its offset with the child's stdin: it says how far the tool has read.
  if (direct !== null) meter.inSource = () => (closed ? lastPos : (lastPos = fdPosition(direct)));
  let child: ChildProcessByStdio<Writable | null, Readable, Readable>;
  try {
    child = spawn(tool, args, {
      stdio: [direct ?? 'pipe', 'pipe', 'pipe'],
      shell: false,
      // English messages (mapped above), no locale-dependent behaviour
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
  } catch (e) {
    closeDirect();
    throw e;
  }
  liveHostDecoders++;
  let stderr = '';
  let spawnError: Error | null = null;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    let gone = false;
    const settle = (code: number | null, signal: string | null): void => {
      if (gone) return;
      gone = true;
      liveHostDecoders--;
      resolve({ code, signal });
    };
    // a child that could not be started emits 'error' and not always 'close'
    child.on('error', (e) => {
      spawnError = e;
      settle(null, null);
    });
    child.on('close', settle);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => {
    if (stderr.length < MAX_STDERR) stderr += c.slice(0, MAX_STDERR - stderr.length);
  });
  let readError: Error | null = null;
  const stdin = child.stdin;
  const src = stdin ? openRange(r) : null;
  if (src && stdin) {
    src.on('data', (c: string | Buffer) => {
      meter.in += c.length;
    });
    src.on('error', (e) => {
      readError = e;
      child.kill('SIGKILL');
    });
    // EPIPE when the tool stops reading (it failed, or we killed it): its exit status says why.
    stdin.on('error', () => undefined);
    if (r.end > r.start) src.pipe(stdin);
    else stdin.end();
  }
  let finished = false;
  try {
    for await (const c of child.stdout) {
      const chunk = c as Buffer;
      const n = meter.take(chunk.length);
      if (n > 0) yield chunk.subarray(0, n);
      if (n < chunk.length) return;
    }
    const { code, signal } = await exited;
    finished = true;
    if (readError) throw readError;
    if (spawnError) throw spawnError;
    if (code !== 0 || signal !== null || stderr.trim() !== '') throw new Error(hostMessage(kind, stderr, code, signal));
  } finally {
    if (!finished) {
      if (src && stdin) src.unpipe(stdin);
      src?.destroy();
      child.stdout.destroy();
      child.kill('SIGKILL');
      await exited;
    }
    if (direct !== null) {
      closeDirect();
      meter.in = Math.max(meter.in, lastPos);
    }
  }
}

/**
 * The whole file as the decompressor's stdin, so its bytes are not copied through this
 * process. Only where /proc/self/fdinfo tells how far the decompressor has read (Linux):
 * the ratio cap needs that count. Null: pipe the bytes (a range of a file, such as a .deb's
 * data.tar, or no /proc).
 */
const directInput = (r: FileRange): number | null => {
  if (r.start !== 0 || !hasFdinfo()) return null;
  let fd: number;
  try {
    // O_NONBLOCK: the path could have been swapped for a FIFO since it was checked
    fd = openSync(r.path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (st.isFile() && st.size === r.end && fdPosition(fd) === 0) return fd;
  } catch {
    // fall through to piping
  }
  closeSync(fd);
  return null;
};
let fdinfo: boolean | undefined;
const hasFdinfo = (): boolean => (fdinfo ??= existsSync('/proc/self/fdinfo'));
const fdPosition = (fd: number): number => {
  const m = /^pos:\s+(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
  if (!m) throw new Error('cannot tell how much of the file was read');
  return Number(m[1]);
};

// ---------------------------------------------------------------- the choice

export type DecoderChoice = 'auto' | 'node' | 'portable' | 'host';
const CHOICES: readonly DecoderChoice[] = ['auto', 'node', 'portable', 'host'];

const choice = (): DecoderChoice => {
  const v = process.env.SEEDAUDIT_ARCHIVE_DECODERS;
  if (v === undefined || v === '') return 'auto';
  if (!(CHOICES as readonly string[]).includes(v)) throw new Error(`SEEDAUDIT_ARCHIVE_DECODERS must be auto, node, portable or host, not ${JSON.stringify(v)}`);
  return v as DecoderChoice;
};

type ZstdFactory = (opts: { chunkSize: number }) => Transform;
/** node:zlib's zstd decoder, where the running Node has one (22.15+, 23.8+). */
const zlibZstd = (): ZstdFactory | null => {
  const f = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
  return typeof f === 'function' ? f : null;
};

type Decoder = (r: FileRange, meter: Meter) => AsyncGenerator<Buffer>;

/** zlib's zstd, its failures worded as the other zstd decoders word them. */
async function* zlibZstdStream(z: ZstdFactory, r: FileRange, meter: Meter): AsyncGenerator<Buffer> {
  try {
    yield* zlibStream(z({ chunkSize: ZLIB_OUTPUT_CHUNK }), r, meter);
  } catch (e) {
    throw zstdFailure(e);
  }
}

/** The decoder `kind` gets under the current choice, and its name (for tests and the bench). */
export const decoderFor = (kind: Compression): { name: string; decode: Decoder } => {
  const c = choice();
  const host = (tool: string, args: string[]): { name: string; decode: Decoder } | null => {
    if (c === 'portable' || c === 'node') return null;
    const exe = hostTool(tool);
    return exe ? { name: `host ${tool}`, decode: (r, m) => hostDecode(kind, exe, args, r, m) } : null;
  };
  switch (kind) {
    case 'gzip':
      return { name: 'zlib', decode: gunzip };
    case 'zstd': {
      // zstd refuses windows over 128 MiB by itself, like checkZstdWindow (called before any of them)
      const h = host('zstd', ['-d', '-c', '-q']);
      if (h) return h;
      const z = c === 'portable' ? null : zlibZstd();
      if (z) return { name: 'zlib zstd', decode: (r, m) => zlibZstdStream(z, r, m) };
      return { name: 'fzstd', decode: unzstdJs };
    }
    case 'xz':
      // no -q: warnings (an integrity check it cannot verify) must reach stderr, where they
      // fail the stream as the WebAssembly decoder fails it. --memlimit-decompress: the
      // WebAssembly decoder refuses dictionaries past what it can allocate; the host tool
      // would otherwise take any size a hostile header claims.
      return host('xz', ['-d', '-c', '-T1', '--memlimit-decompress=1GiB']) ?? { name: 'xz-decompress', decode: unxzWasm };
    case 'bzip2':
      // no -q: bzip2's warning about trailing data must reach stderr, where it fails the stream
      return host('bzip2', ['-d', '-c']) ?? { name: 'bzip2.ts', decode: bunzip2Js };
  }
};

/** The first bytes of a zstd stream, for the window check every zstd decoder gets. */
async function* unzstd(r: FileRange, meter: Meter, decode: Decoder): AsyncGenerator<Buffer> {
  const fh = await open(r.path, 'r');
  try {
    const head = Buffer.alloc(Math.min(18, Math.max(0, r.end - r.start)));
    await fh.read(head, 0, head.length, r.start);
    checkZstdWindow(head);
  } finally {
    await fh.close();
  }
  yield* decode(r, meter);
}

/**
 * Decompressed chunks of `r`, booked on `meter` (whose caps end the stream early, leaving
 * the note on its Budget); a corrupt or truncated input ends in an Error naming the format.
 */
export const decompress = (kind: Compression, r: FileRange, meter: Meter): AsyncGenerator<Buffer> => {
  let chunks: AsyncGenerator<Buffer>;
  try {
    const { decode } = decoderFor(kind);
    chunks = kind === 'zstd' ? unzstd(r, meter, decode) : decode(r, meter);
  } catch (e) {
    chunks = (async function* () {
      throw e;
    })();
  }
  return labelled(kind, chunks);
};
