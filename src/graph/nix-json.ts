/**
 * Reads every JSON shape `nix show-derivation` / `nix derivation show` has produced into
 * the one model in model.ts:
 *   2.4-2.17   map drvPath -> {outputs{path,hashAlgo:"r:sha256",hash(base16)}, inputDrvs{drv:[out]}, …}
 *   2.18-2.31  (and Lix) inputDrvs values {outputs, dynamicOutputs}; outputs {method, hashAlgo, hash}; `name`
 *   v3         "version": 3 on each derivation; store paths are base names
 *   v4         {"version": 4, "derivations": {…}}; inputs {srcs, drvs}; SRI hashes
 * Anything else is an InputError: a graph we cannot read must never pass the gate. Every
 * field is type-checked as the format defines it and the checks the ATerm reader makes
 * (store paths in the store directory, fixed-output paths that match their hash, floating
 * outputs without a path) are made here too, so both readers accept the same derivations.
 * Errors name the derivation and the field (`env.src`, `outputs.out.path`, …).
 */
import { InputError } from '../errors.js';
import { parseHash, toSRI } from './hash.js';
import { fixedOutputPath, isValidStoreName, outputPathName, storePathProblem } from './store-path.js';
import { DumpSplitter, type MemberPlace, type SplitLimits } from './json-stream.js';
import { Interner, leanAttrs, leanEnv, record, sharedEnv } from './lean.js';
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
const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);
/** Keys and values come from the input: quote them (JSON escapes control characters), cut short. */
export const show = (s: string): string => JSON.stringify(s.length > 120 ? s.slice(0, 120) + '…' : s);

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
  /** v3/v4 write store paths as base names; the model always holds full paths, in the store directory. */
  path(p: unknown, field: string): string {
    if (typeof p !== 'string' || p === '') this.fail(`${field}: expected a store path, got ${p === '' ? 'an empty string' : typeName(p)}`);
    const full = p.startsWith('/') ? p : `${this.storeDir}/${p}`;
    const problem = storePathProblem(full, this.storeDir);
    if (problem) this.fail(`${field}: ${show(p)} ${problem}`);
    return full;
  }
  str(v: unknown, field: string): string {
    if (typeof v !== 'string') this.fail(`${field}: expected a string, got ${typeName(v)}`);
    return v;
  }
  strings(v: unknown, field: string): string[] {
    if (!Array.isArray(v)) this.fail(`${field}: expected a list of strings, got ${typeName(v)}`);
    for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') this.fail(`${field}[${i}]: expected a string, got ${typeName(v[i])}`);
    return v as string[];
  }
  object(v: unknown, field: string): Json {
    if (!isObject(v)) this.fail(`${field}: expected an object, got ${typeName(v)}`);
    return v;
  }
}

const METHOD_PREFIX: Record<string, HashMethod> = { 'r:': 'nar', 'text:': 'text', 'git:': 'git' };
const METHODS: Record<string, HashMethod> = { flat: 'flat', nar: 'nar', recursive: 'nar', text: 'text', git: 'git' };

/**
 * One output, with the rules Nix (and the ATerm reader) apply: a hash needs an algorithm; an
 * output with an algorithm but no hash is floating or impure and has no path yet; a fixed
 * output's path, when given, is the one its hash determines.
 */
function parseOutput(ctx: Ctx, o: Json, drvName: string, outName: string): DerivationOutput {
  const f = `outputs.${outName}`;
  for (const k of ['path', 'hash', 'hashAlgo', 'method'] as const)
    if (o[k] !== undefined && typeof o[k] !== 'string') ctx.fail(`${f}.${k}: expected a string, got ${typeName(o[k])}`);
  if (o.impure !== undefined && typeof o.impure !== 'boolean') ctx.fail(`${f}.impure: expected a boolean, got ${typeName(o.impure)}`);
  const hash = (o.hash as string | undefined) ?? '';
  let algo = (o.hashAlgo as string | undefined) ?? '';
  const pathText = (o.path as string | undefined) ?? '';
  const outPath = pathText === '' ? null : ctx.path(pathText, `${f}.path`);

  let method: HashMethod | null = null;
  if (o.method !== undefined) {
    method = METHODS[o.method as string] ?? null;
    if (!method) ctx.fail(`${f}.method: unknown hash method ${show(o.method as string)}`);
  } else if (algo !== '') {
    // 2.4-2.17: the method is a prefix of hashAlgo ("r:sha256"); no prefix means flat
    method = 'flat';
    for (const [prefix, m] of Object.entries(METHOD_PREFIX)) {
      if (algo.startsWith(prefix)) {
        method = m;
        algo = algo.slice(prefix.length);
      }
    }
  }

  if (hash === '') {
    // input-addressed (path), deferred (nothing), floating content-addressed or impure
    // (algorithm, no path: the path is only known after the build)
    if (method !== null && outPath !== null)
      ctx.fail(`${f}: ${o.impure ? 'an impure' : 'a floating'} output (hash algorithm, no hash) must not name a path; a fixed output needs its hash`);
    return { path: outPath, fixed: null };
  }
  if (o.impure === true) ctx.fail(`${f}: an impure output cannot have a fixed hash`);
  let parsed;
  try {
    parsed = parseHash(hash, algo || undefined);
  } catch (e) {
    return ctx.fail(`${f}.hash: ${(e as Error).message.slice(0, 200)}`);
  }
  if (algo !== '' && parsed.algo !== algo) ctx.fail(`${f}.hash: not a ${show(algo)} hash`);
  const m = method ?? 'flat';
  const expected = fixedOutputPath(m, parsed.algo, parsed.bytes, ctx.storeDir, outputPathName(drvName, outName));
  // The path is a function of the hash: a dump whose stated path disagrees was edited after
  // evaluation and does not mean what it says (Nix and the ATerm reader refuse it too).
  if (outPath !== null && outPath !== expected) ctx.fail(`${f}.path: ${show(outPath)} does not match its hash (expected ${expected})`);
  return { path: expected, fixed: { method: m, algo: parsed.algo, sri: toSRI(parsed) } };
}

/** Every key a full store path, every value a list of strings: nothing to normalise. */
function isModelInputDrvs(o: Json): boolean {
  for (const p of Object.keys(o)) {
    if (p.charCodeAt(0) !== 47 /* / */) return false;
    const v = o[p];
    if (!Array.isArray(v) || v.length === 0) return false;
    for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  }
  return true;
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
 * Exported for the single-derivation test vectors of the Nix repository. With `lean` (what
 * the graph readers pass), strings are shared through it and a derivation without a fixed
 * output keeps only the environment the facts stage reads (`leanEnv` in the model); every
 * field is checked either way.
 */
export function parseDerivationJson(
  value: unknown,
  drvPath: string,
  storeDir = DEFAULT_STORE_DIR,
  where = 'derivation JSON',
  lean?: Interner,
): Derivation {
  const ctx: Ctx = new Ctx(`${where}: ${show(drvPath)}`, storeDir);
  if (!isObject(value)) ctx.fail(`expected a derivation object, got ${typeName(value)}`);
  const d = value;
  // a derivation-level version, when present, is the format's own: 3 or 4, nothing else
  if (d.version !== undefined && d.version !== 3 && d.version !== 4) ctx.fail(`version: unsupported derivation JSON version ${JSON.stringify(d.version).slice(0, 40)}`);
  const format = detectFormat(d);
  if ((format as string) === 'unsupported') ctx.fail(`version: unsupported derivation JSON version ${JSON.stringify(d.version)}`);

  const full = ctx.path(drvPath, 'derivation path');
  if (!full.endsWith('.drv')) ctx.fail('derivation path: not a .drv path');
  const outputsIn = ctx.object(d.outputs, 'outputs');
  const builder = ctx.str(d.builder, 'builder');
  const system = ctx.str(d.system, 'system');
  const args = d.args === undefined ? [] : ctx.strings(d.args, 'args');
  const env = d.env === undefined ? {} : ctx.object(d.env, 'env');
  // values are rendered into the builder's environment: every one is a string
  for (const k in env) if (typeof env[k] !== 'string') ctx.fail(`env.${k}: expected a string, got ${typeName(env[k])}`);
  if (d.name !== undefined) ctx.str(d.name, 'name');

  let structuredAttrs: Record<string, unknown> | null = null;
  if (d.structuredAttrs !== undefined && d.structuredAttrs !== null) structuredAttrs = ctx.object(d.structuredAttrs, 'structuredAttrs');
  else if (typeof env.__json === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.__json);
    } catch (e) {
      ctx.fail(`env.__json: not valid JSON (${(e as Error).message})`);
    }
    structuredAttrs = ctx.object(parsed, 'env.__json');
  }

  const saName = structuredAttrs?.name;
  const name =
    typeof d.name === 'string'
      ? d.name
      : typeof env.name === 'string'
        ? (env.name as string)
        : typeof saName === 'string'
          ? saName
          : storePathName(full);
  // Nix refuses other names; rules match names with regexes, so this also bounds their cost
  if (!isValidStoreName(name)) ctx.fail(`name: ${show(name)} is not a valid derivation name (1-211 of A-Z a-z 0-9 + - . _ ? =)`);
  const outputs = record<DerivationOutput>();
  for (const outName of Object.keys(outputsIn)) {
    outputs[outName] = parseOutput(ctx, ctx.object(outputsIn[outName], `outputs.${outName}`), name, outName);
  }

  let rawSrcs: unknown;
  let rawDrvs: unknown;
  let srcField = 'inputSrcs';
  let drvField = 'inputDrvs';
  if (format === 'v4') {
    const inputs = ctx.object(d.inputs, 'inputs');
    // absent means none; null is a wrong type, not "none" (a forged dump must not drop inputs)
    rawSrcs = inputs.srcs === undefined ? [] : inputs.srcs;
    rawDrvs = inputs.drvs === undefined ? {} : inputs.drvs;
    srcField = 'inputs.srcs';
    drvField = 'inputs.drvs';
  } else {
    rawSrcs = d.inputSrcs === undefined ? [] : d.inputSrcs;
    rawDrvs = d.inputDrvs === undefined ? {} : d.inputDrvs;
  }
  const inputSrcs = ctx.strings(rawSrcs, srcField).map((p, i) => ctx.path(p, `${srcField}[${i}]`));
  const drvsIn = ctx.object(rawDrvs, drvField);
  // Already the model's shape (2.4-2.17: full paths -> output names): used as parsed. Copying
  // every entry into a fresh object was the most expensive line of JSON mode (BENCHMARKS.md).
  const asParsed = isModelInputDrvs(drvsIn);
  // Nix 2.4-2.17 write a list of output names per input derivation, later versions an object:
  // the other form (or an empty list, which names no output) would drop an input's outputs.
  const listForm = format === '2.4-2.17';
  if (asParsed && !listForm) {
    for (const p in drvsIn) ctx.fail(`${drvField}.${show(p)}: expected an object with outputs (Nix ${format}), got a list`);
  }
  const inputDrvs: Record<string, string[]> = asParsed ? (drvsIn as Record<string, string[]>) : Object.create(null);
  let dynamicInputs: string[] | undefined;
  for (const p of Object.keys(drvsIn)) {
    // the common case, a full .drv path in the store, is checked without making the message
    if (asParsed && p.endsWith('.drv') && storePathProblem(p, ctx.storeDir) === null) continue;
    const field = `${drvField}.${show(p)}`;
    const dp = ctx.path(p, field);
    if (!dp.endsWith('.drv')) ctx.fail(`${field}: not a .drv path`);
    if (asParsed) continue;
    const v = drvsIn[p];
    if (Array.isArray(v)) {
      if (!listForm) ctx.fail(`${field}: expected an object with outputs (Nix ${format}), got a list`);
      if (v.length === 0) ctx.fail(`${field}: an empty list names no output`);
      inputDrvs[dp] = ctx.strings(v, field);
    } else if (isObject(v)) {
      if (listForm) ctx.fail(`${field}: expected a list of output names (Nix ${format}), got an object`);
      // Nix 2.18+: {"outputs": [...], "dynamicOutputs": {...}}; without `outputs` the entry
      // would silently name no output, so it is refused, as is any other key
      for (const k of Object.keys(v))
        if (k !== 'outputs' && k !== 'dynamicOutputs') ctx.fail(`${field}: unknown key ${show(k)} (expected outputs, dynamicOutputs)`);
      if (v.outputs === undefined) ctx.fail(`${field}.outputs: missing`);
      inputDrvs[dp] = ctx.strings(v.outputs, `${field}.outputs`);
      if (inputDrvs[dp].length === 0 && (v.dynamicOutputs === undefined || Object.keys(v.dynamicOutputs as object).length === 0))
        ctx.fail(`${field}.outputs: empty, and no dynamic outputs: names no output`);
      if (v.dynamicOutputs !== undefined && Object.keys(ctx.object(v.dynamicOutputs, `${field}.dynamicOutputs`)).length > 0)
        (dynamicInputs ??= []).push(dp);
    } else {
      ctx.fail(`${field}: expected a list of output names or an object, got ${typeName(v)}`);
    }
  }

  if (!lean) {
    const drv: Derivation = {
      drvPath: full,
      name,
      system,
      builder,
      args,
      env: env as Record<string, string>,
      outputs,
      inputSrcs,
      inputDrvs,
      structuredAttrs,
    };
    if (dynamicInputs) drv.dynamicInputs = dynamicInputs;
    return drv;
  }
  // Lean: the parsed object dies young (cheap to collect); what survives is shared strings,
  // the kept environment and shared output lists.
  let fixed = false;
  for (const o in outputs) if (outputs[o].fixed !== null) fixed = true;
  // Shared: what repeats across derivations (arguments, builders, systems, output lists, and
  // the environment values of downloads: a fetcher's impureEnvVars, postFetch, … are the same
  // in every copy; sharing the kept values of the others too saved 14 MB more at 100k and cost
  // ~10% of the reading CPU).
  // Paths are not: JSON.parse already shares the inputDrvs keys, and output and source paths
  // are nearly all distinct (interning them cost CPU and saved little, measured at 100k).
  for (let i = 0; i < args.length; i++) args[i] = lean.of(args[i]);
  for (const p in inputDrvs) inputDrvs[p] = lean.list(inputDrvs[p]);
  const drv: Derivation = {
    drvPath: full,
    name,
    system: lean.of(system),
    builder: lean.of(builder),
    args: args.length === 0 ? NO_STRINGS : args,
    env: fixed ? sharedEnv(env as Record<string, string>, lean) : leanEnv(env as Record<string, string>),
    outputs,
    inputSrcs: inputSrcs.length === 0 ? NO_STRINGS : inputSrcs,
    inputDrvs,
    structuredAttrs: fixed ? structuredAttrs : leanAttrs(structuredAttrs),
  };
  if (!fixed) drv.leanEnv = true;
  if (dynamicInputs) drv.dynamicInputs = dynamicInputs;
  return drv;
}

/** The empty list every lean derivation without args or sources shares (never mutated). */
const NO_STRINGS: string[] = [];

export interface GraphOptions {
  roots?: string[];
  storeDir?: string;
  kind?: 'nix-json' | 'nix-command';
  /** keep every derivation's whole environment (default: lean, see parseDerivationJson) */
  fullEnv?: boolean;
}

/**
 * Builds a graph from the members of a dump as they arrive (from the streaming splitter or
 * from an object already parsed): top-level `.drv` members (2.4-2.31, v3), or v4's `version`
 * and `derivations`. What kind of dump it was is decided at the end, when every member is in.
 */
export class GraphAssembler {
  private readonly derivations = new Map<string, Derivation>();
  private readonly formats = new Set<JsonFormat>();
  private readonly storeDir: string;
  private version: unknown = undefined;
  private sawDerivations = false;
  private topLevelDrvs = 0;
  private readonly lean: Interner | undefined;

  constructor(
    private readonly detail: string,
    private readonly opts: GraphOptions = {},
  ) {
    this.storeDir = opts.storeDir ?? DEFAULT_STORE_DIR;
    this.lean = opts.fullEnv ? undefined : new Interner();
  }

  member(place: MemberPlace, key: string, value: unknown): void {
    if (place === 'top') {
      if (key === 'version') {
        this.version = value;
        return;
      }
      if (key === 'derivations') {
        // an object here was walked member by member (place 'derivations'); anything else is not v4
        this.sawDerivations = true;
        if (!isObject(value)) throw new InputError(`${this.detail}: 'derivations' is ${typeName(value)}, not an object`);
        for (const k of Object.keys(value)) this.member('derivations', k, value[k]);
        return;
      }
      if (!key.endsWith('.drv'))
        throw new InputError(`${this.detail}: not a derivation graph (member ${show(key)} is not a .drv path)`);
      this.topLevelDrvs++;
      if (isObject(value)) {
        this.formats.add(detectFormat(value));
        this.checkInputForm(key, value);
      }
    } else {
      this.sawDerivations = true;
      this.formats.add('v4');
    }
    const d = parseDerivationJson(value, key, this.storeDir, this.detail, this.lean);
    if (this.derivations.has(d.drvPath)) throw new InputError(`${this.detail}: derivation ${show(d.drvPath)} appears twice`);
    this.derivations.set(d.drvPath, d);
  }

  /** The first derivation seen writing its input derivations as lists, and as objects. */
  private readonly inputForm: { list?: string; object?: string } = {};

  /**
   * One dump is written by one Nix: input derivations as lists of outputs (2.4-2.17) or as
   * objects (2.18 and later), never both. A derivation whose one entry was rewritten into the
   * other form is otherwise well-typed on its own.
   */
  private checkInputForm(key: string, d: Json): void {
    const drvs = d.inputDrvs;
    if (!isObject(drvs)) return;
    for (const k in drvs) {
      if (!Object.hasOwn(drvs, k)) continue;
      const form = Array.isArray(drvs[k]) ? 'list' : 'object';
      this.inputForm[form] ??= key;
      const { list, object } = this.inputForm;
      if (list !== undefined && object !== undefined)
        throw new InputError(
          `${this.detail}: ${show(list)} lists its input derivations' outputs as lists (Nix 2.4-2.17), ${show(object)} as objects (Nix 2.18 and later): one dump is written by one Nix`,
        );
      return;
    }
  }

  finish(): DerivationGraph {
    const detail = this.detail;
    if (this.version !== undefined || this.sawDerivations) {
      if (this.version !== 4 || !this.sawDerivations)
        throw new InputError(
          `${detail}: unsupported derivation JSON (version ${JSON.stringify(this.version)}; this seedaudit reads 2.4-2.31, v3 and v4)`,
        );
      if (this.topLevelDrvs > 0) throw new InputError(`${detail}: a v4 dump keeps its derivations under 'derivations', not at the top level`);
    }
    const derivations = this.derivations;
    if (derivations.size === 0) throw new InputError(`${detail}: the graph holds no derivations`);
    const roots = this.opts.roots?.length ? this.opts.roots : findRoots(derivations);
    for (const r of roots) if (!derivations.has(r)) throw new InputError(`${detail}: root ${r} is not in the graph`);
    return {
      storeDir: this.storeDir,
      derivations,
      roots,
      source: {
        kind: this.opts.kind ?? 'nix-json',
        format: `nix-json ${[...this.formats].sort().join('+')}`,
        detail,
      },
    };
  }
}

/**
 * Parse the text of a `nix derivation show --recursive` dump (any version).
 * `detail` names the file or command, for error messages and the report.
 */
export function parseNixJson(text: string | Buffer, detail: string, opts: GraphOptions = {}, limits?: SplitLimits): DerivationGraph {
  const g = new GraphAssembler(detail, opts);
  const s = new DumpSplitter(detail, (place, key, value) => g.member(place, key, value), limits);
  s.push(typeof text === 'string' ? Buffer.from(text) : text);
  s.end();
  return g.finish();
}

/** The same from an object already parsed (tests, re-encoded vectors). */
export function graphFromJson(doc: unknown, detail: string, opts: GraphOptions = {}): DerivationGraph {
  if (!isObject(doc)) throw new InputError(`${detail}: not a derivation graph (expected a JSON object)`);
  const g = new GraphAssembler(detail, opts);
  for (const key of Object.keys(doc)) g.member('top', key, doc[key]);
  return g.finish();
}
