/**
 * The classifier measured on real nixpkgs downloads it was not written for: every case in
 * test/classify/provenance/cases-*.json was read from a nixpkgs package file and is labelled
 * by that package's own `meta.sourceProvenance` (binary*) or by a from-source build. The
 * graph is what Nix 2.8 printed for them (cases.nix against a nixpkgs-like tree,
 * regenerated with make-graph.sh). Targets: no binary called source, no source called a
 * binary, binary recall >= 95%; what is left is `unknown` with evidence saying why.
 */
import t from 'tap';
import type * as Tap from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readJsonDump } from '../../src/acquire/json-file.js';
import { loadRules } from '../../src/classify/rules.js';
import { parseAllowlist } from '../../src/gate/allowlist.js';
import { scanGraph } from '../../src/scan.js';
import type { ReportInput } from '../../src/model/report.js';
import { repoRoot } from '../helpers.js';

const base = path.join(repoRoot, 'test', 'classify', 'provenance');
interface Case { id: string; label: 'binary' | 'source'; category: string; nixpkgsFile: string; sourceProvenance: string[] }
const binary = (c: string) => c === 'seed' || c === 'prebuilt';

/** Scan one case set's graph and pair every case with the input its download became. */
async function scanSet(dir: string, files: string[]) {
  const cases: Case[] = files.flatMap((f) => (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { cases: Case[] }).cases);
  const index = JSON.parse(readFileSync(path.join(dir, 'graph-index.json'), 'utf8')) as Record<string, { src: string }>;
  const graph = await readJsonDump(path.join(dir, 'graph.json.gz'));
  const report = await scanGraph(graph, {
    rules: await loadRules(), allowlist: parseAllowlist('{"version": 1, "seeds": []}', 'empty.json'), failOn: 'prebuilt', today: '2026-12-02',
  });
  const byDrv = new Map<string, ReportInput>();
  for (const i of report.inputs) if (i.drv) byDrv.set(i.drv, i);
  // several fetchers of one store path are one input: find it by any of its derivations
  for (const d of graph.derivations.values()) {
    const out = d.outputs.out?.path;
    if (!out || byDrv.has(d.drvPath)) continue;
    const same = report.inputs.find((i) => i.path === out);
    if (same) byDrv.set(d.drvPath, same);
  }
  return { cases, rows: cases.map((c) => ({ c, input: byDrv.get(index[c.id]?.src) })) };
}
type Row = Awaited<ReturnType<typeof scanSet>>['rows'][number];
const cls = (r: Row) => r.input?.class ?? 'missing';

/** The measurement table, printed in the test output; returns the figures the targets are about. */
function measure(t: Tap.Test, title: string, rows: Row[]) {
  const B = rows.filter((r) => r.c.label === 'binary');
  const S = rows.filter((r) => r.c.label === 'source');
  const found = B.filter((r) => binary(cls(r)));
  const binAsSource = B.filter((r) => cls(r) === 'source');
  const srcAsBinary = S.filter((r) => binary(cls(r)));
  const recall = found.length / B.length;
  const precision = found.length / (found.length + srcAsBinary.length);
  const table = [
    `${title}`, '| measure | value |', '|---|---|',
    `| binaries (labelled binaryNativeCode/Bytecode/Firmware) | ${B.length} |`,
    `| … called seed or prebuilt (recall) | ${found.length} (${(recall * 100).toFixed(1)}%) |`,
    `| … called unknown | ${B.filter((r) => cls(r) === 'unknown').length} |`,
    `| … called source | ${binAsSource.length} |`,
    `| sources (confusable, built from source) | ${S.length} |`,
    `| … called source | ${S.filter((r) => cls(r) === 'source').length} |`,
    `| … called unknown | ${S.filter((r) => cls(r) === 'unknown').length} |`,
    `| … called a binary | ${srcAsBinary.length} |`,
    `| precision of binary verdicts | ${(precision * 100).toFixed(1)}% |`,
  ];
  t.comment('\n' + table.join('\n'));
  const byCat = new Map<string, { n: number; ok: number }>();
  for (const r of rows) {
    const k = `${r.c.label}/${r.c.category}`;
    const e = byCat.get(k) ?? { n: 0, ok: 0 };
    e.n++;
    if ((r.c.label === 'binary') === binary(cls(r)) && (r.c.label === 'binary' || cls(r) === 'source')) e.ok++;
    byCat.set(k, e);
  }
  t.comment('right per category: ' + [...byCat].sort().map(([k, v]) => `${k} ${v.ok}/${v.n}`).join(', '));
  for (const r of rows.filter((x) => cls(x) !== (x.c.label === 'source' ? 'source' : 'prebuilt') && cls(x) !== 'seed'))
    t.comment(`${r.c.label} ${r.c.id} called ${cls(r)} (${r.input?.name}): ${r.input?.evidence.map((e) => e.rule).join(', ')}`);
  return { binAsSource, srcAsBinary, recall, found };
}

const dev = await scanSet(base, ['cases-binary-a.json', 'cases-binary-b.json', 'cases-source.json']);
const { cases, rows } = dev;

t.test('the corpus is the size the issue asks for, and every case is in the graph', async (t) => {
  t.ok(cases.length >= 200, `${cases.length} cases`);
  t.ok(cases.filter((c) => c.label === 'binary').length >= 120, 'at least 120 binaries');
  t.ok(cases.filter((c) => c.label === 'source').length >= 80, 'at least 80 confusable sources');
  t.equal(new Set(cases.map((c) => c.id)).size, cases.length, 'ids are unique');
  for (const c of cases) {
    t.ok(c.nixpkgsFile.startsWith('pkgs/'), `${c.id}: nixpkgs file recorded`);
    if (c.label === 'binary') t.ok(c.sourceProvenance.some((p) => p.startsWith('binary')), `${c.id}: labelled by meta.sourceProvenance`);
    else t.notOk(c.sourceProvenance.some((p) => p.startsWith('binary')), `${c.id}: declares no binary provenance`);
  }
  for (const r of rows) t.ok(r.input, `${r.c.id}: its download is an input of the scanned graph`);
});

t.test('measured against nixpkgs labels (the corpus the rules were developed on)', async (t) => {
  const { binAsSource, srcAsBinary, recall, found } = measure(t, 'development corpus', rows);
  t.same(binAsSource.map((r) => r.c.id), [], 'no binary is called source');
  t.same(srcAsBinary.map((r) => r.c.id), [], 'no source is called a binary');
  t.ok(recall >= 0.95, `binary recall ${(recall * 100).toFixed(1)}% >= 95%`);
  // whatever is not decided says why
  for (const r of rows.filter((x) => cls(x) === 'unknown')) t.ok(r.input!.evidence[0].detail.length > 20, `${r.c.id}: unknown with evidence`);
  // and every binary verdict names its rule and a concrete fact
  for (const r of found) t.match(r.input!.evidence[0], { rule: /^(prebuilt|seed)\./, detail: /: / }, `${r.c.id}: evidence`);
});

t.test('measured on the held-out set (packages nobody looked at while writing the rules)', async (t) => {
  const held = await scanSet(path.join(base, 'holdout'), ['cases-holdout.json']);
  for (const r of held.rows) t.ok(r.input, `${r.c.id}: its download is an input of the scanned graph`);
  const { binAsSource, srcAsBinary, recall } = measure(t, 'held-out set', held.rows);
  // Recall is reported, not asserted: this set measures how the rules generalise. Failing
  // closed is asserted: no binary passes as source, no source is called a binary.
  t.comment(`held-out: binaries called source ${binAsSource.length}, sources called a binary ${srcAsBinary.length}, recall ${(recall * 100).toFixed(1)}%`);
  t.same(binAsSource.map((r) => r.c.id), [], 'no binary is called source');
  t.same(srcAsBinary.map((r) => r.c.id), [], 'no source is called a binary');
});
