/**
 * ELF facts of files: interpreter, NEEDED, RPATH/RUNPATH, SONAME, build-id, compiler
 * comments, Go build info. One parser (parse.ts) driven three ways:
 *   readElfFacts(path)            async, for the CLI and the store scan
 *   readElfFactsSync(path)        the same without a thread-pool round trip per read; the
 *                                 faster choice for walking a large tree in one go
 *   readElfFactsFromBuffer(buf)   bytes already in memory (archive members)
 * None of them throws for any file content or I/O failure: problems come back in `error`.
 *
 * Files are opened with O_NONBLOCK so that a FIFO or terminal given by mistake cannot block
 * the scan (O_NONBLOCK changes nothing for regular files), and only a file that starts
 * with the ELF magic costs more than open, one read and close. The reads go through the
 * callback fs API rather than fs.promises FileHandle: on 61k files under /usr a FileHandle
 * open/read/close took 1.3 to 2.8 times as long, and non-ELF files are most of a tree.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { ElfFacts } from '../../model/report.js';
import { parseElf, type ElfParse } from './parse.js';

export { LIMITS } from './parse.js';

/** First read of every file: covers the ELF and program headers and usually PT_INTERP and the notes. */
const HEAD = 4096;
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);

/** The buffer starts with the ELF magic "\x7fELF". */
export function isElf(buf: Buffer): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
}

/** ELF facts of bytes in memory; `path` is only reported back. */
export function readElfFactsFromBuffer(buf: Buffer, path: string): ElfFacts {
  if (!isElf(buf)) return { path, elf: false };
  try {
    return drive(parseElf(path, buf.length, buf), (offset, length) => buf.subarray(offset, offset + length));
  } catch (e) {
    return { path, elf: true, error: `internal error: ${message(e)}` };
  }
}

/** ELF facts of a file, reading only the ranges needed. */
export async function readElfFacts(path: string): Promise<ElfFacts> {
  let fd: number;
  try {
    fd = await openAsync(path);
  } catch (e) {
    return { path, elf: false, error: fsError(e) };
  }
  let elf = false;
  try {
    const head = Buffer.allocUnsafe(HEAD);
    const n = await readAsync(fd, head, 0);
    if (!isElf(head.subarray(0, n))) return { path, elf: false };
    elf = true;
    const st = await fstatAsync(fd);
    if (!st.isFile()) return { path, elf: true, error: 'not a regular file' };
    return await driveAsync(parseElf(path, st.size, head.subarray(0, n)), async (offset, length) => {
      const b = Buffer.allocUnsafe(length);
      return b.subarray(0, await readAsync(fd, b, offset));
    });
  } catch (e) {
    return { path, elf, error: fsError(e) };
  } finally {
    await closeAsync(fd);
  }
}

/**
 * First-read buffer of readElfFactsSync, reused: most files in a tree are not ELF, and a
 * fresh 4 KiB buffer for each of them is mostly garbage-collector work. Safe because the
 * synchronous reader never runs twice at once.
 */
const scratch = Buffer.allocUnsafe(HEAD);

/**
 * Opens `path`, reads its first bytes into the shared scratch buffer and, when they are an
 * ELF header of a regular file, hands the descriptor to `body`; errors become facts. The
 * two synchronous readers below differ only in what they do with an ELF file.
 */
function withElfFile(path: string, body: (fd: number, n: number, size: number) => ElfFacts): ElfFacts {
  let fd: number;
  try {
    fd = fs.openSync(path, OPEN_FLAGS);
  } catch (e) {
    return { path, elf: false, error: fsError(e) };
  }
  let elf = false;
  try {
    const n = readSync(fd, scratch, 0);
    if (!isElf(scratch.subarray(0, n))) return { path, elf: false };
    elf = true;
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { path, elf: true, error: 'not a regular file' };
    return body(fd, n, st.size);
  } catch (e) {
    return { path, elf, error: fsError(e) };
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // closing a descriptor we opened can only fail on EIO; the facts are already read
    }
  }
}

/** Parse by ranges: the header from scratch, the rest read where the parser asks. */
function parseByRanges(path: string, fd: number, n: number, size: number): ElfFacts {
  const head = Buffer.from(scratch.subarray(0, n)); // the parser keeps it; scratch is reused
  return drive(parseElf(path, size, head), (offset, length) => {
    const b = Buffer.allocUnsafe(length);
    return b.subarray(0, readSync(fd, b, offset));
  });
}

/** readElfFacts with synchronous reads: blocks the event loop, but costs less per file. */
export function readElfFactsSync(path: string): ElfFacts {
  return withElfFile(path, (fd, n, size) => parseByRanges(path, fd, n, size));
}

/** Files up to this size are read whole and hashed; larger ones are parsed by ranges only. */
const HASH_LIMIT = 1 << 30;

/**
 * readElfFactsSync plus the SHA-256 of the whole file (hex, in `sha256`), reading each ELF
 * file once: its bytes are hashed and parsed from the same buffer. The gate matches output
 * ELF files by build-id or by this hash. Non-ELF files cost one read, as in readElfFactsSync.
 */
export function readElfFactsHashedSync(path: string): ElfFacts {
  return withElfFile(path, (fd, n, size) => {
    if (size > HASH_LIMIT) return parseByRanges(path, fd, n, size);
    const whole = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const k = fs.readSync(fd, whole, got, size - got, got);
      if (k === 0) break;
      got += k;
    }
    const buf = whole.subarray(0, got);
    return { ...readElfFactsFromBuffer(buf, path), sha256: createHash('sha256').update(buf).digest('hex') };
  });
}

/** readElfFacts for many files, at most `concurrency` open at once; results in input order. */
export async function readElfFactsAll(paths: readonly string[], concurrency = 16): Promise<ElfFacts[]> {
  const out: ElfFacts[] = new Array(paths.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      out[i] = await readElfFacts(paths[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, paths.length)) }, worker));
  return out;
}

// ---- drivers ------------------------------------------------------------------------------

function drive(gen: ElfParse, read: (offset: number, length: number) => Buffer): ElfFacts {
  let r = gen.next();
  while (!r.done) {
    let buf: Buffer;
    try {
      buf = read(r.value.offset, r.value.length);
    } catch (e) {
      r = gen.throw(e); // the parser records it and returns what it has
      continue;
    }
    r = gen.next(buf);
  }
  return r.value;
}

async function driveAsync(gen: ElfParse, read: (offset: number, length: number) => Promise<Buffer>): Promise<ElfFacts> {
  let r = gen.next();
  while (!r.done) {
    let buf: Buffer;
    try {
      buf = await read(r.value.offset, r.value.length);
    } catch (e) {
      r = gen.throw(e);
      continue;
    }
    r = gen.next(buf);
  }
  return r.value;
}

// ---- fs, callback style (see the header comment for why not FileHandle) -------------------

const openAsync = (path: string): Promise<number> =>
  new Promise((resolve, reject) => fs.open(path, OPEN_FLAGS, (e, fd) => (e ? reject(e) : resolve(fd))));

const fstatAsync = (fd: number): Promise<fs.Stats> =>
  new Promise((resolve, reject) => fs.fstat(fd, (e, st) => (e ? reject(e) : resolve(st))));

const closeAsync = (fd: number): Promise<void> => new Promise((resolve) => fs.close(fd, () => resolve()));

/** Fills `buf` from `pos` on; fewer bytes only at end of file. */
function readAsync(fd: number, buf: Buffer, pos: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const step = (): void =>
      fs.read(fd, buf, got, buf.length - got, pos + got, (e, n) => {
        if (e) return reject(e);
        got += n;
        if (n === 0 || got === buf.length) resolve(got);
        else step();
      });
    step();
  });
}

function readSync(fd: number, buf: Buffer, pos: number): number {
  let got = 0;
  while (got < buf.length) {
    const n = fs.readSync(fd, buf, got, buf.length - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** "cannot read: no such file or directory (ENOENT)", without repeating the path. */
function fsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err instanceof Error && typeof err.code === 'string') {
    const m = /^[A-Z0-9_]+: ([^,]*)/.exec(err.message);
    return `cannot read: ${m ? m[1] : err.message} (${err.code})`;
  }
  return `cannot read: ${message(e)}`;
}
