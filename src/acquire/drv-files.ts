/**
 * Builds a derivation graph by reading `.drv` files straight from a store (or a copy of
 * one under `--store-root`), so an audit needs no nix binary and no daemon: only read
 * access to the store, which CI caches and Guix machines both give.
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import path from 'node:path';
import { InputError } from '../errors.js';
import { readFully, readRegularFileSync, resolveInside } from '../files.js';
import { Interner } from '../graph/lean.js';
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
 * Reads regular files into one buffer that is reused from file to file (a 100k closure is
 * 100k reads: a fresh buffer each would be ~450 MB of garbage). Returns the byte count, or -1
 * when the fast way does not apply (not openable with these flags, not a regular file, too
 * big): the caller then reads the file the careful way, which also words the error.
 */
class DrvReader {
  buf = Buffer.allocUnsafe(64 * 1024);

  read(file: string, flags: number): number {
    let fd: number;
    try {
      fd = openSync(file, flags);
    } catch {
      return -1;
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.size > MAX_DRV_BYTES) return -1;
      if (st.size > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(st.size, this.buf.length * 2));
      return readFully(fd, this.buf, 0, st.size, 0);
    } catch {
      return -1;
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * The store directory under `storeRoot` with its symlinks resolved, when it stays inside the
 * root (else undefined: every file is then resolved on its own, which words the error). Done
 * once: resolving each of 100k file paths component by component (realpathSync) was ~3 s of a
 * 100k scan. A file opened in it with O_NOFOLLOW is then inside the root; a .drv that is itself
 * a symlink fails that open and is resolved the careful way.
 */
function realStoreDir(storeRoot: string, storeDir: string): string | undefined {
  try {
    return resolveInside(storeRoot, path.join(storeRoot, storeDir));
  } catch {
    return undefined;
  }
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

  const strings = new Interner();
  const reader = new DrvReader();
  const jailedDir = storeRoot === undefined ? undefined : realStoreDir(storeRoot, storeDir);
  const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;
  for (let next = 0; next < queue.length; next++) {
    const drvPath = queue[next];
    const file = fsPath(drvPath);
    // every queued path is directly in storeDir (roots: rootStorePath; inputs: the parser's check)
    const fast =
      storeRoot === undefined
        ? reader.read(file, FLAGS)
        : jailedDir !== undefined
          ? reader.read(jailedDir + drvPath.slice(storeDir.length), FLAGS | constants.O_NOFOLLOW)
          : -1;
    let d: Derivation;
    if (fast >= 0) {
      const bytes = reader.buf.subarray(0, fast);
      // ASCII (every .drv Nix writes for nixpkgs): latin1 decoding is the same text, faster,
      // and lets the parser copy kept strings straight from the bytes
      const ascii = isAscii(bytes);
      d = parseDrv(ascii ? bytes.toString('latin1') : bytes.toString('utf8'), drvPath, storeDir, file, {
        strings,
        bytes: ascii ? bytes : null,
      });
    } else {
      // the careful way, which also words every error
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
      d = parseDrv(text, drvPath, storeDir, file, { strings, bytes: null });
    }
    derivations.set(d.drvPath, d);
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
