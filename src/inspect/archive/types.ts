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
  /** set when maxMembers or maxBytes stopped the walk early, else null */
  capped: string | null;
  /** one line when the input is unreadable, corrupt or truncated; results before it are kept */
  error: string | null;
}

export interface InspectOptions {
  /** stop after this many entries (default 200000) */
  maxMembers?: number;
  /** stop after this many bytes of decompressed data (default 4 GiB) */
  maxBytes?: number;
}

export const DEFAULT_MAX_MEMBERS = 200_000;
export const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;
/** binaries beyond this many are counted but not listed, so a report stays readable */
export const MAX_LISTED_BINARIES = 50;
/**
 * Bytes read from the start of each member. 4 KiB reaches the PE signature of ordinary
 * Windows executables (e_lfanew is usually below 0x200) while keeping a walk over
 * hundreds of thousands of members cheap.
 */
export const HEAD_BYTES = 4096;
