/**
 * Whole-graph checks every reader's graph goes through before anything is classified: a
 * graph that is not a closed, acyclic set of derivations with outputs cannot be audited.
 *
 *  - complete: every input derivation is in the graph. A dump made without `--recursive`, or
 *    a truncated merge, leaves derivations out, and those may hold exactly the binary the
 *    gate is for.
 *  - acyclic: a real store cannot hold an `inputDrvs` cycle (a derivation's path is a hash
 *    of its inputs), so a cycle means a forged or corrupt graph.
 *  - every derivation has an output: Nix refuses a derivation without one.
 */
import { InputError } from '../errors.js';
import type { DerivationGraph } from '../model/graph.js';
import { show } from './nix-json.js';


export function checkGraph(graph: DerivationGraph, detail: string): void {
  const { derivations } = graph;
  const missing = new Map<string, string>();
  for (const [drvPath, d] of derivations) {
    let outputs = 0;
    for (const _ in d.outputs) outputs++;
    if (outputs === 0) throw new InputError(`${detail}: derivation ${show(drvPath)} has no outputs`);
    for (const input in d.inputDrvs) if (!derivations.has(input) && !missing.has(input)) missing.set(input, drvPath);
  }
  if (missing.size > 0) {
    const [first, by] = missing.entries().next().value as [string, string];
    const more = missing.size > 1 ? ` (and ${missing.size - 1} more)` : '';
    throw new InputError(
      `${detail}: incomplete graph: ${show(first)}, an input of ${show(by)}, is not in it${more}; ` +
        'a graph must hold the whole closure (nix derivation show --recursive)',
    );
  }
  const cycle = findCycle(graph);
  if (cycle) throw new InputError(`${detail}: derivation cycle (impossible in a real store): ${cycle.map(show).join(' -> ')}`);
}

/** One `inputDrvs` cycle as a path that ends where it starts, or null. Iterative: graphs are deep. */
export function findCycle(graph: DerivationGraph): string[] | null {
  const DONE = 2;
  const ON_PATH = 1;
  const state = new Map<string, number>();
  for (const start of graph.derivations.keys()) {
    if (state.has(start)) continue;
    // the DFS path, and for each derivation on it the inputs still to visit
    const path: string[] = [start];
    const unvisited: string[][] = [Object.keys(graph.derivations.get(start)!.inputDrvs)];
    state.set(start, ON_PATH);
    while (path.length > 0) {
      const next = unvisited[unvisited.length - 1].pop();
      if (next === undefined) {
        state.set(path.pop()!, DONE);
        unvisited.pop();
        continue;
      }
      const s = state.get(next);
      if (s === DONE) continue;
      if (s === ON_PATH) return [...path.slice(path.indexOf(next)), next];
      const d = graph.derivations.get(next);
      if (!d) continue;
      state.set(next, ON_PATH);
      path.push(next);
      unvisited.push(Object.keys(d.inputDrvs));
    }
  }
  return null;
}
