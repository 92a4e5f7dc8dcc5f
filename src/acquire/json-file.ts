/**
 * A saved `nix derivation show --recursive` dump: a file, `-` for stdin, gzip or not
 * (decided by the magic bytes, not the name). Truncated or corrupt input is an InputError.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../errors.js';
import { parseNixJson } from '../graph/nix-json.js';
import type { DerivationGraph } from '../model/graph.js';

async function readStdin(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

export async function readJsonDumpText(file: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const label = file === '-' ? 'stdin' : file;
  let buf: Buffer;
  try {
    buf = file === '-' ? await readStdin(stdin) : await readFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    throw new InputError(`${label}: ${why}`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      const msg = (e as Error).message === 'unexpected end of file' ? 'truncated gzip data' : (e as Error).message;
      throw new InputError(`${label}: cannot decompress: ${msg}`);
    }
  }
  if (buf.length === 0) throw new InputError(`${label}: empty file`);
  return buf.toString('utf8');
}

export async function readJsonDump(file: string, opts: { roots?: string[]; storeDir?: string } = {}): Promise<DerivationGraph> {
  const text = await readJsonDumpText(file);
  return parseNixJson(text, file === '-' ? 'stdin' : file, opts);
}
