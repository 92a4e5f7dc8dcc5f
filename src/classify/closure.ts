/**
 * "Why is it here" and "whose trust base is it in", for every root at once, over the shared
 * graph: nothing here runs one search per root.
 *
 * - `via`, the shortest chain of derivation names from a root to an input: one breadth-first
 *   search started from all roots together (the roots in their order at depth 0, children in
 *   code-unit order). It gives exactly the chain the former one-search-per-root placement gave:
 *   the first root (in order) at the least depth, and that root's own search-tree path. (Every
 *   node on that root's shortest chain is owned by it: a nearer or earlier root reaching such a
 *   node would reach the input sooner or earlier too. So within a level the merged queue holds
 *   each root's nodes in that root's own search order, and the first discoverer of a node is the
 *   parent the root's own search would have recorded.)
 * - each root's trust base (its binary and unknown inputs): dynamic programming in reverse
 *   topological order over interned derivation ids, each derivation's set of such inputs being
 *   the union of its children's plus its own, as sorted id arrays shared whenever a union adds
 *   nothing (most derivations add nothing, so most sets are the child's very array). The cost is
 *   the edges times the size of these sets, whatever the number of roots.
 * - the roots of every input (`inputs[].roots`), when asked for: root-reachability bitsets pushed
 *   along the edges in topological order, 32 roots per word, in chunks of bounded memory.
 */
import type { DerivationGraph } from '../model/graph.js';
import type { RawInput } from '../model/input.js';

export interface Placement {
  via: string[];
  roots: string[];
}

export interface PlaceOptions {
  /**
   * Inputs whose per-root membership is computed by the trust-base dynamic programming (the
   * binary and unknown ones). Their `roots` are always listed.
   */
  tracked?: (input: RawInput) => boolean;
  /**
   * List the roots of the untracked inputs too (the report's `inputs[].roots` of every input).
   * Default true. A many-roots scan turns it off: a source in every closure would be listed once
   * per root.
   */
  rootsOfAll?: boolean;
  /** bytes of root bitsets per pass over the edges (default 32 MiB); more roots take more passes */
  bitsetBytes?: number;
}

export interface PlaceResult {
  placement: Map<string, Placement>;
  /** per root (index into graph.roots): ids of the tracked inputs in its closure, in input order */
  trust: string[][];
}

/** Keys in code-unit order. Nix writes inputDrvs sorted already, so this rarely sorts. */
function sortedKeys(o: Record<string, unknown>): string[] {
  const keys = Object.keys(o);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return keys.sort();
  return keys;
}

/** The graph with numeric ids: children in compressed rows, in code-unit order. */
interface Dag {
  ids: Map<string, number>;
  names: string[];
  /** children of v: edges[start[v] .. start[v + 1]) */
  start: Int32Array;
  edges: Int32Array;
}

function intern(graph: DerivationGraph): Dag {
  const ids = new Map<string, number>();
  const names: string[] = [];
  const id = (drv: string): number => {
    let i = ids.get(drv);
    if (i === undefined) {
      i = names.length;
      ids.set(drv, i);
      names.push(graph.derivations.get(drv)?.name ?? drv);
    }
    return i;
  };
  for (const drv of graph.derivations.keys()) id(drv);
  const starts: number[] = [];
  const edges: number[] = [];
  // the dump's derivations have ids 0..size-1 in their order; input drvs missing from the dump
  // (the readers refuse them) get later ids and no children
  for (const d of graph.derivations.values()) {
    starts.push(edges.length);
    for (const dep of sortedKeys(d.inputDrvs)) edges.push(id(dep));
  }
  while (starts.length < names.length) starts.push(edges.length);
  starts.push(edges.length);
  return { ids, names, start: Int32Array.from(starts), edges: Int32Array.from(edges) };
}

/** Anchors of an input: a fixed output is its derivations; a source or host builder hangs off its users. */
const anchorsOf = (input: RawInput): string[] => (input.kind === 'fixed-output' ? input.drvs : input.users);

export function placeInputs(graph: DerivationGraph, inputs: RawInput[], opts: PlaceOptions = {}): PlaceResult {
  const dag = intern(graph);
  const n = dag.names.length;
  const { start, edges } = dag;
  const rootIds = graph.roots.map((r) => {
    let i = dag.ids.get(r);
    if (i === undefined) {
      // a root missing from the graph (the readers refuse this): a node without children
      i = dag.names.length;
      dag.ids.set(r, i);
      dag.names.push(r);
    }
    return i;
  });
  const size = dag.names.length;

  // 1. one breadth-first search from all roots: depth, parent, owning root
  const depth = new Int32Array(size).fill(-1);
  const parent = new Int32Array(size).fill(-1);
  const owner = new Int32Array(size).fill(-1);
  const queue = new Int32Array(size);
  let tail = 0;
  rootIds.forEach((v, k) => {
    if (depth[v] !== -1) return;
    depth[v] = 0;
    owner[v] = k;
    queue[tail++] = v;
  });
  for (let head = 0; head < tail; head++) {
    const u = queue[head] as number;
    if (u >= n) continue;
    const next = (depth[u] as number) + 1;
    for (let e = start[u] as number, end = start[u + 1] as number; e < end; e++) {
      const c = edges[e] as number;
      if (depth[c] !== -1) continue;
      depth[c] = next;
      parent[c] = u;
      owner[c] = owner[u] as number;
      queue[tail++] = c;
    }
  }
  const reached = tail;

  // 2. topological order of the reached nodes, children first (iterative depth-first post-order)
  const post = new Int32Array(reached);
  let nPost = 0;
  {
    const state = new Uint8Array(size); // 0 new, 1 on the stack, 2 done
    const stackNode = new Int32Array(reached);
    const stackEdge = new Int32Array(reached);
    for (let q = 0; q < reached; q++) {
      const s = queue[q] as number;
      if (state[s]) continue;
      let sp = 0;
      stackNode[0] = s;
      stackEdge[0] = s < n ? (start[s] as number) : 0;
      state[s] = 1;
      while (sp >= 0) {
        const v = stackNode[sp] as number;
        const end = v < n ? (start[v + 1] as number) : 0;
        let e = stackEdge[sp] as number;
        while (e < end && state[edges[e] as number] !== 0) e++; // done, or a cycle's back edge (the readers refuse cycles)
        if (e < end) {
          stackEdge[sp] = e + 1;
          const c = edges[e] as number;
          state[c] = 1;
          sp++;
          stackNode[sp] = c;
          stackEdge[sp] = c < n ? (start[c] as number) : 0;
        } else {
          state[v] = 2;
          post[nPost++] = v;
          sp--;
        }
      }
    }
  }

  // 3. the tracked inputs' sets, children first
  const tracked = opts.tracked ?? (() => true);
  const trackedInputs: number[] = []; // index into inputs, by tracked index
  const own = new Map<number, number[]>(); // node -> tracked indices anchored there
  inputs.forEach((input, i) => {
    if (!tracked(input)) return;
    const t = trackedInputs.length;
    trackedInputs.push(i);
    for (const a of anchorsOf(input)) {
      const v = dag.ids.get(a);
      if (v === undefined || depth[v] === -1) continue;
      const list = own.get(v);
      if (list) {
        if (list[list.length - 1] !== t) list.push(t);
      } else own.set(v, [t]);
    }
  });
  const EMPTY: Int32Array = new Int32Array(0);
  const sets: Int32Array[] = new Array(size);
  const stamp = new Int32Array(trackedInputs.length).fill(-1);
  const scratch: number[] = [];
  for (let q = 0; q < nPost; q++) {
    const v = post[q] as number;
    const mine = own.get(v);
    let first: Int32Array | null = null;
    let distinct = false;
    let largest: Int32Array = EMPTY;
    const end = v < n ? (start[v + 1] as number) : 0;
    for (let e = v < n ? (start[v] as number) : 0; e < end; e++) {
      const s = sets[edges[e] as number] ?? EMPTY;
      if (s.length === 0) continue;
      if (first === null) first = s;
      else if (s !== first) distinct = true;
      if (s.length > largest.length) largest = s;
    }
    if (!mine && !distinct) {
      sets[v] = first ?? EMPTY;
      continue;
    }
    scratch.length = 0;
    const add = (t: number) => {
      if (stamp[t] === v) return;
      stamp[t] = v;
      scratch.push(t);
    };
    for (let i = 0; i < largest.length; i++) add(largest[i] as number);
    for (let e = v < n ? (start[v] as number) : 0; e < end; e++) {
      const s = sets[edges[e] as number] ?? EMPTY;
      if (s === largest) continue;
      for (let i = 0; i < s.length; i++) add(s[i] as number);
    }
    if (mine) for (const t of mine) add(t);
    // nothing new beyond the largest child: share its array
    sets[v] = scratch.length === largest.length ? largest : Int32Array.from(scratch).sort();
  }
  const trustIdx = rootIds.map((v) => sets[v] ?? EMPTY);
  const trust = trustIdx.map((s) => Array.from(s, (t) => inputs[trackedInputs[t] as number]!.id));

  // tracked inputs: their roots by inverting the roots' sets (root order kept)
  const rootsOf = new Map<number, string[]>();
  trustIdx.forEach((s, k) => {
    for (let i = 0; i < s.length; i++) {
      const t = s[i] as number;
      let list = rootsOf.get(t);
      if (!list) rootsOf.set(t, (list = []));
      list.push(graph.roots[k] as string);
    }
  });
  const trackedIndexOf = new Map<number, number>(trackedInputs.map((i, t) => [i, t]));

  // 4. the untracked inputs' roots, when asked for: root bitsets pushed parents-first
  const untrackedRoots = new Map<number, string[]>();
  if (opts.rootsOfAll !== false) {
    const untracked = inputs.map((_, i) => i).filter((i) => !trackedIndexOf.has(i));
    const anchorIds = untracked.map((i) =>
      anchorsOf(inputs[i]!)
        .map((a) => dag.ids.get(a))
        .filter((v): v is number => v !== undefined && depth[v] !== -1),
    );
    for (const i of untracked) untrackedRoots.set(i, []);
    const words = Math.ceil(rootIds.length / 32);
    const chunk = Math.max(1, Math.min(words, Math.floor((opts.bitsetBytes ?? 32 << 20) / 4 / Math.max(1, size))));
    for (let w0 = 0; w0 < words && untracked.length; w0 += chunk) {
      const W = Math.min(chunk, words - w0);
      const bits = new Uint32Array(size * W);
      rootIds.forEach((v, k) => {
        const w = (k >>> 5) - w0;
        if (w >= 0 && w < W) bits[v * W + w]! |= 1 << (k & 31);
      });
      for (let q = nPost - 1; q >= 0; q--) {
        const v = post[q] as number;
        if (v >= n) continue;
        const from = v * W;
        for (let e = start[v] as number, end = start[v + 1] as number; e < end; e++) {
          const to = (edges[e] as number) * W;
          for (let w = 0; w < W; w++) bits[to + w]! |= bits[from + w] as number;
        }
      }
      const acc = new Uint32Array(W);
      untracked.forEach((i, j) => {
        acc.fill(0);
        for (const v of anchorIds[j]!) for (let w = 0; w < W; w++) acc[w]! |= bits[v * W + w] as number;
        const list = untrackedRoots.get(i)!;
        for (let w = 0; w < W; w++) {
          let x = acc[w] as number;
          while (x) {
            const low = x & -x;
            list.push(graph.roots[(w0 + w) * 32 + (31 - Math.clz32(low))] as string);
            x ^= low;
          }
        }
      });
    }
  }

  // 5. via: the nearest anchor (least depth, then earliest root, then anchor order) and its search-tree chain
  const placement = new Map<string, Placement>();
  inputs.forEach((input, i) => {
    let at = -1;
    for (const a of anchorsOf(input)) {
      const v = dag.ids.get(a);
      if (v === undefined || depth[v] === -1) continue;
      if (at < 0 || (depth[v] as number) < (depth[at] as number) || (depth[v] === depth[at] && (owner[v] as number) < (owner[at] as number))) at = v;
    }
    let via: string[] = [];
    if (at >= 0) {
      for (let cur = at; cur >= 0; cur = parent[cur] as number) via.push(dag.names[cur] as string);
      via = via.reverse();
      if (input.kind !== 'fixed-output') via.push(input.name);
    }
    const t = trackedIndexOf.get(i);
    const roots = t !== undefined ? (rootsOf.get(t) ?? []) : (untrackedRoots.get(i) ?? []);
    placement.set(input.id, { via, roots });
  });
  return { placement, trust };
}
