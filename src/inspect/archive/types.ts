/**
 * What the archive inspector reports about one fetched archive, source directory or file.
 * The scan pipeline attaches these to fixed-output inputs so a reviewer can see that a
 * "source tarball" in fact carries compiled code.
 */

export type BinaryKind =
  | 'elf'
  | 'shared-object'
  | 'static-library'
  | 'object'
  | 'java-class'
  | 'pyc'
  | 'mach-o'
  | 'pe'
  | 'jar'
  | 'wheel';

export interface BinaryMember {
  /** member path inside the archive (relative to the root for directories) */
  member: string;
  kind: BinaryKind;
  /** uncompressed size in bytes as the container states it (-1 when it does not say) */
  size: number;
}

export type ArchiveFormat =
  | 'tar'
  | 'tar.gz'
  | 'tar.xz'
  | 'tar.bz2'
  | 'tar.zst'
  | 'zip'
  | 'deb'
  | 'ar'
  | 'gzip'
  | 'xz'
  | 'bzip2'
  | 'zstd'
  | 'file'
  | 'directory'
  /* recognised by magic but not decoded: `error` says "<format>: not supported" */
  | 'lzip'
  | 'lzma'
  | 'compress'
  | '7z'
  | 'rar'
  /* the path could not be opened or is not a regular file or directory */
  | 'unknown';

export interface ArchiveListing {
  /** what was inspected */
  path: string;
  format: ArchiveFormat;
  /**
   * Entries seen: every file, directory, symlink and other entry an archive lists (tar
   * metadata headers such as pax and GNU long names excluded), every entry below a walked
   * directory, 1 for a single (possibly compressed) file. For a .deb: the entries of its
   * data.tar.
   */
  members: number;
  /** binary members, at most MAX_LISTED_BINARIES of them, in archive order */
  binaries: BinaryMember[];
  /** all binary members found, also those past the listed ones */
  binaryCount: number;
  byKind: Partial<Record<BinaryKind, number>>;
  /**
   * Set when a cap stopped the walk early, else null. It starts with the cap's name
   * (`maxMembers:`, `maxBytes:`, `maxRatio:`) and says where the walk stopped.
   */
  capped: string | null;
  /**
   * One line when the input is unreadable, corrupt, truncated or holds a member that cannot
   * be read (unsupported compression, encryption, overlapping zip entries); it names the
   * member and its offset. Results before the damage are kept.
   */
  error: string | null;
}

/**
 * Caps on one inspection. Hitting any of them sets `capped`; the scan then treats the
 * input as not fully read (unknown, never source). CLI flags that set them:
 * INSPECT_OPTION_FLAGS.
 */
export interface InspectOptions {
  /** stop after this many entries (default DEFAULT_MAX_MEMBERS) */
  maxMembers?: number;
  /** stop after this many bytes of decompressed data in all (default DEFAULT_MAX_BYTES) */
  maxBytes?: number;
  /**
   * stop a compressed stream that has produced more than `maxRatio` decompressed bytes per
   * compressed byte read, once it has produced RATIO_GRACE_BYTES (default DEFAULT_MAX_RATIO)
   */
  maxRatio?: number;
}

export const DEFAULT_MAX_MEMBERS = 200_000;
/**
 * 1 GiB (was 4 GiB): the unpacked size of most source releases (a linux kernel tarball,
 * ~1.4 GiB unpacked, needs a higher cap and is `unknown` until given one). Decoding 1 GiB
 * takes ~2 s with gzip or zstd (zlib, host zstd), ~15 s with xz and ~60 s with bzip2 (host
 * tools; the pure-JS / WebAssembly fallbacks are slower still) on one core; an archive within
 * the ratio cap needs at least maxBytes/maxRatio (10 MiB) of compressed data to cost that much.
 */
export const DEFAULT_MAX_BYTES = 1024 ** 3;
/**
 * 100:1. Source and binary tarballs expand 3-15 times (text, code); gzip cannot exceed
 * ~1030:1, and a bomb of zeros sits at that ceiling. A stream over the ratio is
 * stopped once it has produced RATIO_GRACE_BYTES, so small archives of very repetitive
 * data are still read whole.
 */
export const DEFAULT_MAX_RATIO = 100;
/** Decompressed bytes a stream may produce before the ratio cap applies to it. */
export const RATIO_GRACE_BYTES = 16 * 1024 ** 2;
/** The command-line flags that should set InspectOptions (wired by the CLI). */
export const INSPECT_OPTION_FLAGS = {
  maxMembers: '--max-archive-members',
  maxBytes: '--max-archive-bytes',
  maxRatio: '--max-archive-ratio',
} as const satisfies Record<keyof InspectOptions, string>;

/** binaries beyond this many are counted but not listed, so a report stays readable */
export const MAX_LISTED_BINARIES = 50;
/**
 * Bytes read from the start of each member. 4 KiB reaches the PE signature of ordinary
 * Windows executables (e_lfanew is usually below 0x200) while keeping a walk over
 * hundreds of thousands of members cheap.
 */
export const HEAD_BYTES = 4096;
