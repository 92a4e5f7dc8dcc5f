/**
 * Looks inside a fetched archive, source directory or single file and lists the binary
 * members it carries (ELF, Mach-O, PE, Java classes, Python byte-code, static libraries,
 * nested jars and wheels), without extracting anything to disk and without ever running
 * what it reads. The format is recognised by magic bytes, never by file name, because
 * fetched files are often named after their URL.
 */
import { closeSync, constants, fstatSync, openSync, statSync } from 'node:fs';
import { readAtSync } from '../../files.js';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { arMembers } from './ar.js';
import { decompress, type Compression, type FileRange } from './decompress.js';
import { walkDirectory } from './directory.js';
import { ListingBuilder, type Identify, type MemberIdentity } from './listing.js';
import { isTarHeader, isZeroBlock, sniffContainer } from './magic.js';
import { Budget, FileRangeReader, StreamReader, readAt } from './reader.js';
import { TarTruncated, walkTar, type TarPosition } from './tar.js';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_MEMBERS,
  DEFAULT_MAX_RATIO,
  HEAD_BYTES,
  RATIO_GRACE_BYTES,
  type ArchiveFormat,
  type ArchiveListing,
  type InspectOptions,
} from './types.js';
import { walkZip } from './zip.js';

export type { ArchiveFormat, ArchiveListing, BinaryKind, BinaryMember, InspectOptions } from './types.js';
export {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_MEMBERS,
  DEFAULT_MAX_RATIO,
  INSPECT_OPTION_FLAGS,
  MAX_LISTED_BINARIES,
  RATIO_GRACE_BYTES,
} from './types.js';
export { classifyMember } from './magic.js';
export type { Identify, MemberIdentity } from './listing.js';

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

/** `ustar` at offset 257: POSIX and GNU tar headers both carry it. */
const hasUstarMagic = (head: Buffer): boolean => head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar';

const walkTarIn = async (r: FileRangeReader | StreamReader, b: ListingBuilder, budget: Budget, inside: string): Promise<void> => {
  const pos: TarPosition = { where: 'the start' };
  try {
    await walkTar(r, b, pos);
    // A stream that fails at a header boundary looks like a tar without its end marker.
    if (r instanceof StreamReader && r.failure) throw new TarTruncated('tar: data ended early');
  } catch (e) {
    // When a cap cut the stream the archive only looks truncated: that is the capped
    // note's business, not an error.
    if (e instanceof TarTruncated && budget.hit) return;
    // A decoder's error ("gzip: unexpected end of file") ends the data early: it, not the
    // truncation the walker saw, is the reason; the walker's position says where.
    const decoderFailure = r instanceof StreamReader ? r.failure : null;
    if (decoderFailure) throw new Error(`${inside}${messageOf(decoderFailure)} in ${pos.where}`);
    throw new Error(`${inside}${messageOf(e)}`);
  } finally {
    if (budget.hit) budget.where ??= `in ${inside}${pos.where}; nothing after it was read`;
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
  inside = '',
): Promise<boolean> => {
  const r = new StreamReader(decompress(kind, range, budget.stream(kind)));
  try {
    const first = await r.read(HEAD_BYTES);
    if (r.failure && (first.length === 0 || (singleName === null && !looksLikeTar(first)))) throw new Error(`${inside}${messageOf(r.failure)} at the start of the ${kind} stream, before the first member`);
    if (looksLikeTar(first)) {
      if (singleName !== null) b.format = TAR_OF[kind];
      r.unshift(first);
      await walkTarIn(r, b, budget, inside);
      return true;
    }
    if (singleName === null) return false;
    if (hasUstarMagic(first)) {
      b.format = TAR_OF[kind];
      throw new Error(`${inside}tar: the first header ${first.length < 512 ? `is cut short (${first.length} of 512 bytes)` : '(offset 0) fails its checksum'}`);
    }
    b.format = kind;
    if (!b.entry(`"${singleName}"`)) return true;
    // Read on to learn the size and to notice a corrupt or truncated stream.
    const size = first.length + (await r.skip(Number.MAX_SAFE_INTEGER));
    const failure = r.failure;
    b.file(singleName, first, failure || budget.hit ? -1 : size);
    if (budget.hit) budget.where ??= `in "${singleName}" (the compressed file's content)`;
    if (failure) throw new Error(`${messageOf(failure)} in "${singleName}" after ${size} bytes`);
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
    if (!b.entry(`"${m.value.name}" (data at offset ${m.value.start})`)) return;
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
    const isTar = await inspectCompressed(c, range, b, budget, null, `deb: ${name} (data at offset ${range.start}): `);
    if (!isTar) b.fail(`deb: ${name} is not a tar`);
    return;
  }
  if (looksLikeTar(head)) {
    await walkTarIn(new FileRangeReader(fh, range.start, range.end), b, budget, `deb: ${name} (data at offset ${range.start}): `);
    return;
  }
  b.fail(c ? `deb: ${name}: ${c} not supported` : `deb: ${name} is not a tar`);
};

/**
 * Most inputs of a graph are small plain files (patches, scripts, builders): those are listed
 * here with synchronous calls, open, fstat, one read and close, and true is returned. Anything
 * that is not a plain file by its first bytes (an archive, a compressed file, a tar, an empty
 * or special file) returns false and is read by the asynchronous readers. Four thread-pool
 * round trips per file were most of the inspection of a small graph.
 */
const plainFileSync = (file: string, b: ListingBuilder): boolean => {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size === 0) return false;
    const want = Math.min(st.size, HEAD_BYTES);
    const head = readAtSync(fd, 0, want);
    // a file that shrank since fstat, or that holds a container, goes the general way
    if (head.length < want || sniffContainer(head) !== null || looksLikeTar(head) || hasUstarMagic(head)) return false;
    const base = path.basename(file);
    b.format = 'file';
    if (b.entry(`"${base}"`)) b.file(base, head, st.size);
    return true;
  } finally {
    closeSync(fd);
  }
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
      await walkZip(fh, size, b, b.maxMembers);
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
        await walkTarIn(new FileRangeReader(fh, 0, size), b, budget, '');
        return;
      }
      // the ustar magic says tar: a header that fails its checksum, or is cut short, is a
      // damaged tar (GNU tar refuses it), not a plain file with nothing inside
      if (hasUstarMagic(head)) {
        b.format = 'tar';
        b.fail(head.length < 512 ? `tar: the first header is cut short (${head.length} of 512 bytes)` : 'tar: the first header (offset 0) fails its checksum');
        return;
      }
      if (b.entry(`"${base}"`)) b.file(base, head, size);
      return;
  }
};

/**
 * Lists the binary members of the archive, directory or file at `file`. Never throws:
 * an unreadable, corrupt or truncated input sets `error` and keeps what was found before
 * the damage; the member and byte caps set `capped`.
 */
export async function inspectPath(file: string, opts: InspectOptions = {}, identities?: { identify: Identify; limit: number }): Promise<ArchiveListing & { identities?: MemberIdentity[] }> {
  const maxMembers = opts.maxMembers ?? DEFAULT_MAX_MEMBERS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxRatio = opts.maxRatio ?? DEFAULT_MAX_RATIO;
  const b = new ListingBuilder(file, maxMembers);
  if (identities) {
    b.identify = identities.identify;
    b.identityLimit = identities.limit;
  }
  const budget = new Budget(maxBytes, maxRatio, RATIO_GRACE_BYTES);
  try {
    // The path the caller names is followed if it is a symlink; links inside are not.
    const st = statSync(file);
    if (st.isDirectory()) {
      b.format = 'directory';
      await walkDirectory(file, b);
    } else if (!st.isFile()) {
      b.fail('not a regular file or directory');
    } else if (!plainFileSync(file, b)) {
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
  const note = budget.capNote();
  if (note) b.cap(note);
  return identities ? { ...b.listing, identities: b.identities } : b.listing;
}
