import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseNixJson } from '../../src/graph/nix-json.js';
import { Interner, leanEnv, record } from '../../src/graph/lean.js';
import { attr, isFixedOutput, LEAN_ENV_KEYS, type Derivation } from '../../src/model/graph.js';
import { corpusDir } from '../helpers.js';

const S = '/nix/store';
const H = (c: string) => c.repeat(32);

t.test('on every corpus graph the lean reader keeps a download whole and of the rest only what facts read', async (t) => {
  let graphs = 0;
  let fods = 0;
  let lean = 0;
  for (const set of ['nixpkgs-2024', 'aux-foundation']) {
    for (const f of readdirSync(path.join(corpusDir, set)).filter((x) => x.endsWith('.json.gz'))) {
      const text = gunzipSync(readFileSync(path.join(corpusDir, set, f)));
      const full = parseNixJson(text, f, { fullEnv: true });
      const got = parseNixJson(text, f);
      t.same([...got.derivations.keys()], [...full.derivations.keys()], `${f}: same derivations, same order`);
      const wrong: string[] = [];
      for (const [p, w] of full.derivations) {
        const d = got.derivations.get(p)!;
        const fixed = isFixedOutput(w);
        const wantEnv = fixed ? w.env : Object.fromEntries(Object.entries(w.env).filter(([k]) => LEAN_ENV_KEYS.has(k)));
        const same =
          JSON.stringify(Object.entries(d.env)) === JSON.stringify(Object.entries(wantEnv)) &&
          (d.leanEnv === true) === !fixed &&
          w.leanEnv === undefined &&
          JSON.stringify({ ...d, env: null, leanEnv: null, structuredAttrs: null }) === JSON.stringify({ ...w, env: null, leanEnv: null, structuredAttrs: null });
        if (!same) wrong.push(p);
        if (fixed) fods++;
        else lean++;
      }
      t.same(wrong, [], `${f}: every derivation as expected`);
      graphs++;
    }
  }
  t.equal(graphs, 16, 'all 16 corpus graphs');
  t.ok(fods > 300 && lean > 1000, `both kinds seen (${fods} downloads, ${lean} lean)`);
});

t.test('attr: a lean derivation answers the kept keys and refuses the others', async (t) => {
  const dump = JSON.stringify({
    [`${S}/${H('a')}-a.drv`]: {
      outputs: { out: { path: `${S}/${H('b')}-a` } },
      inputSrcs: [],
      inputDrvs: {},
      system: 'x86_64-linux',
      builder: '/bin/sh',
      args: ['-c', 'true'],
      env: { name: 'a', pname: 'a', out: `${S}/${H('b')}-a`, buildPhase: 'make', SOMETHING: 'x' },
    },
  });
  const d = parseNixJson(dump, 'dump').derivations.get(`${S}/${H('a')}-a.drv`) as Derivation;
  t.equal(d.leanEnv, true);
  t.same(Object.keys(d.env), ['pname', 'buildPhase'], 'kept in their order; name, out and the rest dropped');
  t.equal(attr(d, 'buildPhase'), 'make');
  t.equal(attr(d, 'installPhase'), undefined, 'a kept key the derivation does not set');
  t.throws(() => attr(d, 'SOMETHING'), /not kept on lean derivations/, 'a key facts never asked for is a programming error');
  t.equal(d.name, 'a', 'the name is still read from env');
});

t.test('Interner: one instance per string, shared one-element lists', async (t) => {
  const i = new Interner();
  const a = i.of(['x', 'y'].join(''));
  t.equal(i.of('xy'), a);
  t.equal(i.size, 1);
  const l1 = i.list(['out']);
  t.equal(i.list(['out']), l1, 'the same ["out"] list');
  t.not(i.list(['out', 'dev']), i.list(['out', 'dev']), 'longer lists are not shared');
  t.same(leanEnv({ pname: 'p', other: 'o', src: 's' }), { pname: 'p', src: 's' });
});

t.test('record: keys from the input are own keys only, nothing is inherited, __proto__ is an ordinary key', async (t) => {
  const r = record<string>();
  t.equal(r.constructor, undefined, 'no inherited constructor');
  t.equal(r.toString, undefined, 'no inherited toString');
  t.notOk('hasOwnProperty' in r);
  r['__proto__'] = 'x';
  r.out = 'y';
  t.same(Object.keys(r), ['__proto__', 'out'], '__proto__ became an own key, in insertion order');
  t.equal(JSON.stringify(r), '{"__proto__":"x","out":"y"}');
  t.equal(Object.getPrototypeOf(Object.getPrototypeOf(r)), null, 'the chain ends after one empty, frozen prototype');
  t.ok(Object.isFrozen(Object.getPrototypeOf(r)), 'nobody can add an inherited key to every record');
  // the graph readers build outputs and environments as records (ATerm and JSON alike)
  const env = leanEnv({ pname: 'hello', constructor: 'c' });
  t.same(Object.keys(env), ['pname']);
  t.equal(env.constructor, undefined);
});
