/**
 * A source directory (an unpacked fetchgit / fetchzip output): every entry is counted,
 * regular files are classified by their first bytes, symlinks are never followed and
 * special files never opened, so neither a link loop nor a FIFO can stall the walk.
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import path from 'node:path';
import { readAtSync } from '../../files.js';
import type { ListingBuilder } from './listing.js';
import { HEAD_BYTES } from './types.js';

const codeOf = (e: unknown): string =>
  (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));

/** Code-unit order, not locale order: the same tree lists the same way on every machine. */
const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * One regular file of the tree, read with synchronous calls: a source tree has thousands of
 * small files, and four thread-pool round trips each (open, fstat, read, close) cost more
 * than the reads.
 */
const inspectFile = (abs: string, rel: string, b: ListingBuilder): void => {
  let fd: number;
  try {
    // O_NOFOLLOW: the entry may have been swapped for a symlink since readdir.
    // O_NONBLOCK: ...or for a FIFO, whose open would otherwise wait for a writer.
    fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    b.fail(`cannot read ${rel}: ${codeOf(e)}`);
    return;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return;
    const head = readAtSync(fd, 0, Math.min(st.size, HEAD_BYTES));
    const kind = b.file(rel, head, st.size);
    if (b.wantsBody(kind, st.size)) {
      const body = readAtSync(fd, 0, st.size);
      if (body.length === st.size) b.body(rel, body);
    }
  } catch (e) {
    b.fail(`cannot read ${rel}: ${codeOf(e)}`);
  } finally {
    closeSync(fd);
  }
};

export async function walkDirectory(root: string, b: ListingBuilder): Promise<void> {
  const rootStat = await lstat(root).catch(() => null);
  // Bind mounts can make a tree contain itself; directories are entered once each.
  const entered = new Set<string>(rootStat ? [`${rootStat.dev}:${rootStat.ino}`] : []);
  const pending: string[] = [''];
  while (pending.length > 0) {
    const rel = pending.pop() as string;
    const abs = rel ? path.join(root, rel) : root;
    let entries: Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (e) {
      b.fail(`cannot read directory ${rel || '.'}: ${codeOf(e)}`);
      continue;
    }
    entries.sort(byName);
    const subdirs: string[] = [];
    for (const d of entries) {
      if (!b.entry(`"${rel ? `${rel}/${d.name}` : d.name}"`)) return;
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      const childAbs = path.join(abs, d.name);
      if (d.isDirectory()) {
        const st = await lstat(childAbs).catch(() => null);
        if (!st || !st.isDirectory()) continue;
        const key = `${st.dev}:${st.ino}`;
        if (entered.has(key)) continue;
        entered.add(key);
        subdirs.push(childRel);
      } else if (d.isFile()) {
        inspectFile(childAbs, childRel, b);
      }
      // Symlinks, sockets, FIFOs and devices are counted but not opened.
    }
    // Reversed onto the stack so subdirectories are walked in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) pending.push(subdirs[i]);
  }
}
