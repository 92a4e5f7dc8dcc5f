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
      const d = parseDerivationJson({ builder: 'b', system: 's', outputs: { out }, ...(dir.includes('v4') ? { version: 4, inputs: {} } : {}) }, 'x.drv', '/nix/store');
      t.equal(d.outputs.out.fixed?.method ?? null, method, `${dir}/${f} method`);
      t.equal(d.outputs.out.fixed?.sri ?? null, hash, `${dir}/${f} hash`);
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

t.test('input that is not a derivation graph is an InputError, never a crash', async (t) => {
  const bad: [string, RegExp][] = [
    ['[1,2,3]', /expected a JSON object/],
    ['{"a": 1}', /not a \.drv path/],
    ['{}', /no derivations/],
    ['{"version": 5, "derivations": {}}', /unsupported derivation JSON/],
    ['{"/nix/store/x-a.drv": {"outputs": {}, "builder": 1, "system": "x"}}', /builder/],
    ['{"/nix/store/x-a.drv": {"outputs": {"out": {"path": "/nix/store/y", "hashAlgo": "sha256", "hash": "zz"}}, "builder": "b", "system": "x"}}', /hash/],
    ['{"/nix/store/x-a.drv": "nope"}', /not an object/],
    ['not json', /not valid JSON/],
  ];
  for (const [text, msg] of bad) t.throws(() => parseNixJson(text, 'in'), { name: 'InputError', message: msg }, text);
  t.throws(() => parseNixJson(rustc, 'in', { roots: ['/nix/store/nope.drv'] }), InputError);
});
