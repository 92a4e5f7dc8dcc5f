/**
 * Apply the rules to every input. Each rule that matches adds its weight to its verdict;
 * the verdict with the most weight wins (ties go to the more cautious class), and every
 * rule that fired is kept as evidence, so a reviewer sees what was outweighed too.
 */
import { attr, type Derivation, type DerivationGraph } from '../model/graph.js';
import type { Evidence, InputClass } from '../model/report.js';
import type { CompiledRule, RuleMatch } from './rules.js';
import type { RawInput } from './inputs.js';

export interface ClassifiedInput extends RawInput {
  class: InputClass;
  evidence: Evidence[];
}

/** On equal weight, prefer the verdict that asks for more scrutiny. */
const CAUTION: InputClass[] = ['prebuilt', 'seed', 'unknown', 'source'];

/** Lookups shared by all inputs of one graph, built once. */
export class GraphIndex {
  /** output path -> derivation that produces it */
  readonly producer = new Map<string, Derivation>();
  constructor(readonly graph: DerivationGraph) {
    for (const d of graph.derivations.values())
      for (const o of Object.values(d.outputs)) if (o.path) this.producer.set(o.path, d);
  }
}

/** The file names an input goes by: its name and the last path segment of each URL. */
export function fileNamesOf(input: RawInput): string[] {
  const names = [input.name];
  for (const u of input.urls) {
    const noQuery = u.replace(/[?#].*$/, '').replace(/\/+$/, '');
    let base = noQuery.slice(noQuery.lastIndexOf('/') + 1);
    try {
      base = decodeURIComponent(base);
    } catch {
      // keep the raw segment: a malformed escape is still a name to match
    }
    if (base && !names.includes(base)) names.push(base);
  }
  return names;
}

class Facts {
  readonly fileNames: string[];
  constructor(
    readonly input: RawInput,
    readonly index: GraphIndex,
  ) {
    this.fileNames = fileNamesOf(input);
  }
  get executable(): boolean {
    return this.input.drv !== null && this.input.kind === 'fixed-output' && attr(this.input.drv, 'executable') === '1';
  }
}

/** Evaluate one match block; returns the concrete facts it matched on, or null. */
function evaluate(rule: CompiledRule, m: RuleMatch, f: Facts): string[] | null {
  const { input } = f;
  const re = rule.re;
  const facts: string[] = [];
  if (m.kind && !m.kind.includes(input.kind)) return null;
  if (re.name) {
    if (!re.name.some((r) => r.test(input.name))) return null;
    facts.push(`name '${input.name}'`);
  }
  if (re.url) {
    const u = input.urls.find((x) => re.url!.some((r) => r.test(x)));
    if (u === undefined) return null;
    facts.push(`URL ${u}`);
  }
  if (re.fileName) {
    const n = f.fileNames.find((x) => re.fileName!.some((r) => r.test(x)));
    if (n === undefined) return null;
    facts.push(`file name '${n}'`);
  }
  if (re.nameOrUrl) {
    const n = [input.name, ...input.urls].find((x) => re.nameOrUrl!.some((r) => r.test(x)));
    if (n === undefined) return null;
    facts.push(n === input.name ? `name '${n}'` : `URL ${n}`);
  }
  if (re.extension) {
    let hit: string | undefined;
    for (const n of f.fileNames) {
      const lower = n.toLowerCase();
      const ext = re.extension.find((e) => lower.endsWith(e));
      if (ext) {
        hit = `'${n}' ends in ${ext}`;
        break;
      }
    }
    if (!hit) return null;
    facts.push(hit);
  }
  if (re.platform) {
    let hit: string | undefined;
    for (const n of f.fileNames) {
      const mm = re.platform.exec(n);
      if (mm) {
        hit = `platform '${mm[1]}' in '${n}'`;
        break;
      }
    }
    if (!hit) return null;
    facts.push(hit);
  }
  if (m.hashMode !== undefined) {
    if (input.hashMode !== m.hashMode) return null;
    facts.push(`hash mode ${input.hashMode}`);
  }
  if (m.executable !== undefined) {
    if (f.executable !== m.executable) return null;
    facts.push(m.executable ? 'fetched with executable = true' : 'not executable');
  }
  if (m.hasUrl !== undefined) {
    if (input.urls.length > 0 !== m.hasUrl) return null;
    if (!m.hasUrl) facts.push('no URL');
  }
  if (re.hash) {
    if (!input.hash || !re.hash.has(input.hash)) return null;
    facts.push(`hash ${input.hash}`);
  }
  if (m.builderInGraph !== undefined) {
    const d = input.drv;
    const producer = d ? f.index.producer.get(d.builder) ?? findProducer(f.index, d.builder) : undefined;
    if (Boolean(producer) !== m.builderInGraph) return null;
    if (producer && d) {
      const args = d.args.map((a) => a.slice(a.lastIndexOf('/') + 1)).join(' ');
      facts.push(`builder ${d.builder} is built in this graph by ${producer.name}${args ? `, run as '${producer.name} ${args}'` : ''}`);
    }
  }
  if (re.env) {
    const d = input.drv;
    if (!d || input.kind !== 'fixed-output') return null;
    for (const [k, r] of re.env) {
      const v = attr(d, k);
      if (v === undefined || !r.test(v)) return null;
      facts.push(`${k} = '${v.length > 80 ? v.slice(0, 77) + '...' : v}'`);
    }
  }
  if (m.consumer) {
    const hit = consumerFact(rule, m, f);
    if (!hit) return null;
    facts.push(hit);
  }
  return facts;
}

/** A builder like /nix/store/…-bash/bin/bash lives inside an output; find that output. */
function findProducer(index: GraphIndex, builder: string): Derivation | undefined {
  const storeDir = index.graph.storeDir;
  if (!builder.startsWith(storeDir + '/')) return undefined;
  const slash = builder.indexOf('/', storeDir.length + 1);
  return slash < 0 ? undefined : index.producer.get(builder.slice(0, slash));
}

function consumerFact(rule: CompiledRule, m: RuleMatch, f: Facts): string | null {
  const { input, index } = f;
  for (const userPath of input.users) {
    const user = index.graph.derivations.get(userPath);
    if (!user) continue;
    if (rule.re.consumerName && !rule.re.consumerName.some((r) => r.test(user.name))) continue;
    if (m.consumer!.asSrc) {
      // `srcs` is split only when `src` is not the input: most consumers name it in `src`
      if (!input.path) continue;
      if (attr(user, 'src') !== input.path && !(attr(user, 'srcs')?.split(/\s+/) ?? []).includes(input.path)) continue;
    }
    let hook = '';
    if (rule.re.consumerNative) {
      const names = (attr(user, 'nativeBuildInputs') ?? '')
        .split(/\s+/)
        .map((p) => index.producer.get(p)?.name)
        .filter((n): n is string => Boolean(n));
      const found = names.find((n) => rule.re.consumerNative!.some((r) => r.test(n)));
      if (!found) continue;
      hook = ` with ${found} in nativeBuildInputs`;
    }
    return `${user.name} takes it${m.consumer!.asSrc ? ' as src' : ''}${hook}`;
  }
  return null;
}

export function classifyInput(input: RawInput, rules: CompiledRule[], index: GraphIndex): ClassifiedInput {
  const f = new Facts(input, index);
  const fired: { rule: CompiledRule; detail: string }[] = [];
  for (const rule of rules) {
    if (rule.weight === 0) continue;
    const facts = evaluate(rule, rule.match, f);
    if (!facts) continue;
    if (rule.unlessRule && evaluate(rule.unlessRule, rule.unlessRule.match, f)) continue;
    fired.push({ rule, detail: facts.length ? `${rule.description}: ${facts.join('; ')}` : rule.description });
  }
  const score: Record<InputClass, number> = { source: 0, seed: 0, prebuilt: 0, unknown: 0 };
  for (const { rule } of fired) score[rule.verdict] += rule.weight;
  let verdict: InputClass = 'unknown';
  let best = 0;
  for (const c of CAUTION)
    if (score[c] > best) {
      best = score[c];
      verdict = c;
    }
  const evidence: Evidence[] = fired
    .filter((x) => x.rule.verdict === verdict)
    .sort((a, b) => b.rule.weight - a.rule.weight)
    .map((x) => ({ rule: x.rule.id, detail: x.detail }));
  for (const x of fired.filter((y) => y.rule.verdict !== verdict).sort((a, b) => b.rule.weight - a.rule.weight))
    evidence.push({ rule: x.rule.id, detail: `outweighed (${x.rule.verdict}, weight ${x.rule.weight} against ${best}): ${x.detail}` });
  if (fired.length === 0)
    evidence.push({
      rule: 'default.no-rule-matched',
      detail: `no rule matched ${describe(input)}: neither a source nor a binary signal, so a human has to look`,
    });
  return { ...input, class: verdict, evidence };
}

function describe(input: RawInput): string {
  if (input.urls.length) return `'${input.name}' from ${input.urls[0]}`;
  return `'${input.name}'`;
}

/** `index` is built once per scan and shared with the inspect stage. */
export function classifyAll(inputs: RawInput[], rules: CompiledRule[], index: GraphIndex): ClassifiedInput[] {
  return inputs.map((i) => classifyInput(i, rules, index));
}
