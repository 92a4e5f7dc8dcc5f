/**
 * The inspect stage on a store tree built in the test (--store-root): fetched archives and
 * source directories are looked into, and output ELF files are traced to their inputs.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { contentFacts, gccVersionsOf, makeInspector, toolchainSignals } from '../../src/inspect/index.js';
import { scanGraph } from '../../src/scan.js';
import { loadRules } from '../../src/classify/rules.js';
import { parseAllowlist } from '../../src/gate/allowlist.js';
import type { Derivation, DerivationGraph } from '../../src/model/graph.js';

const root = mkdtempSync(path.join(tmpdir(), 'seedaudit-inspect-'));
const store = path.join(root, 'nix', 'store');
mkdirSync(store, { recursive: true });
const P = (h: string, name: string) => `/nix/store/${h.repeat(32)}-${name}`;
const hash = 'sha256-' + Buffer.alloc(32, 3).toString('base64');

// a "source" tarball that carries an ELF executable
const stage = path.join(root, 'stage', 'tool-1.0', 'bin');
mkdirSync(stage, { recursive: true });
copyFileSync('/bin/true', path.join(stage, 'tool'));
const fodOut = P('a', 'tool-1.0.tar.gz');
execFileSync('tar', ['-C', path.join(root, 'stage'), '-czf', path.join(root, fodOut), 'tool-1.0']);
// an input source directory with a binary in it, and one without
const srcDir = P('b', 'source');
mkdirSync(path.join(root, srcDir, 'seeds'), { recursive: true });
copyFileSync('/bin/true', path.join(root, srcDir, 'seeds', 'blob'));
const cleanDir = P('c', 'clean-source');
mkdirSync(path.join(root, cleanDir), { recursive: true });
writeFileSync(path.join(root, cleanDir, 'main.c'), 'int main(){return 0;}\n');
// the package output: the tool copied into bin/
const out = P('d', 'tool-1.0');
mkdirSync(path.join(root, out, 'bin'), { recursive: true });
copyFileSync('/bin/true', path.join(root, out, 'bin', 'tool'));

const fod: Derivation = {
  drvPath: P('e', 'tool-1.0.tar.gz.drv'), name: 'tool-1.0.tar.gz', system: 'x86_64-linux', builder: 'builtin:fetchurl', args: [],
  env: { url: 'https://example.org/tool-1.0.tar.gz' }, outputs: { out: { path: fodOut, fixed: { method: 'flat', algo: 'sha256', sri: hash } } },
  inputSrcs: [], inputDrvs: {}, structuredAttrs: null,
};
const pkg: Derivation = {
  drvPath: P('f', 'tool-1.0.drv'), name: 'tool-1.0', system: 'x86_64-linux', builder: '/bin/sh', args: [], env: { src: fodOut },
  outputs: { out: { path: out, fixed: null } }, inputSrcs: [srcDir, cleanDir], inputDrvs: { [fod.drvPath]: ['out'] }, structuredAttrs: null,
};
const graph = (): DerivationGraph => ({
  storeDir: '/nix/store', derivations: new Map([[pkg.drvPath, pkg], [fod.drvPath, fod]]), roots: [pkg.drvPath],
  source: { kind: 'aterm', format: 'aterm', detail: root },
});
const rules = await loadRules();
const scan = (allow: string) =>
  scanGraph(graph(), {
    rules, allowlist: parseAllowlist(allow, 'a.json'), failOn: 'prebuilt', today: '2026-11-21',
    inspect: makeInspector({ storeRoot: root }),
  });

t.test('binaries inside a versioned tarball and a source directory make them prebuilt: bytes beat names', async (t) => {
  const r = await scan('{"version": 1, "seeds": []}');
  const tb = r.inputs.find((i) => i.name === 'tool-1.0.tar.gz')!;
  t.equal(tb.class, 'prebuilt');
  t.equal(tb.evidence[0].rule, 'prebuilt.contents-executable');
  t.match(tb.evidence[0].detail, /tar\.gz holds 1 elf among \d+ members, e\.g\. tool-1\.0\/bin\/tool: ELF executable/);
  const src = r.inputs.find((i) => i.path === srcDir)!;
  t.equal(src.class, 'prebuilt');
  t.match(src.evidence[0].detail, /seeds\/blob: ELF executable/);
  const clean = r.inputs.find((i) => i.path === cleanDir)!;
  t.equal(clean.class, 'source');
  t.ok(clean.evidence.some((e) => e.rule === 'source.contents-no-binaries' && /no binary member among 1/.test(e.detail)));

  const elf = r.elf.find((e) => e.path === `${out}/bin/tool`)!;
  t.ok(elf, 'output ELF listed under its store path');
  t.equal(elf.provenance, 'from-prebuilt');
  t.equal(elf.fromInput, tb.id);
  t.equal(elf.gate, 'fail');
  t.match(elf.producedBy, { name: 'tool-1.0', class: 'built' });
  t.notOk(r.gate.passed);
  t.ok(r.gate.failures.includes(elf.path));
});

t.test('sizes, file hashes and coverage: what was read and what was not', async (t) => {
  const r = await scan('{"version": 1, "seeds": []}');
  const tb = r.inputs.find((i) => i.name === 'tool-1.0.tar.gz')!;
  t.equal(tb.size, statSync(path.join(root, fodOut)).size, "a binary input's size is its store file's size");
  t.equal(r.inputs.find((i) => i.path === srcDir)!.size, statSync('/bin/true').size, 'a directory: the sum of its files');
  t.equal(r.inputs.find((i) => i.path === cleanDir)!.size, null, 'sources are not measured');
  const elf = r.elf.find((e) => e.path === `${out}/bin/tool`)!;
  t.equal(elf.sha256, createHash('sha256').update(readFileSync('/bin/true')).digest('hex'), "the ELF file's SHA-256");
  t.same(r.coverage.outputs, { total: 1, inspected: 1 });
  t.same(r.coverage.inputs, { total: 3, read: 3 });
  t.equal(r.coverage.closure, 'outputs-only');
  t.match(r.coverage.gaps, [{ what: 'closure-query', output: true, detail: /not queried under --store-root/ }], 'an offline store tree has no closure query: said so');
  t.equal(r.coverage.complete, false);

  const capped = await scanGraph(graph(), {
    rules, allowlist: parseAllowlist('{"version": 1, "seeds": []}', 'a.json'), failOn: 'unknown', today: '2026-11-21',
    inspect: makeInspector({ storeRoot: root, maxElfFiles: 0 }),
  });
  t.same(
    capped.coverage.gaps.filter((g) => g.what === 'file-cap').map((g) => [g.path, g.output]),
    [[out, true], [fodOut, false]],
    'the file cap is recorded for the output and the fixed output it left unsearched',
  );
  const uninspected = capped.gate.items.filter((i) => i.kind === 'uninspected');
  t.same(uninspected.map((i) => i.reason.split(':')[0]), ['not inspected (closure-query)', 'not inspected (file-cap)'], 'under --fail-on unknown, gaps in the outputs are items; the fixed output is not an output');
  t.ok(uninspected.every((i) => i.status === 'fail'));
  t.notOk(capped.gate.passed);
});

t.test('allowlisting the tarball (and the vendored seed directory) lets its ELF file through', async (t) => {
  const r = await scan(JSON.stringify({ version: 1, seeds: [{ name: 'tool', hash, reason: 'reviewed' }, { name: 'seeds', storePath: srcDir, reason: 'reviewed blob' }] }));
  t.equal(r.elf.find((e) => e.path === `${out}/bin/tool`)!.gate, 'pass');
  t.ok(r.gate.passed);
});

t.test('contentFacts keep what a damaged listing saw, and say it is incomplete', async (t) => {
  const listing = { path: 'p', format: 'tar.gz' as const, members: 3, binaries: [{ member: 'usr/bin/x', kind: 'elf' as const, size: 1 }], binaryCount: 1, byKind: { elf: 1 }, capped: null, error: 'gzip: unexpected end of file' };
  t.same(contentFacts(listing), {
    format: 'tar.gz', members: 3, byKind: { elf: 1 }, binaryCount: 1, binaries: [{ member: 'usr/bin/x', kind: 'elf' }],
    error: 'gzip: unexpected end of file', capped: null,
  });
});

t.test('toolchain signals: a GCC the graph builds is not foreign; Debian\'s GCC and the host loader are', async (t) => {
  const g = graph();
  const withGcc: DerivationGraph = { ...g, derivations: new Map([...g.derivations, ['/nix/store/x-gcc-13.2.0.drv', { ...pkg, name: 'gcc-13.2.0' }]]) };
  const versions = gccVersionsOf(withGcc);
  t.same([...versions], ['13.2.0']);
  const facts = (comment: string[], interpreter: string | null) => ({ path: 'f', elf: true, comment, interpreter, runpath: [], rpath: [] });
  t.same(toolchainSignals(facts(['GCC: (GNU) 13.2.0'], '/nix/store/abc-glibc/lib/ld-linux-x86-64.so.2'), versions, '/nix/store'), []);
  const foreign = toolchainSignals(facts(['GCC: (GNU) 12.3.0', 'GCC: (Debian 12.2.0-14) 12.2.0'], '/lib64/ld-linux-x86-64.so.2'), versions, '/nix/store');
  t.same(foreign.map((e) => e.rule), ['inspect.foreign-compiler', 'inspect.foreign-compiler', 'inspect.host-interpreter']);
  t.match(foreign[0].detail, /GCC 12\.3\.0, which this graph does not build/);
  t.match(foreign[1].detail, /Debian 12\.2\.0-14's GCC 12\.2\.0/);
});
