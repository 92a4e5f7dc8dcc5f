import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { parseNixJson, parseDerivationJson, graphFromJson } from '../../src/graph/nix-json.js';
import { InputError } from '../../src/errors.js';
import { corpusDir } from '../helpers.js';
import { encodeAs } from './encode.js';

const formats = path.join(corpusDir, 'nix-json-formats');

t.test('every derivation vector of every Nix JSON version parses', async (t) => {
  for (const dir of readdirSync(formats)) {
    for (const f of readdirSync(path.join(formats, dir)).filter((f) => f.endsWith('.json') && !f.startsWith('output-'))) {
      const doc = JSON.parse(readFileSync(path.join(formats, dir, f), 'utf8'));
      const d = parseDerivationJson(doc, `/nix/store/00000000000000000000000000000000-${f.replace('.json', '')}.drv`, '/nix/store', `${dir}/${f}`);
      t.equal(d.name, doc.name, `${dir}/${f} name`);
      t.equal(d.builder, doc.builder);
      for (const p of d.inputSrcs) t.match(p, /^\/nix\/store\//, `${dir}/${f}: input sources are full store paths`);
      for (const p of Object.keys(d.inputDrvs)) t.match(p, /^\/nix\/store\/.+\.drv$/);
      if (/structured-attrs/.test(f)) t.ok(d.structuredAttrs, `${dir}/${f} has structured attrs`);
    }
  }
});

t.test('the output vectors give the same fixed hash in every version', async (t) => {
  const sri = 'sha256-iUUXyRY8iW7DGirb0zwGgf1fRbLA7wimTJKgP7l/OQ8=';
  const expect: Record<string, [string | null, string | null]> = {
    'output-caFixedFlat.json': ['flat', sri],
    'output-caFixedNAR.json': ['nar', sri],
    'output-caFixedText.json': ['text', sri],
    'output-caFloating.json': [null, null],
    'output-deferred.json': [null, null],
    'output-impure.json': [null, null],
    'output-inputAddressed.json': [null, null],
  };
  for (const dir of readdirSync(formats)) {
    for (const [f, [method, hash]] of Object.entries(expect)) {
      const out = JSON.parse(readFileSync(path.join(formats, dir, f), 'utf8'));
      // named as Nix's own test names them, so a fixed output's stated path is checked against its hash
      const d = parseDerivationJson(
        { name: 'drv-name', builder: 'b', system: 's', outputs: { 'output-name': out }, ...(dir.includes('v4') ? { version: 4, inputs: {} } : {}) },
        `/nix/store/${'0'.repeat(32)}-drv-name.drv`,
        '/nix/store',
      );
      const o = d.outputs['output-name'];
      t.equal(o.fixed?.method ?? null, method, `${dir}/${f} method`);
      t.equal(o.fixed?.sri ?? null, hash, `${dir}/${f} hash`);
      if (out.path && hash) t.equal(o.path, out.path, `${dir}/${f}: the stated path is the one its hash gives`);
    }
  }
});

t.test('dynamic derivation inputs are kept and flagged', async (t) => {
  const doc = JSON.parse(readFileSync(path.join(formats, 'nix-2.25', 'dynDerivationDeps.json'), 'utf8'));
  const d = parseDerivationJson(doc, '/nix/store/00000000000000000000000000000000-dyn.drv');
  t.same(d.inputDrvs, { '/nix/store/c015dhfh5l0lp6wxyvdn7bmwhbbr6hr9-dep2.drv': ['cat', 'dog'] });
  t.same(d.dynamicInputs, ['/nix/store/c015dhfh5l0lp6wxyvdn7bmwhbbr6hr9-dep2.drv']);
});

const rustc = gunzipSync(readFileSync(path.join(corpusDir, 'nixpkgs-2024', 'rustc.json.gz'))).toString();

t.test('a real graph re-encoded as 2.18, v3 and v4 reads into the same model', async (t) => {
  const original = parseNixJson(rustc, 'rustc');
  t.equal(original.source.format, 'nix-json 2.4-2.17');
  t.equal(original.derivations.size, 526);
  t.same(original.roots, ['/nix/store/hsfl60ch83v1wvq7379g7dm5fi0qrw0d-rustc-wrapper-1.77.1.drv']);
  for (const version of ['2.18', 'v3', 'v4'] as const) {
    const g = graphFromJson(encodeAs(JSON.parse(rustc), version), version);
    t.equal(g.source.format, `nix-json ${version === '2.18' ? '2.18-2.31' : version}`);
    t.same(g.roots, original.roots, `${version} roots`);
    t.equal(g.derivations.size, original.derivations.size);
    for (const [p, d] of original.derivations) {
      const e = g.derivations.get(p);
      if (!e) {
        t.fail(`${version}: ${p} missing`);
        continue;
      }
      if (JSON.stringify(e) !== JSON.stringify(d)) t.same(e, d, `${version}: ${p}`);
    }
  }
});

const H = '0'.repeat(32);
const drvKey = (name: string) => `/nix/store/${H}-${name}.drv`;
/** A minimal valid 2.4-2.17 derivation, changed by `patch`. */
const dump = (patch: Record<string, unknown> = {}, key = drvKey('a')) =>
  JSON.stringify({ [key]: { outputs: { out: { path: `/nix/store/${H}-a` } }, builder: 'b', system: 'x', inputSrcs: [], inputDrvs: {}, env: {}, args: [], ...patch } });

t.test('input that is not a derivation graph is an InputError naming the field, never a crash', async (t) => {
  t.doesNotThrow(() => parseNixJson(dump(), 'in'), 'the base case is valid');
  const bad: [string, string, RegExp][] = [
    ['a list', '[1,2,3]', /expected '\{'/],
    ['a member that is no .drv', '{"a": 1}', /member "a" is not a \.drv path/],
    ['no derivations', '{}', /no derivations/],
    ['unknown version', '{"version": 5, "derivations": {}}', /unsupported derivation JSON/],
    ['builder a number', dump({ builder: 1 }), /builder: expected a string, got a number/],
    ['an env value that is a list', dump({ env: { src: ['a'] } }), /env\.src: expected a string, got a list/],
    ['args not strings', dump({ args: ['a', 2] }), /args\[1\]: expected a string/],
    ['a bad hash', dump({ outputs: { out: { path: `/nix/store/${H}-a`, hashAlgo: 'sha256', hash: 'zz' } } }), /outputs\.out\.hash/],
    ['path and algorithm but no hash', dump({ outputs: { out: { path: `/nix/store/${H}-a`, hashAlgo: 'r:sha256' } } }), /outputs\.out: a floating output .* must not name a path/],
    ['a fixed path that is not its hash', dump({ outputs: { out: { path: `/nix/store/${H}-a`, hashAlgo: 'sha256', hash: 'a'.repeat(64) } } }), /outputs\.out\.path: .* does not match its hash/],
    ['an output path outside the store', dump({ outputs: { out: { path: '/etc/passwd' } } }), /outputs\.out\.path: "\/etc\/passwd" is not in the store directory/],
    ['an input source with ..', dump({ inputSrcs: ['/nix/store/..'] }), /inputSrcs\[0\]: .* is not a store path/],
    ['an input that is not a .drv', dump({ inputDrvs: { [`/nix/store/${H}-b`]: ['out'] } }), /is not a \.drv path|not a \.drv path/],
    ['a derivation that is a string', `{"${drvKey('a')}": "nope"}`, /expected a derivation object, got a string/],
    ['a key that is no store path', dump({}, '/nix/store/x-a.drv'), /derivation path: .* is not a store path/],
    ['the same derivation twice', `{"${drvKey('a')}": ${JSON.stringify(JSON.parse(dump())[drvKey('a')])}, "${drvKey('a')}": ${JSON.stringify(JSON.parse(dump())[drvKey('a')])}}`, /appears twice/],
    ['not JSON', 'not json', /not valid derivation JSON at byte 0/],
    ['garbage after the object', dump() + ' x', /after the end of the object/],
    ['truncated', dump().slice(0, -5), /truncated/],
    ['nested too deep', dump({ structuredAttrs: JSON.parse('{"a":' + '['.repeat(300) + ']'.repeat(300) + '}') }), /nested more than 256 levels/],
    ['v4 with derivations at the top level too', JSON.stringify({ version: 4, derivations: {}, [drvKey('a')]: {} }), /not at the top level|expected/],
  ];
  for (const [what, text, msg] of bad) t.throws(() => parseNixJson(text, 'in'), { name: 'InputError', message: msg }, what);
  t.throws(() => parseNixJson(rustc, 'in', { roots: ['/nix/store/nope.drv'] }), InputError);
});

t.test('the streamed reader gives the same graph whatever the chunk boundaries', async (t) => {
  const { DumpSplitter } = await import('../../src/graph/json-stream.js');
  const { GraphAssembler } = await import('../../src/graph/nix-json.js');
  const whole = parseNixJson(rustc, 'rustc');
  const bytes = Buffer.from(rustc);
  for (const size of [1, 7, 4096, 65536]) {
    const g = new GraphAssembler('rustc');
    const s = new DumpSplitter('rustc', (place, key, value) => g.member(place, key, value));
    // 1-byte chunks over the whole file would be slow: they cover the first 200 KB, which holds every boundary case
    const limit = size === 1 ? 200_000 : bytes.length;
    for (let i = 0; i < limit; i += size) s.push(bytes.subarray(i, Math.min(i + size, limit)));
    if (limit < bytes.length) s.push(bytes.subarray(limit));
    s.end();
    const got = g.finish();
    t.equal(got.derivations.size, whole.derivations.size, `${size}-byte chunks: every derivation`);
    t.same([...got.derivations.keys()], [...whole.derivations.keys()], `${size}-byte chunks: in order`);
    t.same(got.derivations.get(whole.roots[0]), whole.derivations.get(whole.roots[0]), `${size}-byte chunks: same root`);
  }
});
