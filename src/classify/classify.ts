/**
 * Classification: a pure function of an input's facts and the rules. Each rule that
 * matches argues for its verdict with its weight; the scoring fails closed:
 *
 *  1. A decisive rule (a published seed hash, compiled code found in the bytes) decides on
 *     its own; among several, the heaviest wins.
 *  2. Otherwise binary weight B (seed + prebuilt), source weight S and unknown weight U are
 *     summed. An unknown rule that weighs at least as much as each side decides `unknown`.
 *  3. `prebuilt`/`seed` needs B >= 50 and no source signal of comparable strength (S*2 <= B);
 *     `source` needs S >= 50 and no binary signal of comparable strength (B*2 <= S).
 *  4. Anything else is `unknown`: conflicting signals, or too little evidence either way.
 *     A conflict never resolves to `source`.
 *
 * Every rule that fired stays in the evidence, the deciding ones first.
 */
import type { InputFacts, ConsumerFacts } from '../model/facts.js';
import type { ClassifiedInput, RawInput } from '../model/input.js';
import type { Evidence, InputClass } from '../model/report.js';
import type { CompiledRule, RuleMatch } from './rules.js';

/** Weight a side needs before it can decide. */
export const MIN_DECIDING_WEIGHT = 50;
/** A side decides only when it weighs at least this many times the other side. */
export const DOMINANCE = 2;

const clip = (v: string, n = 80): string => (v.length > n ? v.slice(0, n - 3) + '...' : v);

function firstLine(s: string, at: number): string {
  const start = s.lastIndexOf('\n', at) + 1;
  const end = s.indexOf('\n', at);
  return clip(s.slice(start, end < 0 ? undefined : end).trim(), 100);
}

/** Evaluate one match block; returns the concrete facts it matched on, or null. */
export function evaluate(rule: CompiledRule, m: RuleMatch, f: InputFacts, re = rule.re): string[] | null {
  const facts: string[] = [];
  if (m.kind && !m.kind.includes(f.kind)) return null;
  if (m.fetcher) {
    if (!m.fetcher.includes(f.fetcher)) return null;
    facts.push(f.fetcherDetail);
  }
  if (re.name) {
    if (!re.name.some((r) => r.test(f.name))) return null;
    facts.push(`name '${f.name}'`);
  }
  if (re.url) {
    const u = f.urls.find((x) => re.url!.some((r) => r.test(x.url)));
    if (u === undefined) return null;
    facts.push(`URL ${u.url}`);
  }
  if (re.urlPath) {
    const u = f.urls.find((x) => x.dirs.length > 0 && re.urlPath!.some((r) => r.test('/' + x.dirs.join('/') + '/')));
    if (u === undefined) return null;
    facts.push(`URL path /${u.dirs.join('/')}/ of ${u.url}`);
  }
  if (re.host) {
    const u = f.urls.find((x) => re.host!.some((r) => r.test(x.host)));
    if (u === undefined) return null;
    facts.push(`${u.scheme === 'mirror' ? 'mirror' : 'host'} '${u.host}' in ${u.url}`);
  }
  if (re.fileName) {
    const n = f.fileNames.find((x) => re.fileName!.some((r) => r.test(x)));
    if (n === undefined) return null;
    facts.push(`file name '${n}'`);
  }
  if (re.nameOrUrl) {
    const n = [f.name, ...f.urls.map((u) => u.url)].find((x) => re.nameOrUrl!.some((r) => r.test(x)));
    if (n === undefined) return null;
    facts.push(n === f.name ? `name '${n}'` : `URL ${n}`);
  }
  if (re.extension) {
    let hit: string | undefined;
    for (const n of f.fileNames) {
      const mm = re.extension.exec(n);
      if (mm) {
        hit = `'${n}' ends in ${mm[1].toLowerCase()}`;
        break;
      }
    }
    if (!hit) return null;
    facts.push(hit);
  }
  if (m.platform) {
    const p = m.platform;
    const hit = f.platforms.find((h) => (!p.where || p.where.includes(h.where)) && (!p.strength || p.strength.includes(platformStrength(h.words))));
    if (!hit) return null;
    facts.push(`platform ${hit.words.map((w) => `${w.kind} '${w.word}'`).join(', ')} in ${hit.where} '${hit.text}'`);
  }
  if (m.hashMode !== undefined) {
    if (f.hashMode !== m.hashMode) return null;
    facts.push(`hash mode ${f.hashMode}`);
  }
  if (m.executable !== undefined) {
    if (f.executable !== m.executable) return null;
    facts.push(m.executable ? 'fetched with executable = true' : 'not executable');
  }
  if (m.hasUrl !== undefined) {
    if (f.urls.length > 0 !== m.hasUrl) return null;
    if (!m.hasUrl) facts.push('no URL');
  }
  if (re.hash) {
    if (!f.hash || !re.hash.has(f.hash)) return null;
    facts.push(`hash ${f.hash}`);
  }
  if (re.env) {
    if (f.kind !== 'fixed-output') return null;
    for (const [k, r] of re.env) {
      const v = f.env[k];
      if (v === undefined || !r.test(v)) return null;
      facts.push(`${k} = '${clip(v)}'`);
    }
  }
  if (m.consumer) {
    const hit = consumerFact(m, f, re);
    if (!hit) return null;
    facts.push(hit);
  }
  if (m.contents) {
    const hit = contentFact(m, f);
    if (!hit) return null;
    facts.push(hit);
  }
  return facts;
}

/**
 * How strongly a set of platform words names a binary target: `target` when OS and
 * architecture (or a triple's arch and libc, or a distro and arch) are both named,
 * `arch` for an architecture alone, `distro` for a versioned distribution alone.
 */
export function platformStrength(words: { kind: string }[]): 'target' | 'arch' | 'distro' {
  const k = new Set(words.map((w) => w.kind));
  if (k.has('os-arch') || (k.has('arch') && (k.has('os') || k.has('libc') || k.has('distro')))) return 'target';
  if (k.has('arch')) return 'arch';
  return k.has('distro') && k.has('os') ? 'target' : 'distro';
}

/**
 * The first consumer that uses the input as the rule asks. Cheap tests first, the regexes
 * over a consumer's scripts last (they dominate the cost), and the evidence text is built
 * only for the consumer that matched.
 */
function consumerFact(m: RuleMatch, f: InputFacts, re: CompiledRule['re']): string | null {
  const c = m.consumer!;
  for (const user of f.consumers) {
    const takes = c.takes ? takesAs(user, c.takes) : null;
    if (c.takes && !takes) continue;
    if (re.consumerName && !re.consumerName.some((r) => r.test(user.name))) continue;
    if (re.consumerPname && (!user.pname || !re.consumerPname.some((r) => r.test(user.pname!)))) continue;
    const native = re.consumerNative ? user.nativeBuildInputs.find((n) => re.consumerNative!.some((r) => r.test(n))) : undefined;
    if (re.consumerNative && !native) continue;
    if (c.builds !== undefined && user.builds.length > 0 !== c.builds) continue;
    const noBuild = user.dontBuild || (user.customInstall && user.builds.length === 0);
    if (c.noBuild !== undefined && noBuild !== c.noBuild) continue;
    let line: string | undefined;
    if (re.consumerScript) {
      scan: for (const part of user.scripts)
        for (const r of re.consumerScript) {
          const mm = r.exec(part);
          if (mm) {
            line = firstLine(part, mm.index);
            break scan;
          }
        }
      if (line === undefined) continue;
    }
    const how: string[] = [];
    if (takes) how.push(takes);
    if (re.consumerPname) how.push(`pname '${user.pname}'`);
    if (native) how.push(`${native} in nativeBuildInputs`);
    if (c.builds !== undefined)
      how.push(c.builds ? `builds it (${user.builds.join('; ')})` : 'runs no build step (no build-system hook, no compiler or make in its scripts)');
    if (c.noBuild) how.push(user.dontBuild ? 'dontBuild is set' : 'overrides installPhase and runs no build step');
    if (line !== undefined) how.push(`its script runs '${line}'`);
    return `${user.name} takes it${how.length ? ' ' + how.join(', ') : ''}`;
  }
  return null;
}

function takesAs(user: ConsumerFacts, takes: string[]): string | null {
  if (takes.includes('src') && user.asSrc) return 'as src';
  if (takes.includes('patch') && user.asPatch) return 'as a patch';
  if (takes.includes('script') && user.inScript) return 'in its own script';
  if (takes.includes('any')) return 'as an input';
  return null;
}

function contentFact(m: RuleMatch, f: InputFacts): string | null {
  const c = f.contents;
  if (!c) return null;
  const spec = m.contents!;
  if (spec.noBinaries) {
    if (c.binaryCount > 0 || c.error || c.capped || c.members === 0) return null;
    return `looked inside ${c.format}: no binary member among ${c.members}`;
  }
  if (spec.unreadable) {
    if (!c.error && !c.capped) return null;
    return `could not read all of ${c.format}: ${c.error ?? c.capped}`;
  }
  const kinds = spec.kinds ?? Object.keys(c.byKind);
  const n = kinds.reduce((s, k) => s + (c.byKind[k] ?? 0), 0);
  if (n < (spec.min ?? 1)) return null;
  const listed = c.binaries.filter((b) => kinds.includes(b.kind)).slice(0, 3).map((b) => `${b.member}: ${describeKind(b.kind)}`);
  const all = kinds.filter((k) => c.byKind[k]).map((k) => `${c.byKind[k]} ${k}`).join(', ');
  return `${c.format} holds ${all} among ${c.members} member${c.members === 1 ? '' : 's'}${listed.length ? `, e.g. ${listed.join('; ')}` : ''}`;
}

const KIND_TEXT: Record<string, string> = {
  elf: 'ELF executable', 'shared-object': 'ELF shared object', 'static-library': 'static library (ar of objects)',
  object: 'ELF relocatable object', 'java-class': 'Java class file', pyc: 'Python byte-code', 'mach-o': 'Mach-O binary',
  pe: 'PE (Windows) binary', jar: 'Java archive', wheel: 'Python wheel',
};
const describeKind = (k: string) => KIND_TEXT[k] ?? k;

interface Fired {
  rule: CompiledRule;
  detail: string;
}

/** Decide the class from the rules that fired (see the scoring at the top of this file). */
export function decide(fired: Fired[]): { verdict: InputClass; why: string } {
  const decisive = fired.filter((x) => x.rule.decisive).sort((a, b) => b.rule.weight - a.rule.weight);
  if (decisive.length) return { verdict: decisive[0].rule.verdict, why: `decisive rule ${decisive[0].rule.id}` };
  const sum = (v: InputClass) => fired.filter((x) => x.rule.verdict === v).reduce((s, x) => s + x.rule.weight, 0);
  const seed = sum('seed');
  const prebuilt = sum('prebuilt');
  const B = seed + prebuilt;
  const S = sum('source');
  const U = sum('unknown');
  if (U > 0 && U >= B && U >= S) return { verdict: 'unknown', why: `unknown weight ${U} against binary ${B}, source ${S}` };
  if (B >= MIN_DECIDING_WEIGHT && S * DOMINANCE <= B)
    return { verdict: seed >= prebuilt ? 'seed' : 'prebuilt', why: `binary weight ${B} against source ${S}` };
  if (S >= MIN_DECIDING_WEIGHT && B * DOMINANCE <= S) return { verdict: 'source', why: `source weight ${S} against binary ${B}` };
  if (B > 0 && S > 0) return { verdict: 'unknown', why: `conflict: binary weight ${B} against source ${S}` };
  return { verdict: 'unknown', why: `too little evidence: binary weight ${B}, source ${S} (${MIN_DECIDING_WEIGHT} needed)` };
}

/** True when one of the rule's `unless` blocks matches. */
export const vetoed = (rule: CompiledRule, f: InputFacts): boolean =>
  rule.unlessRules?.some((u) => evaluate(u, u.match, f, u.re) !== null) ?? false;

/**
 * The rules that can fire for an input of this kind, with and without consumers and
 * contents: a rule whose match needs a consumer cannot fire on an input nothing consumes.
 * Computed once per rule set (a scan asks for it hundreds of thousands of times).
 */
const applicable = new WeakMap<CompiledRule[], Map<string, CompiledRule[]>>();
function rulesFor(rules: CompiledRule[], f: InputFacts): CompiledRule[] {
  let byShape = applicable.get(rules);
  if (!byShape) applicable.set(rules, (byShape = new Map()));
  const hasConsumers = f.consumers.length > 0;
  const hasContents = f.contents !== null;
  const hasUrls = f.urls.length > 0;
  const hasPlatforms = f.platforms.length > 0;
  const key = `${f.kind} ${f.fetcher} ${hasConsumers} ${hasContents} ${hasUrls} ${hasPlatforms}`;
  let list = byShape.get(key);
  if (!list) {
    list = rules.filter(
      (r) =>
        r.weight > 0 &&
        (!r.match.kind || r.match.kind.includes(f.kind)) &&
        (!r.match.fetcher || r.match.fetcher.includes(f.fetcher)) &&
        (hasConsumers || !r.match.consumer) &&
        (hasContents || !r.match.contents) &&
        (hasUrls || !(r.match.url || r.match.urlPath || r.match.host)) &&
        (hasPlatforms || !r.match.platform),
    );
    byShape.set(key, list);
  }
  return list;
}

/** Classify one input's facts. Pure: the same facts and rules always give the same result. */
export function classifyFacts(f: InputFacts, rules: CompiledRule[]): { class: InputClass; evidence: Evidence[] } {
  const fired: Fired[] = [];
  for (const rule of rulesFor(rules, f)) {
    const facts = evaluate(rule, rule.match, f);
    if (!facts) continue;
    if (vetoed(rule, f)) continue;
    fired.push({ rule, detail: facts.length ? `${rule.description}: ${facts.join('; ')}` : rule.description });
  }
  const { verdict, why } = decide(fired);
  const binary = (c: InputClass) => c === 'seed' || c === 'prebuilt';
  const agrees = (x: Fired) => x.rule.verdict === verdict || (binary(verdict) && binary(x.rule.verdict));
  const byWeight = (a: Fired, b: Fired) => Number(b.rule.decisive ?? false) - Number(a.rule.decisive ?? false) || b.rule.weight - a.rule.weight;
  const evidence: Evidence[] = fired
    .filter(agrees)
    .sort(byWeight)
    .map((x) => ({ rule: x.rule.id, detail: x.detail }));
  const against = fired.filter((x) => !agrees(x)).sort(byWeight);
  if (verdict === 'unknown' && !fired.some((x) => x.rule.verdict === 'unknown'))
    evidence.unshift({
      rule: fired.length ? 'score.unresolved' : 'score.no-rule-matched',
      detail: fired.length
        ? `${why}: a source verdict needs ${MIN_DECIDING_WEIGHT}+ source weight and no binary signal of comparable strength, a binary verdict the reverse, so a human has to look`
        : `no rule matched ${f.urls.length ? `'${f.name}' from ${f.urls[0].url}` : `'${f.name}'`}: neither a source nor a binary signal, so a human has to look`,
    });
  for (const x of against) evidence.push({ rule: x.rule.id, detail: `not decisive (${x.rule.verdict}, weight ${x.rule.weight}): ${x.detail}` });
  return { class: verdict, evidence };
}

export function classifyInput(input: RawInput, facts: InputFacts, rules: CompiledRule[]): ClassifiedInput {
  const verdict = classifyFacts(facts, rules);
  return {
    id: input.id, kind: input.kind, name: input.name, drv: input.drv, path: input.path, urls: input.urls, hash: input.hash,
    hashMode: input.hashMode, drvs: input.drvs, users: input.users, class: verdict.class, evidence: verdict.evidence,
    contents: facts.contents,
  };
}

