/**
 * Hash normalisation. Nix writes the same hash as base-16 (derivation JSON up to 2.31),
 * Nix base-32 (older nixpkgs, `nix-prefetch-url`), base-64 or SRI (`sha256-…`, nixpkgs
 * today, JSON v4). The allowlist matches by hash, so every form is reduced to SRI.
 */
import { InputError } from '../errors.js';

const SIZES: Record<string, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };
// Nix's base-32 alphabet omits e, o, u and t.
const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';

export interface ParsedHash {
  algo: string;
  bytes: Buffer;
}

const b16len = (n: number) => n * 2;
const b32len = (n: number) => Math.ceil((n * 8) / 5);
const b64len = (n: number) => Math.ceil(n / 3) * 4;

export function decodeNix32(s: string, size: number): Buffer {
  if (s.length !== b32len(size)) throw new Error(`base-32 hash has length ${s.length}, expected ${b32len(size)}`);
  const out = Buffer.alloc(size);
  for (let n = 0; n < s.length; n++) {
    const c = s[s.length - n - 1];
    const digit = NIX32.indexOf(c);
    if (digit < 0) throw new Error(`invalid base-32 character '${c}'`);
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    out[i] |= (digit << j) & 0xff;
    const carry = digit >> (8 - j);
    if (i + 1 < size) out[i + 1] |= carry;
    else if (carry) throw new Error('base-32 hash has bits beyond its size');
  }
  return out;
}

export function encodeNix32(bytes: Buffer): string {
  const len = b32len(bytes.length);
  let s = '';
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    const c = (bytes[i] >> j) | (i + 1 < bytes.length ? bytes[i + 1] << (8 - j) : 0);
    s += NIX32[c & 0x1f];
  }
  return s;
}

function decodeBody(body: string, algo: string): Buffer {
  const size = SIZES[algo];
  if (size === undefined) throw new Error(`unknown hash algorithm '${algo}'`);
  if (body.length === b16len(size) && /^[0-9a-fA-F]+$/.test(body)) return Buffer.from(body, 'hex');
  if (body.length === b32len(size) && /^[0-9a-df-np-sv-z]+$/.test(body)) return decodeNix32(body, size);
  if (body.length === b64len(size) && /^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    const buf = Buffer.from(body, 'base64');
    if (buf.length === size) return buf;
  }
  throw new Error(`'${body}' is not a ${algo} hash in base-16, base-32 or base-64`);
}

/** Infer the algorithm of a bare hash from its length (base-16, base-32, base-64). */
function inferAlgo(body: string): string | undefined {
  for (const [algo, size] of Object.entries(SIZES)) {
    if (body.length === b16len(size) || body.length === b32len(size) || body.length === b64len(size)) return algo;
  }
  return undefined;
}

/**
 * Parse any hash spelling Nix uses: `sha256-<b64>` (SRI), `sha256:<any>`, or a bare
 * base-16/32/64 body (algorithm from `algoHint` or from the length). Throws Error.
 */
export function parseHash(input: string, algoHint?: string): ParsedHash {
  const s = input.trim();
  let algo: string | undefined;
  let body: string;
  const sri = /^(md5|sha1|sha256|sha512)-(.+)$/.exec(s);
  const colon = /^(md5|sha1|sha256|sha512):(.+)$/.exec(s);
  if (sri) {
    algo = sri[1];
    body = sri[2];
    const buf = Buffer.from(body, 'base64');
    if (buf.length !== SIZES[algo] || !/^[A-Za-z0-9+/]+={0,2}$/.test(body))
      throw new Error(`'${s}' is not a valid SRI ${algo} hash`);
    return { algo, bytes: buf };
  } else if (colon) {
    algo = colon[1];
    body = colon[2];
  } else {
    body = s;
    algo = algoHint && SIZES[algoHint] ? algoHint : inferAlgo(s);
    if (!algo) throw new Error(`cannot tell the algorithm of hash '${s}'`);
  }
  return { algo, bytes: decodeBody(body, algo) };
}

export const toSRI = (h: ParsedHash): string => `${h.algo}-${h.bytes.toString('base64')}`;

/** Normalise to SRI, or throw InputError naming `where`. */
export function normaliseHash(input: string, where: string, algoHint?: string): string {
  try {
    return toSRI(parseHash(input, algoHint));
  } catch (e) {
    throw new InputError(`${where}: ${(e as Error).message}`);
  }
}
