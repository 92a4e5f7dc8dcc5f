/**
 * The fuzz run: for each input class, cases cycle through its kinds (case i is kind i mod n,
 * so every kind is tried in every run that has room for it), each generated from its own
 * seed, run by a pool of child processes, checked against the contract and counted.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng, caseSeed } from './prng.js';
import { runCase, violations, type FuzzCase, type Limits, type RunResult, type Violation } from './runner.js';
import type { InputClass, Shared } from './context.js';

export interface SuiteOptions {
  seed: number;
  /** total number of cases, shared by the classes by weight (each kind at least once) */
  budget: number;
  jobs: number;
  long: boolean;
  limits: Limits;
  /** `class`, `class:kind` or `class:kind:caseSeed` (replay one case) */
  only?: string;
  /** where failing cases are copied for a human (with a repro.txt) */
  artifacts?: string;
  /** stop starting new cases after this many seconds */
  maxSeconds?: number;
  log?: (line: string) => void;
}

export interface Failure {
  key: string;
  cls: string;
  kind: string;
  violation: Violation;
  seed: number;
  why: string;
  args: string[];
  code: number | null;
  stderr: string;
  artifact?: string;
}

export interface ClassCounts {
  tried: number;
  exit0: number;
  exit1: number;
  exit2: number;
  timeouts: number;
  memory: number;
  internalErrors: number;
  violating: number;
  peakRssMiB: number;
  ms: number;
}

export interface Summary {
  seed: number;
  budget: number;
  classes: Record<string, ClassCounts>;
  /** failure class -> count and the first case that showed it */
  failures: Record<string, { count: number; first: Failure; examples: string[] }>;
  peakRssMiB: number;
  seconds: number;
  /** cases planned but not started because of the time cap */
  notRun: number;
}

interface Job {
  cls: InputClass;
  kind: string;
  index: number;
  seed: number;
}

/**
 * Text safe for the TAP stream and a terminal: the generated names carry ANSI escapes, CR,
 * U+2028 and bidi overrides on purpose, and a raw one in a test name or comment can break the
 * TAP parser's lines (and so its counts).
 */
export const printable = (s: string): string =>
  s.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

export function planJobs(classes: InputClass[], opts: Pick<SuiteOptions, 'seed' | 'budget' | 'only' | 'long'>): Job[] {
  const jobs: Job[] = [];
  if (opts.only) {
    const [c, k, s] = opts.only.split(':');
    const cls = classes.find((x) => x.name === c);
    if (!cls) throw new Error(`no input class '${c}' (classes: ${classes.map((x) => x.name).join(', ')})`);
    if (k && !cls.kinds[k]) throw new Error(`no kind '${k}' in class ${c} (kinds: ${Object.keys(cls.kinds).join(', ')})`);
    if (s !== undefined) return [{ cls, kind: k, index: 0, seed: Number(s) >>> 0 }];
    const kinds = k ? [k] : Object.keys(cls.kinds);
    const n = new Map<string, number>();
    for (let i = 0; i < Math.max(opts.budget, 1); i++) {
      const kind = kinds[i % kinds.length];
      const cap = cls.caps?.[kind];
      if (cap !== undefined && (n.get(kind) ?? 0) >= cap * (opts.long ? 4 : 1)) continue;
      n.set(kind, (n.get(kind) ?? 0) + 1);
      jobs.push({ cls, kind, index: i, seed: caseSeed(opts.seed, `${c}:${k ?? ''}`, i) });
    }
    return jobs;
  }
  // first every kind of every class once, so even a run cut short by the time cap tries them all
  // (classes interleaved: a cut still reaches every class)
  const first = new Set<string>();
  const most = Math.max(...classes.map((c) => Object.keys(c.kinds).length));
  for (let i = 0; i < most; i++)
    for (const cls of classes) {
      const kind = Object.keys(cls.kinds)[i];
      if (kind === undefined) continue;
      jobs.push({ cls, kind, index: i, seed: caseSeed(opts.seed, cls.name, i) });
      first.add(`${cls.name}:${i}`);
    }
  const total = classes.reduce((a, c) => a + c.weight, 0);
  const per = classes.map((c) => Math.max(Object.keys(c.kinds).length, Math.round((opts.budget * c.weight) / total)));
  // interleave the classes so a time cap cuts every class alike
  const max = Math.max(...per);
  const used = new Map<string, number>();
  for (let i = 0; i < max; i++)
    classes.forEach((cls, k) => {
      if (i >= per[k] || first.has(`${cls.name}:${i}`)) return;
      const kinds = Object.keys(cls.kinds);
      const kind = kinds[i % kinds.length];
      const cap = cls.caps?.[kind];
      const key = `${cls.name}/${kind}`;
      used.set(key, used.get(key) ?? 1);
      if (cap !== undefined && (used.get(key) ?? 0) >= cap * (opts.long ? 4 : 1)) return;
      used.set(key, (used.get(key) ?? 0) + 1);
      jobs.push({ cls, kind, index: i, seed: caseSeed(opts.seed, cls.name, i) });
    });
  return jobs;
}

export async function runSuite(classes: InputClass[], shared: Omit<Shared, 'cacheDir'>, opts: SuiteOptions): Promise<Summary> {
  const started = Date.now();
  const work = mkdtempSync(path.join(os.tmpdir(), 'seedaudit-fuzz-'));
  const cacheDir = path.join(work, 'cache');
  mkdirSync(cacheDir);
  const sh: Shared = { ...shared, cacheDir };
  const jobs = planJobs(classes, opts);
  const summary: Summary = { seed: opts.seed, budget: opts.budget, classes: {}, failures: {}, peakRssMiB: 0, seconds: 0, notRun: 0 };
  const counts = (c: string): ClassCounts =>
    (summary.classes[c] ??= { tried: 0, exit0: 0, exit1: 0, exit2: 0, timeouts: 0, memory: 0, internalErrors: 0, violating: 0, peakRssMiB: 0, ms: 0 });
  let next = 0;
  let done = 0;
  const worker = async (w: number) => {
    for (;;) {
      if (opts.maxSeconds && (Date.now() - started) / 1000 > opts.maxSeconds) return;
      const job = jobs[next++];
      if (!job) return;
      const dir = path.join(work, `case-${w}-${job.index}-${job.cls.name}`);
      mkdirSync(dir, { recursive: true });
      let c: FuzzCase | undefined;
      let r: RunResult | undefined;
      let vs: Violation[];
      try {
        const gen = await job.cls.kinds[job.kind]({ rng: new Rng(job.seed), dir, shared: sh });
        c = { ...gen, cls: job.cls.name, kind: job.kind, seed: job.seed, cwd: dir };
        r = await runCase(c, opts.limits);
        vs = violations(c, r, opts.limits);
      } catch (e) {
        vs = [{ name: 'harness-error', detail: (e as Error).stack ?? String(e) }];
      }
      const n = counts(job.cls.name);
      n.tried++;
      if (r) {
        if (r.timedOut) n.timeouts++;
        else if (r.memoryKilled) n.memory++;
        else if (r.code === 0) n.exit0++;
        else if (r.code === 1) n.exit1++;
        else if (r.code === 2) n.exit2++;
        if (/internal error/i.test(r.stderr)) n.internalErrors++;
        n.peakRssMiB = Math.max(n.peakRssMiB, r.rssMiB);
        summary.peakRssMiB = Math.max(summary.peakRssMiB, r.rssMiB);
        n.ms += r.ms;
      }
      if (vs.length) n.violating++;
      let artifact: string | undefined;
      for (const v of vs) {
        const key = `${job.cls.name}/${job.kind}:${v.name}`;
        const f = (summary.failures[key] ??= {
          count: 0,
          examples: [],
          first: { key, cls: job.cls.name, kind: job.kind, violation: v, seed: job.seed, why: c?.why ?? '(not generated)', args: c?.args ?? [], code: r?.code ?? null, stderr: r?.stderr.slice(0, 2000) ?? '' },
        });
        f.count++;
        if (f.examples.length < 6 && c && !f.examples.includes(c.why)) f.examples.push(c.why);
        if (f.count === 1 && opts.artifacts && c && !artifact) {
          artifact = path.join(opts.artifacts, `${job.cls.name}-${job.kind}-${hex(job.seed)}`);
          try {
            rmSync(artifact, { recursive: true, force: true });
            cpSync(dir, artifact, { recursive: true, verbatimSymlinks: true, filter: (src) => !src.includes('fifo') });
            writeFileSync(
              path.join(artifact, 'repro.txt'),
              `${key}\n${c.why}\n\nreplay: SEEDAUDIT_FUZZ_CASE=${job.cls.name}:${job.kind}:${job.seed} npx tap test/fuzz/fuzz.test.ts\n` +
                `command (in ${dir}): node dist/cli.js ${c.args.map((a) => JSON.stringify(a)).join(' ')}\n` +
                `exit ${r?.code} signal ${r?.signal}\nstderr: ${JSON.stringify(r?.stderr.slice(0, 2000))}\n` +
                `violations:\n${vs.map((x) => `  ${x.name}: ${x.detail}`).join('\n')}\n`,
            );
          } catch {
            // best effort
          }
        }
        if (artifact) f.first.artifact ??= artifact;
      }
      done++;
      if (vs.length && opts.log)
        opts.log(printable(`FAIL ${job.cls.name}/${job.kind} seed=${job.seed} (${c?.why ?? ''}): ${vs.map((v) => `${v.name}: ${v.detail}`).join('; ').slice(0, 400)}`));
      else if (opts.log && done % 100 === 0) opts.log(`… ${done}/${jobs.length} cases`);
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.jobs }, (_, w) => worker(w)));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  summary.seconds = Math.round((Date.now() - started) / 100) / 10;
  summary.notRun = Math.max(0, jobs.length - next);
  return summary;
}

/** The counts as a table, then the failure classes with a replay line each. */
export function formatSummary(s: Summary, known: Record<string, string> = {}): string {
  const cols = ['class', 'tried', 'exit 0', 'exit 1', 'exit 2', 'timeout', 'memory', 'internal', 'violating', 'peak MiB'];
  const rows = Object.entries(s.classes).map(([c, n]) => [c, n.tried, n.exit0, n.exit1, n.exit2, n.timeouts, n.memory, n.internalErrors, n.violating, n.peakRssMiB]);
  const tot = (k: keyof ClassCounts) => Object.values(s.classes).reduce((a, n) => a + n[k], 0);
  rows.push(['total', tot('tried'), tot('exit0'), tot('exit1'), tot('exit2'), tot('timeouts'), tot('memory'), tot('internalErrors'), tot('violating'), s.peakRssMiB]);
  const w = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]) => r.map((x, i) => (i === 0 ? String(x).padEnd(w[i]) : String(x).padStart(w[i]))).join('  ');
  const out = [`seedaudit fuzz: seed ${s.seed} (SEEDAUDIT_FUZZ_SEED=${s.seed}), budget ${s.budget} cases${s.notRun ? ` (${s.notRun} not run: time cap)` : ''}, ${s.seconds} s, peak RSS ${s.peakRssMiB} MiB`, line(cols), ...rows.map(line)];
  const keys = Object.keys(s.failures).sort();
  out.push(keys.length ? `${keys.length} failure classes (contract violations):` : 'no contract violations');
  for (const k of keys) {
    const f = s.failures[k];
    out.push(`  ${known[k] ? '[known] ' : ''}${k} x${f.count}: ${f.first.why}`);
    out.push(`      ${f.first.violation.detail.slice(0, 300)}`);
    if (f.examples.length > 1) out.push(`      also: ${f.examples.slice(1).join(' | ').slice(0, 400)}`);
    out.push(`      replay: SEEDAUDIT_FUZZ_CASE=${f.first.cls}:${f.first.kind}:${f.first.seed}${f.first.artifact ? `  (files: ${f.first.artifact})` : ''}`);
  }
  return out.map(printable).join('\n');
}
