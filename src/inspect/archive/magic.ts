/**
 * Content sniffing. Names inside a tarball are chosen by whoever made it, so a member is
 * judged by its first bytes; names only break ties the bytes cannot (ELF shared object
 * versus position-independent executable, a zip that is a jar or a wheel).
 */
import type { BinaryKind } from './types.js';

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0): boolean => {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig[i]) return false;
  return true;
};

const u16 = (b: Uint8Array, at: number, little: boolean): number =>
  little ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1];
const u32be = (b: Uint8Array, at: number): number =>
  ((b[at] << 24) >>> 0) + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
const u32le = (b: Uint8Array, at: number): number =>
  ((b[at + 3] << 24) >>> 0) + ((b[at + 2] << 16) | (b[at + 1] << 8) | b[at]);

export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;
export const AR_MAGIC = [...Buffer.from('!<arch>\n')];
const AR_THIN_MAGIC = [...Buffer.from('!<thin>\n')];
const ZIP_LOCAL = [0x50, 0x4b, 0x03, 0x04] as const;
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06] as const;
const ZIP_SPANNED = [0x50, 0x4b, 0x07, 0x08] as const;

const ET_REL = 1;
const ET_DYN = 3;

/** `libfoo.so`, `libfoo.so.1.2`, `ld-linux-x86-64.so.2`, `_foo.cpython-311-x86_64-linux-gnu.so` */
const SO_NAME = /\.so(\.[^/]*)?$/;
const JAR_NAME = /\.(jar|war|ear|aar)$/i;
const WHEEL_NAME = /\.whl$/i;
const PYC_NAME = /\.py[co]$/i;

const baseName = (name: string): string => {
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
};

export const isZipHead = (b: Uint8Array): boolean =>
  startsWith(b, ZIP_LOCAL) || startsWith(b, ZIP_EMPTY) || startsWith(b, ZIP_SPANNED);

const elfKind = (b: Uint8Array, name: string): BinaryKind => {
  // e_ident[EI_DATA] (byte 5) gives the byte order of e_type at offset 16.
  if (b.length < 18 || (b[5] !== 1 && b[5] !== 2)) return 'elf';
  const type = u16(b, 16, b[5] === 1);
  if (type === ET_REL) return 'object';
  // ET_DYN is both a shared library and a PIE executable; only the name tells them apart.
  if (type === ET_DYN && SO_NAME.test(baseName(name))) return 'shared-object';
  return 'elf';
};

/**
 * 0xCAFEBABE starts both a Java class and a universal (fat) Mach-O. The next word is the
 * fat arch count for Mach-O (a handful) and minor<<16|major for a class file, whose major
 * is at least 45 (JDK 1.1); the same cut-off Apple's and file(1)'s readers use.
 */
const cafebabeKind = (b: Uint8Array): BinaryKind | null => {
  if (b.length < 8) return null;
  const next = u32be(b, 4);
  if (next >= 1 && next < 45) return 'mach-o';
  const major = (b[6] << 8) | b[7];
  if (major >= 45 && major < 200) return 'java-class';
  return null;
};

const MACHO_THIN = [
  [0xfe, 0xed, 0xfa, 0xce],
  [0xfe, 0xed, 0xfa, 0xcf],
  [0xce, 0xfa, 0xed, 0xfe],
  [0xcf, 0xfa, 0xed, 0xfe],
  // 64-bit universal header (cafebabf), always Mach-O
  [0xca, 0xfe, 0xba, 0xbf],
] as const;

const peKind = (b: Uint8Array): BinaryKind | null => {
  if (b.length < 0x40) return null;
  const lfanew = u32le(b, 0x3c);
  // The PE signature must lie past the DOS header and within the bytes we have.
  if (lfanew < 0x40 || lfanew + 4 > b.length) return null;
  return startsWith(b, [0x50, 0x45, 0x00, 0x00], lfanew) ? 'pe' : null;
};

/**
 * CPython byte-code starts with a 2-byte little-endian magic number followed by \r\n.
 * Only the ranges CPython has used are accepted (3000-3999 for 3.x; 20121 and
 * 50428-62211 for 1.5-2.7), so DOS text whose third and fourth bytes are \r\n is not
 * mistaken for byte-code.
 */
const isPycHead = (b: Uint8Array): boolean => {
  if (b.length < 4 || b[2] !== 0x0d || b[3] !== 0x0a) return false;
  const n = b[0] | (b[1] << 8);
  return (n >= 3000 && n < 4000) || n === 20121 || (n >= 50428 && n <= 62211);
};

/**
 * The binary kind of one member, from its first bytes (`head`) and its name; null when
 * it is not a binary this tool reports.
 */
export const classifyMember = (head: Uint8Array, name: string): BinaryKind | null => {
  if (startsWith(head, ELF_MAGIC)) return elfKind(head, name);
  if (startsWith(head, [0xca, 0xfe, 0xba, 0xbe])) return cafebabeKind(head);
  for (const sig of MACHO_THIN) if (startsWith(head, sig)) return 'mach-o';
  if (startsWith(head, [0x4d, 0x5a])) {
    const pe = peKind(head);
    if (pe) return pe;
  }
  if (startsWith(head, AR_MAGIC) || startsWith(head, AR_THIN_MAGIC)) return 'static-library';
  const base = baseName(name);
  if (isZipHead(head)) {
    if (JAR_NAME.test(base)) return 'jar';
    if (WHEEL_NAME.test(base)) return 'wheel';
    return null;
  }
  if (isPycHead(head)) return 'pyc';
  // A .pyc with an unfamiliar magic (a future CPython, PyPy) is still byte-code.
  if (PYC_NAME.test(base) && head.length > 0) return 'pyc';
  return null;
};

/** Containers and compressors recognised at the start of a file or member. */
export type Container =
  | 'gzip'
  | 'xz'
  | 'bzip2'
  | 'zstd'
  | 'zip'
  | 'ar'
  | 'lzip'
  | 'lzma'
  | 'compress'
  | '7z'
  | 'rar'
  | null;

export const sniffContainer = (b: Uint8Array): Container => {
  if (startsWith(b, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(b, [0x42, 0x5a, 0x68]) && b.length > 3 && b[3] >= 0x31 && b[3] <= 0x39) return 'bzip2';
  if (startsWith(b, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  if (isZipHead(b)) return 'zip';
  if (startsWith(b, AR_MAGIC)) return 'ar';
  if (startsWith(b, [0x4c, 0x5a, 0x49, 0x50])) return 'lzip';
  // lzma-alone has no real magic: properties byte 0x5d (lc=3 lp=0 pb=2, what every encoder
  // writes by default), a dictionary size of at least 64 KiB, then a 64-bit size that is
  // either unknown (all ones) or plausibly small.
  if (startsWith(b, [0x5d, 0x00, 0x00]) && b.length >= 13 && (b[12] === 0x00 || b[12] === 0xff)) return 'lzma';
  if (startsWith(b, [0x1f, 0x9d])) return 'compress';
  if (startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (startsWith(b, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return 'rar';
  return null;
};

/**
 * True when `block` is a tar header with a valid checksum. The checksum is the sum of the
 * header bytes with the checksum field read as spaces; historic tars summed signed bytes.
 */
/** What String.prototype.trim removes, among latin1 bytes: tab to CR, space, no-break space. */
const isTrimmed = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;

/**
 * A tar number field read as text up to its first NUL and trimmed: its value when that is
 * octal digits, -1 when it is empty, null when it is anything else. Byte by byte, since it
 * runs several times per header of every tar (it was a latin1 string, a regex and a trim).
 */
export const octalField = (b: Uint8Array, from: number, to: number): number | null => {
  let i = from;
  while (i < to && isTrimmed(b[i])) i++;
  let v = 0;
  let digits = 0;
  for (; i < to && b[i] >= 0x30 && b[i] <= 0x37; i++, digits++) v = v * 8 + (b[i] - 0x30);
  let sawNul = false;
  for (; i < to; i++) {
    if (b[i] === 0) sawNul = true;
    else if (!sawNul && !isTrimmed(b[i])) return null;
  }
  if (digits === 0) return -1;
  return Number.isSafeInteger(v) ? v : null;
};

export const isTarHeader = (block: Uint8Array): boolean => {
  if (block.length < 512) return false;
  const stored = octalField(block, 148, 156);
  // 1 to 8 digits (the field has 8 bytes)
  if (stored === null || stored < 0) return false;
  // Unsigned sum with the field read as spaces; the signed sum differs by 256 per byte > 127.
  let unsigned = 8 * 0x20;
  let high = 0;
  for (let j = 0; j < 148; j++) {
    const v = block[j];
    unsigned += v;
    if (v > 127) high++;
  }
  for (let j = 156; j < 512; j++) {
    const v = block[j];
    unsigned += v;
    if (v > 127) high++;
  }
  return stored === unsigned || stored === unsigned - 256 * high;
};

export const isZeroBlock = (block: Uint8Array): boolean => {
  if (block.length < 512) return false;
  for (let i = 0; i < 512; i++) if (block[i] !== 0) return false;
  return true;
};
