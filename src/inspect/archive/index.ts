/**
 * Looks inside a fetched archive, source directory or single file and lists the binary
 * members it carries (ELF, Mach-O, PE, Java classes, Python byte-code, static libraries,
 * nested jars and wheels), without extracting anything to disk and without ever running
 * what it reads. The format is recognised by magic bytes, never by file name, because
 * fetched files are often named after their URL.
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { arMembers } from './ar.js';
import { decompress, type Compression, type FileRange } from './decompress.js';
import { walkDirectory } from './directory.js';
import { ListingBuilder } from './listing.js';
import { isTarHeader, isZeroBlock, sniffContainer } from './magic.js';
import { Budget, FileRangeReader, StreamReader, readAt } from './reader.js';
import { TarTruncated, walkTar } from './tar.js';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_MEMBERS,
  HEAD_BYTES,
  type ArchiveFormat,
  type ArchiveListing,
  type InspectOptions,
} from './types.js';
import { walkZip } from './zip.js';

export type { ArchiveFormat, ArchiveListing, BinaryKind, BinaryMember, InspectOptions } from './types.js';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMBERS, MAX_LISTED_BINARIES } from './types.js';
export { classifyMember } from './magic.js';

const TAR_OF: Record<Compression, ArchiveFormat> = {
  gzip: 'tar.gz',
  xz: 'tar.xz',
  bzip2: 'tar.bz2',
  zstd: 'tar.zst',
};

const COMPRESSED_SUFFIX = /\.(gz|tgz|z|xz|txz|bz2|tbz2?|zst|tzst)$/i;

/** Node's fs errors already read "ENOENT: no such file or directory, stat '<path>'". */
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A tar starts with a header whose checksum holds, or is an empty archive (two zero blocks). */
const looksLikeTar = (head: Buffer): boolean =>
  isTarHeader(head) || (head.length >= 1024 && isZeroBlock(head) && isZeroBlock(head.subarray(512)));

const walkTarIn = async (r: FileRangeReader | StreamReader, b: ListingBuilder, budget: Budget): Promise<void> => {
  try {
    await walkTar(r, b);
  } catch (e) {
    // When the byte cap cut the stream the archive only looks truncated: that is the
    // capped note's business, not an error.
    if (e instanceof TarTruncated && budget.hit) return;
    throw e;
  }
};

/**
 * A compressed stream: a tarball if the decompressed data starts with a tar header,
 * else one compressed file (`singleName`), classified by its decompressed first bytes.
 * Returns false when it was not a tar and no single file was wanted.
 */
const inspectCompressed = async (
  kind: Compression,
  range: FileRange,
  b: ListingBuilder,
  budget: Budget,
  singleName: string | null,
): Promise<boolean> => {
  const r = new StreamReader(decompress(kind, range, budget));
  try {
    const first = await r.read(HEAD_BYTES);
    if (looksLikeTar(first)) {
      if (singleName !== null) b.format = TAR_OF[kind];
      r.unshift(first);
      await walkTarIn(r, b, budget);
      return true;
    }
    if (singleName === null) return false;
    b.format = kind;
    if (!b.entry()) return true;
    // Read on to learn the size and to notice a corrupt or truncated stream.
    let size = first.length;
    let failure: unknown = null;
    try {
      size += await r.skip(Number.MAX_SAFE_INTEGER);
    } catch (e) {
      failure = e;
    }
    b.file(singleName, first, failure || budget.hit ? -1 : size);
    if (failure) throw failure;
    return true;
  } finally {
    await r.close();
  }
};

const inspectAr = async (fh: FileHandle, file: string, size: number, b: ListingBuilder, budget: Budget): Promise<void> => {
  const members = arMembers(fh, size);
  const first = await members.next();
  if (!first.done && first.value.name === 'debian-binary') {
    b.format = 'deb';
    for await (const m of members) {
      if (!m.name.startsWith('data.tar')) continue;
      await inspectDebData(fh, { path: file, start: m.start, end: m.start + m.size }, b, budget, m.name);
      return;
    }
    b.fail('deb: no data.tar member');
    return;
  }
  // A static library is itself a prebuilt binary, whatever its members turn out to be.
  b.format = 'ar';
  b.binary(path.basename(file), 'static-library', size);
  for (let m = first; !m.done; m = await members.next()) {
    if (!b.entry()) return;
    const head = await readAt(fh, m.value.start, Math.min(m.value.size, HEAD_BYTES));
    b.file(m.value.name, head, m.value.size);
  }
};

const inspectDebData = async (
  fh: FileHandle,
  range: FileRange,
  b: ListingBuilder,
  budget: Budget,
  name: string,
): Promise<void> => {
  const head = await readAt(fh, range.start, Math.min(range.end - range.start, HEAD_BYTES));
  const c = sniffContainer(head);
  if (c === 'gzip' || c === 'xz' || c === 'bzip2' || c === 'zstd') {
    const isTar = await inspectCompressed(c, range, b, budget, null);
    if (!isTar) b.fail(`deb: ${name} is not a tar`);
    return;
  }
  if (looksLikeTar(head)) {
    await walkTarIn(new FileRangeReader(fh, range.start, range.end), b, budget);
    return;
  }
  b.fail(c ? `deb: ${name}: ${c} not supported` : `deb: ${name} is not a tar`);
};

const inspectFile = async (fh: FileHandle, file: string, size: number, b: ListingBuilder, budget: Budget): Promise<void> => {
  const base = path.basename(file);
  b.format = 'file';
  if (size === 0) {
    b.entry();
    return;
  }
  const head = await readAt(fh, 0, Math.min(size, HEAD_BYTES));
  const c = sniffContainer(head);
  switch (c) {
    case 'zip':
      b.format = 'zip';
      await walkZip(fh, size, b);
      return;
    case 'ar':
      await inspectAr(fh, file, size, b, budget);
      return;
    case 'gzip':
    case 'xz':
    case 'bzip2':
    case 'zstd': {
      b.format = c;
      const single = base.replace(COMPRESSED_SUFFIX, '') || base;
      await inspectCompressed(c, { path: file, start: 0, end: size }, b, budget, single);
      return;
    }
    case 'lzip':
    case 'lzma':
    case 'compress':
    case '7z':
    case 'rar':
      b.format = c;
      b.fail(`${c}: not supported`);
      return;
    case null:
      if (looksLikeTar(head)) {
        b.format = 'tar';
        await walkTarIn(new FileRangeReader(fh, 0, size), b, budget);
        return;
      }
      if (b.entry()) b.file(base, head, size);
      return;
  }
};

/**
 * Lists the binary members of the archive, directory or file at `file`. Never throws:
 * an unreadable, corrupt or truncated input sets `error` and keeps what was found before
 * the damage; the member and byte caps set `capped`.
 */
export async function inspectPath(file: string, opts: InspectOptions = {}): Promise<ArchiveListing> {
  const maxMembers = opts.maxMembers ?? DEFAULT_MAX_MEMBERS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const b = new ListingBuilder(file, maxMembers);
  const budget = new Budget(maxBytes);
  try {
    // The path the caller names is followed if it is a symlink; links inside are not.
    const st = await stat(file);
    if (st.isDirectory()) {
      b.format = 'directory';
      await walkDirectory(file, b);
    } else if (!st.isFile()) {
      b.fail('not a regular file or directory');
    } else {
      // O_NONBLOCK: if the path was swapped for a FIFO after the stat, open must not wait.
      const fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        const fst = await fh.stat();
        if (!fst.isFile()) b.fail('not a regular file or directory');
        else await inspectFile(fh, file, fst.size, b, budget);
      } finally {
        await fh.close();
      }
    }
  } catch (e) {
    b.fail(messageOf(e));
  }
  if (budget.hit) b.cap(`stopped after ${maxBytes} bytes of decompressed data (maxBytes)`);
  return b.listing;
}
