/**
 * CycloneDX 1.6: every real corpus graph, scanned by the built CLI, validates against the
 * official schema (test/fixtures/cyclonedx) and against the CycloneDX library's own strict
 * validator; every input is a component with its class, every binary a dependency of the roots
 * whose closure holds it.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Validation, Spec } from '@cyclonedx/cyclonedx-library';
import { isDownloadUrl, renderCycloneDx, rootRef } from '../../src/report/cyclonedx.js';
import type { ScanReport } from '../../src/model/report.js';
import { corpusDir, repoRoot } from '../helpers.js';
import { cyclonedxValidator } from './fixtures/cyclonedx-schema.js';
import { makeHostileReport, makeReport, RUST_BOOTSTRAP } from './fixture.js';

const CLI = path.join(repoRoot, 'dist', 'cli.js');
const validate = cyclonedxValidator();
const library = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

interface Bom {
  specVersion: string;
  metadata: { component: { 'bom-ref': string; name: string; components?: { 'bom-ref': string }[] }; properties: { name: string; value: string }[] };
  components: { 'bom-ref': string; name: string; type: string; hashes?: { alg: string; content: string }[]; purl?: string; properties: { name: string; value: string }[]; externalReferences?: { url: string; type: string }[] }[];
  dependencies: { ref: string; dependsOn?: string[] }[];
}
const propOf = (c: { properties: { name: string; value: string }[] }, name: string): string[] => c.properties.filter((p) => p.name === name).map((p) => p.value);

const checkAgainstReport = (t: Test, bom: Bom, report: ScanReport, label: string) => {
  t.equal(bom.specVersion, '1.6', label);
  const byRef = new Map(bom.components.map((c) => [c['bom-ref'], c]));
  t.equal(bom.components.length, report.inputs.length, `${label}: one component per input`);
  for (const i of report.inputs) {
    const c = byRef.get(i.id);
    // hostile names hold control characters that would garble the TAP stream
    const name = JSON.stringify(i.name);
    if (!c) {
      t.fail(`${label}: ${JSON.stringify(i.id)} has no component`);
      continue;
    }
    if (!i.binary) continue;
    t.same(propOf(c, 'seedaudit:class'), [i.class], `${label}: ${name} carries its class`);
    t.same(propOf(c, 'seedaudit:rule'), i.evidence[0] ? [i.evidence[0].rule] : [], `${label}: ${name} carries the deciding rule`);
    t.same(propOf(c, 'seedaudit:allowlist'), [i.allowlisted ? 'allowlisted' : i.allowlist?.expired ? 'expired' : 'not-allowlisted'], `${label}: ${name} allowlist state`);
    t.same((c.externalReferences ?? []).map((e) => e.url), i.urls.filter(isDownloadUrl), `${label}: ${name} download URLs`);
    t.same(propOf(c, 'nix:url'), i.urls, `${label}: ${name} every URL, mirror:// included`);
  }
  // each root depends on exactly the binaries of its trust base
  for (const tb of report.trustBase) {
    const root = report.roots.find((r) => r.drv === tb.root);
    if (!root) continue; // a hand-built report may list a trust base for a root it does not list
    const dep = bom.dependencies.find((d) => d.ref === rootRef(root, report));
    t.same([...(dep?.dependsOn ?? [])].sort(), [...tb.seeds, ...tb.prebuilt].sort(), `${label}: ${JSON.stringify(tb.name)} depends on the binaries it trusts`);
  }
};

const corpusGraphs = (): string[] => {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.json.gz')) out.push(path.join(dir, e.name));
    }
  };
  walk(corpusDir);
  return out.sort();
};

const missing = !existsSync(CLI) ? 'dist/cli.js is not built' : !existsSync(corpusDir) ? 'shared corpus is missing' : false;

t.test('every corpus graph: valid CycloneDX 1.6 with every input and its class', { skip: missing }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'seedaudit-cdx-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const graphs = corpusGraphs();
  t.ok(graphs.length >= 10, `${graphs.length} corpus graphs`);
  for (const g of graphs) {
    const label = path.relative(corpusDir, g);
    const json = path.join(dir, 'r.json');
    const cdx = path.join(dir, 'r.cdx.json');
    const r = spawnSync(process.execPath, [CLI, 'scan', '--from-json', g, '--no-inspect', '-q', '--report', `json:${json}`, '--report', `cyclonedx:${cdx}`], { encoding: 'utf8' });
    t.ok(r.status === 0 || r.status === 1, `${label}: scanned (${r.stderr})`);
    const text = readFileSync(cdx, 'utf8');
    const bom = JSON.parse(text) as Bom;
    t.ok(validate(bom), `${label}: valid against the official 1.6 schema`, { errors: validate.errors?.slice(0, 5) });
    t.equal(await library.validate(text), null, `${label}: the CycloneDX library's strict validator agrees`);
    checkAgainstReport(t, bom, JSON.parse(readFileSync(json, 'utf8')) as ScanReport, label);
  }
});

t.test('hand-built reports: hashes, purls, NAR hashes, hostile text', async (t) => {
  for (const [label, report] of [['fixture', makeReport()], ['hostile', makeHostileReport()]] as const) {
    const text = renderCycloneDx(report);
    const bom = JSON.parse(text) as Bom;
    t.ok(validate(bom), `${label}: schema-valid`, { errors: validate.errors?.slice(0, 5) });
    t.equal(await library.validate(text), null, `${label}: library-valid`);
    if (label === 'fixture') checkAgainstReport(t, bom, report, label);
    // hostile names and URLs are carried as data, unchanged
    else t.same(bom.components.map((c) => c.name).sort(), report.inputs.map((i) => i.name).sort(), 'hostile names round-trip');
  }
});

t.test('hashes, purls, NAR hashes, roots, determinism', async (t) => {
  const report = makeReport();
  const bom = JSON.parse(renderCycloneDx(report)) as Bom;
  const rust = bom.components.find((c) => c.name === RUST_BOOTSTRAP.name)!;
  const hex = Buffer.from((RUST_BOOTSTRAP.hash as string).slice('sha256-'.length), 'base64').toString('hex');
  if (RUST_BOOTSTRAP.hashMode === 'flat') {
    t.same(rust.hashes, [{ alg: 'SHA-256', content: hex }], 'a flat fixed output: the file hash, in hex');
    t.match(rust.purl, `checksum=sha256%3A${hex}`);
  }
  t.match(rust.purl, /^pkg:generic\/rust-1\.76\.0/);
  // a recursive (NAR) hash is not the hash of a file: a property, never a component hash
  const nar = makeReport();
  nar.inputs[0]!.hashMode = 'recursive';
  const narBom = JSON.parse(renderCycloneDx(nar)) as Bom;
  const c = narBom.components.find((x) => x['bom-ref'] === nar.inputs[0]!.id)!;
  t.same(c.hashes ?? [], [], 'no component hash for a NAR hash');
  t.same(propOf(c, 'nix:narHash'), [nar.inputs[0]!.hash]);
  t.notMatch(c.purl ?? '', /checksum=/);
  // several roots: sub-components of the metadata component; the gate counts are carried
  t.same((bom.metadata.component.components ?? []).map((c) => c['bom-ref']), report.roots.map((r) => rootRef(r, report)));
  const one = makeReport();
  one.roots = one.roots.slice(0, 1);
  t.equal((JSON.parse(renderCycloneDx(one)) as Bom).metadata.component['bom-ref'], one.roots[0]!.drv, 'one root: it is the metadata component');
  t.same(propOf(bom.metadata as never, 'seedaudit:gate:failing'), [String(report.gate.counts.failing)]);
  // deterministic: the same report gives the same document
  t.equal(renderCycloneDx(report), renderCycloneDx(makeReport()));
});
