/**
 * Small derivation graphs shaped the way nixpkgs writes them, for rule and facts tests:
 * a fetcher derivation (builtin:fetchurl, fetchgit-style, or a URL-less fixed output), the
 * stdenv consumer that takes it, and the hooks in that consumer's nativeBuildInputs.
 */
import type { Derivation, DerivationGraph } from '../../src/model/graph.js';
import type { ContentFacts, InputFacts } from '../../src/model/facts.js';
import { collectInputs, factGatherer } from '../../src/facts/index.js';
import { GraphIndex } from '../../src/graph/index.js';

export interface InputSpec {
  name: string;
  kind?: 'fixed-output' | 'input-src' | 'builder';
  url?: string | string[];
  /** extra env of the fetcher derivation (executable, rev, impureEnvVars, …) */
  env?: Record<string, string>;
  hash?: string;
  /** fixed output with no URL, built by a builder produced in the graph (hex0 shape) */
  builtHere?: boolean;
  consumer?: {
    pname?: string;
    name?: string;
    /** names of the nativeBuildInputs derivations */
    native?: string[];
    env?: Record<string, string>;
    /** how the consumer takes the input (default src) */
    as?: 'src' | 'patch' | 'script' | 'none';
    /** a stdenv consumer (default true) */
    stdenv?: boolean;
  };
  contents?: Partial<ContentFacts>;
}

let n = 0;
const h = () => (n++).toString(36).padStart(32, '0').replace(/[eotu]/g, '0');
const sri = () => 'sha256-' + Buffer.alloc(32, n + 1).toString('base64');

const drv = (name: string, extra: Partial<Derivation> = {}): Derivation => {
  const out = `/nix/store/${h()}-${name}`;
  return {
    drvPath: `/nix/store/${h()}-${name}.drv`, name, system: 'x86_64-linux', builder: '/nix/store/' + h() + '-bash-5.2p26/bin/bash',
    args: [], env: { name, out }, outputs: { out: { path: out, fixed: null } }, inputSrcs: [], inputDrvs: {}, structuredAttrs: null,
    ...extra,
  };
};

/** A graph holding the input (and its consumer); returns the graph and the input's path. */
export function graphFor(spec: InputSpec): { graph: DerivationGraph; path: string | null } {
  const all: Derivation[] = [];
  let path: string | null = null;
  let fod: Derivation | null = null;
  const kind = spec.kind ?? 'fixed-output';
  if (kind === 'fixed-output') {
    const urls = spec.url === undefined ? [] : Array.isArray(spec.url) ? spec.url : [spec.url];
    const hash = spec.hash ?? sri();
    const out = `/nix/store/${h()}-${spec.name}`;
    let builder = urls.length && spec.env?.rev === undefined ? 'builtin:fetchurl' : '/nix/store/' + h() + '-bash-5.2p26/bin/bash';
    if (spec.builtHere) {
      const tool = drv('hex0-seed');
      all.push(tool);
      builder = tool.outputs.out.path!;
    }
    fod = drv(spec.name, {
      builder,
      env: { name: spec.name, out, outputHash: hash, outputHashMode: 'flat', ...(urls.length ? { url: urls[0], urls: urls.join(' ') } : {}), ...spec.env },
      outputs: { out: { path: out, fixed: { method: spec.env?.outputHashMode === 'recursive' ? 'nar' : 'flat', algo: 'sha256', sri: hash } } },
    });
    all.push(fod);
    path = out;
  } else if (kind === 'input-src') path = `/nix/store/${h()}-${spec.name}`;
  const c = spec.consumer ?? { as: 'none' as const };
  const hooks = (c.native ?? []).map((x) => drv(x));
  all.push(...hooks);
  const env: Record<string, string> = { ...(c.stdenv === false ? {} : { stdenv: '/nix/store/' + h() + '-stdenv-linux' }) };
  if (c.pname) env.pname = c.pname;
  if (hooks.length) env.nativeBuildInputs = hooks.map((x) => x.outputs.out.path).join(' ');
  const as = c.as ?? 'src';
  if (path && as === 'src') env.src = path;
  if (path && as === 'patch') env.patches = path;
  Object.assign(env, c.env);
  if (path && as === 'script') env.buildCommand = `tar xf ${path}\n${env.buildCommand ?? ''}`;
  const consumer = drv(c.name ?? (c.pname ? `${c.pname}-1.0` : 'consumer-1.0'), {
    ...(kind === 'builder' ? { builder: spec.name } : {}),
    env: { ...env, name: c.name ?? 'consumer-1.0' },
    inputDrvs: Object.fromEntries([...(fod ? [fod] : []), ...hooks].map((d) => [d.drvPath, ['out']])),
    inputSrcs: kind === 'input-src' && path ? [path] : [],
  });
  all.push(consumer);
  const graph: DerivationGraph = {
    storeDir: '/nix/store', derivations: new Map(all.map((d) => [d.drvPath, d])), roots: [consumer.drvPath],
    source: { kind: 'nix-json', format: 'test', detail: 'graph-builder' },
  };
  return { graph, path };
}

/** The facts of the spec's input, computed by the real facts stage. */
export function factsFor(spec: InputSpec): InputFacts {
  const { graph } = graphFor(spec);
  const inputs = collectInputs(graph);
  const wanted = inputs.find((i) => i.name === spec.name)!;
  const facts = factGatherer(new GraphIndex(graph))(wanted);
  if (spec.contents)
    facts.contents = { format: 'tar.gz', members: 10, byKind: {}, binaryCount: 0, binaries: [], error: null, capped: null, ...spec.contents };
  return facts;
}
