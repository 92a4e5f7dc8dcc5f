/**
 * Archive writers that remember where each part landed (headers, member data, directories),
 * so a mutation knows what it hit: tar (ustar, GNU sparse, PAX sparse), zip (any method
 * number), ar, .deb, and gzip/xz/bzip2/zstd streams (xz, bzip2, zstd by their command-line
 * tools, with their default integrity checks).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { constants as zc, crc32, deflateRawSync, gzipSync } from 'node:zlib';

export interface Member {
  name: string;
  data: Buffer;
  /** zip method number; 0 stored, 8 deflate, anything else is written as given (data as is) */
  method?: number;
  /** tar: written as a sparse file of this form */
  sparse?: 'gnu' | 'pax';
  /** zip: the stored bytes, CRC and size given (a bomb made without holding its data) */
  raw?: { body: Buffer; crc: number; size: number };
}

export interface Region {
  name: string;
  /** header start */
  header: number;
  /** data start and length (as stored) */
  data: number;
  size: number;
  /** offset of the size field, for bogus-size mutations */
  sizeField?: number;
}

export interface Built {
  buf: Buffer;
  members: Region[];
  /** bytes a flip may change without the container being able to notice (member data) */
  exempt: [number, number][];
  /** extra structure offsets (zip: central directory entries, end record) */
  marks: Record<string, number>;
}

const octal = (n: number, width: number): string => n.toString(8).padStart(width - 1, '0') + '\0';

export function tarHeader(name: string, size: number, type = '0', gnu = false): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 99), 0, 'utf8');
  h.write(octal(0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(1700000000, 12), 136);
  h.write(type, 156);
  if (gnu) h.write('ustar  \0', 257, 'latin1');
  else {
    h.write('ustar\0', 257, 'latin1');
    h.write('00', 263);
  }
  h.write('root', 265);
  h.write('root', 297);
  return setTarChecksum(h);
}

export function setTarChecksum(h: Buffer): Buffer {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

const pad512 = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

const paxRecord = (k: string, v: string): string => {
  const body = ` ${k}=${v}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return `${len}${body}`;
};

export function makeTar(members: Member[]): Built {
  const parts: Buffer[] = [];
  let at = 0;
  const regions: Region[] = [];
  const exempt: [number, number][] = [];
  const push = (b: Buffer) => {
    parts.push(b);
    at += b.length;
  };
  for (const m of members) {
    let data = m.data;
    let header: Buffer;
    if (m.sparse === 'gnu') {
      // one data chunk at offset 0, then a 4 KiB hole: realsize > stored size
      header = tarHeader(m.name, data.length, 'S', true);
      header.write(octal(0, 12), 386);
      header.write(octal(data.length, 12), 398);
      header.write(octal(data.length + 4096, 12), 483);
      setTarChecksum(header);
    } else if (m.sparse === 'pax') {
      const recs = [paxRecord('GNU.sparse.major', '1'), paxRecord('GNU.sparse.minor', '0'), paxRecord('GNU.sparse.name', m.name), paxRecord('GNU.sparse.realsize', String(data.length + 4096))].join('');
      push(tarHeader(`./PaxHeaders/${m.name.split('/').pop()}`, recs.length, 'x'));
      push(Buffer.from(recs));
      push(pad512(recs.length));
      const map = Buffer.from(`1\n0\n${data.length}\n`);
      data = Buffer.concat([map, pad512(map.length), data]);
      header = tarHeader(m.name.replace(/[^/]*$/, (b) => `GNUSparseFile.0/${b}`), data.length);
    } else header = tarHeader(m.name, data.length);
    const h = at;
    push(header);
    regions.push({ name: m.name, header: h, data: at, size: data.length, sizeField: h + 124 });
    exempt.push([at, at + data.length]);
    push(data);
    push(pad512(data.length));
  }
  push(Buffer.alloc(1024));
  return { buf: Buffer.concat(parts), members: regions, exempt, marks: {} };
}

export function makeZip(members: Member[]): Built {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const regions: Region[] = [];
  const exempt: [number, number][] = [];
  const marks: Record<string, number> = {};
  let offset = 0;
  for (const m of members) {
    const method = m.method ?? 8;
    const name = Buffer.from(m.name);
    const body = m.raw ? m.raw.body : method === 8 ? deflateRawSync(m.data) : m.data;
    const crc = m.raw ? m.raw.crc : crc32(m.data);
    const usize = m.raw ? m.raw.size : m.data.length;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(method === 99 ? 1 : 0, 6);
    lh.writeUInt16LE(method, 8);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(usize, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(0x0314, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(method === 99 ? 1 : 0, 8);
    ch.writeUInt16LE(method, 10);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(usize, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE((0o100755 << 16) >>> 0, 38);
    ch.writeUInt32LE(offset, 42);
    regions.push({ name: m.name, header: offset, data: offset + 30 + name.length, size: body.length, sizeField: offset + 18 });
    exempt.push([offset + 30 + name.length, offset + 30 + name.length + body.length]);
    locals.push(lh, name, body);
    centrals.push(ch, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  marks.centralDirectory = offset;
  marks.endRecord = offset + cd.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return { buf: Buffer.concat([...locals, cd, end]), members: regions, exempt, marks };
}

export function makeAr(members: Member[]): Built {
  const parts: Buffer[] = [Buffer.from('!<arch>\n')];
  let at = 8;
  const regions: Region[] = [];
  const exempt: [number, number][] = [];
  for (const m of members) {
    const h = Buffer.alloc(60, 0x20);
    h.write(`${m.name.split('/').pop()!.slice(0, 15)}/`, 0);
    h.write('0', 16);
    h.write('0', 28);
    h.write('0', 34);
    h.write('100644', 40);
    h.write(String(m.data.length), 48);
    h.write('`\n', 58);
    regions.push({ name: m.name, header: at, data: at + 60, size: m.data.length, sizeField: at + 48 });
    exempt.push([at + 60, at + 60 + m.data.length]);
    parts.push(h, m.data);
    at += 60 + m.data.length;
    if (m.data.length % 2) {
      parts.push(Buffer.from('\n'));
      at++;
    }
  }
  return { buf: Buffer.concat(parts), members: regions, exempt, marks: {} };
}

export type Codec = 'gzip' | 'xz' | 'bzip2' | 'zstd';
export const CODECS: Codec[] = ['gzip', 'xz', 'bzip2', 'zstd'];
export const EXT: Record<Codec, string> = { gzip: 'gz', xz: 'xz', bzip2: 'bz2', zstd: 'zst' };
/** bytes of the stream's magic: a flip there makes it another kind of file, legitimately */
export const MAGIC_LEN: Record<Codec, number> = { gzip: 3, xz: 6, bzip2: 4, zstd: 4 };

export function compress(codec: Codec, data: Buffer): Buffer {
  if (codec === 'gzip') return gzipSync(data);
  const cmd = { xz: ['xz', '-c', '-6', '--check=crc64'], bzip2: ['bzip2', '-c', '-9'], zstd: ['zstd', '-c', '-q', '--check'] }[codec];
  const r = spawnSync(cmd[0], cmd.slice(1), { input: data, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export function makeDeb(tar: Buffer, codec: Codec | null): Built {
  const control = makeTar([{ name: './control', data: Buffer.from('Package: tool\nVersion: 1.0\nArchitecture: amd64\n') }]).buf;
  return makeAr([
    { name: 'debian-binary', data: Buffer.from('2.0\n') },
    { name: 'control.tar.gz', data: gzipSync(control) },
    { name: codec ? `data.tar.${EXT[codec]}` : 'data.tar', data: codec ? compress(codec, tar) : tar },
  ]);
}

/** `cmd` of a codec, reading a file and writing one (no buffer of the whole stream here). */
export function compressFile(codec: Codec, input: string, output: string): void {
  const cmd = { gzip: ['gzip', '-c', '-6'], xz: ['xz', '-c', '-1', '--check=crc64'], bzip2: ['bzip2', '-c', '-9'], zstd: ['zstd', '-c', '-q', '--check'] }[codec];
  const fin = openSync(input, 'r');
  const fout = openSync(output, 'w');
  try {
    const r = spawnSync(cmd[0], cmd.slice(1), { stdio: [fin, fout, 'pipe'] });
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
  } finally {
    closeSync(fin);
    closeSync(fout);
  }
}

/** `mib` MiB of zeros written to an open file in 16 MiB chunks. */
export function writeZeros(fd: number, mib: number): void {
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  for (let left = mib; left > 0; left -= 16) writeSync(fd, chunk, 0, Math.min(16, left) * 1024 * 1024);
}

/** A deflate stream of `mib` MiB of zeros, built from independent 16 MiB segments (full flushes). */
export function deflatedZeros(mib: number): { body: Buffer; crc: number; size: number } {
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  const seg = deflateRawSync(chunk, { finishFlush: zc.Z_FULL_FLUSH });
  const parts: Buffer[] = [];
  let crc = 0;
  for (let left = mib; left > 0; left -= 16) {
    parts.push(left >= 16 ? seg : deflateRawSync(chunk.subarray(0, left * 1024 * 1024), { finishFlush: zc.Z_FULL_FLUSH }));
    crc = crc32(chunk.subarray(0, Math.min(16, left) * 1024 * 1024), crc);
  }
  parts.push(deflateRawSync(Buffer.alloc(0)));
  return { body: Buffer.concat(parts), crc, size: mib * 1024 * 1024 };
}
