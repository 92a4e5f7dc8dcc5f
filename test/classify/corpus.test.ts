/**
 * The acceptance test of the classifier: for every real graph in shared/corpus, exactly the
 * listed seeds are `seed`, exactly the listed prebuilt inputs are `prebuilt`, `notSource`
 * inputs are not `source`, nothing else is called a binary, and with the shipped allowlist
 * the gate fails exactly when a prebuilt (or notSource) input is present.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readJsonDump } from '../../src/acquire/json-file.js';
import { loadRules } from '../../src/classify/rules.js';
import { loadAllowlist, SHIPPED_ALLOWLIST } from '../../src/gate/allowlist.js';
import { scanGraph } from '../../src/scan.js';
import { corpusDir } from '../helpers.js';

interface Expected {
  root: string[];
  derivations: number;
  fixedOutput: number;
  seeds: string[];
  prebuilt: string[];
  notSource: string[];
}
const expected = JSON.parse(readFileSync(path.join(corpusDir, 'expected.json'), 'utf8')) as Record<string, Expected>;
const rules = await loadRules();
const allowlist = loadAllowlist(SHIPPED_ALLOWLIST);
const uniq = (xs: string[]) => [...new Set(xs)].sort();

for (const [file, e] of Object.entries(expected)) {
  t.test(file, async (t) => {
    const graph = await readJsonDump(path.join(corpusDir, file));
    const r = await scanGraph(graph, { rules, allowlist, failOn: 'prebuilt', today: '2026-11-21' });
    t.same(r.roots.map((x) => x.drv), e.root, 'root');
    t.equal(r.summary.derivations, e.derivations, 'derivations');
    t.equal(r.summary.fixedOutput, e.fixedOutput, 'fixed-output count');
    const named = (cls: string) => uniq(r.inputs.filter((i) => i.class === cls).map((i) => i.name));
    t.same(named('seed'), uniq(e.seeds), 'seeds');
    t.same(named('prebuilt'), uniq(e.prebuilt), 'prebuilt');
    for (const n of e.notSource) {
      const hits = r.inputs.filter((i) => i.name === n);
      t.ok(hits.length > 0, `${n} is an input`);
      for (const i of hits) t.not(i.class, 'source', `${n} is not source (${i.evidence[0]?.rule})`);
    }
    for (const i of r.inputs) {
      t.ok(i.evidence.length > 0, `${i.name} has evidence`);
      for (const ev of i.evidence) t.ok(ev.rule && ev.detail, `${i.name}: evidence has rule and detail`);
    }
    // every binary input can be traced to a root
    for (const i of r.inputs.filter((x) => x.binary)) {
      t.equal(i.via[0], r.roots[0].name, `${i.name}: chain starts at the root`);
      t.equal(i.via[i.via.length - 1], i.name, `${i.name}: chain ends at the input`);
    }
    const shouldFail = e.prebuilt.length > 0 || e.notSource.length > 0;
    t.equal(r.gate.passed, !shouldFail, `gate ${shouldFail ? 'fails' : 'passes'} with the shipped allowlist`);
    // seeds are allowlisted by the shipped allowlist, by hash
    for (const i of r.inputs.filter((x) => x.class === 'seed')) t.ok(i.allowlisted, `${i.name} allowlisted`);
    t.same(r.trustBase[0].seeds.length, r.inputs.filter((i) => i.class === 'seed').length, 'trust base holds the seeds');
  });
}

t.test('evidence names the concrete facts', async (t) => {
  const graph = await readJsonDump(path.join(corpusDir, 'nixpkgs-2024/openjdk17-bootstrap.json.gz'));
  const r = await scanGraph(graph, { rules, allowlist, failOn: 'prebuilt', today: '2026-11-21' });
  const jdk = r.inputs.find((i) => i.name === 'OpenJDK17U-jdk_x64_linux_hotspot_17.0.7_7.tar.gz')!;
  t.equal(jdk.class, 'prebuilt');
  t.match(jdk.urls[0], /^https:\/\//);
  const rules_ = jdk.evidence.map((e) => e.rule);
  t.ok(rules_.includes('prebuilt.unpacked-with-autopatchelf'), 'consumer signal fired');
  t.match(jdk.evidence.find((e) => e.rule === 'prebuilt.unpacked-with-autopatchelf')!.detail, /auto-patchelf-hook in nativeBuildInputs/);
  t.match(jdk.evidence.find((e) => e.rule === 'prebuilt.platform-in-name')!.detail, /arch 'x64', os 'linux' in file name 'OpenJDK17U-jdk_x64_linux_hotspot_17\.0\.7_7\.tar\.gz'/);
  t.equal(jdk.gate, 'fail');

  const hex = await readJsonDump(path.join(corpusDir, 'aux-foundation/stage0-hex0.json.gz'));
  const h = await scanGraph(hex, { rules, allowlist, failOn: 'prebuilt', today: '2026-11-21' });
  const built = h.inputs.find((i) => i.name === 'hex0-1.6.0')!;
  t.equal(built.class, 'source', 'hex0-1.6.0 is built by the seed, not downloaded');
  t.equal(built.evidence[0].rule, 'source.built-in-graph');
  t.match(built.evidence[0].detail, /no URL; its builder \/nix\/store\/\S+-hex0-seed is built in this graph by hex0-seed/);
  const seed = h.inputs.find((i) => i.name === 'hex0-seed')!;
  t.equal(seed.class, 'seed');
  t.ok(seed.allowlisted);
  t.same(seed.via, ['hex0-1.6.0', 'hex0-seed']);
});

t.test('cargo vendor tarballs are network fetches, not source (their crates were downloaded by a script)', async (t) => {
  const graph = await readJsonDump(path.join(corpusDir, 'nixpkgs-2024/nix.json.gz'));
  const r = await scanGraph(graph, { rules, allowlist, failOn: 'prebuilt', today: '2026-11-21' });
  const vendor = r.inputs.filter((i) => i.name.endsWith('-vendor.tar.gz'));
  t.ok(vendor.length > 0);
  for (const v of vendor) {
    t.equal(v.class, 'unknown', `${v.name} is not source`);
    t.equal(v.evidence[0].rule, 'unknown.network-fetch');
    t.match(v.evidence[0].detail, /impureEnvVars passes http_proxy through/);
  }
  const fortify = r.inputs.find((i) => i.name === 'fortify-headers.tar.gz')!;
  t.equal(fortify.class, 'unknown');
  t.match(fortify.evidence[0].detail, /\.apk/);
});
