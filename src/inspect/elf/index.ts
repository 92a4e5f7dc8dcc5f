/**
 * ELF facts of files: interpreter, NEEDED, RPATH/RUNPATH, SONAME, build-id, compiler
 * comments, Go build info. One parser (parse.ts) fed two ways:
 *   readElfFactsSync(path)        a file: opened once, one fixed-size first read, then only
 *                                 the ranges the parser asks for
 *   readElfFactsHashedSync(path)  the same plus the SHA-256 of the whole file, in the same open
 *   readElfFactsFromBuffer(buf)   bytes already in memory (archive members)
 * None of them throws for any file content or I/O failure: problems come back in `error`.
 *
 * Synchronous on purpose: a file costs open, fstat, a few reads and close, each a few
 * microseconds; sending each through libuv's thread pool (fs.read with a callback, or
 * fs.promises) cost more than the read itself and made `seedaudit elf` 1.5-2x slower
 * than these readers (bench/elf.mjs).
 *
 * Files are opened with O_NONBLOCK so that a FIFO or terminal given by mistake cannot block
 * the scan (O_NONBLOCK changes nothing for regular files), and only a file that starts
 * with the ELF magic costs more than open, one read and close. The magic is checked in one
 * place, isElf.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { ElfFacts } from '../../model/report.js';
import { parseElf } from './parse.js';
import { readFully } from '../../files.js';

export { LIMITS } from './parse.js';

/**
 * First read of every file. It holds the ELF and program headers, PT_INTERP, the notes and
 * usually .dynstr of an executable; a small file is read whole. Larger costs more for the
 * non-ELF files of a tree walk (their bytes are copied for nothing), smaller costs an extra
 * read for most ELF files: measured with bench/elf.mjs.
 */
const HEAD = 16 * 1024;
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);

/** The buffer starts with the ELF magic "\x7fELF". */
export function isElf(buf: Buffer): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
}

/** ELF facts of bytes in memory; `path` is only reported back. */
export function readElfFactsFromBuffer(buf: Buffer, path: string): ElfFacts {
  if (!isElf(buf)) return { path, elf: false };
  return guarded(path, () => parseElf(path, buf.length, buf, (offset, length) => buf.subarray(offset, offset + length)));
}

/**
 * Buffers reused from one file to the next: most files in a tree are not ELF, and fresh
 * buffers for each of them are mostly garbage-collector work. Safe because the readers are
 * synchronous (never two parses at once) and the parser keeps no view of its bytes once it
 * has returned (every fact is a string or number copied out of them).
 *   head:  the first read
 *   arena: the parser's further reads, carved one after the other; a read that does not
 *          fit gets a buffer of its own
 */
const head = Buffer.allocUnsafe(HEAD);
const arena = Buffer.allocUnsafe(256 * 1024);
let arenaUsed = 0;

/**
 * Opens `path`, reads its first bytes into `head` and, when they are an ELF header of a
 * regular file, hands the descriptor to `body`; errors become facts. The two readers below
 * differ only in what they do with an ELF file.
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
    const n = readFully(fd, head, 0, HEAD, 0);
    if (!isElf(head.subarray(0, n))) return { path, elf: false };
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

/** Parse by ranges: the first bytes from `head`, the rest read where the parser asks. */
function parseByRanges(path: string, fd: number, n: number, size: number): ElfFacts {
  arenaUsed = 0;
  return guarded(path, () =>
    parseElf(path, size, head.subarray(0, n), (offset, length) => {
      let b: Buffer;
      if (arenaUsed + length <= arena.length) {
        b = arena.subarray(arenaUsed, arenaUsed + length);
        arenaUsed += length;
      } else b = Buffer.allocUnsafe(length);
      return b.subarray(0, readFully(fd, b, 0, length, offset));
    }),
  );
}

/** ELF facts of a file, reading only the ranges needed. */
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
    // the first bytes are already here; a file that shrank since fstat is taken as it is now
    let got = head.copy(whole, 0, 0, Math.min(n, size));
    got += readFully(fd, whole, got, size - got, got);
    const buf = whole.subarray(0, got);
    const facts = readElfFactsFromBuffer(buf, path);
    facts.sha256 = createHash('sha256').update(buf).digest('hex');
    return facts;
  });
}

/** parseElf never throws; this is the belt to its braces (a bug must not end a scan). */
function guarded(path: string, parse: () => ElfFacts): ElfFacts {
  try {
    return parse();
  } catch (e) {
    return { path, elf: true, error: `internal error: ${message(e)}` };
  }
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
