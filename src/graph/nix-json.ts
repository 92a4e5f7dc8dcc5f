/**
 * Reads every JSON shape `nix show-derivation` / `nix derivation show` has produced into
 * the one model in model.ts:
 *   2.4-2.17   map drvPath -> {outputs{path,hashAlgo:"r:sha256",hash(base16)}, inputDrvs{drv:[out]}, …}
 *   2.18-2.31  (and Lix) inputDrvs values {outputs, dynamicOutputs}; outputs {method, hashAlgo, hash}; `name`
 *   v3         "version": 3 on each derivation; store paths are base names
 *   v4         {"version": 4, "derivations": {…}}; inputs {srcs, drvs}; SRI hashes
 * Anything else is an InputError: a graph we cannot read must never pass the gate.
 */
import { InputError } from '../errors.js';
import { parseHash, toSRI } from './hash.js';
import { fixedOutputPath, outputPathName } from './store-path.js';
import {
  findRoots,
  storePathName,
  type Derivation,
  type DerivationGraph,
  type DerivationOutput,
  type FixedHash,
  type HashMethod,
} from '../model/graph.js';

export const DEFAULT_STORE_DIR = '/nix/store';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Which JSON format a derivation object is in. */
export type JsonFormat = '2.4-2.17' | '2.18-2.31' | 'v3' | 'v4';

class Ctx {
  constructor(
    readonly where: string,
    readonly storeDir: string,
  ) {}
  fail(msg: string): never {
    throw new InputError(`${this.where}: ${msg}`);
  }
  /** v3/v4 write store paths as base names; the model always holds full paths. */
  path(p: unknown, what: string): string {
    if (typeof p !== 'string' || p === '') this.fail(`${what} is not a store path`);
    return p.startsWith('/') ? p : `${this.storeDir}/${p}`;
  }
}

const METHOD_PREFIX: Record<string, HashMethod> = { 'r:': 'nar', 'text:': 'text', 'git:': 'git' };
const METHODS: Record<string, HashMethod> = { flat: 'flat', nar: 'nar', recursive: 'nar', text: 'text', git: 'git' };

function fixedFrom(ctx: Ctx, o: Json, outName: string): (FixedHash & { bytes: Buffer }) | null {
  const hash = o.hash;
  if (hash === undefined || hash === '') return null; // floating CA, deferred, impure or input-addressed
  if (typeof hash !== 'string') ctx.fail(`output ${outName}: hash is not a string`);
  let method: HashMethod;
  let algo = typeof o.hashAlgo === 'string' ? o.hashAlgo : '';
  if (typeof o.method === 'string') {
    const m = METHODS[o.method];
    if (!m) ctx.fail(`output ${outName}: unknown hash method '${o.method}'`);
    method = m;
  } else {
    // 2.4-2.17: the method is a prefix of hashAlgo ("r:sha256"); no prefix means flat
    method = 'flat';
    for (const [prefix, m] of Object.entries(METHOD_PREFIX)) {
      if (algo.startsWith(prefix)) {
        method = m;
        algo = algo.slice(prefix.length);
      }
    }
  }
  try {
    const parsed = parseHash(hash, algo || undefined);
    return { method, algo: parsed.algo, sri: toSRI(parsed), bytes: parsed.bytes };
  } catch (e) {
    return ctx.fail(`output ${outName}: ${(e as Error).message}`);
  }
}

/** Every key a full store path, every value a list of strings: nothing to normalise. */
function isModelInputDrvs(o: Json): boolean {
  for (const p of Object.keys(o)) {
    if (p.charCodeAt(0) !== 47 /* / */) return false;
    const v = o[p];
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  }
  return true;
}

function stringArray(ctx: Ctx, v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) ctx.fail(`${what} is not a list of strings`);
  return v as string[];
}

export function detectFormat(d: Json): JsonFormat {
  if (d.version === 4 || isObject(d.inputs)) return 'v4';
  if (d.version === 3) return 'v3';
  if (d.version !== undefined) return 'unsupported' as JsonFormat;
  const drvs = d.inputDrvs;
  if (isObject(drvs)) {
    // the first own entry decides; found without listing them all (this runs per derivation)
    for (const k in drvs) if (Object.hasOwn(drvs, k)) return Array.isArray(drvs[k]) ? '2.4-2.17' : '2.18-2.31';
  }
  return typeof d.name === 'string' ? '2.18-2.31' : '2.4-2.17';
}

/**
 * Normalise one derivation object. `drvPath` is its key in the dump (full or base name).
 * Exported for the single-derivation test vectors of the Nix repository.
 */
export function parseDerivationJson(
  value: unknown,
  drvPath: string,
  storeDir = DEFAULT_STORE_DIR,
  where = 'derivation JSON',
): Derivation {
  const ctx: Ctx = new Ctx(`${where}: ${drvPath}`, storeDir);
  if (!isObject(value)) ctx.fail('is not an object');
  const d = value;
  const format = detectFormat(d);
  if ((format as string) === 'unsupported') ctx.fail(`unsupported derivation JSON version ${JSON.stringify(d.version)}`);

  if (!isObject(d.outputs)) ctx.fail("has no 'outputs' object");
  if (typeof d.builder !== 'string') ctx.fail("has no 'builder' string");
  if (typeof d.system !== 'string') ctx.fail("has no 'system' string");
  const env = d.env === undefined ? {} : d.env;
  if (!isObject(env)) ctx.fail("'env' is not an object");

  let structuredAttrs: Record<string, unknown> | null = null;
  if (isObject(d.structuredAttrs)) structuredAttrs = d.structuredAttrs;
  else if (typeof env.__json === 'string') {
    try {
      const parsed: unknown = JSON.parse(env.__json);
      if (!isObject(parsed)) ctx.fail('__json is not an object');
      structuredAttrs = parsed;
    } catch (e) {
      if (e instanceof InputError) throw e;
      ctx.fail(`__json is not valid JSON (${(e as Error).message})`);
    }
  }

  const full = ctx.path(drvPath, 'derivation path');
  const saName = structuredAttrs?.name;
  const name =
    typeof d.name === 'string'
      ? d.name
      : typeof env.name === 'string'
        ? env.name
        : typeof saName === 'string'
          ? saName
          : storePathName(full);
  const outputs: Record<string, DerivationOutput> = {};
  for (const [outName, o] of Object.entries(d.outputs)) {
    if (!isObject(o)) ctx.fail(`output ${outName} is not an object`);
    const f = fixedFrom(ctx, o, outName);
    let outPath = typeof o.path === 'string' && o.path !== '' ? ctx.path(o.path, `output ${outName} path`) : null;
    // v3 and v4 leave out fixed output paths: Nix derives them from the hash and the name
    if (f && outPath === null) outPath = fixedOutputPath(f.method, f.algo, f.bytes, storeDir, outputPathName(name, outName));
    outputs[outName] = { path: outPath, fixed: f && { method: f.method, algo: f.algo, sri: f.sri } };
  }

  let rawSrcs: unknown;
  let rawDrvs: unknown;
  if (format === 'v4') {
    if (!isObject(d.inputs)) ctx.fail("has no 'inputs' object");
    rawSrcs = d.inputs.srcs ?? [];
    rawDrvs = d.inputs.drvs ?? {};
  } else {
    rawSrcs = d.inputSrcs ?? [];
    rawDrvs = d.inputDrvs ?? {};
  }
  const inputSrcs = stringArray(ctx, rawSrcs, 'inputSrcs').map((p) => ctx.path(p, 'input source'));
  if (!isObject(rawDrvs)) ctx.fail('inputDrvs is not an object');
  // Already the model's shape (2.4-2.17: full paths -> output names): used as parsed. Copying
  // every entry into a fresh object was the most expensive line of JSON mode (BENCHMARKS.md).
  const asParsed = isModelInputDrvs(rawDrvs);
  const inputDrvs: Record<string, string[]> = asParsed ? (rawDrvs as Record<string, string[]>) : {};
  let dynamicInputs: string[] | undefined;
  if (!asParsed) for (const [p, v] of Object.entries(rawDrvs)) {
    const full = ctx.path(p, 'input derivation');
    if (Array.isArray(v)) {
      inputDrvs[full] = stringArray(ctx, v, `inputDrvs of ${p}`);
    } else if (isObject(v)) {
      inputDrvs[full] = stringArray(ctx, v.outputs ?? [], `inputDrvs outputs of ${p}`);
      if (isObject(v.dynamicOutputs) && Object.keys(v.dynamicOutputs).length > 0) (dynamicInputs ??= []).push(full);
    } else {
      ctx.fail(`inputDrvs entry ${p} is neither a list nor an object`);
    }
  }

  const drv: Derivation = {
    drvPath: full,
    name,
    system: d.system,
    builder: d.builder,
    args: stringArray(ctx, d.args ?? [], 'args'),
    env: env as Record<string, string>,
    outputs,
    inputSrcs,
    inputDrvs,
    structuredAttrs,
  };
  if (dynamicInputs) drv.dynamicInputs = dynamicInputs;
  return drv;
}

/**
 * Parse the text of a `nix derivation show --recursive` dump (any version).
 * `detail` names the file or command, for error messages and the report.
 */
export function parseNixJson(
  text: string,
  detail: string,
  opts: { roots?: string[]; storeDir?: string; kind?: 'nix-json' | 'nix-command' } = {},
): DerivationGraph {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${detail}: not valid JSON (${(e as Error).message})`);
  }
  return graphFromJson(doc, detail, opts);
}

export function graphFromJson(
  doc: unknown,
  detail: string,
  opts: { roots?: string[]; storeDir?: string; kind?: 'nix-json' | 'nix-command' } = {},
): DerivationGraph {
  const storeDir = opts.storeDir ?? DEFAULT_STORE_DIR;
  if (!isObject(doc)) throw new InputError(`${detail}: not a derivation graph (expected a JSON object)`);
  let map: Json = doc;
  if ('derivations' in doc || typeof doc.version === 'number') {
    if (doc.version !== 4 || !isObject(doc.derivations))
      throw new InputError(
        `${detail}: unsupported derivation JSON (version ${JSON.stringify(doc.version)}; this seedaudit reads 2.4-2.31, v3 and v4)`,
      );
    map = doc.derivations;
  }
  const derivations = new Map<string, Derivation>();
  const formats = new Set<JsonFormat>();
  // keys, then lookups: Object.entries would allocate a pair per derivation (BENCHMARKS.md)
  for (const key of Object.keys(map)) {
    const value = map[key];
    if (!key.endsWith('.drv'))
      throw new InputError(`${detail}: not a derivation graph (key '${key.slice(0, 80)}' is not a .drv path)`);
    if (isObject(value)) formats.add(doc === map ? detectFormat(value) : 'v4');
    const d = parseDerivationJson(value, key, storeDir, detail);
    derivations.set(d.drvPath, d);
  }
  if (derivations.size === 0) throw new InputError(`${detail}: the graph holds no derivations`);
  const roots = opts.roots?.length ? opts.roots : findRoots(derivations);
  for (const r of roots)
    if (!derivations.has(r)) throw new InputError(`${detail}: root ${r} is not in the graph`);
  return {
    storeDir,
    derivations,
    roots,
    source: {
      kind: opts.kind ?? 'nix-json',
      format: `nix-json ${[...formats].sort().join('+')}`,
      detail,
    },
  };
}
