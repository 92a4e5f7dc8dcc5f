/**
 * The inspect stage: look at bytes in the store so verdicts rest on contents, not names.
 * It only reads and reports facts; it never decides or rewrites a verdict.
 *  - every fixed-output path and input source present on disk is listed (archives are
 *    streamed, never extracted): the member kinds become the input's `contents` facts,
 *    which the classify stage weighs (compiled code found in the bytes is decisive);
 *  - every ELF file in the runtime closure of the roots' outputs (and in fixed-output
 *    paths) gets its facts and a provenance: built here, from a prebuilt input, made by a
 *    foreign toolchain, or made by no derivation of this graph.
 * Nothing is executed; files are only read.
 */
import { createHash } from 'node:crypto';
import { lstatSync, realpathSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Derivation, DerivationGraph } from '../model/graph.js';
import type { GraphIndex } from '../graph/index.js';
import type { ClassifiedInput, RawInput } from '../model/input.js';
import type { ContentFacts } from '../model/facts.js';
import type { Coverage, CoverageGap, ElfFinding, Evidence, ElfFacts } from '../model/report.js';
import type { ArchiveListing, MemberIdentity } from './archive/index.js';
import { detectNix, runtimeClosure } from '../acquire/nix.js';

export interface InspectOptions {
  /** filesystem root the store lives under (`--store-root`); default / */
  storeRoot?: string;
  /** ask nix for the runtime closure of the roots' outputs (else: the outputs themselves) */
  env?: NodeJS.ProcessEnv;
  onProgress?: (msg: string) => void;
  /** at most this many files are read for ELF facts */
  maxElfFiles?: number;
  /** caps on reading each archive (--max-archive-*; defaults in archive/types.ts) */
  archive?: { maxBytes?: number; maxRatio?: number; maxMembers?: number };
}

/** An ELF finding before the gate has looked at it. */
export type ElfObservation = Omit<ElfFinding, 'gate'>;

// synchronous on purpose: tens of thousands of awaited lstat calls cost seconds on a big graph
const exists = (p: string): boolean => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

/** The contents facts of one listing. Exported for tests. */
export function contentFacts(l: ArchiveListing): ContentFacts {
  return {
    format: l.format,
    members: l.members,
    byKind: { ...l.byKind } as Record<string, number>,
    binaryCount: l.binaryCount,
    binaries: l.binaries.slice(0, 8).map((b) => ({ member: b.member, kind: b.kind })),
    error: l.error,
    capped: l.capped,
  };
}

/** `left`: files still allowed; `hit`: a file was left unread because none were */
interface Budget {
  left: number;
  hit: boolean;
}

async function* walk(dir: string, budget: Budget, onError: (p: string, e: unknown) => void = () => {}): AsyncGenerator<string> {
  let st;
  try {
    st = await lstat(dir);
  } catch (e) {
    onError(dir, e);
    return;
  }
  if (st.isFile()) {
    if (budget.left > 0) {
      budget.left--;
      yield dir;
    } else budget.hit = true;
    return;
  }
  if (!st.isDirectory()) return; // symlinks are not followed: they point at other store paths
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    onError(dir, e);
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p, budget, onError);
    else if (e.isFile()) {
      if (budget.left <= 0) {
        budget.hit = true;
        return;
      }
      budget.left--;
      yield p;
    }
    if (budget.hit) return;
  }
}

const COMPILER = /^(GCC: \(([^)]*)\) (\S+)|clang version (\S+)|rustc version (\S+)|Ubuntu clang|Debian clang|GHC (\S+))/;

/** GCC versions this graph builds (gcc-13.2.0, gcc-unwrapped-13.2.0, gcc-static-13.2.0, …). */
export function gccVersionsOf(graph: DerivationGraph): Set<string> {
  const versions = new Set<string>();
  for (const d of graph.derivations.values()) {
    const m = /^gcc(?:-unwrapped|-static)?-(\d+(?:\.\d+)*)/.exec(d.name);
    if (m) versions.add(m[1]);
  }
  return versions;
}

/** Compilers a .comment names, and whether this graph builds such a compiler. */
export function toolchainSignals(facts: ElfFacts, gccVersions: Set<string>, storeDir: string): Evidence[] {
  const out: Evidence[] = [];
  for (const c of facts.comment ?? []) {
    const m = COMPILER.exec(c);
    if (!m) continue;
    if (m[2] !== undefined) {
      const vendor = m[2];
      const version = m[3];
      const inGraph = gccVersions.has(version);
      if (vendor !== 'GNU' || !inGraph)
        out.push({
          rule: 'inspect.foreign-compiler',
          detail: `.comment '${c}' names ${vendor === 'GNU' ? `GCC ${version}` : `${vendor}'s GCC ${version}`}, ${inGraph ? 'a distribution build of it' : 'which this graph does not build'}`,
        });
    } else if (/^(Ubuntu|Debian) clang/.test(c)) {
      out.push({ rule: 'inspect.foreign-compiler', detail: `.comment '${c}' names a distribution's clang` });
    }
  }
  const outside = (p: string) => p.startsWith('/') && !p.startsWith(storeDir + '/') && !p.startsWith('$ORIGIN');
  if (facts.interpreter && outside(facts.interpreter))
    out.push({ rule: 'inspect.host-interpreter', detail: `interpreter ${facts.interpreter} is outside ${storeDir}: linked for another system's loader` });
  for (const r of [...(facts.runpath ?? []), ...(facts.rpath ?? [])])
    if (outside(r)) out.push({ rule: 'inspect.host-runpath', detail: `RUNPATH/RPATH entry ${r} is outside ${storeDir}` });
  return out;
}

/**
 * The inputs of `drv` that carry binaries (seed/prebuilt, or found to hold binaries):
 * if its output holds ELF files, they most likely came from there.
 */
function binaryInputsOf(drv: Derivation, byDrv: Map<string, ClassifiedInput>, bySrc: Map<string, ClassifiedInput>): ClassifiedInput[] {
  const out: ClassifiedInput[] = [];
  const carries = (i: ClassifiedInput) => i.class === 'prebuilt' || i.class === 'seed' || (i.contents?.binaryCount ?? 0) > 0;
  for (const dep of Object.keys(drv.inputDrvs)) {
    const i = byDrv.get(dep);
    if (i && carries(i)) out.push(i);
  }
  for (const src of drv.inputSrcs) {
    const i = bySrc.get(src);
    if (i && carries(i)) out.push(i);
  }
  return out;
}

export interface Inspector {
  /** contents facts of every input whose path is on this machine, keyed by input id */
  contents(inputs: RawInput[]): Promise<Map<string, ContentFacts>>;
  /** ELF files of the roots' runtime closure and of fixed-output paths, with their provenance */
  elf(inputs: ClassifiedInput[], index: GraphIndex): Promise<ElfObservation[]>;
  /** bytes of each store path that is on this machine (a file's size, the sum of a directory's files) */
  sizes(paths: string[]): Promise<Map<string, number>>;
  /** what contents() and elf() read and what they could not */
  coverage(): Coverage;
}

const errText = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message ?? String(e);

/** Sum of the sizes of the regular files under p (symlinks not followed). */
async function bytesOf(p: string): Promise<number | null> {
  let st;
  try {
    st = await lstat(p);
  } catch {
    return null;
  }
  if (!st.isDirectory()) return st.size;
  let total = 0;
  let entries;
  try {
    entries = await readdir(p, { withFileTypes: true });
  } catch {
    return null;
  }
  for (const e of entries) {
    const sub = await bytesOf(path.join(p, e.name));
    if (sub === null) return null;
    total += sub;
  }
  return total;
}

/**
 * ELF members bigger than this are not read whole for their identity (provenance through
 * copies): 256 MiB holds any real executable or library (a static LLVM is ~150 MiB).
 */
const ELF_MEMBER_LIMIT = 256 * 1024 ** 2;

/**
 * The keys an ELF file is matched by in provenance through copies, with how: its GNU build-id
 * (first: it survives stripping) and its SHA-256.
 */
const identityKeys = (buildId: string | null | undefined, sha256: string | null | undefined): [string, 'build-id' | 'SHA-256'][] => {
  const keys: [string, 'build-id' | 'SHA-256'][] = [];
  if (buildId) keys.push([`b:${buildId}`, 'build-id']);
  if (sha256) keys.push([`s:${sha256}`, 'SHA-256']);
  return keys;
};

/** What `matches` (keyed `${producer drv}\0${identity key}`) holds for this file, by its first matching key. */
const matchOf = <T>(matches: Map<string, T>, producerDrv: string, fact: ElfFacts): T | undefined => {
  for (const [id] of identityKeys(fact.buildId, fact.sha256)) {
    const m = matches.get(`${producerDrv}\0${id}`);
    if (m !== undefined) return m;
  }
  return undefined;
};

/** The options actually given: an absent flag must not override a default with undefined. */
const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * Where to read a store path from: itself, or — when it is a symlink — its target, provided
 * that stays in the same store directory. A fetched path that points elsewhere (`/etc/shadow`,
 * `/usr/bin`) is never read through: its contents facts say so, which makes it unknown.
 */
function insideStore(p: string): string | ContentFacts {
  const refused = (error: string): ContentFacts => ({ format: 'symlink', members: 0, byKind: {}, binaryCount: 0, binaries: [], error, capped: null });
  let st;
  try {
    st = lstatSync(p);
  } catch {
    return p;
  }
  if (!st.isSymbolicLink()) return p;
  let real: string;
  let store: string;
  try {
    real = realpathSync(p);
    store = realpathSync(path.dirname(p));
  } catch (e) {
    return refused(`the store path is a symlink that does not resolve (${(e as NodeJS.ErrnoException).code ?? 'error'}): not read`);
  }
  if (!real.startsWith(store + path.sep)) return refused(`the store path is a symlink to ${JSON.stringify(real)}, outside the store: not read`);
  return real;
}

export function makeInspector(opts: InspectOptions): Inspector {
  const root = opts.storeRoot ?? '/';
  const onDisk = (p: string) => path.join(root, p);
  const gaps: CoverageGap[] = [];
  const cov = {
    outputs: { total: 0, inspected: 0 },
    inputs: { total: 0, read: 0 },
    storePaths: 0,
    closure: 'none' as Coverage['closure'],
  };
  const contents = async (inputs: RawInput[]): Promise<Map<string, ContentFacts>> => {
    const out = new Map<string, ContentFacts>();
    const present: RawInput[] = [];
    for (const i of inputs) {
      if (i.kind === 'builder' || !i.path) continue;
      cov.inputs.total++;
      if (exists(onDisk(i.path))) present.push(i);
    }
    cov.inputs.read = present.length;
    if (!present.length) return out;
    // the readers are loaded only when there is something on disk to read
    const { inspectPath } = await import('./archive/index.js');
    let done = 0;
    for (const i of present) {
      opts.onProgress?.(`seedaudit: looking inside ${++done}/${present.length} store paths…`);
      const target = insideStore(onDisk(i.path!));
      const facts = typeof target === 'string' ? contentFacts(await inspectPath(target, definedOnly(opts.archive ?? {}))) : target;
      // a single file is listed under its store file name (`<hash>-tool`): say `tool`
      const base = path.basename(i.path!);
      for (const b of facts.binaries) if (b.member === base) b.member = i.name;
      if (facts.error || facts.capped)
        gaps.push({
          what: 'contents-unreadable',
          path: i.path,
          detail: facts.error ? `listing '${i.name}' failed: ${facts.error}` : `listing '${i.name}' stopped at a cap, not every member was read: ${facts.capped}`,
          output: false,
        });
      out.set(i.id, facts);
    }
    return out;
  };
  const elf = async (inputs: ClassifiedInput[], index: GraphIndex): Promise<ElfObservation[]> => {
    const { graph } = index;
    const present = inputs.filter((i) => i.contents !== null);
    // 2. ELF files of the roots' runtime closure and of fixed-output paths
    const byDrv = new Map<string, ClassifiedInput>();
    const bySrc = new Map<string, ClassifiedInput>();
    for (const i of inputs) {
      if (i.kind === 'fixed-output') for (const d of i.drvs) byDrv.set(d, i);
      if (i.kind === 'input-src') bySrc.set(i.id, i);
    }
    const rootOutputs = graph.roots.flatMap((r) => Object.values(graph.derivations.get(r)?.outputs ?? {}).map((o) => o.path)).filter((p): p is string => !!p);
    const builtOutputs: string[] = [];
    for (const p of [...new Set(rootOutputs)]) {
      cov.outputs.total++;
      if (exists(onDisk(p))) builtOutputs.push(p);
      else gaps.push({ what: 'output-absent', path: p, detail: `output ${p} is not in the store (not built here, or garbage-collected)`, output: true });
    }
    cov.outputs.inspected = builtOutputs.length;
    let closure = builtOutputs;
    if (builtOutputs.length) cov.closure = 'outputs-only';
    if (builtOutputs.length && opts.storeRoot !== undefined) {
      gaps.push({
        what: 'closure-query',
        path: null,
        detail: `runtime closure not queried under --store-root: only the ${builtOutputs.length} output(s) themselves were read`,
        output: true,
      });
    } else if (builtOutputs.length) {
      try {
        const nix = await detectNix(opts.env ?? process.env, { wanted: 'the runtime closure' });
        closure = (await runtimeClosure(nix, builtOutputs)).paths;
        cov.closure = 'nix';
      } catch (e) {
        // without nix (or with outputs nix does not know) the outputs themselves are read
        closure = builtOutputs;
        gaps.push({
          what: 'closure-query',
          path: null,
          detail: `the runtime-closure query failed (${((e as Error).message ?? String(e)).split('\n')[0]}): only the outputs themselves were read`,
          output: true,
        });
      }
    }
    const inClosure = new Set(closure);
    const storePaths = [...new Set([...closure, ...present.filter((i) => i.kind === 'fixed-output').map((i) => i.path!)])];
    cov.storePaths = storePaths.length;
    const limit = opts.maxElfFiles ?? 200_000;
    const budget: Budget = { left: limit, hit: false };
    const files: { file: string; storePath: string; facts: ElfFacts }[] = [];
    const cut: string[] = [];
    // one open per file: the magic is checked by the reader, which then reads an ELF file
    // whole for its facts and its SHA-256 (synchronous: see src/inspect/elf/index.ts)
    const { readElfFactsHashedSync, readElfFactsFromBuffer } = await import('./elf/index.js');
    if (storePaths.length) opts.onProgress?.(`seedaudit: reading the ELF files of ${storePaths.length} store paths…`);
    for (const [n, sp] of storePaths.entries()) {
      if (budget.hit) {
        cut.push(...storePaths.slice(n));
        break;
      }
      const onError = (p: string, e: unknown) =>
        gaps.push({ what: 'walk-error', path: p, detail: `could not read ${p}: ${errText(e)}`, output: inClosure.has(sp) });
      for await (const f of walk(onDisk(sp), budget, onError)) {
        const facts = readElfFactsHashedSync(f);
        if (facts.elf) files.push({ file: f, storePath: sp, facts });
      }
      if (budget.hit) cut.push(sp);
    }
    for (const sp of cut)
      gaps.push({ what: 'file-cap', path: sp, detail: `the cap of ${limit} files was reached: ${sp} was not (fully) searched for ELF files`, output: inClosure.has(sp) });
    if (files.length === 0) return [];
    const facts = files.map((f) => f.facts);
    facts.forEach((f, k) => {
      if (f.error)
        gaps.push({ what: 'elf-unreadable', path: f.path, detail: `ELF file ${f.path} could not be read: ${f.error}`, output: inClosure.has(files[k].storePath) });
    });
    const storeDir = graph.storeDir;
    // once per scan, not once per ELF file
    const gccVersions = gccVersionsOf(graph);
    const toolchains = facts.map((f) => toolchainSignals(f, gccVersions, storeDir));
    // the binary-carrying inputs of a derivation, once per derivation
    const carriersMemo = new Map<string, ClassifiedInput[]>();
    const carriersOf = (d: Derivation): ClassifiedInput[] => {
      let c = carriersMemo.get(d.drvPath);
      if (!c) carriersMemo.set(d.drvPath, (c = binaryInputsOf(d, byDrv, bySrc)));
      return c;
    };
    // Provenance through copies: a file whose own producer takes no binary input but which a
    // foreign toolchain made may have been copied from an upstream output (A unpacks a prebuilt
    // tarball, B copies A's binary). Look for the same file (build-id or SHA-256) in the outputs
    // of the producer's upstream derivations that are in the store, nearest first.
    const candidates = new Map<string, Set<string>>(); // producer drv -> wanted identities
    facts.forEach((fact, k) => {
      const producer = index.producer.get(files[k].storePath);
      if (!producer || byDrv.has(producer.drvPath) || carriersOf(producer).length) return;
      if (!toolchains[k].length) return;
      const wanted = candidates.get(producer.drvPath) ?? new Set<string>();
      for (const [id] of identityKeys(fact.buildId, fact.sha256)) wanted.add(id);
      candidates.set(producer.drvPath, wanted);
    });
    const upstreamMatch = new Map<string, { drv: Derivation; file: string; storePath: string; how: string }>(); // `${producer}\0${id}`
    const archiveMatch = new Map<string, { input: ClassifiedInput; member: string; how: string }>(); // `${producer}\0${id}`
    // the ELF members of a binary input, read whole once per scan (bounded by the archive caps
    // and by ELF_MEMBER_LIMIT per member)
    const identitiesMemo = new Map<string, MemberIdentity[]>();
    const memberIdentities = async (p: string): Promise<MemberIdentity[]> => {
      let ids = identitiesMemo.get(p);
      if (!ids) {
        const { inspectPath } = await import('./archive/index.js');
        const identify = (member: string, body: Buffer): MemberIdentity => ({
          member,
          sha256: createHash('sha256').update(body).digest('hex'),
          buildId: readElfFactsFromBuffer(body, member).buildId ?? null,
        });
        ids = (await inspectPath(p, definedOnly(opts.archive ?? {}), { identify, limit: ELF_MEMBER_LIMIT })).identities ?? [];
        identitiesMemo.set(p, ids);
      }
      return ids;
    };
    for (const [producerDrv, wanted] of candidates) {
      const seen = new Set<string>([producerDrv]);
      let frontier = Object.keys(graph.derivations.get(producerDrv)?.inputDrvs ?? {});
      const upBudget = { left: 20_000, hit: false };
      const left = new Set(wanted);
      while (frontier.length && left.size && !upBudget.hit) {
        const next: string[] = [];
        for (const dp of frontier) {
          if (seen.has(dp)) continue;
          seen.add(dp);
          const d = graph.derivations.get(dp);
          if (!d || byDrv.has(dp)) continue; // fixed outputs are inputs: attributed directly
          next.push(...Object.keys(d.inputDrvs));
          // a copy whose producer took the binary in from an input beats one that did not
          const carries = carriersOf(d).length > 0;
          for (const o of Object.values(d.outputs)) {
            if (!o.path || !exists(onDisk(o.path))) continue;
            for await (const f of walk(onDisk(o.path), upBudget)) {
              const up = readElfFactsHashedSync(f);
              if (!up.elf) continue;
              for (const [id, how] of identityKeys(up.buildId, up.sha256)) {
                const key = `${producerDrv}\0${id}`;
                if (!left.has(id)) continue;
                if (!upstreamMatch.has(key) || carries) upstreamMatch.set(key, { drv: d, file: f, storePath: o.path, how });
                if (carries) left.delete(id);
              }
            }
          }
        }
        frontier = next;
      }
      // Not found in an upstream output that is in the store (A's output may be gone, or A
      // never ran here): look inside the binary inputs upstream of the producer, whose
      // archives are, for an ELF member with the same SHA-256 or build-id.
      if (!left.size) continue;
      const binaryInputsUpstream = new Map<string, ClassifiedInput>();
      for (const dp of seen) {
        const d = graph.derivations.get(dp);
        if (d && !byDrv.has(dp)) for (const c of carriersOf(d)) binaryInputsUpstream.set(c.id, c);
      }
      for (const c of binaryInputsUpstream.values()) {
        if (!left.size) break;
        if (!c.path || !exists(onDisk(c.path))) continue;
        for (const m of await memberIdentities(onDisk(c.path))) {
          for (const [id, how] of identityKeys(m.buildId, m.sha256)) {
            if (!left.has(id)) continue;
            archiveMatch.set(`${producerDrv}\0${id}`, { input: c, member: m.member, how });
            left.delete(id);
          }
        }
      }
    }

    return facts.map((fact, k) => {
      const { storePath } = files[k];
      const shownPath = opts.storeRoot ? path.join(storePath, path.relative(onDisk(storePath), files[k].file)) : fact.path;
      const producer = index.producer.get(storePath);
      const fod = producer ? byDrv.get(producer.drvPath) : undefined;
      const evidence: Evidence[] = [];
      let provenance: ElfFinding['provenance'];
      let fromInput: string | null = null;
      const toolchain = toolchains[k];
      const copied = producer ? matchOf(upstreamMatch, producer.drvPath, fact) : undefined;
      const upstreamCarriers = copied ? carriersOf(copied.drv) : [];
      const fromArchive = producer ? matchOf(archiveMatch, producer.drvPath, fact) : undefined;
      if (!producer) {
        provenance = 'unknown-deriver';
        evidence.push({ rule: 'inspect.no-deriver', detail: `no derivation of this graph produces ${storePath}` });
      } else if (fod) {
        provenance = 'from-prebuilt';
        fromInput = fod.id;
        evidence.push({ rule: 'inspect.fixed-output', detail: `${storePath} is the fixed output '${fod.name}' (${fod.class}): downloaded, not built here` });
      } else {
        const carriers = carriersOf(producer);
        if (carriers.length) {
          provenance = 'from-prebuilt';
          fromInput = carriers[0].id;
          evidence.push({
            rule: 'inspect.copied-from-input',
            detail: `${producer.name} takes ${carriers.map((c) => `'${c.name}' (${c.class})`).join(', ')}, which carr${carriers.length === 1 ? 'ies' : 'y'} binaries, and its output holds this ELF file`,
          });
        } else if (copied && upstreamCarriers.length) {
          provenance = 'from-prebuilt';
          fromInput = upstreamCarriers[0].id;
          const rel = path.relative(onDisk(copied.storePath), copied.file);
          evidence.push({
            rule: 'inspect.copied-from-upstream',
            detail:
              `same ${copied.how} as ${rel} in the output of ${copied.drv.name}, which takes ` +
              `${upstreamCarriers.map((c) => `'${c.name}' (${c.class})`).join(', ')}: copied through ${copied.drv.name} into ${producer.name}`,
          });
        } else if (fromArchive) {
          provenance = 'from-prebuilt';
          fromInput = fromArchive.input.id;
          evidence.push({
            rule: 'inspect.copied-from-archive',
            detail:
              `same ${fromArchive.how} as ${fromArchive.member} in '${fromArchive.input.name}' (${fromArchive.input.class}), ` +
              `an input upstream of ${producer.name}: copied out of it through derivations whose outputs are not in the store`,
          });
        } else if (toolchain.length) {
          provenance = 'foreign-toolchain';
          if (copied)
            evidence.push({
              rule: 'inspect.copied-from-upstream',
              detail: `same ${copied.how} as ${path.relative(onDisk(copied.storePath), copied.file)} in the output of ${copied.drv.name}, which takes no binary input`,
            });
        } else {
          provenance = 'built';
          evidence.push({ rule: 'inspect.built-here', detail: `built by ${producer.name}, a derivation of this graph with no binary input of its own` });
        }
      }
      evidence.push(...toolchain);
      const producedBy = {
        drv: producer?.drvPath ?? null,
        name: producer?.name ?? null,
        class: fod ? fod.class : producer ? ('built' as const) : null,
      };
      return { ...fact, path: shownPath, storePath, producedBy, provenance, evidence, fromInput };
    });
  };
  const sizes = async (paths: string[]): Promise<Map<string, number>> => {
    const out = new Map<string, number>();
    for (const p of paths) {
      if (!exists(onDisk(p))) continue;
      const n = await bytesOf(onDisk(p));
      if (n !== null) out.set(p, n);
    }
    return out;
  };
  const coverage = (): Coverage => ({
    inspected: true,
    complete: gaps.length === 0 && cov.inputs.read === cov.inputs.total,
    outputs: { ...cov.outputs },
    inputs: { ...cov.inputs },
    storePaths: cov.storePaths,
    closure: cov.closure,
    gaps: [...gaps],
  });
  return { contents, elf, sizes, coverage };
}
