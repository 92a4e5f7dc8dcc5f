/**
 * Pure decoding of the Go build info blob (the `.go.buildinfo` section), following Go's
 * debug/buildinfo: a 32-byte header at a 16-byte aligned offset, starting with the magic
 * "\xff Go buildinf:", then the pointer size (byte 14) and a flags byte (15).
 *   flags & 2 (Go 1.18+): the header is followed by two uvarint-length-prefixed strings,
 *                         runtime.buildVersion and runtime.modinfo.
 *   otherwise (older):     bytes 16.. hold two pointers (virtual addresses) to Go string
 *                         headers {data pointer, length}; flags != 0 means big-endian.
 * The reading of pointed-to memory lives in parse.ts; this file never touches the file.
 */

export const GO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const ALIGN = 16;
const HEADER = 32;
/** Go looks only this far into the data for the blob */
const SEARCH = 64 * 1024;

export type GoHeader =
  | { kind: 'inline'; version: string; modinfo: Buffer }
  | { kind: 'pointers'; ptrSize: 4 | 8; bigEndian: boolean; versionAddr: number; modAddr: number };

/** Offset of the blob in `data` (16-byte aligned, room for the header), or -1. */
export function findGoBlob(data: Buffer): number {
  const limit = Math.min(data.length, SEARCH);
  let from = 0;
  while (from < limit) {
    const i = data.indexOf(GO_MAGIC, from);
    if (i < 0 || i >= limit || data.length - i < HEADER) return -1;
    if (i % ALIGN === 0) return i;
    from = i + 1;
  }
  return -1;
}

/** Go's binary.Uvarint, limited to 7 bytes (49 bits) so the value stays a safe integer. */
export function uvarint(buf: Buffer, at: number): { value: number; next: number } | null {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buf.length && i < at + 7; i++) {
    const b = buf[i];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return { value, next: i + 1 };
    scale *= 128;
  }
  return null;
}

/**
 * One length-prefixed string (decodeString in Go), or null when it does not fit. Go also
 * refuses a string that ends exactly at the end of its data, because it always has 64 KiB
 * after the blob; we read the section only, which may end right after the last string.
 */
function decodeString(buf: Buffer, at: number): { bytes: Buffer; next: number } | null {
  const u = uvarint(buf, at);
  if (!u || u.value > buf.length - u.next) return null;
  return { bytes: buf.subarray(u.next, u.next + u.value), next: u.next + u.value };
}

/** Decodes the 32-byte header at `at` (and, for the inline format, the strings after it). */
export function decodeGoHeader(data: Buffer, at: number): GoHeader | null {
  const ptrSize = data[at + 14];
  const flags = data[at + 15];
  if (flags & 2) {
    const v = decodeString(data, at + HEADER);
    if (!v) return null;
    const m = decodeString(data, v.next);
    return { kind: 'inline', version: v.bytes.toString('utf8'), modinfo: m ? m.bytes : Buffer.alloc(0) };
  }
  if (ptrSize !== 4 && ptrSize !== 8) return null;
  const bigEndian = flags !== 0;
  return {
    kind: 'pointers',
    ptrSize,
    bigEndian,
    versionAddr: readPtr(data, at + 16, ptrSize, bigEndian),
    modAddr: readPtr(data, at + 16 + ptrSize, ptrSize, bigEndian),
  };
}

export function readPtr(buf: Buffer, at: number, size: 4 | 8, bigEndian: boolean): number {
  if (size === 4) return bigEndian ? buf.readUInt32BE(at) : buf.readUInt32LE(at);
  const hi = bigEndian ? buf.readUInt32BE(at) : buf.readUInt32LE(at + 4);
  const lo = bigEndian ? buf.readUInt32BE(at + 4) : buf.readUInt32LE(at);
  return hi * 0x100000000 + lo;
}

/**
 * The main package path from runtime.modinfo. The linker frames modinfo with two 16-byte
 * sentinels; Go strips them only when the byte before the closing one is a newline, and
 * otherwise treats the binary as having no module information.
 */
export function modinfoPath(mod: Buffer): string | null {
  if (mod.length < 33 || mod[mod.length - 17] !== 0x0a) return null;
  const text = mod.subarray(16, mod.length - 16).toString('utf8');
  for (const line of text.split('\n')) {
    if (line.startsWith('path\t')) return line.slice(5);
  }
  return null;
}
