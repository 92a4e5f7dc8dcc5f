/**
 * A tar header walker over a ByteReader: ustar, GNU (long names 'L'/'K', base-256
 * numbers, old sparse 'S' with extension headers) and pax ('x' per entry, 'g' global,
 * GNU sparse 0.0, 0.1 and 1.0). It reads each header, the first HEAD_BYTES of each file,
 * and skips the rest, so memory stays flat whatever the archive size. A sparse member's
 * first bytes are rebuilt from its map (holes read as zeros), as `tar -x` would write them.
 */
import { isTarHeader, isZeroBlock, octalField } from './magic.js';
import type { ListingBuilder } from './listing.js';
import type { ByteReader } from './reader.js';
import { HEAD_BYTES } from './types.js';

const BLOCK = 512;
/** pax and GNU long-name records hold a path or two; anything bigger is not a real header. */
const MAX_META = 1024 * 1024;
/** A sparse map larger than this many regions is not one a real file needs. */
const MAX_SPARSE_REGIONS = 1 << 20;

/** The data ended before the archive did (truncated download, or a cap cut the stream). */
export class TarTruncated extends Error {}

/** Where the walker is, for error and cap messages: updated before every read. */
export interface TarPosition {
  /** e.g. `"bin/tool" (header at offset 1024)` or `the header at offset 1536 (after "bin/tool")` */
  where: string;
}

const cString = (b: Uint8Array): string => {
  const nul = b.indexOf(0);
  // a view, not a copy: this runs for every header
  return Buffer.from(b.buffer, b.byteOffset, nul >= 0 ? nul : b.length).toString('utf8');
};

/** Octal (NUL/space padded) or GNU base-256 (top bit of the first byte set). */
const parseNumber = (field: Uint8Array): number | null => {
  if (field[0] & 0x80) {
    if (field[0] === 0xff) return null; // negative
    let v = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i];
    return Number.isSafeInteger(v) ? v : null;
  }
  const v = octalField(field, 0, field.length);
  return v === -1 ? 0 : v;
};

interface Pax {
  values: Record<string, string>;
  /** GNU sparse 0.0 repeats GNU.sparse.offset / GNU.sparse.numbytes: every one, in order */
  sparse: number[];
}

/** "<len> <key>=<value>\n" records; lengths count bytes, values are UTF-8. */
const parsePax = (data: Buffer): Pax => {
  const values: Record<string, string> = {};
  const sparse: number[] = [];
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(data.subarray(pos, space).toString('latin1'), 10);
    if (!Number.isFinite(len) || len <= space - pos || pos + len > data.length) break;
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) {
      const key = record.slice(0, eq);
      const value = record.slice(eq + 1);
      values[key] = value;
      if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes') sparse.push(Number(value));
    }
    pos += len;
  }
  return { values, sparse };
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

const DECIMAL = /^\d+$/;
const decimal = (s: string | undefined): number | null => (s !== undefined && DECIMAL.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : null);

/** A sparse file's data regions: [offset, length] pairs, in file order. */
type SparseMap = number[];

/** Regions must be in order and must not overlap, as GNU tar writes them. */
const checkMap = (map: SparseMap, realSize: number, stored: number | null): string | null => {
  if (map.length % 2 !== 0 || map.some((n) => !Number.isSafeInteger(n) || n < 0)) return 'bad sparse map';
  let end = 0;
  let sum = 0;
  for (let i = 0; i < map.length; i += 2) {
    if (map[i] < end) return 'sparse map regions overlap or are out of order';
    end = map[i] + map[i + 1];
    sum += map[i + 1];
  }
  if (end > realSize) return `sparse map reaches past the file's size ${realSize}`;
  if (stored !== null && sum !== stored) return `sparse map holds ${sum} bytes but the member stores ${stored}`;
  return null;
};

/** The first bytes of the expanded file: holes are zeros, regions come from `data` in order. */
const expandHead = (map: SparseMap, data: Buffer, realSize: number): Buffer => {
  const head = Buffer.alloc(Math.min(realSize, HEAD_BYTES));
  let from = 0;
  for (let i = 0; i < map.length && map[i] < head.length; i += 2) {
    const n = Math.min(map[i + 1], head.length - map[i], data.length - from);
    if (n <= 0) break;
    data.copy(head, map[i], from, from + n);
    from += map[i + 1];
  }
  return head;
};

/**
 * Walks every header of the tar in `r` into `b`. Returns at the end-of-archive marker or
 * at a clean end of data; throws TarTruncated when data ends inside an entry and Error
 * ("tar: ...") on a header that is not one. Every message names the member (or header)
 * and its offset; `pos.where` says where the walk was when it stopped.
 */
export async function walkTar(r: ByteReader, b: ListingBuilder, pos: TarPosition = { where: 'the start' }): Promise<void> {
  let offset = 0;
  let longName: string | null = null;
  let pax: Record<string, string> = {};
  let paxSparse: number[] = [];
  const globalPax: Record<string, string> = {};
  let previous: string | null = null;

  const mustRead = async (n: number): Promise<Buffer> => {
    const got = await r.read(n);
    if (got.length < n) throw new TarTruncated(`tar: unexpected end of data in ${pos.where}`);
    offset += n;
    return got;
  };
  const mustSkip = async (n: number): Promise<void> => {
    if (n <= 0) return;
    const got = await r.skip(n);
    if (got < n) throw new TarTruncated(`tar: unexpected end of data in ${pos.where}`);
    offset += n;
  };

  for (;;) {
    const at = offset;
    pos.where = `the header at offset ${at}${previous !== null ? ` (after "${previous}")` : ''}`;
    const header = await r.read(BLOCK);
    if (header.length === 0) return; // no end marker: accepted, as GNU tar does
    if (header.length < BLOCK) throw new TarTruncated(`tar: unexpected end of data in ${pos.where}`);
    offset += BLOCK;
    if (isZeroBlock(header)) return;
    if (!isTarHeader(header)) throw new Error(`tar: bad checksum in ${pos.where}`);

    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
    const headerSize = parseNumber(header.subarray(124, 136));
    if (headerSize === null) throw new Error(`tar: bad size field in ${pos.where}`);

    if (type === 'L' || type === 'K' || type === 'x' || type === 'g' || type === 'X') {
      pos.where = `the ${type === 'L' || type === 'K' ? 'long-name' : 'pax'} record at offset ${at}`;
      if (headerSize > MAX_META) throw new Error(`tar: ${headerSize}-byte metadata record: ${pos.where}`);
      const data = await mustRead(headerSize);
      await mustSkip(padded(headerSize) - headerSize);
      if (type === 'L') longName = cString(data);
      else if (type === 'x' || type === 'X') {
        const p = parsePax(data);
        pax = { ...pax, ...p.values };
        paxSparse = p.sparse;
      } else if (type === 'g') Object.assign(globalPax, parsePax(data).values);
      // 'K' (long link target) names no file we look at.
      continue;
    }

    const ustar = header[257] === 0x75 && header.toString('latin1', 257, 263) === 'ustar\0';
    const prefix = ustar ? cString(header.subarray(345, 500)) : '';
    const shortName = cString(header.subarray(0, 100));
    const rawName =
      pax['GNU.sparse.name'] ?? pax.path ?? longName ?? globalPax.path ?? (prefix ? `${prefix}/${shortName}` : shortName);
    const paxSize = decimal(pax.size ?? globalPax.size);
    const size = paxSize ?? headerSize;
    const entryPax = pax;
    const entrySparse = paxSparse;
    longName = null;
    pax = {};
    paxSparse = [];

    const name = tidyName(rawName);
    pos.where = `"${name}" (header at offset ${at})`;
    previous = name;
    if (!b.entry(pos.where)) return;

    // Old GNU sparse: the map is in the header, continued in extension headers.
    if (type === 'S') {
      const map: number[] = [];
      const readPairs = (block: Buffer, from: number, count: number): void => {
        for (let i = 0; i < count; i++) {
          const o = parseNumber(block.subarray(from + i * 24, from + i * 24 + 12));
          const n = parseNumber(block.subarray(from + i * 24 + 12, from + i * 24 + 24));
          if (o === null || n === null) throw new Error(`tar: bad sparse map in ${pos.where}`);
          if (o === 0 && n === 0) continue; // unused slot
          map.push(o, n);
        }
      };
      readPairs(header, 386, 4);
      // read before the extension headers: a read may reuse the buffer `header` is in
      const realSize = parseNumber(header.subarray(483, 495));
      let extended = header[482] !== 0;
      while (extended) {
        if (map.length / 2 > MAX_SPARSE_REGIONS) throw new Error(`tar: sparse map of more than ${MAX_SPARSE_REGIONS} regions in ${pos.where}`);
        const ext = await mustRead(BLOCK);
        readPairs(ext, 0, 21);
        extended = ext[504] !== 0;
      }
      if (realSize === null) throw new Error(`tar: bad real size field in ${pos.where}`);
      await sparseMember(name, map, realSize, size);
      continue;
    }

    const major = entryPax['GNU.sparse.major'];
    // pax sparse 1.0: the map is at the start of the member's data, in decimal lines.
    if (major === '1') {
      const realSize = decimal(entryPax['GNU.sparse.realsize']);
      if (realSize === null) throw new Error(`tar: GNU.sparse.realsize missing or bad in ${pos.where}`);
      let text = '';
      let used = 0;
      let numbers: string[] = [];
      for (;;) {
        if (used + BLOCK > size || used + BLOCK > MAX_META) throw new Error(`tar: bad sparse map in ${pos.where}`);
        text += (await mustRead(BLOCK)).toString('latin1');
        used += BLOCK;
        numbers = text.split('\n');
        const count = decimal(numbers[0]);
        if (numbers.length > 1 && count === null) throw new Error(`tar: bad sparse map in ${pos.where}`);
        // complete once the count and 2*count numbers are each followed by a newline
        if (count !== null && numbers.length > 1 + 2 * count) {
          numbers = numbers.slice(0, 1 + 2 * count);
          break;
        }
      }
      const map = numbers.slice(1).map((x) => decimal(x) ?? -1);
      await sparseMember(name, map, realSize, size - used, used);
      continue;
    }
    // pax sparse 0.1 (GNU.sparse.map) and 0.0 (repeated offset / numbytes records)
    if (entryPax['GNU.sparse.map'] !== undefined || entrySparse.length > 0) {
      const realSize = decimal(entryPax['GNU.sparse.size'] ?? entryPax['GNU.sparse.realsize']);
      if (realSize === null) throw new Error(`tar: GNU.sparse.size missing or bad in ${pos.where}`);
      const map =
        entryPax['GNU.sparse.map'] !== undefined
          ? entryPax['GNU.sparse.map'].split(',').map((x) => decimal(x) ?? -1)
          : entrySparse.map((x) => (Number.isSafeInteger(x) ? x : -1));
      await sparseMember(name, map, realSize, size);
      continue;
    }

    const dataSize = NO_DATA.has(type) ? 0 : size;
    if (dataSize === 0 || NOT_CONTENT.has(type)) {
      // Empty files, links and directory listings have no content to classify.
      await mustSkip(padded(dataSize));
      continue;
    }
    const headLen = Math.min(dataSize, HEAD_BYTES);
    const head = await mustRead(headLen);
    const kind = b.file(name, head, dataSize);
    if (b.wantsBody(kind, dataSize)) {
      // the head is a view into a buffer the next read may reuse: copy it first
      const first = Buffer.from(head);
      const rest = dataSize > headLen ? await mustRead(dataSize - headLen) : Buffer.alloc(0);
      b.body(name, Buffer.concat([first, rest]));
      await mustSkip(padded(dataSize) - dataSize);
      continue;
    }
    await mustSkip(padded(dataSize) - headLen);
  }

  /**
   * A sparse member: `stored` bytes of region data (after `mapBytes` of map already read)
   * that expand to `realSize` bytes.
   */
  async function sparseMember(name: string, map: number[], realSize: number, stored: number, mapBytes = 0): Promise<void> {
    const bad = checkMap(map, realSize, stored);
    if (bad) throw new Error(`tar: ${bad} in ${pos.where}`);
    const headLen = Math.min(stored, HEAD_BYTES);
    const data = await mustRead(headLen);
    if (realSize > 0) b.file(name, expandHead(map, data, realSize), realSize);
    await mustSkip(padded(stored + mapBytes) - mapBytes - headLen);
  }
}
