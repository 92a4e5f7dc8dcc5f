/**
 * The inspect stage on a store tree built in the test (--store-root): fetched archives and
 * source directories are looked into, and output ELF files are traced to their inputs.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gccVersionsOf, makeInspector, refineWithListing, toolchainSignals } from '../../src/inspect/index.js';
import { scanGraph } from '../../src/scan.js';
import { loadRules } from '../../src/classify/rules.js';
import { parseAllowlist } from '../../src/gate/allowlist.js';
import type { Derivation, DerivationGraph } from '../../src/model/graph.js';
import type { ClassifiedInput } from '../../src/classify/classify.js';

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
const scan = (allow: string) =>
  scanGraph(graph(), {
    rules: await loadRules(), allowlist: parseAllowlist(allow, 'a.json'), failOn: 'prebuilt', today: '2026-11-21',
    inspect: makeInspector({ storeRoot: root }),
  });

t.test('binaries inside a source tarball and a source directory are evidence', async (t) => {
  const r = await scan('{"version": 1, "seeds": []}');
  const tb = r.inputs.find((i) => i.name === 'tool-1.0.tar.gz')!;
  t.equal(tb.class, 'unknown');
  t.equal(tb.evidence[0].rule, 'inspect.binaries-in-source');
  t.match(tb.evidence[0].detail, /tar\.gz .* holds 1 binary member \(1 elf\) among \d+, e\.g\. tool-1\.0\/bin\/tool/);
  const src = r.inputs.find((i) => i.path === srcDir)!;
  t.equal(src.class, 'unknown');
  t.match(src.evidence[0].detail, /seeds\/blob/);
  const clean = r.inputs.find((i) => i.path === cleanDir)!;
  t.equal(clean.class, 'source');
  t.ok(clean.evidence.some((e) => e.rule === 'inspect.no-binaries'));

  const elf = r.elf.find((e) => e.path === `${out}/bin/tool`)!;
  t.ok(elf, 'output ELF listed under its store path');
  t.equal(elf.provenance, 'from-prebuilt');
  t.equal(elf.fromInput, tb.id);
  t.equal(elf.gate, 'fail');
  t.match(elf.producedBy, { name: 'tool-1.0', class: 'built' });
  t.notOk(r.gate.passed);
  t.ok(r.gate.failures.includes(elf.path));
});

t.test('allowlisting the tarball lets its ELF file through', async (t) => {
  const r = await scan(JSON.stringify({ version: 1, seeds: [{ name: 'tool', hash, reason: 'reviewed' }] }));
  t.equal(r.elf.find((e) => e.path === `${out}/bin/tool`)!.gate, 'pass');
  t.ok(r.gate.passed);
});

t.test('refineWithListing: unknown with executables becomes prebuilt; errors keep what was seen', async (t) => {
  const base = (cls: ClassifiedInput['class']): ClassifiedInput => ({
    id: 'x', kind: 'fixed-output', name: 'x.apk', drv: null, drvs: [], path: '/nix/store/x', urls: [], hash: null, hashMode: null,
    users: [], class: cls, evidence: [{ rule: 'unknown.distro-package', detail: 'd' }],
  });
  const listing = { path: 'p', format: 'tar.gz' as const, members: 3, binaries: [{ member: 'usr/bin/x', kind: 'elf' as const, size: 1 }], binaryCount: 1, byKind: { elf: 1 }, capped: null, error: null };
  const u = base('unknown');
  refineWithListing(u, listing);
  t.equal(u.class, 'prebuilt');
  t.equal(u.evidence[0].rule, 'inspect.executables-inside');
  const broken = base('source');
  refineWithListing(broken, { ...listing, error: 'gzip: unexpected end of file' });
  t.equal(broken.class, 'unknown', 'binaries seen before the damage still count');
  const empty = base('source');
  refineWithListing(empty, { ...listing, binaries: [], binaryCount: 0, byKind: {}, error: 'gzip: unexpected end of file' });
  t.equal(empty.class, 'source');
  t.notOk(empty.evidence.some((e) => e.rule === 'inspect.no-binaries'), 'no claim of "no binaries" from a broken archive');
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
