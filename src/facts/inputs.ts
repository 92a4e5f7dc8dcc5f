/**
 * What counts as an input: every fixed-output derivation (a download, or a hash-pinned
 * build), every `inputSrcs` path (added to the store at evaluation time) and every builder
 * outside the store (a host program: impure). Everything else in the graph is built here.
 */
import { attr, isFixedOutput, storePathName, type Derivation, type DerivationGraph } from '../model/graph.js';
export type { RawInput };
import type { RawInput } from '../model/input.js';

/** URLs a fetcher derivation downloads from: `urls` (fetchurl), `url` (builtin fetchurl, fetchgit). */
export function urlsOf(d: Derivation): string[] {
  const out: string[] = [];
  for (const key of ['urls', 'url']) {
    const v = attr(d, key);
    if (!v) continue;
    for (const u of v.split(/\s+/)) if (u && !out.includes(u)) out.push(u);
  }
  return out;
}

export function collectInputs(graph: DerivationGraph): RawInput[] {
  const inputs = new Map<string, RawInput>();
  /** FOD .drv path -> its input (keyed by its output path) */
  const fodInput = new Map<string, RawInput>();
  const { storeDir } = graph;
  for (const d of graph.derivations.values()) {
    if (isFixedOutput(d)) {
      const out = d.outputs.out ?? Object.values(d.outputs)[0];
      // Several fetcher derivations can produce the same store object (builtin:fetchurl in
      // the bootstrap stages, fetchurl later, different mirrors): one input, all URLs.
      const key = out.path ?? d.drvPath;
      const same = inputs.get(key);
      if (same) {
        for (const u of urlsOf(d)) if (!same.urls.includes(u)) same.urls.push(u);
        same.drvs.push(d.drvPath);
        fodInput.set(d.drvPath, same);
      } else {
        const input: RawInput = {
          id: d.drvPath,
          kind: 'fixed-output',
          name: d.name,
          drv: d,
          drvs: [d.drvPath],
          path: out.path,
          urls: urlsOf(d),
          hash: out.fixed?.sri ?? null,
          hashMode: out.fixed?.method ?? null,
          users: [],
        };
        inputs.set(key, input);
        fodInput.set(d.drvPath, input);
      }
    }
    for (const src of d.inputSrcs) {
      const existing = inputs.get(src);
      if (existing) existing.users.push(d.drvPath);
      else
        inputs.set(src, {
          id: src, kind: 'input-src', name: storePathName(src), drv: null, drvs: [], path: src,
          urls: [], hash: null, hashMode: null, users: [d.drvPath],
        });
    }
    const b = d.builder;
    // builtin:fetchurl and friends run inside Nix itself: not a file anyone supplied
    if (b.startsWith('/') && !b.startsWith(storeDir + '/')) {
      const existing = inputs.get(b);
      if (existing) existing.users.push(d.drvPath);
      else
        inputs.set(b, {
          id: b, kind: 'builder', name: b, drv: null, drvs: [], path: b, urls: [], hash: null, hashMode: null,
          users: [d.drvPath],
        });
    }
  }
  for (const d of graph.derivations.values())
    for (const dep of Object.keys(d.inputDrvs)) {
      const input = fodInput.get(dep);
      if (input !== undefined) input.users.push(d.drvPath);
    }
  for (const i of inputs.values()) {
    i.users = [...new Set(i.users)].sort();
    i.drvs.sort();
    if (i.kind === 'fixed-output') {
      // name the input by its first derivation in path order, so reports are stable
      i.id = i.drvs[0];
      i.drv = graph.derivations.get(i.id) ?? i.drv;
      // and list the URLs in that order too, whatever order the graph was read in
      if (i.drvs.length > 1) i.urls = [...new Set(i.drvs.flatMap((p) => urlsOf(graph.derivations.get(p)!)))];
    }
  }
  return [...inputs.values()];
}
