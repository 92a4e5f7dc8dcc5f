/**
 * Re-encode a Nix 2.4-2.17 graph dump into the newer JSON formats the way Nix writes them
 * (test-only: the corpus graphs were made with Nix 2.8; the newer formats are checked by
 * reading the same graph in every encoding).
 */
type Drv = {
  outputs: Record<string, { path?: string; hashAlgo?: string; hash?: string }>;
  inputSrcs: string[];
  inputDrvs: Record<string, string[]>;
  system: string;
  builder: string;
  args: string[];
  env: Record<string, string>;
};

const base = (p: string) => p.replace(/^\/nix\/store\//, '');
const methodOf = (algo: string): [string, string] =>
  algo.startsWith('r:') ? ['nar', algo.slice(2)] : algo.startsWith('text:') ? ['text', algo.slice(5)] : ['flat', algo];

export function encodeAs(doc: Record<string, Drv>, version: '2.18' | 'v3' | 'v4'): unknown {
  const out: Record<string, unknown> = {};
  for (const [drvPath, d] of Object.entries(doc)) {
    const p = version === '2.18' ? (x: string) => x : base;
    const outputs: Record<string, unknown> = {};
    for (const [name, o] of Object.entries(d.outputs)) {
      if (o.hash) {
        const [method, algo] = methodOf(o.hashAlgo!);
        const fixed =
          version === 'v4'
            ? { method, hash: `${algo}-${Buffer.from(o.hash, 'hex').toString('base64')}` }
            : { method, hashAlgo: algo, hash: o.hash };
        outputs[name] = version === '2.18' ? { path: o.path, ...fixed } : fixed;
      } else outputs[name] = { path: p(o.path!) };
    }
    const drvs = Object.fromEntries(
      Object.entries(d.inputDrvs).map(([k, v]) => [p(k), { outputs: v, dynamicOutputs: {} }]),
    );
    const common = { name: d.env.name, system: d.system, builder: d.builder, args: d.args, env: d.env, outputs };
    out[p(drvPath)] =
      version === 'v4'
        ? { ...common, version: 4, inputs: { srcs: d.inputSrcs.map(p), drvs } }
        : { ...common, ...(version === 'v3' ? { version: 3 } : {}), inputSrcs: d.inputSrcs.map(p), inputDrvs: drvs };
  }
  return version === 'v4' ? { version: 4, derivations: out } : out;
}
