/**
 * Store paths Nix computes rather than stores. Newer derivation JSON (v3, v4) omits the
 * path of a fixed output because it is a function of the hash and the name; we compute it
 * exactly as Nix's makeFixedOutputPath does so every reader yields the same model.
 */
import { createHash } from 'node:crypto';
import { encodeNix32 } from './hash.js';
import type { HashMethod } from '../model/graph.js';

/** Nix's makeStorePath: `<storeDir>/<nix32(compress20(sha256(type:sha256:hex:storeDir:name)))>-<name>`. */
export function makeStorePath(type: string, sha256Hex: string, storeDir: string, name: string): string {
  const full = createHash('sha256').update(`${type}:sha256:${sha256Hex}:${storeDir}:${name}`).digest();
  const compressed = Buffer.alloc(20);
  for (let i = 0; i < full.length; i++) compressed[i % 20] ^= full[i];
  return `${storeDir}/${encodeNix32(compressed)}-${name}`;
}

/** The path of a fixed output: `source` for NAR sha256, `text` for text, `output:out` otherwise. */
export function fixedOutputPath(method: HashMethod, algo: string, hash: Buffer, storeDir: string, name: string): string {
  const hex = hash.toString('hex');
  if (method === 'nar' && algo === 'sha256') return makeStorePath('source', hex, storeDir, name);
  if (method === 'text') return makeStorePath('text', hex, storeDir, name);
  const prefix = method === 'nar' ? 'r:' : method === 'git' ? 'git:' : '';
  const inner = createHash('sha256').update(`fixed:out:${prefix}${algo}:${hex}:`).digest('hex');
  return makeStorePath('output:out', inner, storeDir, name);
}

/** The store path name of output `out` of derivation `name` (`name` or `name-out`). */
export const outputPathName = (drvName: string, output: string): string =>
  output === 'out' ? drvName : `${drvName}-${output}`;

/** `<32 nix-base-32 chars>-<name>`, with the characters Nix allows in a store path name. */
const STORE_BASENAME = /^[0-9abcdfghijklmnpqrsvwxyz]{32}-[A-Za-z0-9+\-._?=]{1,211}$/;

/**
 * Why `p` is not a store path directly in `storeDir`, or null when it is one. Every path a
 * reader accepts is checked, so no path from a graph can point outside the store (`..`,
 * a nested path, another directory) when it is later looked up on disk.
 */
export function storePathProblem(p: string, storeDir: string): string | null {
  if (!p.startsWith(storeDir) || p.charCodeAt(storeDir.length) !== 47 /* / */)
    return `is not in the store directory ${storeDir} (wrong store directory?)`;
  const base = p.slice(storeDir.length + 1);
  if (!STORE_BASENAME.test(base)) return 'is not a store path (<32-character hash>-<name>)';
  return null;
}

/** A name Nix accepts for a derivation (and so for its store paths): 1-211 of these characters. */
export const isValidStoreName = (name: string): boolean => /^[A-Za-z0-9+\-._?=]{1,211}$/.test(name);
