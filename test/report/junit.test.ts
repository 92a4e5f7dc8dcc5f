import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { renderJunit } from '../../src/report/junit.js';
import { canValidate, xsdErrors } from './fixtures/junit-schema.js';
import { BUSYBOX, FORTIFY, HOSTILE, ROOT_HELLO, ROOT_RUSTC, RUST_BOOTSTRAP, makeHostileReport, makeReport } from './fixture.js';

interface Xcase {
  '@_name': string;
  '@_classname': string;
  failure?: { '@_message': string; '@_type': string; '#text': string };
  skipped?: { '@_message': string };
}
interface Xsuite {
  '@_name': string;
  '@_tests': string;
  '@_failures': string;
  '@_skipped': string;
  '@_errors': string;
  properties: { property: { '@_name': string; '@_value': string }[] };
  testcase?: Xcase[];
}

const parse = (xml: string): { '@_tests': string; '@_failures': string; testsuite: Xsuite[] } =>
  new XMLParser({
    ignoreAttributes: false,
    parseAttributeValue: false,
    processEntities: true,
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  }).parse(xml).testsuites;

t.test('valid against junit-10.xsd', { skip: canValidate ? false : 'xmllint or the shared XSD is missing' }, async (t) => {
  t.equal(await xsdErrors(renderJunit(makeReport())), '');
  t.equal(await xsdErrors(renderJunit(makeHostileReport())), '', 'hostile names, NUL and ESC included');
  const empty = makeReport();
  empty.inputs = [];
  empty.elf = [];
  t.equal(await xsdErrors(renderJunit(empty)), '', 'suites without testcases');
  t.not(await xsdErrors('<testsuites><testsuite/></testsuites>'), '', 'the validator does reject a bad file');
});

t.test('one suite per root, one failing case per non-allowlisted binary', async (t) => {
  const report = makeReport();
  const doc = parse(renderJunit(report));
  t.equal(doc.testsuite.length, 2);
  const [rustc, hello] = doc.testsuite as [Xsuite, Xsuite];
  t.equal(rustc['@_name'], 'rustc-wrapper-1.77.2');
  t.ok(rustc.properties.property.some((p) => p['@_name'] === 'root' && p['@_value'] === ROOT_RUSTC));
  t.ok(hello.properties.property.some((p) => p['@_name'] === 'root' && p['@_value'] === ROOT_HELLO));

  const cases = (s: Xsuite) => s.testcase ?? [];
  const names = (s: Xsuite) => cases(s).map((c) => c['@_name']).sort();
  // an ELF file is named `<output name>/<path inside it>`: the store path once, never twice
  t.notOk(cases(rustc).some((c) => (c['@_name'].match(/\/nix\/store\//g) ?? []).length > 0), 'no testcase name repeats (or holds) the store path');
  t.same(names(rustc), [
    'bootstrap-tools.tar.xz',
    'busybox',
    'fortify-headers.tar.gz',
    'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz',
    'rustc-bootstrap-1.76.0/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld',
  ]);
  t.same(names(hello), ['bootstrap-tools.tar.xz', 'busybox', 'fortify-headers.tar.gz'], 'rust bootstrap only in rustc closure');

  // every binary that is not (validly) allowlisted fails, once per suite it belongs to
  for (const s of doc.testsuite) {
    const failing = cases(s).filter((c) => c.failure && c['@_classname'] !== 'seedaudit.elf.from-prebuilt').map((c) => c['@_name']).sort();
    const expected = report.inputs
      .filter((i) => i.binary && !i.allowlisted && i.roots.includes(s.properties.property[0]!['@_value']))
      .map((i) => i.name)
      .sort();
    t.same(failing, expected, `${s['@_name']}: failures are the non-allowlisted binaries`);
    t.equal(Number(s['@_failures']), cases(s).filter((c) => c.failure).length, 'failures count');
    t.equal(Number(s['@_skipped']), cases(s).filter((c) => c.skipped).length, 'skipped count');
    t.equal(Number(s['@_tests']), cases(s).length, 'tests count');
    t.equal(s['@_errors'], '0');
  }
  t.equal(Number(doc['@_tests']), 8);
  t.equal(Number(doc['@_failures']), 2 + 1 + 1, 'rust + busybox + ELF in rustc, busybox in hello');

  const rust = cases(rustc).find((c) => c['@_name'] === RUST_BOOTSTRAP.name) as Xcase;
  t.equal(rust.failure?.['@_type'], 'not-allowlisted');
  t.match(rust.failure?.['#text'], RUST_BOOTSTRAP.hash as string);
  t.match(rust.failure?.['#text'], 'https://static.rust-lang.org/dist/rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz');
  t.match(rust.failure?.['#text'], '[prebuilt.platform-in-name]');
  t.match(rust.failure?.['#text'], 'via: rustc-wrapper-1.77.2 -> rustc-1.77.2 -> rustc-bootstrap-1.76.0 ->');

  const busybox = cases(rustc).find((c) => c['@_name'] === BUSYBOX.name) as Xcase;
  t.equal(busybox.failure?.['@_type'], 'allowlist-expired');
  t.match(busybox.failure?.['@_message'], 'expired 2024-01-01');

  const tools = cases(rustc).find((c) => c['@_name'] === 'bootstrap-tools.tar.xz') as Xcase;
  t.notOk(tools.failure, 'allowlisted seed passes');
  t.notOk(tools.skipped);

  const unknown = cases(rustc).find((c) => c['@_name'] === FORTIFY.name) as Xcase;
  t.ok(unknown.skipped, 'unknown is skipped when the gate fails on prebuilt');
});

t.test('unknown fails with --fail-on unknown; baseline binaries are skipped', async (t) => {
  const report = makeReport();
  report.gate.failOn = 'unknown';
  const rust = report.inputs.find((i) => i.id === RUST_BOOTSTRAP.id);
  if (rust) rust.gate = 'baseline';
  const doc = parse(renderJunit(report));
  const cases = doc.testsuite[0]!.testcase ?? [];
  t.equal(cases.find((c) => c['@_name'] === FORTIFY.name)?.failure?.['@_type'], 'unknown-input');
  t.match(cases.find((c) => c['@_name'] === RUST_BOOTSTRAP.name)?.skipped?.['@_message'], /baseline/);
});

t.test('same-named binaries stay apart; orphan ELF findings get their own suite', async (t) => {
  const report = makeReport();
  const twin = structuredClone(report.inputs.find((i) => i.id === RUST_BOOTSTRAP.id)!);
  twin.id = twin.id.replace('njiscg7q', 'aaaaaaaa');
  twin.hash = 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
  report.inputs.push(twin);
  report.elf[0]!.fromInput = null;
  report.elf[0]!.provenance = 'foreign-toolchain';
  const doc = parse(renderJunit(report));
  const names = (doc.testsuite[0]!.testcase ?? []).map((c) => c['@_name']);
  t.ok(names.includes(`${RUST_BOOTSTRAP.name} [${RUST_BOOTSTRAP.hash}]`));
  t.ok(names.includes(`${RUST_BOOTSTRAP.name} [${twin.hash}]`));
  t.equal(doc.testsuite.length, 3);
  t.equal(doc.testsuite[2]!['@_name'], 'ELF findings');
  t.equal(doc.testsuite[2]!.testcase?.[0]?.failure?.['@_type'], 'foreign-toolchain');
});

t.test('hostile text survives the round trip', async (t) => {
  const doc = parse(renderJunit(makeHostileReport()));
  const cases = doc.testsuite.flatMap((s) => s.testcase ?? []);
  const rust = cases.find((c) => c['@_name'].startsWith('rust<')) as Xcase;
  t.equal(rust['@_name'], `rust${HOSTILE.script}`);
  t.match(rust.failure?.['#text'], HOSTILE.endScript);
  t.match(rust.failure?.['#text'], HOSTILE.attr);
  t.ok(cases.some((c) => c['@_name'] === `busybox${HOSTILE.attr}\\u{2028}\\u{202e}`), 'separators shown as escapes');
  t.equal(doc.testsuite[0]!['@_name'], `rustc${HOSTILE.script}`);
});

t.test('an ELF file reported by its full path is named with the store path once (issue 12)', async (t) => {
  const report = makeReport();
  const f = report.elf[0]!;
  f.path = `${f.storePath}/bin/x`;
  const xml = renderJunit(report);
  const names = [...xml.matchAll(/<testcase name="([^"]*)"/g)].map((m) => m[1]!);
  t.ok(names.includes('rustc-bootstrap-1.76.0/bin/x'), '<output name>/<path inside it>');
  t.notOk(names.some((n) => n.includes('//nix/store/') || (n.match(/\/nix\/store\//g) ?? []).length > 1), 'no name repeats the store path');
});
