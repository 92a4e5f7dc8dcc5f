/**
 * The pipeline from a graph to a report: collect inputs, gather their facts (graph facts,
 * then what the bytes in the store show), classify them with the rules, place them (why is
 * it here), inspect the outputs' ELF files, apply the allowlist and the gate. Acquisition
 * (reading the graph) happens before, rendering after.
 */
import type { DerivationGraph } from './model/graph.js';
import { isFixedOutput } from './model/graph.js';
import { collectInputs, gatherFacts } from './facts/index.js';
import { GraphIndex } from './graph/index.js';
import { classifyAll } from './classify/classify.js';
import type { ClassifiedInput, RawInput } from './model/input.js';
import type { ContentFacts } from './model/facts.js';
import { placeInputs } from './classify/closure.js';
import type { CompiledRule } from './classify/rules.js';
import type { Allowlist } from './gate/allowlist.js';
import { isBinaryClass, runGate, type GateInputIn } from './gate/gate.js';
import type { Coverage, FailOn, ScanReport } from './model/report.js';
import type { ElfObservation } from './inspect/index.js';
import { VERSION } from './version.js';
import { shippedRegistry } from './gate/registry.js';

export interface ScanOptions {
  rules: CompiledRule[];
  allowlist: Allowlist;
  failOn: FailOn;
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
}

export async function scanGraph(graph: DerivationGraph, opts: ScanOptions): Promise<ScanReport> {
  const raw = collectInputs(graph);
  const index = new GraphIndex(graph);
  const facts = gatherFacts(raw, index);
  if (opts.inspect) for (const [id, c] of await opts.inspect.contents(raw)) facts.get(id)!.contents = c;
  const classified = classifyAll(raw, facts, opts.rules);
  const observed = opts.inspect ? await opts.inspect.elf(classified, index) : [];
  const placement = placeInputs(graph, raw);
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
  const count = (cls: string) => inputs.filter((i) => i.class === cls).length;
  return {
    schemaVersion: 1,
    tool: { name: 'seedaudit', version: VERSION },
    generatedAt: (opts.now ?? new Date()).toISOString(),
    graph: { ...graph.source, storeDir: graph.storeDir },
    roots: graph.roots.map((r) => ({ drv: r, name: graph.derivations.get(r)?.name ?? r })),
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
    trustBase: graph.roots.map((root) => {
      const mine = inputs.filter((i) => i.roots.includes(root));
      const seeds = mine.filter((i) => i.class === 'seed');
      const sized = seeds.filter((i) => typeof i.size === 'number');
      return {
        root,
        name: graph.derivations.get(root)?.name ?? root,
        seeds: seeds.map((i) => i.id),
        prebuilt: mine.filter((i) => i.class === 'prebuilt').map((i) => i.id),
        seedBytes: sized.length ? sized.reduce((a, i) => a + (i.size as number), 0) : null,
        seedsOfUnknownSize: seeds.length - sized.length,
      };
    }),
    elf,
    allowlist: { file: opts.allowlist.file, entries: opts.allowlist.entries.length },
    coverage,
    gate,
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
