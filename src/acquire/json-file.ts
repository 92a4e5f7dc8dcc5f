/**
 * A saved `nix derivation show --recursive` dump: a file, `-` for stdin, gzip or not
 * (decided by the magic bytes, not the name). It is streamed — read, decompressed and split
 * into derivations chunk by chunk — so neither a dump over V8's 512 MiB string limit nor a
 * gzip bomb can exhaust memory, and both caps below end the read with a clear error.
 * Truncated, corrupt or oversized input is an InputError: a graph we cannot read must never
 * pass the gate.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.js';
import { openRegularFile } from '../files.js';
import { GraphAssembler } from '../graph/nix-json.js';
import { DumpSplitter } from '../graph/json-stream.js';
import type { DerivationGraph } from '../model/graph.js';

export interface DumpLimits {
  /** most bytes of JSON text read (after decompression) */
  maxBytes: number;
  /** most decompressed bytes per compressed byte, checked once `ratioFloor` bytes are out */
  maxRatio: number;
  ratioFloor: number;
}

/**
 * Real dumps compress 3-8:1 with gzip (../shared/corpus) and gzip cannot exceed ~1032:1, so
 * 200:1 past 16 MiB only stops bombs. 16 GiB of JSON is far beyond a whole NixOS system graph.
 */
export const DEFAULT_DUMP_LIMITS: DumpLimits = { maxBytes: 16 * 1024 ** 3, maxRatio: 200, ratioFloor: 16 * 1024 ** 2 };

const CHUNK = 1024 * 1024;

/** The dump's bytes as a stream: stdin, or a file that must be a regular file. */
function openDump(file: string, stdin: NodeJS.ReadableStream): { stream: NodeJS.ReadableStream; label: string } {
  if (file === '-') return { stream: stdin, label: 'stdin' };
  const { fd } = openRegularFile(file);
  return { stream: createReadStream('', { fd, highWaterMark: CHUNK, autoClose: true }), label: file };
}

/** Chunks of JSON text: gunzipped when the data starts with the gzip magic, bounded by the limits. */
async function* jsonChunks(src: NodeJS.ReadableStream, label: string, limits: DumpLimits): AsyncGenerator<Buffer> {
  let compressed = 0;
  const counted = (async function* () {
    for await (const c of src) {
      const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
      compressed += b.length;
      yield b;
    }
  })();
  const first = await counted.next();
  if (first.done) throw new InputError(`${label}: empty file`);
  const head = first.value;
  const rest = (async function* () {
    yield head;
    yield* counted;
  })();
  let out = 0;
  const isGzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (!isGzip) {
    for await (const b of rest) {
      out += b.length;
      if (out > limits.maxBytes) throw new InputError(`${label}: more than ${limits.maxBytes} bytes of JSON (limit --max-graph-bytes)`);
      yield b;
    }
    return;
  }
  const source = Readable.from(rest, { objectMode: false });
  const z = createGunzip({ chunkSize: 256 * 1024 });
  source.on('error', (e) => z.destroy(e));
  source.pipe(z);
  try {
    for await (const c of z) {
      const b = c as Buffer;
      out += b.length;
      if (out > limits.maxBytes)
        throw new InputError(`${label}: decompresses to more than ${limits.maxBytes} bytes (limit --max-graph-bytes)`);
      if (out > limits.ratioFloor && out > compressed * limits.maxRatio)
        throw new InputError(
          `${label}: decompresses more than ${limits.maxRatio}:1 (${out} bytes from ${compressed}); a decompression bomb? (limit --max-graph-ratio)`,
        );
      yield b;
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const msg = (e as Error).message === 'unexpected end of file' ? 'truncated gzip data' : (e as Error).message;
    throw new InputError(`${label}: cannot decompress: ${msg}`);
  } finally {
    source.unpipe(z);
    source.destroy();
    z.destroy();
  }
}

export async function readJsonDump(
  file: string,
  opts: { roots?: string[]; storeDir?: string; limits?: DumpLimits; stdin?: NodeJS.ReadableStream } = {},
): Promise<DerivationGraph> {
  const { stream, label } = openDump(file, opts.stdin ?? process.stdin);
  const graph = new GraphAssembler(label, { roots: opts.roots, storeDir: opts.storeDir });
  const splitter = new DumpSplitter(label, (place, key, value) => graph.member(place, key, value));
  try {
    for await (const chunk of jsonChunks(stream, label, opts.limits ?? DEFAULT_DUMP_LIMITS)) splitter.push(chunk);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${label}: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    if (file !== '-') (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
  }
  splitter.end();
  return graph.finish();
}
