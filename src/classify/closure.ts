/**
 * "Why is it here": for every input, the shortest chain of derivation names from a root,
 * and which roots' closures hold it. One breadth-first search per root (not per input),
 * so the cost stays linear in the graph for NixOS-size closures.
 */
import type { DerivationGraph } from '../model/graph.js';
import type { RawInput } from '../model/input.js';

export interface Placement {
  via: string[];
  roots: string[];
}

interface Bfs {
  root: string;
  /** drv -> its position in the breadth-first order (the root is 0) */
  seen: Map<string, number>;
  /** by position: the drv, its name, its parent's position (-1 for the root), its depth */
  order: string[];
  names: string[];
  parent: Int32Array;
  depth: Int32Array;
}

/** Keys in code-unit order. Nix writes inputDrvs sorted already, so this rarely sorts. */
function sortedKeys(o: Record<string, unknown>): string[] {
  const keys = Object.keys(o);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return keys.sort();
  return keys;
}

// One map lookup per edge; parents, depths and names in arrays, so a chain is walked without
// lookups (at 100k derivations the chains alone were ~750k map lookups; BENCHMARKS.md).
function bfs(graph: DerivationGraph, root: string): Bfs {
  const seen = new Map<string, number>([[root, 0]]);
  const order = [root];
  const names: string[] = [];
  const parents: number[] = [-1];
  const depths: number[] = [0];
  for (let i = 0; i < order.length; i++) {
    const d = graph.derivations.get(order[i]);
    names.push(d?.name ?? order[i]);
    if (!d) continue; // an input drv missing from the dump: reported by the reader, not here
    const next = depths[i] + 1;
    // sorted so that equal-length chains are chosen the same way on every run
    for (const dep of sortedKeys(d.inputDrvs)) {
      if (seen.has(dep)) continue;
      seen.set(dep, order.length);
      order.push(dep);
      parents.push(i);
      depths.push(next);
    }
  }
  return { root, seen, order, names, parent: Int32Array.from(parents), depth: Int32Array.from(depths) };
}

function chain(b: Bfs, to: number): string[] {
  const names: string[] = [];
  for (let cur = to; cur >= 0; cur = b.parent[cur]) names.push(b.names[cur]);
  return names.reverse();
}

export function placeInputs(graph: DerivationGraph, inputs: RawInput[]): Map<string, Placement> {
  const searches = graph.roots.map((r) => bfs(graph, r));
  const out = new Map<string, Placement>();
  for (const input of inputs) {
    const roots: string[] = [];
    let best: { b: Bfs; at: number; depth: number } | undefined;
    for (const b of searches) {
      // a FOD is itself a node; sources and host builders hang off the derivations using them
      const anchors = input.kind === 'fixed-output' ? input.drvs : input.users;
      let here: { at: number; depth: number } | undefined;
      for (const a of anchors) {
        const at = b.seen.get(a);
        if (at === undefined) continue;
        const dep = b.depth[at];
        if (!here || dep < here.depth) here = { at, depth: dep };
      }
      if (!here) continue;
      roots.push(b.root);
      if (!best || here.depth < best.depth) best = { b, ...here };
    }
    let via: string[] = [];
    if (best) {
      via = chain(best.b, best.at);
      if (input.kind !== 'fixed-output') via.push(input.name);
    }
    out.set(input.id, { via, roots });
  }
  return out;
}
