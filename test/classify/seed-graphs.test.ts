/**
 * Real graphs of other bootstrap-files targets (test/fixtures/seed-graphs/README.md): each gives
 * exactly its two bootstrap seeds, recognised by their registered hashes, and the shipped or an
 * imported allowlist accepts them. And the 2026 nixpkgs hex0 bootstrap (minimal-bootstrap's
 * stage0-posix chain): one hand-written seed, and a source NAR nothing in the graph can build.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadRules } from '../../src/classify/rules.js';
import { readJsonDump } from '../../src/acquire/json-file.js';
import { scanGraph } from '../../src/scan.js';
import { loadAllowlist, parseAllowlist, SHIPPED_ALLOWLIST } from '../../src/gate/allowlist.js';
import { loadRegistry, reasonFor } from '../../src/gate/registry.js';
import { repoRoot } from '../helpers.js';

const dir = path.join(repoRoot, 'test', 'fixtures', 'seed-graphs');
const rules = await loadRules();
const allowlist = loadAllowlist(SHIPPED_ALLOWLIST);
const scan = async (file: string) => scanGraph(await readJsonDump(path.join(dir, file)), { rules, allowlist, failOn: 'prebuilt', today: '2026-11-21' });

t.test('riscv64-linux stdenv: the current riscv64 bootstrap-files, allowlisted', async (t) => {
  const r = await scan('aux-core-stdenv-riscv64-linux.json.gz');
  const seeds = r.inputs.filter((i) => i.class === 'seed');
  t.same(seeds.map((i) => i.name).sort(), ['bootstrap-tools.tar.xz', 'busybox']);
  for (const s of seeds) {
    t.match(s, { allowlisted: true, evidence: [{ rule: 'seed.known-hash' }] });
    t.match(s.urls[0], /^http:\/\/tarballs\.nixos\.org\/stdenv-linux\/riscv64\/160cedc144aced7a35a91440b46b74ffacd52682\//);
  }
  t.equal(r.inputs.filter((i) => i.class === 'prebuilt' || i.class === 'unknown').length, 0);
  t.ok(r.gate.passed);
});

t.test('x86_64-musl stdenv: a superseded revision is recognised, not shipped, and importable', async (t) => {
  const r = await scan('aux-core-stdenv-x86_64-musl.json.gz');
  const seeds = r.inputs.filter((i) => i.class === 'seed');
  t.same(seeds.map((i) => i.name).sort(), ['bootstrap-tools.tar.xz', 'busybox']);
  for (const s of seeds) t.match(s, { allowlisted: false, evidence: [{ rule: 'seed.known-hash' }] });
  const tmp = mkdtempSync(path.join(tmpdir(), 'seedaudit-musl-'));
  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), ...args], { cwd: tmp, encoding: 'utf8' });
  const file = path.join(tmp, 'allow.json');
  t.equal(cli(['allowlist', 'import', '--system', 'x86_64-linux', '--project', 'nixpkgs', '--include-superseded', '--allowlist', file]).status, 0);
  const after = cli(['scan', '--from-json', path.join(dir, 'aux-core-stdenv-x86_64-musl.json.gz'), '--allowlist', file, '--format', 'json']);
  const report = JSON.parse(after.stdout) as { inputs: { class: string; allowlisted: boolean }[] };
  t.ok(report.inputs.filter((i) => i.class === 'seed').every((i) => i.allowlisted), 'both seeds accepted after the import');
  // the one remaining item is fortify-headers.tar.gz from an Alpine .apk (unknown, report-only under --fail-on prebuilt)
  t.equal(after.status, 0);
});

const registry = loadRegistry();
const hex0Graphs = [
  { file: 'nixpkgs-2026-minimal-bootstrap-x86_64-linux.json.gz', id: 'stage0/AMD64/hex0-seed/cedec6b8', arch: 'AMD64', size: 229 },
  { file: 'nixpkgs-2026-minimal-bootstrap-i686-linux.json.gz', id: 'stage0/x86/hex0-seed/cedec6b8', arch: 'x86', size: 181 },
];

for (const g of hex0Graphs) {
  t.test(`2026 nixpkgs hex0 bootstrap (${g.arch}): the hex0-seed is the one seed, by its registry hash`, async (t) => {
    const r = await scan(g.file);
    const entry = registry.entries.find((e) => e.id === g.id)!;
    t.ok(entry, `registry entry ${g.id}`);
    const seeds = r.inputs.filter((i) => i.class === 'seed');
    t.equal(seeds.length, 1, 'exactly one seed');
    const seed = seeds[0]!;
    t.match(seed, { name: 'hex0-seed', hash: entry.hash, hashMode: 'nar', binary: true, allowlisted: true, size: g.size, sizeFrom: 'registry' });
    t.equal(seed.evidence[0]!.rule, 'seed.known-hash', 'decided by the registry hash');
    t.match(seed.evidence[0]!.detail, entry.hash);
    t.same(seed.urls, [`https://github.com/oriansj/bootstrap-seeds/raw/cedec6b8066d1db229b6c77d42d120a23c6980ed/POSIX/${g.arch}/hex0-seed`]);
    // the allowlist entry that accepts it is the registry entry's, citing the files that publish the hash
    t.equal(seed.allowlist?.reason, reasonFor(entry));
    t.ok(entry.sources.some((s) => s.repo === 'oriansj/bootstrap-seeds' && s.file === `POSIX/${g.arch}/hex0-seed`), 'cites the seed file itself');
    t.match(seed.via, ['kaem-unwrapped-1.9.1']);
    t.equal(seed.via.at(-1), 'hex0-seed');
    // hex0 rebuilt from source by the seed and pinned to the seed's hash is not a second seed
    t.match(r.inputs.find((i) => i.name === 'hex0-1.9.1'), { class: 'source', binary: false, evidence: [{ rule: 'source.built-in-graph' }] });
  });

  t.test(`2026 nixpkgs hex0 bootstrap (${g.arch}): the stage0-posix source NAR is source that nothing here can build`, async (t) => {
    const r = await scan(g.file);
    const nar = r.inputs.find((i) => i.name === 'stage0-posix-1.9.1-source')!;
    t.ok(nar, 'the source NAR is an input');
    const entry = registry.byHash.get(nar.hash!)!;
    t.match(entry, { id: 'stage0/stage0-posix-1.9.1-source', kind: 'stage0-posix-source', binary: false });
    t.match(nar, { class: 'source', binary: false, hashMode: 'nar', urls: [], allowlisted: false });
    t.equal(nar.evidence[0]!.rule, 'source.stage0-posix-sources');
    t.match(nar.evidence[0]!.detail, /builder is an error message, not a program, so nothing here can build it/);
  });

  t.test(`2026 nixpkgs hex0 bootstrap (${g.arch}): the gate passes on the shipped allowlist, fails without it`, async (t) => {
    // the seed is the only binary input and the shipped allowlist holds it; no prebuilt, no unknown
    const r = await scan(g.file);
    t.equal(r.inputs.filter((i) => i.class === 'prebuilt' || i.class === 'unknown').length, 0);
    t.ok(r.gate.passed);
    t.equal(r.trustBase[0]!.seedBytes, g.size);
    // with an empty allowlist the hex0-seed is the one item that fails: nothing else is trusted
    const none = parseAllowlist(JSON.stringify({ version: 1, seeds: [] }), 'empty.json');
    const bare = await scanGraph(await readJsonDump(path.join(dir, g.file)), { rules, allowlist: none, failOn: 'prebuilt', today: '2026-11-21' });
    t.notOk(bare.gate.passed);
    t.same(bare.gate.failures, [bare.inputs.find((i) => i.name === 'hex0-seed')!.drv]);
  });
}
