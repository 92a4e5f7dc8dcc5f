/**
 * "Why is it here": for every input, the shortest chain of derivation names from a root,
 * and which roots' closures hold it. One breadth-first search per root (not per input),
 * so the cost stays linear in the graph for NixOS-size closures.
 */
import type { DerivationGraph } from '../graph/model.js';
import type { RawInput } from './inputs.js';

export interface Placement {
  via: string[];
  roots: string[];
}

interface Bfs {
  root: string;
  /** drv -> parent drv (root maps to null) */
  parent: Map<string, string | null>;
  depth: Map<string, number>;
}

function bfs(graph: DerivationGraph, root: string): Bfs {
  const parent = new Map<string, string | null>([[root, null]]);
  const depth = new Map<string, number>([[root, 0]]);
  const queue = [root];
  for (let i = 0; i < queue.length; i++) {
    const cur = queue[i];
    const d = graph.derivations.get(cur);
    if (!d) continue; // an input drv missing from the dump: reported by the reader, not here
    const next = depth.get(cur)! + 1;
    // sorted so that equal-length chains are chosen the same way on every run
    for (const dep of Object.keys(d.inputDrvs).sort()) {
      if (parent.has(dep)) continue;
      parent.set(dep, cur);
      depth.set(dep, next);
      queue.push(dep);
    }
  }
  return { root, parent, depth };
}

function chain(graph: DerivationGraph, b: Bfs, to: string): string[] {
  const names: string[] = [];
  for (let cur: string | null | undefined = to; cur; cur = b.parent.get(cur)) {
    names.push(graph.derivations.get(cur)?.name ?? cur);
  }
  return names.reverse();
}

export function placeInputs(graph: DerivationGraph, inputs: RawInput[]): Map<string, Placement> {
  const searches = graph.roots.map((r) => bfs(graph, r));
  const out = new Map<string, Placement>();
  for (const input of inputs) {
    const roots: string[] = [];
    let best: { b: Bfs; at: string; depth: number } | undefined;
    for (const b of searches) {
      // a FOD is itself a node; sources and host builders hang off the derivations using them
      const anchors = input.kind === 'fixed-output' ? input.drvs : input.users;
      let here: { at: string; depth: number } | undefined;
      for (const a of anchors) {
        const dep = b.depth.get(a);
        if (dep !== undefined && (!here || dep < here.depth)) here = { at: a, depth: dep };
      }
      if (!here) continue;
      roots.push(b.root);
      if (!best || here.depth < best.depth) best = { b, ...here };
    }
    let via: string[] = [];
    if (best) {
      via = chain(graph, best.b, best.at);
      if (input.kind !== 'fixed-output') via.push(input.name);
    }
    out.set(input.id, { via, roots });
  }
  return out;
}
