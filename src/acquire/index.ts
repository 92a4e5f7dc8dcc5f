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
import type { DerivationGraph, PackageMeta } from '../model/graph.js';
import type { NixInfo } from './nix.js';
import { parseNixJson, DEFAULT_STORE_DIR } from '../graph/nix-json.js';
import { DEFAULT_DUMP_LIMITS, readJsonDump } from './json-file.js';
import { checkGraph } from '../graph/validate.js';

export interface AcquireRequest {
  fromJson?: string;
  /** caps on a --from-json dump (defaults: DEFAULT_DUMP_LIMITS) */
  dumpLimits?: { maxBytes?: number; maxRatio?: number };
  targets: string[];
  file?: string;
  /** `-E EXPR` */
  expr?: string;
  attrs: string[];
  args: [string, string][];
  argstrs: [string, string][];
  storeRoot?: string;
  storeDir?: string;
  readWith: 'auto' | 'nix' | 'drv';
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** --roots-file: the roots of a many-roots scan (.drv store paths), chosen in --from-json's dump or read as .drv files */
  roots?: string[];
  /** evaluate the roots' declared metadata (meta.position, meta.sourceProvenance) of expression scans; default true */
  meta?: boolean;
}

/** A TARGET with its output selection: `drv^out,dev`, `drv^*` (Nix 2.13 and later), `drv!out` (older). */
export interface Installable {
  target: string;
  /** selected output names; ['*'] for all; null when none was given */
  outputs: string[] | null;
}

export const parseInstallable = (t: string): Installable => {
  const drv = /^(.*\.drv)(?:\^|!)([^\^!/]+)$/.exec(t);
  if (drv) return { target: drv[1] as string, outputs: (drv[2] as string).split(',') };
  // a flake installable's output selection: the graph is per derivation, so it only narrows nothing
  const flake = /^([^#]*#[^\^]*)\^([^\^/]+)$/.exec(t);
  if (flake) return { target: flake[1] as string, outputs: (flake[2] as string).split(',') };
  return { target: t, outputs: null };
};

/** Hints for TARGETs that are something else than they look: a saved dump, a .drv in an extracted store tree. */
async function checkTargets(req: AcquireRequest, storeDir: string): Promise<void> {
  for (const t of req.targets) {
    const abs = path.resolve(req.cwd, t);
    if (abs.startsWith(storeDir + '/')) continue;
    if (/\.json(\.(gz|xz|bz2|zst))?$/i.test(t) && (await readable(abs)))
      throw new InputError(`${t} is not a derivation, a result link or a flake reference; to read a saved derivation graph give --from-json ${t}`);
    const tree = new RegExp(`^(.+?)(${storeDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[0-9a-df-np-sv-z]{32}-[^/]+\\.drv)$`).exec(abs);
    if (tree && req.storeRoot === undefined)
      throw new InputError(`${t} is a derivation in a store tree under ${tree[1]}, not in ${storeDir}; read it with --store-root ${tree[1]} ${tree[2]}`);
  }
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
  if (req.fromJson) {
    if (req.fromJson !== '-') {
      const { symlinkLoop } = await import('./nix.js');
      const loop = await symlinkLoop(req.fromJson);
      if (loop) throw new InputError(`--from-json ${req.fromJson}: a symlink loop (${loop}), not a file`);
    }
    return readJsonDump(req.fromJson, {
      storeDir,
      ...(req.roots ? { roots: req.roots } : {}),
      limits: {
        ...DEFAULT_DUMP_LIMITS,
        ...(req.dumpLimits?.maxBytes ? { maxBytes: req.dumpLimits.maxBytes } : {}),
        ...(req.dumpLimits?.maxRatio ? { maxRatio: req.dumpLimits.maxRatio } : {}),
      },
    });
  }
  if (req.roots) {
    // a many-roots scan without a dump: the roots' .drv files, read together into one graph
    const { readDrvGraph } = await import('./drv-files.js');
    const inStore = (p: string) => path.join(req.storeRoot ?? '/', p);
    const missing = (await Promise.all(req.roots.map((r) => readable(inStore(r))))).indexOf(false);
    if (missing >= 0) throw new InputError(`${inStore(req.roots[missing] as string)}: no such derivation file (a root of the roots file)`);
    return readDrvGraph(req.roots, { storeRoot: req.storeRoot, storeDir });
  }
  const installables = req.targets.map(parseInstallable);
  req = { ...req, targets: installables.map((i) => i.target) };
  await checkTargets(req, storeDir);
  const graph = await acquireRoots(req, storeDir);
  // output selections of .drv installables: the names must exist, as nix would insist
  for (const inst of installables) {
    if (!inst.outputs || !inst.target.endsWith('.drv')) continue;
    const abs = path.resolve(req.cwd, inst.target);
    const d = graph.derivations.get(abs) ?? graph.derivations.get(req.storeRoot && abs.startsWith(path.resolve(req.storeRoot) + '/') ? abs.slice(path.resolve(req.storeRoot).length) : abs);
    if (!d) continue;
    const names = Object.keys(d.outputs);
    const bad = inst.outputs.filter((o) => o !== '*' && !names.includes(o));
    if (bad.length) throw new InputError(`${inst.target} has no output '${bad[0]}' (outputs: ${names.join(', ')})`);
    (graph.selectedOutputs ??= new Map()).set(d.drvPath, inst.outputs);
  }
  return graph;
}

async function acquireRoots(req: AcquireRequest, storeDir: string): Promise<DerivationGraph> {
  // the .drv reader and the nix runner are loaded only when a TARGET needs them
  const { isDrvPath, readDrvGraph } = await import('./drv-files.js');
  const { nixStoreDir, showDerivationRecursive } = await import('./nix.js');
  const { resolveRoots } = await import('./targets.js');

  const inStore = (p: string) => path.join(req.storeRoot ?? '/', p);
  const drvTargets = req.file === undefined && req.expr === undefined && req.targets.every((t) => isDrvPath(t.replace(/\/+$/, '')));
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
    expr: req.expr,
    attrs: req.attrs,
    args: [
      ...req.args.map(([name, value]) => ({ kind: 'arg' as const, name, value })),
      ...req.argstrs.map(([name, value]) => ({ kind: 'argstr' as const, name, value })),
    ],
    env: req.env,
    cwd: req.cwd,
  });
  const nixStore = req.storeDir ? storeDir : await nixStoreDir(nix);
  const meta = req.meta === false ? null : await rootMeta(req, nix, nixStore);

  let g: DerivationGraph;
  if (req.readWith !== 'nix' && (await Promise.all(roots.map(readable))).every(Boolean)) {
    g = await readDrvGraph(roots, { storeDir: nixStore });
    g.source = { kind: 'aterm', format: 'aterm', detail: `${trace.join('; ')}; then the .drv files read directly from ${nixStore}` };
  } else {
    const shown = await showDerivationRecursive(nix, roots);
    trace.push(shown.command);
    g = parseNixJson(shown.json, trace.join('; '), { roots, storeDir: nixStore, kind: 'nix-command' });
  }
  if (meta) {
    g.rootMeta = meta.meta;
    if (meta.error) g.rootMetaError = meta.error;
  }
  return g;
}

/**
 * The roots' declared metadata, for expression and flake scans: evaluated from the same
 * expression (best effort; a failure is recorded, not fatal). A local flake's positions point
 * into the copy Nix made in the store; they are mapped back onto the flake's directory.
 */
async function rootMeta(req: AcquireRequest, nix: NixInfo, storeDir: string): Promise<{ meta: Map<string, PackageMeta>; error?: string } | null> {
  const { evaluateMeta, evaluateFlakeMeta } = await import('./meta.js');
  const { isFlakeRef } = await import('./nix.js');
  const args = [
    ...req.args.map(([name, value]) => ({ kind: 'arg' as const, name, value })),
    ...req.argstrs.map(([name, value]) => ({ kind: 'argstr' as const, name, value })),
  ];
  if (req.expr !== undefined || req.file !== undefined) {
    const r = await evaluateMeta(nix, req.expr !== undefined ? { expr: req.expr } : { file: req.file! }, req.attrs, args);
    return r;
  }
  const flakes = req.targets.filter(isFlakeRef);
  if (!flakes.length) return null;
  const meta = new Map<string, PackageMeta>();
  const errors: string[] = [];
  for (const ref of flakes) {
    const r = await evaluateFlakeMeta(nix, ref);
    if (r.error) errors.push(`${ref}: ${r.error}`);
    const local = /^(?:path:|git\+file:\/\/)?([./][^#?]*)/.exec(ref)?.[1];
    const dir = local === undefined ? null : path.resolve(req.cwd, local);
    for (const [drv, m] of r.meta) {
      const inStore = m.position && new RegExp(`^${storeDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[0-9a-df-np-sv-z]{32}-[^/]+/(.*)$`).exec(m.position.file);
      if (dir && m.position && inStore) m.position = { ...m.position, file: path.join(dir, inStore[1] as string) };
      meta.set(drv, m);
    }
  }
  return { meta, ...(errors.length ? { error: errors.join('; ') } : {}) };
}
