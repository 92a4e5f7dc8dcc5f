/**
 * Acquire: from what the user typed to one DerivationGraph.
 *  --from-json FILE            a saved dump (any Nix JSON version)
 *  .drv TARGETs                read the ATerm files straight from the store (no nix needed)
 *  result links, output paths  nix maps them to their derivers, then as above
 *  -f FILE -A ATTR, flake refs nix instantiates (never builds), then as above
 * Reading .drv files directly beats `nix show-derivation -r` (see BENCHMARKS.md), so it is
 * the default whenever the .drv files are readable; `--read-with nix` asks nix instead.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { DerivationGraph } from '../model/graph.js';
import { parseNixJson, DEFAULT_STORE_DIR } from '../graph/nix-json.js';
import { readJsonDump } from './json-file.js';
import { checkGraph } from '../graph/validate.js';

export interface AcquireRequest {
  fromJson?: string;
  targets: string[];
  file?: string;
  attrs: string[];
  args: [string, string][];
  argstrs: [string, string][];
  storeRoot?: string;
  storeDir?: string;
  readWith: 'auto' | 'nix' | 'drv';
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const readable = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** Read the graph, then check it is whole: complete, acyclic, every derivation with an output. */
export async function acquireGraph(req: AcquireRequest): Promise<DerivationGraph> {
  const graph = await readGraph(req);
  checkGraph(graph, graph.source.kind === 'nix-json' ? graph.source.detail : graph.source.kind === 'aterm' ? 'derivation graph' : 'nix');
  return graph;
}

async function readGraph(req: AcquireRequest): Promise<DerivationGraph> {
  const storeDir = (req.storeDir ?? DEFAULT_STORE_DIR).replace(/\/+$/, '');
  if (req.fromJson) return readJsonDump(req.fromJson, { storeDir });
  // the .drv reader and the nix runner are loaded only when a TARGET needs them
  const { isDrvPath, readDrvGraph } = await import('./drv-files.js');
  const { nixStoreDir, showDerivationRecursive } = await import('./nix.js');
  const { resolveRoots } = await import('./targets.js');

  const inStore = (p: string) => path.join(req.storeRoot ?? '/', p);
  const drvTargets = req.file === undefined && req.targets.every((t) => isDrvPath(t.replace(/\/+$/, '')));
  if (req.storeRoot !== undefined && !drvTargets)
    throw new InputError('--store-root reads .drv files only: give .drv paths as targets (result links need nix to find their derivers)');

  if (drvTargets && req.readWith !== 'nix') {
    const roots = req.targets.map((t) => {
      const abs = path.resolve(req.cwd, t);
      // a .drv given by its real location under --store-root is named by its store path
      return req.storeRoot && abs.startsWith(path.resolve(req.storeRoot) + '/') ? abs.slice(path.resolve(req.storeRoot).length) : abs;
    });
    for (const r of roots) if (!(await readable(inStore(r)))) throw new InputError(`${inStore(r)}: no such derivation file`);
    return readDrvGraph(roots, { storeRoot: req.storeRoot, storeDir });
  }

  const { nix, roots, trace } = await resolveRoots(req.targets, {
    file: req.file,
    attrs: req.attrs,
    args: [
      ...req.args.map(([name, value]) => ({ kind: 'arg' as const, name, value })),
      ...req.argstrs.map(([name, value]) => ({ kind: 'argstr' as const, name, value })),
    ],
    env: req.env,
    cwd: req.cwd,
  });
  const nixStore = req.storeDir ? storeDir : await nixStoreDir(nix);

  if (req.readWith !== 'nix' && (await Promise.all(roots.map(readable))).every(Boolean)) {
    const g = await readDrvGraph(roots, { storeDir: nixStore });
    g.source = { kind: 'aterm', format: 'aterm', detail: `${trace.join('; ')}; then the .drv files read directly from ${nixStore}` };
    return g;
  }
  const shown = await showDerivationRecursive(nix, roots);
  trace.push(shown.command);
  return parseNixJson(shown.json, trace.join('; '), { roots, storeDir: nixStore, kind: 'nix-command' });
}
