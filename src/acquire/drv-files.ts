/**
 * Builds a derivation graph by reading `.drv` files straight from a store (or a copy of
 * one under `--store-root`), so an audit needs no nix binary and no daemon: only read
 * access to the store, which CI caches and Guix machines both give.
 */
import path from 'node:path';
import { InputError } from '../errors.js';
import { readRegularFileSync, resolveInside } from '../files.js';
import type { Derivation, DerivationGraph } from '../model/graph.js';
import { oneLine, parseDrv } from './aterm.js';

export const DEFAULT_STORE_DIR = '/nix/store';

/** The largest .drv read: real ones are kilobytes, a few (big inline env) megabytes. */
const MAX_DRV_BYTES = 256 * 1024 * 1024;

/** `<32 nix-base-32 chars>-<name>.drv`, the shape of every derivation store path (Nix and Guix). */
const DRV_BASENAME = /^[0-9abcdfghijklmnpqrsvwxyz]{32}-[A-Za-z0-9+\-._?=]+\.drv$/;

/** True for something that looks like a derivation store path (`/nix/store/<hash>-<name>.drv`). */
export function isDrvPath(p: string): boolean {
  return DRV_BASENAME.test(p.slice(p.lastIndexOf('/') + 1));
}

export interface ReadDrvOptions {
  /** treat this directory as the filesystem root: /nix/store/x.drv is read from DIR/nix/store/x.drv */
  storeRoot?: string;
  /** the store directory the derivations name, /nix/store by default (Guix: /gnu/store) */
  storeDir?: string;
}

/**
 * A root may be given as the store path or, under `storeRoot`, as the file's real
 * location; either way the graph names it by its store path.
 */
function rootStorePath(root: string, storeDir: string, storeRoot: string | undefined): string {
  let p = root;
  if (storeRoot !== undefined) {
    const prefix = path.resolve(storeRoot);
    const abs = path.resolve(root);
    if (abs.startsWith(prefix + path.sep) && abs.slice(prefix.length).startsWith(storeDir + '/')) {
      p = abs.slice(prefix.length);
    }
  }
  const dir = p.slice(0, p.lastIndexOf('/'));
  if (dir !== storeDir || !isDrvPath(p)) {
    throw new InputError(
      oneLine(`${root}: not a derivation in the store directory ${storeDir} (expected ${storeDir}/<hash>-<name>.drv)`),
    );
  }
  return p;
}

/**
 * Read the root derivations and everything they depend on, each file once, breadth first.
 * A missing or unreadable input is an InputError naming it and the derivation that needs it:
 * a partial graph would let an unaudited binary through.
 */
export async function readDrvGraph(rootDrvPaths: string[], opts: ReadDrvOptions = {}): Promise<DerivationGraph> {
  const storeDir = (opts.storeDir ?? DEFAULT_STORE_DIR).replace(/\/+$/, '');
  if (!storeDir.startsWith('/')) {
    throw new InputError(`store directory '${opts.storeDir}' is not an absolute path`);
  }
  const storeRoot = opts.storeRoot;
  const fsPath = (drvPath: string) => (storeRoot === undefined ? drvPath : path.join(storeRoot, drvPath));

  const roots = [...new Set(rootDrvPaths.map((r) => rootStorePath(r, storeDir, storeRoot)))];
  if (roots.length === 0) throw new InputError('no derivations given to read');

  // Breadth first from the roots, each input in the order its derivation lists it: the map
  // order is the same on every run, so reports do not churn. Reads are synchronous: from the
  // page cache, as in CI right after evaluation, readFileSync is about 10x faster per file than
  // fs.promises.readFile with many reads in flight (bench/run.mjs; BENCHMARKS.md), and a
  // closure is read once, start to end, with nothing else for the event loop to do.
  const derivations = new Map<string, Derivation>();
  /** who first asked for each .drv, for the error when it is missing */
  const referrer = new Map<string, string | null>();
  const queue: string[] = [];
  for (const r of roots) {
    referrer.set(r, null);
    queue.push(r);
  }

  for (let next = 0; next < queue.length; next++) {
    const drvPath = queue[next];
    const file = fsPath(drvPath);
    let text: string;
    try {
      // under --store-root every path, symlinks resolved, must stay inside the root; only
      // regular files are read (a FIFO would block, a device never ends)
      const real = storeRoot === undefined ? file : resolveInside(storeRoot, file, drvPath);
      text = readRegularFileSync(real, { label: drvPath, maxBytes: MAX_DRV_BYTES }).toString('utf8');
    } catch (e) {
      const by = referrer.get(drvPath);
      const reason = (e as Error).message.startsWith(drvPath + ': ') ? (e as Error).message.slice(drvPath.length + 2) : (e as Error).message;
      const where = file === drvPath ? file : `${drvPath} (read from ${file})`;
      // Input paths come from .drv text and may hold control characters.
      throw new InputError(
        oneLine(by ? `${where}: ${reason}; it is an input of ${by}` : `${where}: ${reason} (root derivation)`),
      );
    }
    const d = parseDrv(text, drvPath, storeDir, file);
    derivations.set(drvPath, d);
    for (const input in d.inputDrvs) {
      if (!referrer.has(input)) {
        referrer.set(input, drvPath);
        queue.push(input);
      }
    }
  }

  return {
    storeDir,
    derivations,
    roots,
    source: { kind: 'aterm', format: 'aterm', detail: storeRoot ?? storeDir },
  };
}
