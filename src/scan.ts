/**
 * The pipeline from a graph to a report: collect inputs, gather their facts (graph facts,
 * then what the bytes in the store show), classify them with the rules, place them (why is
 * it here), inspect the outputs' ELF files, apply the allowlist and the gate. Acquisition
 * (reading the graph) happens before, rendering after.
 */
import type { DerivationGraph, PackageMeta } from './model/graph.js';
import { checkProvenance, provenanceItems } from './model/provenance.js';
import { baselineKeysOf, countItems } from './model/gate.js';
import { isFixedOutput } from './model/graph.js';
import { collectInputs, factGatherer } from './facts/index.js';
import { GraphIndex } from './graph/index.js';
import { classifyInput } from './classify/classify.js';
import type { ClassifiedInput, RawInput } from './model/input.js';
import type { ContentFacts } from './model/facts.js';
import { placeInputs } from './classify/closure.js';
import type { CompiledRule } from './classify/rules.js';
import type { Allowlist } from './gate/allowlist.js';
import { isBinaryClass, runGate, type GateInputIn } from './gate/gate.js';
import type { Coverage, FailOn, ProvenanceCheck, ProvenanceReport, ReportInput, ScanReport, TrustBase } from './model/report.js';
import type { ElfObservation } from './inspect/index.js';
import { VERSION } from './version.js';
import { shippedRegistry } from './gate/registry.js';

/** Declared metadata for any derivation of the graph (--meta FILE), by .drv path or else by name. */
export interface DeclaredPackages {
  file: string;
  byDrv: Map<string, PackageMeta>;
  byName: Map<string, PackageMeta>;
}

export interface ScanOptions {
  rules: CompiledRule[];
  allowlist: Allowlist;
  failOn: FailOn;
  /** --fail-on provenance: declared-vs-detected disagreements are gate items */
  failOnProvenance?: boolean;
  /** --meta FILE */
  declared?: DeclaredPackages;
  /** YYYY-MM-DD, for allowlist expiry */
  today: string;
  baseline?: { file: string; report: ScanReport } | null;
  /**
   * Look at bytes in the store: contents facts of the inputs (before classification) and
   * ELF findings of the outputs (after). Absent when nothing is inspected.
   */
  inspect?: {
    contents(inputs: RawInput[]): Promise<Map<string, ContentFacts>>;
    elf(inputs: ClassifiedInput[], index: GraphIndex): Promise<ElfObservation[]>;
    sizes(paths: string[]): Promise<Map<string, number>>;
    coverage(): Coverage;
  };
  now?: Date;
  /**
   * A many-roots scan (--roots-file, --roots-report): every root's trust base also lists its
   * unknown inputs, and `inputs[].roots` is listed for binary and unknown inputs only (a source
   * in every closure would be listed once per root); `manyRoots` says so in the report.
   */
  manyRoots?: { entries: number; evalErrors: { attr: string; error: string }[] };
}

export async function scanGraph(graph: DerivationGraph, opts: ScanOptions): Promise<ScanReport> {
  const raw = collectInputs(graph);
  const index = new GraphIndex(graph);
  // what the bytes in the store show, then each input's facts, classified at once (see factGatherer)
  const contents = opts.inspect ? await opts.inspect.contents(raw) : null;
  const factsOf = factGatherer(index);
  const classified = raw.map((i) => {
    const facts = factsOf(i);
    facts.contents = contents?.get(i.id) ?? null;
    return classifyInput(i, facts, opts.rules);
  });
  const observed = opts.inspect ? await opts.inspect.elf(classified, index) : [];
  const classOf = new Map(classified.map((c) => [c.id, c.class]));
  const { placement, trust } = placeInputs(graph, raw, {
    tracked: (i) => classOf.get(i.id) !== 'source',
    rootsOfAll: !opts.manyRoots,
  });
  const binaryPaths = classified.filter((c) => isBinaryClass(c.class) && c.path).map((c) => c.path!);
  const sizes = opts.inspect ? await opts.inspect.sizes(binaryPaths) : new Map<string, number>();
  const coverage = opts.inspect ? opts.inspect.coverage() : notInspected(graph, raw);

  // a seed's size: measured in the store when the path is there, else as the seed registry records it
  const sizeOf = (c: ClassifiedInput): { size: number | null; sizeFrom: 'store' | 'registry' | null } => {
    if (!isBinaryClass(c.class)) return { size: null, sizeFrom: null };
    const measured = c.path ? sizes.get(c.path) : undefined;
    if (measured !== undefined) return { size: measured, sizeFrom: 'store' };
    const known = c.hash ? shippedRegistry().byHash.get(c.hash)?.size : undefined;
    return known !== undefined ? { size: known, sizeFrom: 'registry' } : { size: null, sizeFrom: null };
  };
  const partial: GateInputIn[] = classified.map((c) => {
    const place = placement.get(c.id)!;
    return {
      id: c.id,
      name: c.name,
      drv: c.kind === 'fixed-output' ? c.id : null,
      path: c.path,
      kind: c.kind,
      class: c.class,
      hash: c.hash,
      hashMode: c.hashMode,
      urls: c.urls,
      binary: isBinaryClass(c.class),
      evidence: c.evidence,
      via: place.via,
      roots: place.roots,
      ...sizeOf(c),
    };
  });
  // binaries first, then by class and name: the order a reviewer reads in
  const order = { prebuilt: 0, seed: 1, unknown: 2, source: 3 };
  // equal names (the same source in many closures) skip the collator: they compare as 0 anyway
  partial.sort(
    (a, b) => order[a.class] - order[b.class] || (a.name === b.name ? 0 : a.name.localeCompare(b.name)) || a.id.localeCompare(b.id),
  );

  // the gate owns every pass/fail decision: inputs, output ELF files, uninspected outputs
  const { inputs, elf, gate } = runGate({
    inputs: partial,
    elf: observed,
    coverage,
    allowlist: opts.allowlist,
    failOn: opts.failOn,
    today: opts.today,
    baseline: opts.baseline ?? null,
  });
  const provenance = provenanceOf(graph, inputs, opts);
  if (provenance?.failOn) {
    // disagreements are gate items under --fail-on provenance, whatever the binary policy
    const base = opts.baseline ? baselineKeysOf(opts.baseline.report) : null;
    const items = provenanceItems(provenance.checks, base, opts.baseline?.file ?? null);
    gate.items.push(...items);
    gate.failures.push(...items.filter((i) => i.status === 'fail').map((i) => i.ref));
    gate.counts = countItems(gate.items);
    gate.passed = gate.counts.failing === 0;
  }
  const count = (cls: string) => inputs.filter((i) => i.class === cls).length;
  return {
    schemaVersion: 1,
    tool: { name: 'seedaudit', version: VERSION },
    generatedAt: (opts.now ?? new Date()).toISOString(),
    graph: { ...graph.source, storeDir: graph.storeDir },
    roots: graph.roots.map((r) => {
      const meta = graph.rootMeta?.get(r);
      return { drv: r, name: graph.derivations.get(r)?.name ?? r, ...(meta ? { attr: meta.attr, position: meta.position } : {}) };
    }),
    summary: {
      derivations: graph.derivations.size,
      ...fixedOutputCounts(graph),
      inputs: inputs.length,
      source: count('source'),
      seed: count('seed'),
      prebuilt: count('prebuilt'),
      unknown: count('unknown'),
      // gate items the allowlist does not accept (in the baseline, failing, or report-only)
      notAllowlisted: gate.counts.items - gate.counts.accepted.allowlist,
    },
    inputs,
    trustBase: trustBaseOf(graph, inputs, trust, !!opts.manyRoots),
    elf,
    allowlist: { file: opts.allowlist.file, entries: opts.allowlist.entries.length },
    coverage,
    ...(provenance ? { provenance } : {}),
    gate,
    ...(opts.manyRoots
      ? { manyRoots: { roots: graph.roots.length, entries: opts.manyRoots.entries, inputRoots: 'binary-and-unknown' as const, evalErrors: opts.manyRoots.evalErrors } }
      : {}),
  };
}

/**
 * Each root's seeds and prebuilt inputs (and, in a many-roots scan, unknown inputs), in report
 * order, from the per-root sets the placement computed once over the whole graph.
 */
function trustBaseOf(graph: DerivationGraph, inputs: ReportInput[], trust: string[][], withUnknown: boolean): TrustBase[] {
  const pos = new Map(inputs.map((i, n) => [i.id, n]));
  return graph.roots.map((root, k) => {
    const mine = (trust[k] ?? [])
      .map((id) => pos.get(id))
      .filter((n): n is number => n !== undefined)
      .sort((a, b) => a - b)
      .map((n) => inputs[n] as ReportInput);
    const seeds = mine.filter((i) => i.class === 'seed');
    const sized = seeds.filter((i) => typeof i.size === 'number');
    return {
      root,
      name: graph.derivations.get(root)?.name ?? root,
      seeds: seeds.map((i) => i.id),
      prebuilt: mine.filter((i) => i.class === 'prebuilt').map((i) => i.id),
      ...(withUnknown ? { unknown: mine.filter((i) => i.class === 'unknown').map((i) => i.id) } : {}),
      seedBytes: sized.length ? sized.reduce((a, i) => a + (i.size as number), 0) : null,
      seedsOfUnknownSize: seeds.length - sized.length,
    };
  });
}

/**
 * Declared versus detected provenance: the roots' declarations (evaluated from the expression)
 * and, with --meta FILE, those of every derivation of the graph the file names. Absent when
 * nothing declared anything and no check was asked for.
 */
function provenanceOf(graph: DerivationGraph, inputs: ReportInput[], opts: ScanOptions): ProvenanceReport | undefined {
  const failOn = opts.failOnProvenance ?? false;
  if (!graph.rootMeta && !opts.declared && !failOn) return undefined;
  const byId = new Map(inputs.map((i) => [i.id, i]));
  const checks: ProvenanceCheck[] = [];
  const seen = new Set<string>();
  const check = (drv: string, meta: PackageMeta, from: 'expression' | 'meta-file') => {
    const d = graph.derivations.get(drv);
    if (!d || seen.has(drv)) return;
    seen.add(drv);
    const direct = [...Object.keys(d.inputDrvs), ...d.inputSrcs].map((id) => byId.get(id)).filter((i): i is ReportInput => i !== undefined);
    checks.push(checkProvenance({ drv, name: d.name, attr: meta.attr, declared: meta.sourceProvenance, declaredFrom: from, direct }));
  };
  for (const r of graph.roots) {
    const m = graph.rootMeta?.get(r);
    if (m) check(r, m, 'expression');
  }
  if (opts.declared) {
    for (const [drv, d] of graph.derivations) {
      const m = opts.declared.byDrv.get(drv) ?? (opts.declared.byDrv.size ? undefined : opts.declared.byName.get(d.name));
      if (m && m.sourceProvenance !== null) check(drv, m, 'meta-file');
    }
  }
  const notes: string[] = [];
  if (graph.rootMetaError) notes.push(`the roots' metadata could not be evaluated: ${graph.rootMetaError}`);
  if (!graph.rootMeta && !opts.declared) notes.push('no declarations to compare: scan an expression (-f, -E, a flake) or give --meta FILE');
  // the roots without a declaration are listed only when they take a binary: that is a missing sourceProvenance
  const shown = checks.filter((c) => c.verdict !== 'undeclared' || c.binaryInputs.length > 0);
  return {
    failOn,
    sources: [...(graph.rootMeta ? ['expression'] : []), ...(opts.declared ? [opts.declared.file] : [])],
    checks: shown,
    disagreements: shown.filter((c) => c.verdict === 'disagrees').length,
    notes,
  };
}

/** Nothing in the store was read: every root output is uninspected. */
function notInspected(graph: DerivationGraph, raw: RawInput[]): Coverage {
  const outputs = [
    ...new Set(graph.roots.flatMap((r) => Object.values(graph.derivations.get(r)?.outputs ?? {}).map((o) => o.path)).filter((p): p is string => !!p)),
  ];
  return {
    inspected: false,
    complete: false,
    outputs: { total: outputs.length, inspected: 0 },
    inputs: { total: raw.filter((i) => i.kind !== 'builder' && i.path).length, read: 0 },
    storePaths: 0,
    closure: 'none',
    gaps: outputs.map((p) => ({ what: 'not-inspected' as const, path: p, detail: 'inspection was turned off (--no-inspect)', output: true })),
  };
}

function fixedOutputCounts(graph: DerivationGraph) {
  const fods = [...graph.derivations.values()].filter(isFixedOutput);
  return {
    fixedOutput: new Set(fods.map((d) => d.name)).size,
    fixedOutputDerivations: fods.length,
    fixedOutputPaths: new Set(fods.map((d) => (d.outputs.out ?? Object.values(d.outputs)[0]).path ?? d.drvPath)).size,
  };
}
