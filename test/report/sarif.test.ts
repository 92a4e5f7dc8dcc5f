import t from 'tap';
import { renderSarif } from '../../src/report/sarif.js';
import { sarifValidator } from './fixtures/sarif-schema.js';
import { BUSYBOX, HOSTILE, RUST_BOOTSTRAP, makeHostileReport, makeReport } from './fixture.js';

const validate = sarifValidator();

interface Result {
  ruleId: string;
  ruleIndex: number;
  level: string;
  kind: string;
  message: { text: string };
  locations: { physicalLocation?: { artifactLocation: { uri: string } }; logicalLocations: { name: string; fullyQualifiedName?: string }[] }[];
  partialFingerprints: Record<string, string>;
}
interface Log {
  version: string;
  runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: Result[] }[];
}

t.test('valid SARIF 2.1.0', async (t) => {
  for (const [name, report] of [
    ['fixture', makeReport()],
    ['hostile', makeHostileReport()],
  ] as const) {
    const ok = validate(JSON.parse(renderSarif(report)));
    t.ok(ok, `${name} validates`, { errors: validate.errors });
  }
  const passing = makeReport();
  passing.inputs = passing.inputs.map((i) => ({ ...i, gate: 'pass' as const }));
  passing.elf = [];
  t.ok(validate(JSON.parse(renderSarif(passing))), 'no results validates');
  t.notOk(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] }), 'the validator rejects a driver without a name');
  t.notOk(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: {}, ruleId: 'a' }] }] }), 'and a message without text');
});

t.test('rules and results', async (t) => {
  const report = makeReport();
  const log = JSON.parse(renderSarif(report, { rules: [{ id: 'prebuilt.platform-in-name', description: 'file name names a target platform' }] })) as Log;
  t.equal(log.version, '2.1.0');
  const run = log.runs[0]!;
  t.equal(run.tool.driver.name, 'seedaudit');
  const ruleIds = run.tool.driver.rules.map((r) => r.id);
  const used = new Set([...report.inputs, ...report.elf].flatMap((x) => x.evidence.map((e) => e.rule)));
  t.same(ruleIds, [...used].sort(), 'one rule per rule id used in the evidence');
  t.match(run.tool.driver.rules.find((r) => r.id === 'prebuilt.platform-in-name'), { shortDescription: { text: 'file name names a target platform' } });

  t.equal(run.results.length, 3, 'two failing inputs and one failing ELF file');
  for (const r of run.results) {
    t.equal(r.level, 'error');
    t.equal(run.tool.driver.rules[r.ruleIndex]?.id, r.ruleId, 'ruleIndex points at ruleId');
  }
  const rust = run.results.find((r) => r.locations[0]?.logicalLocations[0]?.name === RUST_BOOTSTRAP.name)!;
  t.equal(rust.ruleId, 'prebuilt.platform-in-name', 'the deciding rule');
  t.equal(rust.locations[0]?.logicalLocations[0]?.fullyQualifiedName, RUST_BOOTSTRAP.drv);
  t.equal(rust.locations[0]?.physicalLocation, undefined, 'a store path is no file of a repository: logical location only');
  t.match(rust.message.text, /^Prebuilt binary rust-1\.76\.0-x86_64-unknown-linux-gnu\.tar\.gz fails the gate: it is not allowlisted\. Evidence: \[prebuilt\.platform-in-name\]/);
  t.match(rust.message.text, RUST_BOOTSTRAP.hash as string);
  const busybox = run.results.find((r) => r.locations[0]?.logicalLocations[0]?.name === BUSYBOX.name)!;
  t.match(busybox.message.text, 'its allowlist entry nixpkgs-busybox-x86_64 expired 2024-01-01');

  // the fingerprint ignores the store hash: a rebuild with new drv paths keeps the alert
  const moved = makeReport();
  for (const i of moved.inputs) i.id = i.drv = i.id.replace(/\/nix\/store\/[a-z0-9]{32}-/, '/nix/store/00000000000000000000000000000000-');
  const again = (JSON.parse(renderSarif(moved)) as Log).runs[0]!.results;
  t.same(again.map((r) => r.partialFingerprints), run.results.map((r) => r.partialFingerprints));
  t.not(again[0]?.locations[0]?.logicalLocations[0]?.fullyQualifiedName, rust.locations[0]?.logicalLocations[0]?.fullyQualifiedName);
  // and a new hash is a new alert
  moved.inputs[0]!.hash = 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
  t.not((JSON.parse(renderSarif(moved)) as Log).runs[0]!.results[0]!.partialFingerprints['seedaudit/input/v1'], rust.partialFingerprints['seedaudit/input/v1']);
});

t.test('hostile text is carried as data', async (t) => {
  const log = JSON.parse(renderSarif(makeHostileReport())) as Log;
  const rust = log.runs[0]!.results[0]!;
  t.equal(rust.locations[0]?.logicalLocations[0]?.name, `rust${HOSTILE.script}`);
  t.match(rust.message.text, HOSTILE.endScript);
  const elf = log.runs[0]!.results.find((r) => r.ruleId === 'elf.from-prebuilt')!;
  t.equal(elf.locations[0]?.physicalLocation, undefined);
  t.match(elf.locations[0]?.logicalLocations[0]?.fullyQualifiedName, /^\/nix\/store\//);
});

t.test('locations inside the repository: root positions relative to --sarif-root, fallback, never outside', async (t) => {
  const root = '/work/repo';
  const report = makeReport();
  report.roots[0]!.position = { file: `${root}/pkgs/rust wrapper.nix`, line: 42, from: 'meta.position' };
  const log = JSON.parse(renderSarif(report, { root, fallback: 'flake.nix' }));
  t.ok(validate(log), 'valid', { errors: validate.errors });
  t.equal(log.runs[0].originalUriBaseIds['%SRCROOT%'].uri, 'file:///work/repo/');
  const rust = (log.runs[0].results as Result[]).find((r) => r.locations[0]?.logicalLocations[0]?.name === RUST_BOOTSTRAP.name)!;
  t.same(rust.locations[0]?.physicalLocation, { artifactLocation: { uri: 'pkgs/rust%20wrapper.nix', uriBaseId: '%SRCROOT%' }, region: { startLine: 42 } }, 'the root that holds it: relative URI, meta.position line');
  // busybox is in both roots' closures; the hello root has no position: the rustc root's is used
  const busybox = (log.runs[0].results as Result[]).find((r) => r.locations[0]?.logicalLocations[0]?.name === BUSYBOX.name)!;
  t.equal(busybox.locations[0]?.physicalLocation?.artifactLocation.uri, 'pkgs/rust%20wrapper.nix');
  // no position inside the root: the fallback file, without a line
  const outside = makeReport();
  outside.roots[0]!.position = { file: '/elsewhere/default.nix', line: 3, from: 'meta.position' };
  const o = JSON.parse(renderSarif(outside, { root, fallback: 'flake.nix' }));
  for (const r of o.runs[0].results as Result[]) t.same(r.locations[0]?.physicalLocation, { artifactLocation: { uri: 'flake.nix', uriBaseId: '%SRCROOT%' } });
  // and without a fallback: logical locations only
  const none = JSON.parse(renderSarif(outside, { root }));
  for (const r of none.runs[0].results as Result[]) t.equal(r.locations[0]?.physicalLocation, undefined);
});
