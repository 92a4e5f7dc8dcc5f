/**
 * Small synthetic derivation graphs shaped like nixpkgs ones (a builtin:fetchurl download,
 * a stdenv-like consumer, input sources, a bootstrap seed), in the 2.4-2.17 JSON model, with
 * writers for every JSON version and for ATerm `.drv` files. The generators mutate these.
 */
import { createHash } from 'node:crypto';
import { fixedOutputPath } from '../../../src/graph/store-path.js';
import { encodeAs } from '../../graph/encode.js';
import type { Rng } from './prng.js';

export const STORE = '/nix/store';
const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';

export interface Output {
  path?: string;
  hashAlgo?: string;
  hash?: string;
}
export interface Drv {
  outputs: Record<string, Output>;
  inputSrcs: string[];
  inputDrvs: Record<string, string[]>;
  system: string;
  builder: string;
  args: string[];
  env: Record<string, string>;
}
export type Graph = Record<string, Drv>;
export type JsonVersion = '2.4' | '2.18' | 'v3' | 'v4';
export const JSON_VERSIONS: JsonVersion[] = ['2.4', '2.18', 'v3', 'v4'];

export const hashPart = (rng: Rng): string => Array.from({ length: 32 }, () => NIX32[rng.int(32)]).join('');
export const storePath = (rng: Rng, name: string): string => `${STORE}/${hashPart(rng)}-${name}`;

const SOURCE_NAMES = ['hello-2.12.1.tar.gz', 'zlib-1.3.1.tar.xz', 'patch-fix.patch', 'bash-5.2.tar.gz', 'source'];
const PREBUILT_NAMES = ['rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz', 'go1.22.1.linux-amd64.tar.gz', 'tool-1.0-linux-x86_64.AppImage'];

/** A fixed-output derivation fetching `name` (flat sha256 of `content`, or a NAR hash). */
export function fetchDrv(rng: Rng, name: string, content: Buffer, url = `https://example.org/dist/${name}`): [string, Drv] {
  const digest = createHash('sha256').update(content).digest();
  const nar = rng.chance(0.3);
  const out = fixedOutputPath(nar ? 'nar' : 'flat', 'sha256', digest, STORE, name);
  const drvPath = storePath(rng, `${name}.drv`);
  return [
    drvPath,
    {
      outputs: { out: { path: out, hashAlgo: nar ? 'r:sha256' : 'sha256', hash: digest.toString('hex') } },
      inputSrcs: [],
      inputDrvs: {},
      system: 'builtin',
      builder: 'builtin:fetchurl',
      args: [],
      env: {
        builder: 'builtin:fetchurl',
        name,
        out,
        outputHash: `sha256-${digest.toString('base64')}`,
        outputHashAlgo: 'sha256',
        outputHashMode: nar ? 'recursive' : 'flat',
        preferLocalBuild: '1',
        system: 'builtin',
        url,
        urls: url,
      },
    },
  ];
}

/** A built (input-addressed) derivation taking `deps` and `srcs`. */
export function builtDrv(rng: Rng, name: string, deps: string[], srcs: string[], outputs: string[] = ['out']): [string, Drv] {
  const drvPath = storePath(rng, `${name}.drv`);
  const outs: Record<string, Output> = {};
  const env: Record<string, string> = { name, system: 'x86_64-linux', builder: `${STORE}/${'1'.repeat(32)}-bash-5.2/bin/bash` };
  for (const o of outputs) {
    const p = storePath(rng, o === 'out' ? name : `${name}-${o}`);
    outs[o] = { path: p };
    env[o] = p;
  }
  env.src = srcs[0] ?? '';
  env.buildPhase = 'make -j$NIX_BUILD_CORES';
  return [
    drvPath,
    {
      outputs: outs,
      inputSrcs: srcs,
      inputDrvs: Object.fromEntries(deps.map((d) => [d, ['out']])),
      system: 'x86_64-linux',
      builder: env.builder,
      args: ['-e', srcs[srcs.length - 1] ?? `${STORE}/${'2'.repeat(32)}-default-builder.sh`],
      env,
    },
  ];
}

/** A random well-formed graph: 2-4 downloads, 1-6 built derivations, one root. */
export function randomGraph(rng: Rng): { graph: Graph; root: string } {
  const graph: Graph = {};
  const fetched: string[] = [];
  for (let i = rng.range(2, 4); i > 0; i--) {
    const name = rng.chance(0.3) ? rng.pick(PREBUILT_NAMES) : rng.pick(SOURCE_NAMES);
    const [p, d] = fetchDrv(rng, name, rng.bytes(16));
    graph[p] = d;
    fetched.push(p);
  }
  const built: string[] = [];
  const builderSh = storePath(rng, 'default-builder.sh');
  for (let i = rng.range(1, 6); i > 0; i--) {
    const pool = [...fetched, ...built];
    const deps = pool.filter(() => rng.chance(0.5));
    if (deps.length === 0) deps.push(rng.pick(pool));
    const [p, d] = builtDrv(rng, `pkg${i}-1.${rng.int(10)}`, deps, [builderSh], rng.chance(0.2) ? ['out', 'dev'] : ['out']);
    graph[p] = d;
    built.push(p);
  }
  // the root takes everything nothing else takes: every derivation is reachable from it
  const taken = new Set(Object.values(graph).flatMap((d) => Object.keys(d.inputDrvs)));
  const [root, d] = builtDrv(rng, 'root-1.0', [...built, ...fetched].filter((p) => !taken.has(p) || rng.chance(0.2)), [builderSh]);
  graph[root] = d;
  return { graph, root };
}

/** The graph as the JSON document `version` of Nix would print. */
export function toJsonDoc(graph: Graph, version: JsonVersion): Record<string, unknown> {
  if (version === '2.4') return structuredClone(graph) as Record<string, unknown>;
  return encodeAs(structuredClone(graph), version) as Record<string, unknown>;
}

/** The derivation objects of a document, whatever its version (v4 wraps them). */
export const derivationsOf = (doc: Record<string, unknown>): Record<string, Record<string, unknown>> =>
  (doc.version === 4 ? doc.derivations : doc) as Record<string, Record<string, unknown>>;

const q = (s: string): string =>
  '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t') + '"';
const list = (xs: string[]): string => `[${xs.join(',')}]`;

/** A derivation in ATerm, byte for byte as Nix writes it. */
export function toAterm(d: Drv): string {
  const outs = Object.keys(d.outputs)
    .sort()
    .map((o) => `(${q(o)},${q(d.outputs[o].path ?? '')},${q(d.outputs[o].hashAlgo ?? '')},${q(d.outputs[o].hash ?? '')})`);
  const ins = Object.keys(d.inputDrvs)
    .sort()
    .map((p) => `(${q(p)},${list([...d.inputDrvs[p]].sort().map(q))})`);
  const env = Object.keys(d.env)
    .sort()
    .map((k) => `(${q(k)},${q(d.env[k])})`);
  return `Derive(${list(outs)},${list(ins)},${list([...d.inputSrcs].sort().map(q))},${q(d.system)},${q(d.builder)},${list(d.args.map(q))},${list(env)})`;
}
