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
import { allowlistMatch, baselineKeys, gateStatus, isBinaryClass } from './gate/gate.js';
import type { ElfFinding, FailOn, ReportInput, ScanReport } from './model/report.js';
import type { ElfObservation } from './inspect/index.js';
import { VERSION } from './version.js';

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
  const baseline = opts.baseline ? baselineKeys(opts.baseline.report) : null;

  const inputs: ReportInput[] = classified.map((c) => {
    const match = allowlistMatch(opts.allowlist, c, opts.today);
    const place = placement.get(c.id)!;
    const partial = {
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
      allowlisted: match !== null && !match.expired,
      allowlist: match,
      evidence: c.evidence,
      via: place.via,
      roots: place.roots,
    };
    return { ...partial, gate: gateStatus(partial, opts.failOn, baseline) };
  });
  // binaries first, then by class and name: the order a reviewer reads in
  const order = { prebuilt: 0, seed: 1, unknown: 2, source: 3 };
  // equal names (the same source in many closures) skip the collator: they compare as 0 anyway
  inputs.sort(
    (a, b) => order[a.class] - order[b.class] || (a.name === b.name ? 0 : a.name.localeCompare(b.name)) || a.id.localeCompare(b.id),
  );

  const byId = new Map(inputs.map((i) => [i.id, i]));
  const elf: ElfFinding[] = observed.map((o) => ({ ...o, gate: elfGate(o, byId, opts.failOn) }));
  const count = (cls: string) => inputs.filter((i) => i.class === cls).length;
  const failures = [
    ...inputs.filter((i) => i.gate === 'fail').map((i) => i.id),
    ...elf.filter((e) => e.gate === 'fail').map((e) => e.path),
  ];
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
      notAllowlisted: inputs.filter((i) => i.binary && !i.allowlisted).length,
    },
    inputs,
    trustBase: graph.roots.map((root) => {
      const mine = inputs.filter((i) => i.roots.includes(root));
      return {
        root,
        name: graph.derivations.get(root)?.name ?? root,
        seeds: mine.filter((i) => i.class === 'seed').map((i) => i.id),
        prebuilt: mine.filter((i) => i.class === 'prebuilt').map((i) => i.id),
      };
    }),
    elf,
    allowlist: { file: opts.allowlist.file, entries: opts.allowlist.entries.length },
    gate: {
      failOn: opts.failOn,
      passed: failures.length === 0,
      failures,
      baseline: opts.baseline?.file ?? null,
    },
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

/**
 * An output ELF file that came from a prebuilt input or a foreign toolchain fails the gate
 * unless the input it came from is allowlisted (or already in the baseline).
 */
function elfGate(o: ElfObservation, inputs: Map<string, ReportInput>, failOn: FailOn): ElfFinding['gate'] {
  if (failOn === 'never' || o.provenance === 'built') return 'pass';
  if (o.provenance === 'unknown-deriver') return failOn === 'unknown' ? 'fail' : 'pass';
  const from = o.fromInput ? inputs.get(o.fromInput) : undefined;
  return from && (from.allowlisted || from.gate === 'baseline') ? 'pass' : 'fail';
}
