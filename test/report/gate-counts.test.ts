/**
 * One gate model, one set of counts: for real corpus graphs (scanned by the built CLI, every
 * format written by the same scan with --report) and for hand-built reports with failing,
 * allowlisted and baseline-accepted ELF files, the text, JSON, HTML, JUnit, Markdown and SARIF
 * reports carry the same gate counts, and those counts agree with the verdict.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { renderReportChunks, FORMATS, type Format } from '../../src/report/formats.js';
import type { GateCounts, ScanReport } from '../../src/model/report.js';
import { corpusDir, repoRoot } from '../helpers.js';
import { makeReport, regate } from './fixture.js';
import { countItems } from '../../src/model/gate.js';
import { provenanceKey } from '../../src/model/provenance.js';

const CLI = path.join(repoRoot, 'dist', 'cli.js');
const LABELS: [string, (c: GateCounts) => number][] = [
  ['gate items', (c) => c.items],
  ['binary inputs', (c) => c.byKind['binary-input']],
  ['unknown inputs', (c) => c.byKind['unknown-input']],
  ['output ELF files', (c) => c.byKind['output-elf']],
  ['uninspected outputs', (c) => c.byKind.uninspected],
  ['provenance disagreements', (c) => c.byKind.provenance ?? 0],
  ['accepted by allowlist', (c) => c.accepted.allowlist],
  ['accepted by baseline', (c) => c.accepted.baseline],
  ['not accepted', (c) => c.notAccepted],
  ['failing', (c) => c.failing],
];
const fromJson = (c: GateCounts): Record<string, number> => Object.fromEntries(LABELS.map(([k, f]) => [k, f(c)]));

/** "gate items 5 · binary inputs 3 · …" as {label: number} */
const parseLine = (line: string | undefined): Record<string, number> =>
  Object.fromEntries(
    (line ?? '')
      .replace(/^Gate: /, '')
      .split(' · ')
      .map((p) => {
        const m = /^(.*) (\d+)$/.exec(p.trim());
        return m ? [m[1], Number(m[2])] : [p, NaN];
      }),
  );

const htmlText = (html: string, id: string): string => {
  const m = new RegExp(`<p id="${id}"[^>]*>([^]*?)</p>`).exec(html);
  return (m?.[1] ?? '').replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
};

interface Rendered {
  text: string;
  json: string;
  html: string;
  junit: string;
  markdown: string;
  sarif: string;
  cyclonedx: string;
}

/** The counts each format shows a user, read back from its own output. */
const countsOf = (r: Rendered) => {
  const json = JSON.parse(r.json) as ScanReport;
  const expected = fromJson(json.gate.counts);
  const text = parseLine(r.text.split('\n').find((l) => l.startsWith('Gate: ')));
  const markdown = parseLine(r.markdown.split('\n').find((l) => l.startsWith('Gate: ')));
  const html = parseLine(htmlText(r.html, 'gate-counts'));
  const doc = new XMLParser({ ignoreAttributes: false, isArray: (n) => ['testsuite', 'testcase', 'property'].includes(n) }).parse(r.junit).testsuites;
  const suites = doc.testsuite as { property?: unknown; properties: { property: { '@_name': string; '@_value': string }[] }; testcase?: { '@_name': string; '@_classname': string; failure?: unknown }[] }[];
  const junit = Object.fromEntries(
    suites[0]!.properties.property.filter((p) => p['@_name'].startsWith('seedaudit.gate.')).map((p) => [p['@_name'].slice('seedaudit.gate.'.length).replace(/-/g, ' '), Number(p['@_value'])]),
  );
  const sarifDoc = JSON.parse(r.sarif);
  const sarif = fromJson(sarifDoc.runs[0].properties.gate.counts);
  const bom = JSON.parse(r.cyclonedx) as { metadata: { properties: { name: string; value: string }[] } };
  const cyclonedx = Object.fromEntries(
    bom.metadata.properties
      .filter((p) => p.name.startsWith('seedaudit:gate:') && /^\d+$/.test(p.value))
      .map((p) => [p.name.slice('seedaudit:gate:'.length).replace(/-/g, ' '), Number(p.value)]),
  );
  return { json, expected, text, markdown, html, junit, sarif, cyclonedx, suites, sarifDoc };
};

const check = (t: Test, r: Rendered, label: string) => {
  const c = countsOf(r);
  t.ok(Object.values(c.expected).every((v) => Number.isInteger(v)), `${label}: JSON counts present`);
  t.same(c.text, c.expected, `${label}: text shows the JSON counts`);
  t.same(c.markdown, c.expected, `${label}: Markdown shows the JSON counts`);
  t.same(c.html, c.expected, `${label}: HTML shows the JSON counts`);
  t.same(c.junit, c.expected, `${label}: JUnit properties carry the JSON counts`);
  t.same(c.sarif, c.expected, `${label}: SARIF run properties carry the JSON counts`);
  t.same(c.cyclonedx, c.expected, `${label}: CycloneDX metadata properties carry the JSON counts`);

  const counts = c.json.gate.counts;
  const items = c.json.gate.items;
  t.equal(counts.items, items.length, `${label}: one count per item`);
  t.equal(counts.failing, c.json.gate.failures.length, `${label}: failing = the failures list`);
  t.equal(c.json.gate.passed, counts.failing === 0, `${label}: passed iff nothing fails`);
  t.equal(c.json.summary.notAllowlisted, counts.items - counts.accepted.allowlist, `${label}: summary.notAllowlisted agrees with the gate`);
  // not-gated provenance disagreements are warnings; every failing item is one error result
  t.equal(c.sarifDoc.runs[0].results.filter((x: { level: string }) => x.level === 'error').length, counts.failing, `${label}: one SARIF error per failing item`);
  // a failing JUnit testcase per item not accepted (an input in two roots' closures is in two suites)
  const failingCases = new Set(c.suites.flatMap((s) => (s.testcase ?? []).filter((tc) => tc.failure).map((tc) => `${tc['@_classname']} ${tc['@_name']}`)));
  t.equal(failingCases.size, counts.notAccepted, `${label}: JUnit fails one testcase per item not accepted`);
  // the verdict lines say the same number
  const verdict = r.text.split('\n').find((l) => l.startsWith('Gate (')) ?? '';
  if (counts.failing) t.match(verdict, new RegExp(`FAILED — ${counts.failing} gate items? fails?`), `${label}: text verdict`);
  else t.match(verdict, /PASSED/);
  t.match(r.html, new RegExp(`; ${counts.failing} failing items?`), `${label}: HTML verdict`);
};

const renderAll = async (report: ScanReport): Promise<Rendered> => {
  const out = {} as Rendered;
  for (const f of FORMATS) out[f] = [...(await renderReportChunks(f, report, { color: false }))].join('');
  return out;
};

t.test('hand-built reports: failing, allowlisted and baseline ELF files', async (t) => {
  const failing = makeReport();
  check(t, await renderAll(failing), 'fixture (1 failing ELF file)');
  t.equal(failing.gate.counts.byKind['output-elf'], 1);
  t.equal(failing.gate.counts.failing, 3, 'rust tarball, expired busybox, rust-lld');

  const more = makeReport();
  const elf0 = more.elf[0]!;
  more.elf.push(
    { ...structuredClone(elf0), path: `${elf0.storePath}/bin/cargo`, buildId: 'ab'.repeat(20), gate: 'baseline', provenance: 'foreign-toolchain', fromInput: null },
    { ...structuredClone(elf0), path: `${elf0.storePath}/bin/rustc`, sha256: 'cd'.repeat(32), gate: 'fail', provenance: 'foreign-toolchain', fromInput: null },
  );
  regate(more);
  check(t, await renderAll(more), 'fixture (3 ELF files: failing, baseline, failing)');
  t.same(more.gate.counts.accepted, { allowlist: 1, baseline: 1 });
  t.equal(more.gate.counts.failing, 4);

  const never = makeReport();
  never.gate.failOn = 'never';
  for (const i of never.inputs) if (i.gate === 'fail') i.gate = 'pass';
  for (const e of never.elf) e.gate = 'pass';
  regate(never);
  check(t, await renderAll(never), 'fixture under --fail-on never');

  // --fail-on provenance: a declared-vs-detected disagreement is a gate item in every format
  const prov = makeReport();
  const root = prov.roots[0]!;
  prov.provenance = {
    failOn: true,
    sources: ['expression'],
    checks: [{ drv: root.drv, name: root.name, attr: 'rustc', declared: ['fromSource'], declaredFrom: 'expression', binaryInputs: [], unknownInputs: [], verdict: 'disagrees', finding: 'declared-source-downloads-binary', detail: `${root.name} declares fromSource but downloads the binary x` }],
    disagreements: 1,
    notes: [],
  };
  prov.gate.items.push({ kind: 'provenance', ref: root.drv, name: 'rustc', key: provenanceKey(prov.provenance.checks[0]!), reason: 'disagrees', status: 'fail', accepted: null });
  prov.gate.counts = countItems(prov.gate.items);
  prov.gate.failures.push(root.drv);
  prov.summary.notAllowlisted += 1;
  check(t, await renderAll(prov), 'fixture with a gated provenance disagreement');
  t.equal(prov.gate.counts.byKind.provenance, 1);
  t.equal(never.gate.counts.failing, 0);
  t.equal(never.gate.counts.notAccepted, 3, 'report-only: still not accepted');
});

const corpus = [
  ['nixpkgs-2024', 'rustc', []],
  ['nixpkgs-2024', 'stdenv', []],
  ['nixpkgs-2024', 'openjdk17-bootstrap', []],
  ['aux-foundation', 'stage2-gcc', []],
  ['nixpkgs-2024', 'rustc', ['--fail-on', 'unknown']],
] as const;
const missing = !existsSync(CLI) ? 'dist/cli.js is not built (npx tsc -p .)' : !existsSync(corpusDir) ? 'shared corpus is missing' : false;

t.test('real corpus graphs: every format from one scan', { skip: missing }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'seedaudit-counts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [set, name, extra] of corpus) {
    const label = `${name} ${extra.join(' ')}`.trim();
    const file = (f: Format) => path.join(dir, `${name}${extra.length ? '-strict' : ''}.${f}`);
    const reports = FORMATS.flatMap((f) => ['--report', `${f}:${file(f)}`]);
    const run = spawnSync(process.execPath, [CLI, 'scan', '--from-json', path.join(corpusDir, set, `${name}.json.gz`), ...extra, ...reports, '-q'], {
      cwd: dir,
      encoding: 'utf8',
    });
    t.ok(run.status === 0 || run.status === 1, `${label}: scanned (exit ${run.status}) ${run.stderr}`);
    const rendered = Object.fromEntries(FORMATS.map((f) => [f, readFileSync(file(f), 'utf8')])) as unknown as Rendered;
    check(t, rendered, label);
    const json = JSON.parse(rendered.json) as ScanReport;
    t.equal(run.status, json.gate.passed ? 0 : 1, `${label}: exit code is the gate's verdict`);
    if (extra.length) {
      t.ok(json.gate.counts.byKind['unknown-input'] > 0, `${label}: unknown inputs are items under --fail-on unknown`);
      t.ok(json.gate.counts.byKind.uninspected > 0, `${label}: outputs absent from the store are uninspected items`);
    }
  }
});
