/**
 * Unix ar archives, read by random access: static libraries (.a) and Debian packages
 * (.deb = ar of debian-binary, control.tar.*, data.tar.*). GNU ("name/", "//" long-name
 * table, "/123") and BSD ("#1/len") member names are understood.
 */
import type { FileHandle } from 'node:fs/promises';
import { readAt } from './reader.js';

const HEADER = 60;
const MAGIC_LEN = 8;
/** GNU long-name tables list file names; one this large is not a real one. */
const MAX_NAME_TABLE = 16 * 1024 * 1024;

export interface ArMember {
  name: string;
  /** where the member's data starts in the file */
  start: number;
  size: number;
}

/** Symbol tables the linker adds: not members a person put there. */
const isSymbolTable = (raw: string): boolean =>
  raw === '/' || raw === '/SYM64/' || raw.startsWith('__.SYMDEF');

/**
 * The members of the ar archive in `fh`, in order. Throws Error("ar: ...") on a damaged
 * header or when the file ends inside a member, after yielding the members before it.
 */
export async function* arMembers(fh: FileHandle, fileSize: number): AsyncGenerator<ArMember> {
  let pos = MAGIC_LEN;
  let names: Buffer | null = null;
  while (pos < fileSize) {
    // Members are 2-byte aligned; a lone newline of padding may end the file.
    if (fileSize - pos === 1) return;
    const h = await readAt(fh, pos, HEADER);
    if (h.length < HEADER) throw new Error(`ar: unexpected end of data in the header at offset ${pos}`);
    if (h[58] !== 0x60 || h[59] !== 0x0a) throw new Error(`ar: bad member header at offset ${pos}`);
    const raw = h.subarray(0, 16).toString('latin1').trimEnd();
    const sizeText = h.subarray(48, 58).toString('latin1').trim();
    if (!/^\d+$/.test(sizeText)) throw new Error(`ar: bad size field at offset ${pos}`);
    const size = Number(sizeText);
    const start = pos + HEADER;
    if (start + size > fileSize) throw new Error(`ar: unexpected end of data in "${raw.replace(/(?<=.)\/$/, '')}"`);
    pos = start + size + (size % 2);

    if (isSymbolTable(raw)) continue;
    if (raw === '//') {
      if (size > MAX_NAME_TABLE) throw new Error(`ar: ${size}-byte name table`);
      names = await readAt(fh, start, size);
      continue;
    }
    const bsd = /^#1\/(\d+)$/.exec(raw);
    if (bsd) {
      // BSD: the name is the first <len> bytes of the data, counted in the size.
      const len = Math.min(Number(bsd[1]), size);
      const name = (await readAt(fh, start, len)).toString('utf8').replace(/\0+$/, '');
      if (isSymbolTable(name)) continue;
      yield { name, start: start + len, size: size - len };
      continue;
    }
    const gnuLong = /^\/(\d+)$/.exec(raw);
    if (gnuLong && names) {
      const from = Number(gnuLong[1]);
      const end = names.indexOf('/\n', from);
      yield { name: names.subarray(from, end >= 0 ? end : names.length).toString('utf8'), start, size };
      continue;
    }
    yield { name: raw.endsWith('/') ? raw.slice(0, -1) : raw, start, size };
  }
}
