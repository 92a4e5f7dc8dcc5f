/** Lookups over one graph, built once per scan and shared by the facts and inspect stages. */
import type { Derivation, DerivationGraph } from '../model/graph.js';

export class GraphIndex {
  /** output path -> derivation that produces it */
  readonly producer = new Map<string, Derivation>();
  constructor(readonly graph: DerivationGraph) {
    for (const d of graph.derivations.values())
      for (const o of Object.values(d.outputs)) if (o.path) this.producer.set(o.path, d);
  }

  /** The derivation whose output holds `path` (a builder like /nix/store/…-bash/bin/bash). */
  producerOf(path: string): Derivation | undefined {
    const direct = this.producer.get(path);
    if (direct) return direct;
    const storeDir = this.graph.storeDir;
    if (!path.startsWith(storeDir + '/')) return undefined;
    const slash = path.indexOf('/', storeDir.length + 1);
    return slash < 0 ? undefined : this.producer.get(path.slice(0, slash));
  }
}
