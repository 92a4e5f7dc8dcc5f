/**
 * Classification rules are data (rules/*.json), in the spirit of syft's declarative binary
 * classifiers: each rule says what it matches, the verdict it argues for and how strongly.
 * This module loads and validates them; facts.ts and classify.ts apply them.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import v8 from 'node:v8';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { fileKind, readRegularFileSync } from '../files.js';
import type { InputClass, InputKind } from '../model/report.js';
import type { FetcherKind } from '../model/facts.js';

export interface RuleMatch {
  kind?: InputKind[];
  /** how the input was fetched (facts.fetcher): url, vcs, network, built-in-graph, opaque, input-src, host-builder */
  fetcher?: FetcherKind[];
  /** regexes on the input's name */
  name?: string[];
  /** regexes on any full URL */
  url?: string[];
  /** regexes on a URL's directory path (`/a/b/`, without host and file name) */
  urlPath?: string[];
  /** regexes on a URL's host (or the mirror name of a mirror:// URL) */
  host?: string[];
  /** regexes on the name or any URL's file name (last path segment, no query) */
  fileName?: string[];
  /** regexes on the name or any full URL */
  nameOrUrl?: string[];
  /** the name or a URL's file name ends with one of these (case-insensitive) */
  extension?: string[];
  /** platform words (facts.platforms): where they stand and how strongly they name a target */
  platform?: { where?: ('file name' | 'URL path')[]; strength?: ('target' | 'arch' | 'distro')[] };
  hashMode?: 'flat' | 'nar' | 'text' | 'git';
  executable?: boolean;
  hasUrl?: boolean;
  /** SRI hashes */
  hash?: string[];
  /** a derivation that takes this input and consumes it this way (all keys must hold for one consumer) */
  consumer?: {
    /** how it takes the input: as src/srcs, as a patch, named in its own script, or any way */
    takes?: ('src' | 'patch' | 'script' | 'any')[];
    /** regexes on the names of its nativeBuildInputs derivations */
    nativeBuildInputs?: string[];
    /** regexes on its derivation name */
    name?: string[];
    /** regexes on its pname */
    pname?: string[];
    /** regexes on its phases and scripts (multi-line) */
    scripts?: string[];
    /** it runs (true) or does not run (false) a build step */
    builds?: boolean;
    /** dontBuild, or a custom installPhase with no build step */
    noBuild?: boolean;
  };
  /** what inspection found in the input's store path */
  contents?: {
    /** binary member kinds (elf, shared-object, static-library, object, java-class, pyc, mach-o, pe, jar, wheel) */
    kinds?: string[];
    /** at least this many such members (default 1) */
    min?: number;
    /** a complete listing with no binary member at all */
    noBinaries?: boolean;
    /** the listing is incomplete (damaged, unsupported or capped) */
    unreadable?: boolean;
  };
  /** regexes on attributes of the input's own derivation; all must match */
  env?: Record<string, string>;
}

export interface Rule {
  id: string;
  description: string;
  verdict: InputClass;
  weight: number;
  /** decides on its own, whatever else fired (published seed hashes, compiled code in the bytes) */
  decisive?: boolean;
  match: RuleMatch;
  /** when this matches too (or any of these), the rule does not fire */
  unless?: RuleMatch | RuleMatch[];
  /** the file the rule came from, for error messages and `--explain` */
  file: string;
}

/** A rule with its patterns compiled once. */
export interface CompiledRule extends Rule {
  re: {
    name?: RegExp[];
    url?: RegExp[];
    urlPath?: RegExp[];
    host?: RegExp[];
    fileName?: RegExp[];
    nameOrUrl?: RegExp[];
    consumerNative?: RegExp[];
    consumerName?: RegExp[];
    consumerPname?: RegExp[];
    consumerScript?: RegExp[];
    env?: [string, RegExp][];
    /** the extensions as one case-insensitive `(\.jar|\.war|…)$` */
    extension?: RegExp;
    hash?: Set<string>;
  };
  /** the compiled `unless` blocks: any of them vetoes the rule */
  unlessRules?: CompiledRule[];
}

export const BUILTIN_RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));
/** The JSON Schema every rule file must satisfy (built-in files are checked against it in the tests). */
export const RULES_SCHEMA = path.join(BUILTIN_RULES_DIR, 'schema', 'rules.schema.json');

/**
 * User rules run on V8's linear-time regexp engine (the `l` flag), so no pattern a rule file
 * holds — `(a+)+$`, `(a|a)*` — can make a scan backtrack for ever: matching costs time linear
 * in the text. That engine has no case-insensitive mode, so a user pattern is lower-cased
 * (every character not escaped by a backslash) and matched against lower-cased text, which is
 * what the `i` flag means for the ASCII names, URLs and scripts rules read. It refuses what it
 * cannot run in linear time (back-references, look-around): such a pattern is a rule-file error.
 * Built-in rules stay on the backtracking engine, several times faster on short strings; their
 * worst case is bounded because every text they read is bounded (store path names ≤ 211
 * characters, file names ≤ 255, URLs ≤ 4096: src/facts) and measured in bench/regex-audit.mjs.
 */
v8.setFlagsFromString('--enable-experimental-regexp-engine');

class LinearRegExp extends RegExp {
  override exec(s: string): RegExpExecArray | null {
    return super.exec(String(s).toLowerCase());
  }
}

/** Lower-case a pattern's literal letters, not escapes (`\D`, `\S`, `\W`, `\B` differ from `\d`, …). */
const lowerPattern = (p: string): string => p.replace(/\\[\s\S]|[A-Z]+/g, (m) => (m[0] === '\\' ? m : m.toLowerCase()));

function compileMatch(where: string, match: RuleMatch, linear: boolean): CompiledRule['re'] {
  // Each list becomes one alternation: one regex run per string instead of one per pattern
  // (the URL lists of the source rules are long, and a scan runs them for every input).
  const make = (pattern: string, flags: string): RegExp =>
    linear ? new LinearRegExp(lowerPattern(pattern), flags.replace('i', '') + 'l') : new RegExp(pattern, flags);
  const regexes = (k: string, list: string[] | undefined): RegExp[] | undefined => {
    if (!list) return undefined;
    const flags = k === 'consumer.scripts' ? 'im' : 'i';
    for (const s of list) {
      try {
        make(s, flags);
      } catch (e) {
        const why = /linear time/.test((e as Error).message)
          ? 'uses a back-reference or look-around, which cannot be matched in linear time'
          : 'is not a valid regular expression';
        throw new InputError(`${where}: '${k}' pattern ${JSON.stringify(s.slice(0, 200))} ${why}`);
      }
    }
    // a back-reference counts groups, which joining would renumber
    if (list.length === 1 || list.some((s) => /\\[1-9]/.test(s))) return list.map((s) => make(s, flags));
    return [make(list.map((s) => `(?:${s})`).join('|'), flags)];
  };
  // Every key present, in one order: the evaluator reads these for every input and rule,
  // and objects of one shape keep those reads monomorphic (measured: half the inline-cache
  // misses of a scan came from rule objects of many shapes).
  const c = match.consumer;
  const re: CompiledRule['re'] = {
    name: regexes('name', match.name),
    url: regexes('url', match.url),
    urlPath: regexes('urlPath', match.urlPath),
    host: regexes('host', match.host),
    fileName: regexes('fileName', match.fileName),
    nameOrUrl: regexes('nameOrUrl', match.nameOrUrl),
    consumerNative: regexes('consumer.nativeBuildInputs', c?.nativeBuildInputs),
    consumerName: regexes('consumer.name', c?.name),
    consumerPname: regexes('consumer.pname', c?.pname),
    consumerScript: regexes('consumer.scripts', c?.scripts),
    env: match.env ? Object.entries(match.env).map(([k, v]) => [k, regexes(`env.${k}`, [v])![0]] as [string, RegExp]) : undefined,
    extension: match.extension
      ? make(`(${match.extension.map((e) => e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`, 'i')
      : undefined,
    hash: match.hash ? new Set(match.hash) : undefined,
  };
  return re;
}

/** Compile one rule that has passed the schema. */
/** A match block with every key present (absent ones undefined), in one order: see compileMatch. */
const normalise = (m: RuleMatch): RuleMatch => ({
  kind: m.kind, fetcher: m.fetcher, name: m.name, url: m.url, urlPath: m.urlPath, host: m.host, fileName: m.fileName,
  nameOrUrl: m.nameOrUrl, extension: m.extension, hashMode: m.hashMode, executable: m.executable,
  hasUrl: m.hasUrl, hash: m.hash, env: m.env,
  consumer: m.consumer && {
    takes: m.consumer.takes, nativeBuildInputs: m.consumer.nativeBuildInputs, name: m.consumer.name, pname: m.consumer.pname,
    scripts: m.consumer.scripts, builds: m.consumer.builds, noBuild: m.consumer.noBuild,
  },
  contents: m.contents && { kinds: m.contents.kinds, min: m.contents.min, noBinaries: m.contents.noBinaries, unreadable: m.contents.unreadable },
  platform: m.platform && { where: m.platform.where, strength: m.platform.strength },
});

/** `linear`: a user's rule, whose patterns run on the linear-time engine (see LinearRegExp). */
export function compileRule(r: Omit<Rule, 'file'>, file: string, index: number, linear = false): CompiledRule {
  const where = `${file}: rule ${index + 1} (${r.id})`;
  const rule: CompiledRule = {
    id: r.id, description: r.description, verdict: r.verdict, weight: r.weight, decisive: r.decisive ?? false,
    match: normalise(r.match), unless: r.unless, file, re: compileMatch(where, r.match, linear), unlessRules: undefined,
  };
  if (r.unless !== undefined)
    rule.unlessRules = (Array.isArray(r.unless) ? r.unless : [r.unless]).map((u, k) => ({
      ...rule, match: normalise(u), re: compileMatch(`${where} unless ${k + 1}`, u, linear), unless: undefined, unlessRules: undefined,
    }));
  return rule;
}

type Validator = ((doc: unknown) => boolean) & { errors?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] | null };
let validator: Validator | null = null;

/** The schema validator, compiled on first use (ajv costs start-up time; built-in files are trusted). */
async function schemaValidator(): Promise<Validator> {
  if (!validator) {
    const { Ajv } = await import('ajv');
    const schema = JSON.parse(readFileSync(RULES_SCHEMA, 'utf8')) as object;
    validator = new Ajv({ allErrors: false, strict: true }).compile(schema) as Validator;
  }
  return validator;
}

/** One line naming the rule and field a schema error is about. */
function describeSchemaError(doc: unknown, e: { instancePath: string; message?: string; params?: Record<string, unknown> }): string {
  const m = /^\/rules\/(\d+)(.*)$/.exec(e.instancePath);
  let where = e.instancePath || '(top level)';
  if (m) {
    const rule = (doc as { rules: { id?: unknown }[] }).rules[Number(m[1])];
    where = `rule ${Number(m[1]) + 1}${typeof rule?.id === 'string' ? ` (${rule.id})` : ''}${m[2] ? ` at ${m[2]}` : ''}`;
  }
  const extra = e.params?.additionalProperty ? ` '${String(e.params.additionalProperty)}'` : e.params?.allowedValues ? `: ${(e.params.allowedValues as unknown[]).join(', ')}` : '';
  return `${where}: ${e.message ?? 'invalid'}${extra}`;
}

/** Validate a parsed rule document against the schema; throws an InputError naming the first problem. */
async function validateRuleDoc(doc: unknown, file: string): Promise<void> {
  const v = await schemaValidator();
  if (!v(doc)) throw new InputError(`rules file ${file}: ${describeSchemaError(doc, v.errors![0])}`);
}

/** Rule files are hand-written: kilobytes, never gigabytes. */
const MAX_RULE_FILE_BYTES = 16 * 1024 * 1024;

function readRuleDoc(file: string): { rules: Omit<Rule, 'file'>[] } {
  // a regular file only (a FIFO would block, /dev/zero never ends), bounded in size
  const bytes = readRegularFileSync(file, { label: `rules file ${file}`, maxBytes: MAX_RULE_FILE_BYTES });
  try {
    return JSON.parse(bytes.toString('utf8')) as { rules: Omit<Rule, 'file'>[] };
  } catch (e) {
    throw new InputError(`rules file ${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
}

/** A rule file shipped with seedaudit: its schema conformance is a test, not a start-up cost. */
export function loadBuiltinRuleFile(file: string): CompiledRule[] {
  const doc = readRuleDoc(file);
  return doc.rules.map((r, i) => compileRule(r, file, i));
}

/** A user's rule file: checked against the schema first, so a typo is an error, not a silent no-op. */
export async function loadRuleFile(file: string): Promise<CompiledRule[]> {
  const doc = readRuleDoc(file);
  await validateRuleDoc(doc, file);
  return doc.rules.map((r, i) => compileRule(r, file, i, true));
}

function ruleFilesIn(dir: string): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new InputError(`rules: ${dir} does not exist`);
  }
  if (st.isFile()) return [dir];
  if (!st.isDirectory()) throw new InputError(`rules: ${dir}: ${fileKind(st)}, not a rule file or folder`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * The built-in rules plus user rule files or folders (`--rules`). A user rule with the id
 * of a built-in one replaces it, so a site can re-weigh or silence (weight 0) a rule.
 */
export function builtinRuleFiles(): string[] {
  return ruleFilesIn(BUILTIN_RULES_DIR);
}

/**
 * The built-in rules plus user rule files or folders (`--rules`). A user rule with the id
 * of a built-in one replaces it, so a site can re-weigh or silence (weight 0) a rule.
 */
export async function loadRules(extra: string[] = []): Promise<CompiledRule[]> {
  const byId = new Map<string, CompiledRule>();
  for (const file of builtinRuleFiles()) for (const rule of loadBuiltinRuleFile(file)) byId.set(rule.id, rule);
  for (const file of extra.flatMap(ruleFilesIn)) for (const rule of await loadRuleFile(file)) byId.set(rule.id, rule);
  return [...byId.values()];
}
