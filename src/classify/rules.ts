/**
 * Classification rules are data (rules/*.json), in the spirit of syft's declarative binary
 * classifiers: each rule says what it matches, the verdict it argues for and how strongly.
 * This module loads and validates them; facts.ts and classify.ts apply them.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import type { InputClass, InputKind } from '../model/report.js';

export interface RuleMatch {
  kind?: InputKind[];
  /** regexes on the input's name */
  name?: string[];
  /** regexes on any URL */
  url?: string[];
  /** regexes on the name or any URL's file name (last path segment, no query) */
  fileName?: string[];
  /** regexes on the name or any full URL */
  nameOrUrl?: string[];
  /** the name or a URL's file name ends with one of these (case-insensitive) */
  extension?: string[];
  /** platform tokens (e.g. x86_64-unknown-linux-gnu, linux-amd64) standing alone in a file name */
  platform?: string[];
  hashMode?: 'flat' | 'nar' | 'text' | 'git';
  executable?: boolean;
  hasUrl?: boolean;
  /** SRI hashes */
  hash?: string[];
  /** the FOD's builder is an output of a derivation in this graph */
  builderInGraph?: boolean;
  /** a derivation that takes this input: as its src, with these in nativeBuildInputs (regexes on drv names) */
  consumer?: { asSrc?: boolean; nativeBuildInputs?: string[]; name?: string[] };
  /** regexes on attributes of the input's own derivation; all must match */
  env?: Record<string, string>;
}

export interface Rule {
  id: string;
  description: string;
  verdict: InputClass;
  weight: number;
  match: RuleMatch;
  /** when this matches too, the rule does not fire */
  unless?: RuleMatch;
  /** the file the rule came from, for error messages and `--explain` */
  file: string;
}

/** A rule with its patterns compiled once. */
export interface CompiledRule extends Rule {
  re: {
    name?: RegExp[];
    url?: RegExp[];
    fileName?: RegExp[];
    nameOrUrl?: RegExp[];
    platform?: RegExp;
    consumerNative?: RegExp[];
    consumerName?: RegExp[];
    env?: [string, RegExp][];
    extension?: string[];
    hash?: Set<string>;
  };
  unlessRule?: CompiledRule;
}

const VERDICTS: InputClass[] = ['source', 'seed', 'prebuilt', 'unknown'];
const KINDS: InputKind[] = ['fixed-output', 'input-src', 'builder'];
const MATCH_KEYS = new Set([
  'kind', 'name', 'url', 'fileName', 'nameOrUrl', 'extension', 'platform', 'hashMode',
  'executable', 'hasUrl', 'hash', 'builderInGraph', 'consumer', 'env',
]);

export const BUILTIN_RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compileMatch(where: string, m: unknown): { match: RuleMatch; re: CompiledRule['re'] } {
  const fail = (msg: string): never => {
    throw new InputError(`${where}: ${msg}`);
  };
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return fail('match must be an object');
  const match = m as Record<string, unknown>;
  for (const k of Object.keys(match)) if (!MATCH_KEYS.has(k)) fail(`unknown match key '${k}'`);
  const strings = (k: string): string[] | undefined => {
    const v = match[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string'))
      return fail(`'${k}' must be a non-empty list of strings`);
    return v as string[];
  };
  const regexes = (k: string, list = strings(k)): RegExp[] | undefined =>
    list?.map((s) => {
      try {
        return new RegExp(s, 'i');
      } catch (e) {
        return fail(`'${k}' pattern ${JSON.stringify(s)} is not a valid regular expression`);
      }
    });
  const bool = (k: string) => {
    if (match[k] !== undefined && typeof match[k] !== 'boolean') fail(`'${k}' must be true or false`);
  };
  ['executable', 'hasUrl', 'builderInGraph'].forEach(bool);
  const kinds = strings('kind');
  kinds?.forEach((k) => KINDS.includes(k as InputKind) || fail(`unknown kind '${k}'`));
  if (match.hashMode !== undefined && !['flat', 'nar', 'text', 'git'].includes(match.hashMode as string))
    fail(`hashMode must be flat, nar, text or git`);
  const re: CompiledRule['re'] = {
    name: regexes('name'),
    url: regexes('url'),
    fileName: regexes('fileName'),
    nameOrUrl: regexes('nameOrUrl'),
  };
  const ext = strings('extension');
  if (ext) re.extension = ext.map((e) => e.toLowerCase());
  const platform = strings('platform');
  if (platform)
    re.platform = new RegExp(`(?:^|[^a-z0-9])(${platform.map(escapeRe).join('|')})(?=$|[^a-z0-9])`, 'i');
  const hash = strings('hash');
  if (hash) re.hash = new Set(hash);
  if (match.consumer !== undefined) {
    const c = match.consumer as Record<string, unknown>;
    if (typeof c !== 'object' || c === null) fail(`'consumer' must be an object`);
    for (const k of Object.keys(c)) if (!['asSrc', 'nativeBuildInputs', 'name'].includes(k)) fail(`unknown consumer key '${k}'`);
    const sub = (k: string) => {
      const v = c[k];
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return fail(`consumer.${k} must be a list of strings`);
      return regexes(`consumer.${k}`, v as string[]);
    };
    re.consumerNative = sub('nativeBuildInputs');
    re.consumerName = sub('name');
  }
  if (match.env !== undefined) {
    const e = match.env;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) fail(`'env' must be an object of regexes`);
    re.env = Object.entries(e as Record<string, unknown>).map(([k, v]) => {
      if (typeof v !== 'string') return fail(`env.${k} must be a regex string`);
      return [k, regexes(`env.${k}`, [v])![0]] as [string, RegExp];
    });
  }
  return { match: match as RuleMatch, re };
}

export function compileRule(raw: unknown, file: string, index: number): CompiledRule {
  const where = `${file}: rule ${index + 1}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(`${where}: not an object`);
  const r = raw as Record<string, unknown>;
  const fail = (msg: string): never => {
    throw new InputError(`${where}${typeof r.id === 'string' ? ` (${r.id})` : ''}: ${msg}`);
  };
  if (typeof r.id !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/i.test(r.id)) fail(`'id' must be a word like "prebuilt.my-rule"`);
  if (typeof r.description !== 'string' || r.description === '') fail(`'description' is required`);
  if (!VERDICTS.includes(r.verdict as InputClass)) fail(`'verdict' must be one of ${VERDICTS.join(', ')}`);
  if (typeof r.weight !== 'number' || !Number.isFinite(r.weight) || r.weight < 0) fail(`'weight' must be a number >= 0`);
  for (const k of Object.keys(r))
    if (!['id', 'description', 'verdict', 'weight', 'match', 'unless'].includes(k)) fail(`unknown key '${k}'`);
  const { match, re } = compileMatch(`${where} (${r.id as string})`, r.match);
  const rule: CompiledRule = {
    id: r.id as string,
    description: r.description as string,
    verdict: r.verdict as InputClass,
    weight: r.weight as number,
    match,
    file,
    re,
  };
  if (r.unless !== undefined) {
    const u = compileMatch(`${where} (${r.id as string}) unless`, r.unless);
    rule.unless = u.match;
    rule.unlessRule = { ...rule, match: u.match, re: u.re, unless: undefined, unlessRule: undefined };
  }
  return rule;
}

export function loadRuleFile(file: string): CompiledRule[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`rules file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
  }
  const rules = (doc as { rules?: unknown })?.rules;
  if (!Array.isArray(rules)) throw new InputError(`rules file ${file}: expected {"rules": [...]}`);
  return rules.map((r, i) => compileRule(r, file, i));
}

function ruleFilesIn(dir: string): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new InputError(`rules: ${dir} does not exist`);
  }
  if (st.isFile()) return [dir];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * The built-in rules plus user rule files or folders (`--rules`). A user rule with the id
 * of a built-in one replaces it, so a site can re-weigh or silence (weight 0) a rule.
 */
export function loadRules(extra: string[] = []): CompiledRule[] {
  const byId = new Map<string, CompiledRule>();
  for (const file of [...ruleFilesIn(BUILTIN_RULES_DIR), ...extra.flatMap(ruleFilesIn)]) {
    for (const rule of loadRuleFile(file)) byId.set(rule.id, rule);
  }
  return [...byId.values()];
}
