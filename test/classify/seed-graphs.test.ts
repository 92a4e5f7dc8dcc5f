/**
 * Real graphs of other bootstrap-files targets (test/fixtures/seed-graphs/README.md): each gives
 * exactly its two bootstrap seeds, recognised by their registered hashes, and the shipped or an
 * imported allowlist accepts them.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadRules } from '../../src/classify/rules.js';
import { readJsonDump } from '../../src/acquire/json-file.js';
import { scanGraph } from '../../src/scan.js';
import { loadAllowlist, SHIPPED_ALLOWLIST } from '../../src/gate/allowlist.js';
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
