/**
 * Many roots in one pass (issue 13): every derivation of a real corpus graph (nixpkgs-2024
 * rustc, 526 derivations) is a root of one many-roots scan. Each root's trust base and roots
 * report line must equal (whole objects) what a single-root scan of that root over the same
 * graph gives, and what a plain breadth-first search from the root finds.
 *
 * "The same graph": classification uses every consumer the scanned graph holds, so a root
 * scanned alone from its own .drv closure can classify an input otherwise (a source tarball
 * that no derivation of the closure builds is `unknown` alone, `source` where the graph holds
 * its builder); the single-root scans here select the root in the same dump.
 */
import t from 'tap';
import path from 'node:path';
import { readJsonDump } from '../../src/acquire/json-file.js';
import { loadRules } from '../../src/classify/rules.js';
import { loadAllowlist, SHIPPED_ALLOWLIST } from '../../src/gate/allowlist.js';
import { collectInputs } from '../../src/facts/index.js';
import { scanGraph, type ScanOptions } from '../../src/scan.js';
import { rootLines } from '../../src/report/roots.js';
import type { DerivationGraph } from '../../src/model/graph.js';
import { corpusDir } from '../helpers.js';

const DUMP = path.join(corpusDir, 'nixpkgs-2024', 'rustc.json.gz');
const rules = await loadRules();
const opts: ScanOptions = { rules, allowlist: loadAllowlist(SHIPPED_ALLOWLIST), failOn: 'unknown', today: '2026-11-21', now: new Date(0) };

/** The derivations reachable from `root`, by a plain breadth-first search. */
function closure(graph: DerivationGraph, root: string): Set<string> {
  const seen = new Set([root]);
  const queue = [root];
  while (queue.length) for (const dep of Object.keys(graph.derivations.get(queue.shift()!)?.inputDrvs ?? {})) if (!seen.has(dep)) (seen.add(dep), queue.push(dep));
  return seen;
}

t.test('every derivation of rustc as a root, in one pass', async (t) => {
  const whole = await readJsonDump(DUMP);
  const roots = [...whole.derivations.keys()];
  t.equal(roots.length, 526);
  const graph = await readJsonDump(DUMP, { roots });
  const many = await scanGraph(graph, { ...opts, manyRoots: { entries: roots.length, evalErrors: [] } });
  t.equal(many.trustBase.length, roots.length, 'a trust base per root');
  t.same(many.manyRoots, { roots: 526, entries: 526, inputRoots: 'binary-and-unknown', evalErrors: [] });
  const lines = rootLines(many);
  t.equal(lines.length, roots.length, 'a roots report line per root');
  const lineOf = new Map(lines.map((l) => [l.drv, l]));
  const tbOf = new Map(many.trustBase.map((b) => [b.root, b]));

  // the reference: a breadth-first search per root, an input in it when one of its anchors is
  const anchors = new Map(collectInputs(graph).map((i) => [i.id, i.kind === 'fixed-output' ? i.drvs : i.users]));
  let checked = 0;
  let withBinary = 0;
  let withUnknown = 0;
  const closures = new Map(roots.map((r) => [r, closure(graph, r)]));
  for (const r of roots) {
    const c = closures.get(r)!;
    const mine = many.inputs.filter((i) => i.class !== 'source' && anchors.get(i.id)!.some((a) => c.has(a)));
    const of = (cls: string) => mine.filter((i) => i.class === cls).map((i) => i.id);
    const tb = tbOf.get(r)!;
    if (tb.seeds.join() !== of('seed').join() || tb.prebuilt.join() !== of('prebuilt').join() || tb.unknown!.join() !== of('unknown').join()) {
      t.fail(`trust base of ${r} differs from a search from it`);
      continue;
    }
    checked++;
    if (tb.prebuilt.length) withBinary++;
    if (tb.unknown!.length) withUnknown++;
  }
  t.equal(checked, roots.length, 'every root: seeds, prebuilt and unknown equal a breadth-first search from it');
  t.ok(withBinary >= 5 && withUnknown > 10 && withBinary < roots.length, `the roots differ (${withBinary} take a prebuilt input, ${withUnknown} an unknown one)`);
  // tracked inputs list exactly their roots; sources none (the many-roots report)
  for (const i of many.inputs.filter((x) => x.class !== 'source').slice(0, 40)) {
    const want = roots.filter((r) => anchors.get(i.id)!.some((a) => closures.get(r)!.has(a)));
    t.same(i.roots, want, `roots of ${i.name}`);
  }
  t.ok(many.inputs.filter((i) => i.class === 'source').every((i) => i.roots.length === 0), 'sources list no roots in a many-roots report');

  // single-root scans of a sample of the roots (every 9th, and the top one), over the same graph
  const sample = roots.filter((_, n) => n % 9 === 0);
  sample.push(whole.roots[0]!);
  for (const r of sample) {
    const g = await readJsonDump(DUMP, { roots: [r] });
    const single = await scanGraph(g, { ...opts, manyRoots: { entries: 1, evalErrors: [] } });
    t.same(rootLines(single)[0], lineOf.get(r), `roots report line of ${path.basename(r)} equals its single-root scan`);
    t.same(single.trustBase[0], tbOf.get(r), `trust base of ${path.basename(r)} equals its single-root scan`);
    const classic = await scanGraph(g, opts);
    const { unknown: _unknown, ...rest } = tbOf.get(r)!;
    t.same(classic.trustBase[0], rest, `and the classic single-root report's trust base`);
  }
});
