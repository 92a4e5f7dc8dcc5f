/**
 * A tar header walker over a ByteReader: ustar, GNU (long names 'L'/'K', base-256
 * sizes) and pax ('x' per entry, 'g' global). It reads each header, the first HEAD_BYTES
 * of each file, and skips the rest, so memory stays flat whatever the archive size.
 */
import { isTarHeader, isZeroBlock } from './magic.js';
import type { ListingBuilder } from './listing.js';
import type { ByteReader } from './reader.js';
import { HEAD_BYTES } from './types.js';

const BLOCK = 512;
/** pax and GNU long-name records hold a path or two; anything bigger is not a real header. */
const MAX_META = 1024 * 1024;

/** The data ended before the archive did (truncated download, or the byte cap cut it). */
export class TarTruncated extends Error {}

const cString = (b: Uint8Array): string => {
  const nul = b.indexOf(0);
  return Buffer.from(nul >= 0 ? b.subarray(0, nul) : b).toString('utf8');
};

/** Octal (NUL/space padded) or GNU base-256 (top bit of the first byte set). */
const parseNumber = (field: Uint8Array): number | null => {
  if (field[0] & 0x80) {
    if (field[0] === 0xff) return null; // negative
    let v = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i];
    return Number.isSafeInteger(v) ? v : null;
  }
  const text = Buffer.from(field).toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return null;
  return parseInt(text, 8);
};

/** "<len> <key>=<value>\n" records; lengths count bytes, values are UTF-8. */
const parsePax = (data: Buffer): Record<string, string> => {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(data.subarray(pos, space).toString('latin1'), 10);
    if (!Number.isFinite(len) || len <= space - pos || pos + len > data.length) break;
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
};

const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

/** Entry types that never carry data in the archive, whatever their size field says. */
const NO_DATA = new Set(['1', '2', '3', '4', '5', '6']);
/** Entry types whose data is not a file's content (directory listings, labels, continuations). */
const NOT_CONTENT = new Set(['D', 'V', 'M', 'N']);

const tidyName = (name: string): string => {
  const n = name.replace(/^(\.\/)+/, '');
  return n === '' ? '.' : n;
};

/**
 * Walks every header of the tar in `r` into `b`. Returns at the end-of-archive marker or
 * at a clean end of data; throws TarTruncated when data ends inside an entry and Error
 * ("tar: ...") on a header that is not one.
 */
export async function walkTar(r: ByteReader, b: ListingBuilder): Promise<void> {
  let offset = 0;
  let longName: string | null = null;
  let pax: Record<string, string> = {};
  const globalPax: Record<string, string> = {};

  const mustRead = async (n: number, what: string): Promise<Buffer> => {
    const got = await r.read(n);
    if (got.length < n) throw new TarTruncated(`tar: unexpected end of data in ${what}`);
    offset += n;
    return got;
  };
  const mustSkip = async (n: number, what: string): Promise<void> => {
    if (n <= 0) return;
    const got = await r.skip(n);
    if (got < n) throw new TarTruncated(`tar: unexpected end of data in ${what}`);
    offset += n;
  };

  for (;;) {
    const header = await r.read(BLOCK);
    if (header.length === 0) return; // no end marker: accepted, as GNU tar does
    if (header.length < BLOCK) throw new TarTruncated(`tar: unexpected end of data in the header at offset ${offset}`);
    const at = offset;
    offset += BLOCK;
    if (isZeroBlock(header)) return;
    if (!isTarHeader(header)) throw new Error(`tar: bad header checksum at offset ${at}`);

    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
    const headerSize = parseNumber(header.subarray(124, 136));
    if (headerSize === null) throw new Error(`tar: bad size field at offset ${at}`);

    if (type === 'L' || type === 'K' || type === 'x' || type === 'g' || type === 'X') {
      if (headerSize > MAX_META) throw new Error(`tar: ${headerSize}-byte metadata record at offset ${at}`);
      const data = await mustRead(headerSize, `the metadata record at offset ${at}`);
      await mustSkip(padded(headerSize) - headerSize, `the metadata record at offset ${at}`);
      if (type === 'L') longName = cString(data);
      else if (type === 'x' || type === 'X') pax = { ...pax, ...parsePax(data) };
      else if (type === 'g') Object.assign(globalPax, parsePax(data));
      // 'K' (long link target) names no file we look at.
      continue;
    }

    const ustar = Buffer.from(header.subarray(257, 263)).toString('latin1') === 'ustar\0';
    const prefix = ustar ? cString(header.subarray(345, 500)) : '';
    const shortName = cString(header.subarray(0, 100));
    const rawName =
      pax.path ?? longName ?? globalPax.path ?? (prefix ? `${prefix}/${shortName}` : shortName);
    const paxSize = pax.size ?? globalPax.size;
    const size = paxSize !== undefined && /^\d+$/.test(paxSize) ? Number(paxSize) : headerSize;
    longName = null;
    pax = {};

    if (!b.entry()) return;
    const name = tidyName(rawName);
    const dataSize = NO_DATA.has(type) ? 0 : size;
    if (dataSize === 0 || NOT_CONTENT.has(type)) {
      // Empty files, links and directory listings have no content to classify.
      await mustSkip(padded(dataSize), `"${name}"`);
      continue;
    }
    const headLen = Math.min(dataSize, HEAD_BYTES);
    const head = await mustRead(headLen, `"${name}"`);
    b.file(name, head, dataSize);
    await mustSkip(padded(dataSize) - headLen, `"${name}"`);
  }
}
