/** A store tree under a case directory (`--store-root`): .drv files in ATerm, store paths with bytes. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { STORE, toAterm, type Graph } from './graph.js';

export const storeDirOf = (root: string): string => path.join(root, STORE);

export function writeStore(root: string, graph: Graph): void {
  mkdirSync(storeDirOf(root), { recursive: true });
  for (const [p, d] of Object.entries(graph)) writeFileSync(path.join(root, p), toAterm(d));
}

/** Put `bytes` at store path `p` (a file), or a directory with `files` in it. */
export function putPath(root: string, p: string, content: Buffer | Record<string, Buffer>): void {
  const at = path.join(root, p);
  if (Buffer.isBuffer(content)) {
    mkdirSync(path.dirname(at), { recursive: true });
    writeFileSync(at, content);
    return;
  }
  for (const [rel, b] of Object.entries(content)) {
    mkdirSync(path.dirname(path.join(at, rel)), { recursive: true });
    writeFileSync(path.join(at, rel), b);
  }
}

export const scanStoreArgs = (root: string, drv: string, allowlist: string, extra: string[] = []): string[] => [
  'scan',
  '--store-root',
  root,
  drv,
  '--allowlist',
  allowlist,
  ...extra,
];
