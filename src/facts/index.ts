/**
 * The facts stage: per input, everything classification may look at, derived from the
 * graph: the tokens of its name and URLs, the platform words they hold, how it was fetched,
 * and how the derivations that take it consume it. The inspect stage later adds what the
 * bytes in the store show (`contents`). Nothing here judges; rules do.
 */
import { attr, type Derivation } from '../model/graph.js';
import type { FetcherKind, InputFacts } from '../model/facts.js';
import type { RawInput } from '../model/input.js';
import type { GraphIndex } from '../graph/index.js';
import { ConsumerCache, MAX_CONSUMERS } from './consumer.js';
import { platformHits } from './platform.js';
import { urlFacts } from './url.js';

export { collectInputs } from './inputs.js';

/** Variables Nix passes through to fixed-output builders so they can reach the network. */
const NETWORK_VARS = /\b(https?_proxy|ftp_proxy|all_proxy|no_proxy|NIX_CRATES_INDEX|GIT_PROXY_COMMAND|SOCKS_SERVER)\b/i;

function fetcherOf(input: RawInput, index: GraphIndex): { fetcher: FetcherKind; detail: string } {
  if (input.kind === 'input-src') return { fetcher: 'input-src', detail: `${input.path} was added to the store at evaluation time` };
  if (input.kind === 'builder') return { fetcher: 'host-builder', detail: `${input.path} is a program outside the store` };
  const d = input.drv!;
  if (input.urls.length) {
    const rev = attr(d, 'rev');
    if (rev !== undefined && d.builder !== 'builtin:fetchurl')
      return { fetcher: 'vcs', detail: `checkout of ${input.urls[0]} at rev '${rev.slice(0, 64)}'` };
    return { fetcher: 'url', detail: `download from ${input.urls[0]}` };
  }
  const impure = attr(d, 'impureEnvVars') ?? '';
  const proxy = NETWORK_VARS.exec(impure);
  if (proxy) return { fetcher: 'network', detail: `no URL, but impureEnvVars passes ${proxy[1]} through: it can reach the network` };
  for (const k of ['SSL_CERT_FILE', 'NIX_SSL_CERT_FILE', 'GIT_SSL_CAINFO'])
    if (attr(d, k)) return { fetcher: 'network', detail: `no URL, but ${k} is set: it can reach the network` };
  const certs = (attr(d, 'nativeBuildInputs') ?? '').split(/\s+/).map((p) => index.producerOf(p)?.name).find((n) => n && /cacert/.test(n));
  if (certs) return { fetcher: 'network', detail: `no URL, but it takes ${certs}: it can reach the network` };
  const producer = index.producerOf(d.builder);
  if (producer) return { fetcher: 'built-in-graph', detail: `no URL; its builder ${d.builder} is built in this graph by ${producer.name}` };
  return { fetcher: 'opaque', detail: `no URL, and its builder ${d.builder} is not built in this graph` };
}

function builderProducer(d: Derivation | null, index: GraphIndex): InputFacts['builderProducer'] {
  if (!d) return null;
  const producer = index.producerOf(d.builder);
  if (!producer) return null;
  return { name: producer.name, run: d.args.map((a) => a.slice(a.lastIndexOf('/') + 1)).join(' ') };
}

/** The file names an input goes by: its name and the last path segment of each URL. */
function fileNamesOf(name: string, urls: { fileName: string }[]): string[] {
  const names = [name];
  for (const u of urls) if (u.fileName && !names.includes(u.fileName)) names.push(u.fileName);
  return names;
}

class FactGatherer {
  private readonly consumers: ConsumerCache;
  private readonly platformDirs = new Map<string, boolean>();
  constructor(private readonly index: GraphIndex) {
    this.consumers = new ConsumerCache(index);
  }

  factsOf(input: RawInput): InputFacts {
    const urls = input.urls.map(urlFacts);
    const fileNames = fileNamesOf(input.name, urls);
    const { fetcher, detail } = fetcherOf(input, this.index);
    const d = input.kind === 'fixed-output' ? input.drv : null;
    const consumers = [];
    for (const u of input.users.slice(0, MAX_CONSUMERS)) {
      const c = this.consumers.factsFor(u, input.path);
      if (c) consumers.push(c);
    }
    return {
      kind: input.kind,
      name: input.name,
      fileNames,
      urls,
      platforms: platformHits(fileNames, urls.map((u) => u.dirs), this.platformDirs),
      fetcher,
      fetcherDetail: detail,
      hash: input.hash,
      hashMode: input.hashMode,
      executable: d !== null && attr(d, 'executable') === '1',
      builderProducer: builderProducer(d, this.index),
      env: d?.env ?? {},
      consumers,
      contents: null,
    };
  }
}

/**
 * The facts of one input at a time (consumer facts shared between inputs are computed once).
 * The scan classifies each input as soon as its facts are gathered and drops them: held for
 * every input of a 100k-derivation graph they were ~55 MB that nothing reads afterwards.
 */
export function factGatherer(index: GraphIndex): (input: RawInput) => InputFacts {
  const g = new FactGatherer(index);
  return (input) => g.factsOf(input);
}
