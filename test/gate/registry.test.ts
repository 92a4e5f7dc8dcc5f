/**
 * The seed registry (seeds/*.json) is the one source of truth for the seed hashes: the shipped
 * allowlist and the hash lists of rules/seeds.json are generated from it, and every hash in them
 * must be one the registry cites (repository, file, commit).
 */
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadRegistry, registryFiles, seedRulesText, shippedAllowlistText, SEED_RULES_FILE } from '../../src/gate/registry.js';
import { SHIPPED_ALLOWLIST, loadAllowlist } from '../../src/gate/allowlist.js';
import { loadRules } from '../../src/classify/rules.js';
import { readJsonDump } from '../../src/acquire/json-file.js';
import { scanGraph } from '../../src/scan.js';
import { headline } from '../../src/report/headline.js';
import { InputError } from '../../src/errors.js';
import { corpusDir } from '../helpers.js';

const reg = loadRegistry(undefined, { validate: true });

t.test('the generated files are up to date (npm run seeds:generate)', async (t) => {
  t.equal(readFileSync(SEED_RULES_FILE, 'utf8'), seedRulesText(reg, readFileSync(SEED_RULES_FILE, 'utf8')), 'rules/seeds.json');
  t.equal(readFileSync(SHIPPED_ALLOWLIST, 'utf8'), shippedAllowlistText(reg), 'allowlist.json');
});

t.test('every seed hash in the rules and the shipped allowlist is a registry entry with a cited source', async (t) => {
  const rulesText = readFileSync(SEED_RULES_FILE, 'utf8');
  const inRules = [...rulesText.matchAll(/sha256-[A-Za-z0-9+/]{43}=/g)].map((m) => m[0]);
  const inAllowlist = loadAllowlist(SHIPPED_ALLOWLIST).entries.map((e) => e.hash!);
  for (const h of new Set([...inRules, ...inAllowlist])) {
    const e = reg.byHash.get(h);
    t.ok(e && e.sources.every((s) => /^[0-9a-f]{40}$/.test(s.commit) && s.file && s.repo), `${h} cited (${e?.id ?? 'missing'})`);
  }
  // the registry is the only place hashes are written: each generated hash list holds registry hashes only
  t.ok(inAllowlist.length >= 40, `${inAllowlist.length} shipped entries`);
});

t.test('what the shipped allowlist covers', async (t) => {
  const shipped = reg.entries.filter((e) => e.shipped);
  const targets = new Set(reg.entries.filter((e) => e.kind === 'nixpkgs-bootstrap-files').map((e) => e.target));
  for (const target of targets)
    t.ok(shipped.some((e) => e.target === target && e.role === 'bootstrap-tools'), `current bootstrap-tools of ${target} shipped`);
  for (const arch of ['x86', 'AMD64', 'AArch64'])
    t.ok(shipped.some((e) => e.kind === 'stage0-seed' && e.target === arch && e.status === 'current'), `current ${arch} hex0-seed shipped`);
  t.ok(shipped.some((e) => e.sources.some((s) => s.project === 'aux-foundation') && e.system === 'i686-linux'), 'the Aux Foundation i686 seed shipped');
  t.ok(reg.entries.some((e) => e.kind === 'guix-bootstrap-binary') && reg.entries.some((e) => e.sources.some((s) => s.project === 'live-bootstrap')), 'Guix and live-bootstrap seeds in the registry');
  t.notOk(shipped.some((e) => !e.binary), 'no source bundle in the allowlist');
  // the stage0 seeds' recorded sizes are the real files' (bootstrap-seeds cedec6b8: "x86_64/hex0: Shrink size from 292 -> 229 bytes")
  t.equal(reg.entries.find((e) => e.id === 'stage0/AMD64/hex0-seed/cedec6b8')?.size, 229);
});

t.test('registry checks beyond the schema', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'seedaudit-registry-'));
  const write = (mutate: (d: { entries: Record<string, unknown>[] }) => void) => {
    mkdirSync(path.join(dir, 'r'), { recursive: true });
    for (const f of registryFiles()) copyFileSync(f, path.join(dir, 'r', path.basename(f)));
    const f = path.join(dir, 'r', 'stage0.json');
    const d = JSON.parse(readFileSync(f, 'utf8'));
    mutate(d);
    writeFileSync(f, JSON.stringify(d));
    return path.join(dir, 'r');
  };
  t.throws(() => loadRegistry(write((d) => { (d.entries[0].sources as { hashAsWritten?: string }[])[0].hashAsWritten = 'sha256-DCzZduYrix9yOeJoem/Jhz/WDzAss7UWwjZbkXJq6Ms='; }), { validate: true }), /writes sha256-DCzZ.*which is not/);
  t.throws(() => loadRegistry(write((d) => { d.entries[1].hash = d.entries[0].hash; }), { validate: true }), /is also entry stage0\/x86\/hex0-seed/);
  t.throws(() => loadRegistry(write((d) => { d.entries[0].sources = []; }), { validate: true }), InputError);
  t.throws(() => loadRegistry(write((d) => { d.entries[0].comit = 'x'; }), { validate: true }), /additional properties 'comit'/);
});

t.test('a seed the store does not have is sized from the registry in the report and the trust base', async (t) => {
  const rules = await loadRules();
  const graph = await readJsonDump(path.join(corpusDir, 'aux-foundation', 'stage0-hex0.json.gz'));
  const r = await scanGraph(graph, { rules, allowlist: loadAllowlist(SHIPPED_ALLOWLIST), failOn: 'prebuilt', today: '2026-11-21' });
  const seed = r.inputs.find((i) => i.name === 'hex0-seed')!;
  t.match(seed, { class: 'seed', allowlisted: true, size: 256, sizeFrom: 'registry' });
  t.match(r.trustBase[0], { seedBytes: 256, seedsOfUnknownSize: 0 });
  t.equal(headline(r, (s) => s), 'Besides its 1 bootstrap seed (allowlisted; 256 bytes, size from the seed registry), this build trusts no other binary.');
  t.match(r.inputs.find((i) => i.name === 'hex0-1.6.0'), { class: 'source' }, 'hex0 rebuilt from source and pinned to the seed hash is not a seed');
});
