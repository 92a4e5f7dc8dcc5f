import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { builtinRuleFiles, loadRules, loadRuleFile, RULES_SCHEMA } from '../../src/classify/rules.js';
import { classifyFacts, evaluate, vetoed } from '../../src/classify/classify.js';
import { InputError } from '../../src/errors.js';
import { factsFor, type InputSpec } from './graph-builder.js';
import { RULE_FIXTURES } from './rule-fixtures.js';

const rules = await loadRules();
const classify = (spec: InputSpec, extra = rules) => classifyFacts(factsFor(spec), extra);

t.test('every built-in rule file satisfies the rule schema', async (t) => {
  const validate = new Ajv({ strict: true }).compile(JSON.parse(readFileSync(RULES_SCHEMA, 'utf8')) as object);
  for (const f of builtinRuleFiles()) t.ok(validate(JSON.parse(readFileSync(f, 'utf8'))), `${path.basename(f)}: ${JSON.stringify(validate.errors)}`);
});

t.test('every rule has a positive and a negative fixture, and each behaves', async (t) => {
  const ids = new Set(rules.map((r) => r.id));
  for (const id of Object.keys(RULE_FIXTURES)) t.ok(ids.has(id), `fixture ${id} names an existing rule`);
  for (const rule of rules) {
    const fx = RULE_FIXTURES[rule.id];
    t.ok(fx && fx.match.length > 0 && fx.noMatch.length > 0, `${rule.id} has positive and negative fixtures`);
    if (!fx) continue;
    const fires = (s: InputSpec) => {
      const f = factsFor(s);
      return evaluate(rule, rule.match, f) !== null && !vetoed(rule, f);
    };
    for (const s of fx.match) t.ok(fires(s), `${rule.id} matches ${s.name} ${s.url ?? ''}`);
    for (const s of fx.noMatch) t.notOk(fires(s), `${rule.id} does not match ${s.name} ${s.url ?? ''}`);
  }
});

t.test('scoring fails closed', async (t) => {
  // the fetcher's default name is not evidence: a fetchzip of a platform release is not source
  t.equal(classify({ name: 'source', url: 'https://github.com/gohugoio/hugo/releases/download/v0.125.0/hugo_0.125.0_linux-amd64.tar.gz' }).class, 'prebuilt');
  // a digit is not a version: linux64 names a platform
  t.equal(classify({ name: 'tool_linux64.tar.gz', url: 'https://example.org/tool_linux64.tar.gz' }).class, 'prebuilt');
  // a versioned archive alone is not enough for source
  const weak = classify({ name: 'thing-1.0.tar.gz', url: 'https://example.org/thing-1.0.tar.gz' });
  t.equal(weak.class, 'unknown');
  t.equal(weak.evidence[0].rule, 'score.unresolved');
  t.match(weak.evidence[0].detail, /too little evidence/);
  // a blob repository installed into lib/firmware: a GitHub archive, but not source
  const blobs = classify({
    name: 'source', url: 'https://github.com/LibreELEC/dvb-firmware/archive/1.4.2.tar.gz',
    consumer: { pname: 'libreelec-dvb-firmware', env: { dontBuild: '1', installPhase: 'mkdir -p $out/lib\ncp -rv firmware $out/lib/firmware' } },
  });
  t.not(blobs.class, 'source');
  // conflicting signals never resolve to source
  const conflict = classify({ name: 'bar-1.0-linux-x86_64.tar.gz', url: 'https://github.com/foo/bar/archive/v1.0.tar.gz' });
  t.equal(conflict.class, 'unknown');
  t.match(conflict.evidence[0].detail, /conflict: binary weight \d+ against source \d+/);
  // contents win over every name
  const xz = classify({
    name: 'xz-5.6.1.tar.gz', url: 'mirror://gnu/xz/xz-5.6.1.tar.gz', consumer: { pname: 'xz' },
    contents: { format: 'tar.gz', members: 300, byKind: { object: 1 }, binaryCount: 1, binaries: [{ member: 'xz-5.6.1/tests/files/bad-3-corrupt_lzma2.o', kind: 'object' }] },
  });
  t.equal(xz.class, 'prebuilt');
  t.equal(xz.evidence[0].rule, 'prebuilt.contents-executable');
  t.match(xz.evidence[0].detail, /tests\/files\/bad-3-corrupt_lzma2\.o: ELF relocatable object/);
  t.ok(xz.evidence.some((e) => e.rule === 'source.source-mirror' && /^not decisive/.test(e.detail)), 'outweighed source signals stay visible');
  // a network FOD without URL is never source, whatever its name says
  t.equal(classify({ name: 'app-1.0-vendor.tar.gz', env: { impureEnvVars: 'http_proxy https_proxy' } }).class, 'unknown');
  // a source built by its consumer is source
  t.equal(classify({ name: 'hello-2.12.1.tar.gz', url: 'mirror://gnu/hello/hello-2.12.1.tar.gz', consumer: { pname: 'hello' } }).class, 'source');
});

t.test('names must not fool the rules', async (t) => {
  for (const [name, url] of [
    ['binutils-2.42.tar.bz2', 'mirror://gnu/binutils/binutils-2.42.tar.bz2'],
    ['rustc-1.77.1-src.tar.gz', 'https://static.rust-lang.org/dist/rustc-1.77.1-src.tar.gz'],
    ['linux-6.8.tar.xz', 'https://cdn.kernel.org/pub/linux/kernel/v6.x/linux-6.8.tar.xz'],
  ])
    t.equal(classify({ name, url, consumer: { pname: name.split('-')[0] } }).class, 'source', name);
  t.not(classify({ name: 'bootstrap-tools.tar.xz', url: 'https://example.org/mirror/bootstrap-tools.tar.xz' }).class, 'seed');
});

t.test('user rules add and replace rules; bad rule files are input errors naming the rule and field', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'seedaudit-rules-'));
  mkdirSync(path.join(dir, 'site'));
  writeFileSync(
    path.join(dir, 'site', 'vendor.json'),
    JSON.stringify({
      rules: [
        { id: 'site.acme-blobs', description: 'ACME vendor blobs', verdict: 'prebuilt', weight: 200, match: { host: ['^blobs\\.acme\\.example$'] } },
        // silence a built-in rule by id
        { id: 'source.consumer-builds', description: 'off', verdict: 'source', weight: 0, match: { kind: ['fixed-output'] } },
      ],
    }),
  );
  const site = await loadRules([path.join(dir, 'site')]);
  const acme = classify({ name: 'acme-2.0.tar.gz', url: 'https://blobs.acme.example/acme-2.0.tar.gz', consumer: { pname: 'acme' } }, site);
  t.equal(acme.class, 'prebuilt');
  t.equal(acme.evidence[0].rule, 'site.acme-blobs');
  const zlib = classify({ name: 'zlib-1.3.1.tar.gz', url: 'https://zlib.net/zlib-1.3.1.tar.gz', consumer: { pname: 'zlib' } }, site);
  t.equal(zlib.class, 'unknown', 'with consumer-builds silenced nothing vouches for it');

  const bad: [string, RegExp][] = [
    ['{"rules": [{"id": "x", "description": "d", "verdict": "maybe", "weight": 1, "match": {"kind": ["builder"]}}]}', /rule 1 \(x\) at \/verdict: must be equal to one of the allowed values/],
    ['{"rules": [{"id": "x", "description": "d", "verdict": "source", "weight": 1, "match": {"nmae": ["a"]}}]}', /rule 1 \(x\) at \/match: must NOT have additional properties 'nmae'/],
    ['{"rules": [{"id": "x", "description": "d", "verdict": "source", "weight": 1, "match": {"url": ["("]}}]}', /rule 1 \(x\): 'url' pattern "\(" is not a valid regular expression/],
    ['{"rules": [{"id": "x", "description": "d", "verdict": "source", "weight": 1, "match": {"consumer": {"asSrc": true}}}]}', /additional properties 'asSrc'/],
    ['{"rules": {}}', /must be array/],
    ['not json', /rules file .*bad5\.json: not valid JSON/],
    // user patterns run on the linear-time engine: what it cannot run is refused up front
    ['{"rules": [{"id": "x", "description": "d", "verdict": "source", "weight": 1, "match": {"name": ["(a)\\\\1"]}}]}', /rule 1 \(x\): 'name' pattern .* back-reference or look-around/],
  ];
  for (const [i, [text, msg]] of bad.entries()) {
    const f = path.join(dir, `bad${i}.json`);
    writeFileSync(f, text);
    await t.rejects(loadRuleFile(f), InputError, text);
    await t.rejects(loadRuleFile(f), { message: msg }, text);
  }
  await t.rejects(loadRules([path.join(dir, 'missing')]), InputError);
});

t.test('a host builder is an impure input of class unknown', async (t) => {
  const b = classify({ name: '/bin/sh', kind: 'builder', consumer: { as: 'none' } });
  t.equal(b.class, 'unknown');
  t.equal(b.evidence[0].rule, 'unknown.host-builder');
});

t.test('user patterns run in linear time: a catastrophic pattern ends, and case is ignored as with built-in rules', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'seedaudit-rules-'));
  const file = path.join(dir, 'evil.json');
  writeFileSync(
    file,
    JSON.stringify({
      rules: [
        // exponential on a backtracking engine: 2^200 paths for 200 a's followed by a b
        { id: 'site.evil', description: 'nested quantifier', verdict: 'prebuilt', weight: 200, match: { name: ['^(a+)+$'] } },
        { id: 'site.upper', description: 'upper-case pattern', verdict: 'prebuilt', weight: 200, match: { host: ['^BLOBS\\.ACME\\.EXAMPLE$'] } },
      ],
    }),
  );
  const rules = await loadRules([file]);
  const hostile = classify({ name: 'a'.repeat(200) + 'b', url: 'https://example.org/x' }, rules);
  t.not(hostile.evidence.map((e) => e.rule).includes('site.evil'), true, 'the hostile name is matched (and does not match) without hanging');
  t.equal(classify({ name: 'a'.repeat(200), url: 'https://example.org/x' }, rules).evidence[0].rule, 'site.evil', 'the pattern still matches what it should');
  t.equal(classify({ name: 'acme-2.0.tar.gz', url: 'https://blobs.acme.example/acme-2.0.tar.gz' }, rules).evidence[0].rule, 'site.upper');
});

t.test('rule files must be regular files', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const dir = mkdtempSync(path.join(tmpdir(), 'seedaudit-rules-'));
  const fifo = path.join(dir, 'rules.json');
  execFileSync('mkfifo', [fifo]);
  await t.rejects(loadRules([fifo]), { name: 'InputError', message: /FIFO/ }, 'a FIFO with no writer is refused, not waited on');
  await t.rejects(loadRules(['/dev/zero']), { name: 'InputError', message: /character device/ }, '/dev/zero is refused');
});
