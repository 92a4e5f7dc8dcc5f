/**
 * Opening the files a user names (graphs, .drv files, allowlists, rules, reports) so that no
 * file can hang or flood a scan: only regular files are read (a FIFO without a writer blocks
 * forever, /dev/zero never ends, a directory is not a document), sizes are bounded, and a
 * path under `--store-root` must stay inside it after every symlink is resolved.
 * Every refusal is an InputError naming the file and why (the CLI escapes control characters
 * in it, as in every error line).
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';
import { InputError } from './errors.js';

/** What a file that is not a regular file is, for the error line. */
export const fileKind = (st: Stats): string =>
  st.isDirectory()
    ? 'a directory'
    : st.isFIFO()
      ? 'a FIFO (named pipe)'
      : st.isCharacterDevice()
        ? 'a character device'
        : st.isBlockDevice()
          ? 'a block device'
          : st.isSocket()
            ? 'a socket'
            : 'not a regular file';

/** The one-line reason for a failed open/read. */
export const ioReason = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'a loop of symbolic links';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a path component is not a directory';
    case 'ENAMETOOLONG':
      return 'file name too long';
    default:
      return String(err.message ?? e).split('\n')[0];
  }
};

/**
 * Open `file` for reading if it is a regular file. O_NONBLOCK: opening a FIFO that has no
 * writer returns at once instead of blocking, and fstat then refuses it.
 */
export function openRegularFile(file: string, label = file): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new InputError(`${label}: ${ioReason(e)}`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new InputError(`${label}: ${fileKind(st)}, not a regular file`);
  }
  return { fd, size: st.size };
}

/**
 * Reads up to `length` bytes at file position `pos` into `buf` from index `at`, looping over
 * short reads; fewer only when the file ends first. Returns how many were read.
 */
export function readFully(fd: number, buf: Uint8Array, at: number, length: number, pos: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, at + got, length - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** Up to `length` bytes at `pos` in a new buffer; fewer only when the file ends first. */
export function readAtSync(fd: number, pos: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(Math.max(0, length));
  const got = readFully(fd, buf, 0, buf.length, pos);
  return got === buf.length ? buf : buf.subarray(0, got);
}

/** Read a whole regular file, refusing it when it is over `maxBytes`. */
export function readRegularFileSync(file: string, opts: { label?: string; maxBytes: number }): Buffer {
  const label = opts.label ?? file;
  const { fd, size } = openRegularFile(file, label);
  try {
    if (size > opts.maxBytes) throw new InputError(`${label}: ${size} bytes, over the ${opts.maxBytes}-byte limit for this kind of file`);
    return readAtSync(fd, 0, size);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${label}: ${ioReason(e)}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * `p` with every symlink resolved, provided it stays inside `root` (itself resolved): the jail
 * of `--store-root`. A path that leaves it is an InputError, never read.
 */
export function resolveInside(root: string, p: string, label = p): string {
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
  } catch (e) {
    throw new InputError(`${root}: ${ioReason(e)}`);
  }
  try {
    real = realpathSync(p);
  } catch (e) {
    throw new InputError(`${label}: ${ioReason(e)}`);
  }
  if (real !== realRoot && !real.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep))
    throw new InputError(`${label}: resolves to ${real}, outside the store root ${realRoot}`);
  return real;
}
