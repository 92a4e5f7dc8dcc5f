/**
 * The one-pass placement (src/classify/closure.ts) against the algorithm it replaced, kept here
 * as the reference: one breadth-first search per root, an input's roots the searches that saw
 * one of its anchors, its chain the search-tree path from the first root at the least depth.
 * Random DAGs with roots anywhere (inside each other's closures, repeated), inputs anchored
 * on several derivations, and ties everywhere.
 */
import t from 'tap';
import { placeInputs } from '../../src/classify/closure.js';
import type { Derivation, DerivationGraph } from '../../src/model/graph.js';
import type { RawInput } from '../../src/model/input.js';

function referencePlacement(graph: DerivationGraph, inputs: RawInput[]) {
  const searches = graph.roots.map((root) => {
    const seen = new Map<string, number>([[root, 0]]);
    const order = [root];
    const parent = [-1];
    const depth = [0];
    for (let i = 0; i < order.length; i++) {
      const d = graph.derivations.get(order[i]!);
      if (!d) continue;
      for (const dep of Object.keys(d.inputDrvs).sort()) {
        if (seen.has(dep)) continue;
        seen.set(dep, order.length);
        order.push(dep);
        parent.push(i);
        depth.push(depth[i]! + 1);
      }
    }
    return { root, seen, order, parent, depth };
  });
  const out = new Map<string, { via: string[]; roots: string[] }>();
  for (const input of inputs) {
    const roots: string[] = [];
    let best: { b: (typeof searches)[number]; at: number; depth: number } | undefined;
    for (const b of searches) {
      let here: { at: number; depth: number } | undefined;
      for (const a of input.kind === 'fixed-output' ? input.drvs : input.users) {
        const at = b.seen.get(a);
        if (at === undefined) continue;
        if (!here || b.depth[at]! < here.depth) here = { at, depth: b.depth[at]! };
      }
      if (!here) continue;
      roots.push(b.root);
      if (!best || here.depth < best.depth) best = { b, ...here };
    }
    let via: string[] = [];
    if (best) {
      for (let cur = best.at; cur >= 0; cur = best.b.parent[cur]!) via.push(graph.derivations.get(best.b.order[cur]!)!.name);
      via = via.reverse();
      if (input.kind !== 'fixed-output') via.push(input.name);
    }
    out.set(input.id, { via, roots });
  }
  return out;
}

/** A small deterministic generator (mulberry32). */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};

function randomCase(seed: number) {
  const r = rng(seed);
  const n = 5 + Math.floor(r() * 60);
  // names repeat on purpose: chains are compared by name
  const drvs = Array.from({ length: n }, (_, i) => `/nix/store/${String(i).padStart(32, 'a')}-d${Math.floor(r() * 8)}.drv`);
  const derivations = new Map<string, Derivation>();
  // edges only to lower indices: acyclic; insertion order shuffled
  const order = drvs.map((_, i) => i).sort(() => r() - 0.5);
  for (const i of order) {
    const inputDrvs: Record<string, string[]> = {};
    for (let j = 0; j < i; j++) if (r() < 3 / (i + 1)) inputDrvs[drvs[j]!] = ['out'];
    derivations.set(drvs[i]!, { drvPath: drvs[i]!, name: drvs[i]!.slice(44, -4), system: 'x', builder: 'b', args: [], env: {}, outputs: { out: { path: null, fixed: null } }, inputSrcs: [], inputDrvs, structuredAttrs: null });
  }
  const roots = Array.from({ length: 1 + Math.floor(r() * 6) }, () => drvs[Math.floor(r() * n)]!);
  const inputs: RawInput[] = Array.from({ length: 30 }, (_, k) => {
    const anchors = Array.from({ length: 1 + Math.floor(r() * 3) }, () => drvs[Math.floor(r() * n)]!);
    const fod = r() < 0.5;
    return { id: `input-${k}`, kind: fod ? 'fixed-output' : 'input-src', name: `in${k}`, drv: null, path: null, urls: [], hash: null, hashMode: null, drvs: fod ? anchors : [], users: fod ? [] : anchors };
  });
  const graph: DerivationGraph = { storeDir: '/nix/store', derivations, roots, source: { kind: 'nix-json', format: 'test', detail: 'test' } };
  return { graph, inputs, r };
}

t.test('one pass = one search per root, on 400 random graphs', async (t) => {
  let compared = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const { graph, inputs, r } = randomCase(seed);
    const want = referencePlacement(graph, inputs);
    const tracked = new Set(inputs.filter(() => r() < 0.5).map((i) => i.id));
    for (const rootsOfAll of [true, false]) {
      const { placement, trust } = placeInputs(graph, inputs, { tracked: (i) => tracked.has(i.id), rootsOfAll });
      for (const input of inputs) {
        const got = placement.get(input.id)!;
        const w = want.get(input.id)!;
        const roots = rootsOfAll || tracked.has(input.id) ? w.roots : [];
        if (JSON.stringify(got.via) !== JSON.stringify(w.via) || JSON.stringify(got.roots) !== JSON.stringify(roots)) {
          t.fail(`seed ${seed} ${input.id}: got ${JSON.stringify(got)}, want ${JSON.stringify({ via: w.via, roots })}`);
          return;
        }
        compared++;
      }
      // each root's tracked set, in input order
      graph.roots.forEach((root, k) => {
        const expect = inputs.filter((i) => tracked.has(i.id) && want.get(i.id)!.roots.includes(root)).map((i) => i.id);
        if (JSON.stringify(trust[k]) !== JSON.stringify(expect)) t.fail(`seed ${seed}: trust of root ${k}: ${JSON.stringify(trust[k])} vs ${JSON.stringify(expect)}`);
      });
    }
  }
  t.equal(compared, 400 * 30 * 2, 'every input of every graph placed as before');
});

t.test('roots bitsets span several words and chunks', async (t) => {
  // 70 roots: three 32-bit words; each root a chain of its own over one shared leaf
  const derivations = new Map<string, Derivation>();
  const mk = (p: string, deps: string[]) =>
    derivations.set(p, { drvPath: p, name: p.slice(44, -4), system: 'x', builder: 'b', args: [], env: {}, outputs: { out: { path: null, fixed: null } }, inputSrcs: [], inputDrvs: Object.fromEntries(deps.map((d) => [d, ['out']])), structuredAttrs: null });
  const leaf = `/nix/store/${'l'.repeat(32)}-leaf.drv`;
  mk(leaf, []);
  const roots = Array.from({ length: 70 }, (_, k) => `/nix/store/${String(k).padStart(32, '0')}-r${k}.drv`);
  roots.forEach((r, k) => mk(r, k % 2 ? [leaf] : []));
  const graph: DerivationGraph = { storeDir: '/nix/store', derivations, roots, source: { kind: 'nix-json', format: 'test', detail: 'test' } };
  const input: RawInput = { id: 'x', kind: 'input-src', name: 'x', drv: null, path: null, urls: [], hash: null, hashMode: null, drvs: [], users: [leaf] };
  for (const bitsetBytes of [undefined, 4, 4 * 71 * 2]) {
    // one pass; one word per pass; two words per pass
    const { placement } = placeInputs(graph, [input], { tracked: () => false, ...(bitsetBytes ? { bitsetBytes } : {}) });
    t.same(placement.get('x')!.roots, roots.filter((_, k) => k % 2), `the odd roots, in order (${bitsetBytes ?? 'default'} bytes per pass)`);
    t.same(placement.get('x')!.via, ['r1', 'leaf', 'x'], 'the first root at the least depth');
  }
});
