/**
 * Runs one generated case as its own process (`node child.mjs dist/cli.js ARGS`, which is the
 * CLI exactly as a user runs it), with a wall-clock timeout and an RSS watchdog, and checks
 * the result against the contract:
 *   - exit 0 or 1 only for inputs that were fully read, exit 2 with exactly ONE line
 *     `seedaudit: …` on stderr; never "internal error", never a stack trace;
 *   - never a hang (timeout), never unbounded memory (peak RSS over the limit);
 *   - no control characters / ANSI escapes from the input on stderr (nor in the text report);
 *   - no silent pass: a case built to be incomplete never exits 0.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../helpers.js';

export const cliPath = path.join(repoRoot, 'dist', 'cli.js');
const childPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'child.mjs');

/**
 * What the contract allows for this input:
 *  read      fully readable: exit 0 or 1 (2 would be refusing a good input)
 *  error     cannot be fully read: exit 2 with one `seedaudit:` line
 *  not-pass  built to be incomplete or to carry a binary: never exit 0
 *  fail      a readable graph that carries a binary (or an input that cannot be fully read,
 *            which must become unknown and fail under --fail-on unknown): exit 1 exactly
 *  any       0, 1 or 2, each under its own rules
 */
export type Expect = 'read' | 'error' | 'not-pass' | 'fail' | 'any';

export interface FuzzCase {
  /** input class: json, aterm, elf, archive, allowlist, rules */
  cls: string;
  /** the mutation or shape, a short stable name (the failure class is cls/kind:violation) */
  kind: string;
  /** case seed: SEEDAUDIT_FUZZ_CASE=cls:kind:seed replays it */
  seed: number;
  /** one line saying what was generated */
  why: string;
  args: string[];
  cwd: string;
  stdin?: Buffer;
  expect: Expect;
  /** the report format is text on stdout: check it for control characters too */
  textStdout?: boolean;
  /** extra checks on the result (e.g. the JSON report), returning violation names with detail */
  check?: (r: RunResult) => Violation[];
  /** started before the process (e.g. a FIFO writer); stopped after */
  during?: () => () => void;
  timeoutMs?: number;
}

export interface Violation {
  /** stable name: the failure class is `${cls}/${kind}:${name}` */
  name: string;
  detail: string;
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** peak RSS in MiB (VmHWM the child reports at exit, else the watchdog's highest VmRSS sample) */
  rssMiB: number;
  timedOut: boolean;
  memoryKilled: boolean;
}

export interface Limits {
  timeoutMs: number;
  /** peak RSS above this is a violation */
  rssMiB: number;
  /** the watchdog kills the process above this */
  killRssMiB: number;
}

/**
 * Current RSS of the child, once it runs child.mjs: before exec the forked process still
 * counts the runner's pages, which are not the CLI's.
 */
const rssOf = (pid: number): number => {
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('child.mjs')) return 0;
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
};

/** The user's environment without the test runner's coverage and loader hooks (they slow every case down). */
const childEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (/^(NODE_V8_COVERAGE|NODE_OPTIONS|TAP|_TAPJS|SEEDAUDIT_DEBUG)/.test(k)) delete env[k];
  return env;
};

const MAX_CAPTURE = 4 * 1024 * 1024;

export function runCase(c: FuzzCase, limits: Limits): Promise<RunResult> {
  return new Promise((resolve) => {
    const start = Date.now();
    const stop = c.during?.();
    const child = spawn(process.execPath, [childPath, cliPath, ...c.args], {
      cwd: c.cwd,
      stdio: [c.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'],
      env: childEnv(),
    });
    let stdout = '';
    let stderr = '';
    let rusage = '';
    let peak = 0;
    let timedOut = false;
    let memoryKilled = false;
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      if (stdout.length < MAX_CAPTURE) stdout += s;
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      if (stderr.length < MAX_CAPTURE) stderr += s;
    });
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (s: string) => (rusage += s));
    if (c.stdin) {
      child.stdin!.on('error', () => {}); // the CLI may exit before reading it all
      child.stdin!.end(c.stdin);
    }
    const kill = () => {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, c.timeoutMs ?? limits.timeoutMs);
    const watch = setInterval(() => {
      if (child.pid === undefined) return;
      const rss = rssOf(child.pid);
      if (rss > peak) peak = rss;
      if (rss > limits.killRssMiB) {
        memoryKilled = true;
        kill();
      }
    }, 50);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      stop?.();
      try {
        const r = JSON.parse(rusage) as { peakKiB: number | null };
        if (r.peakKiB) peak = Math.max(peak, r.peakKiB / 1024);
      } catch {
        // killed before it could report: the watchdog's samples stand
      }
      resolve({ code, signal, stdout, stderr, ms: Date.now() - start, rssMiB: Math.round(peak), timedOut, memoryKilled });
    });
  });
}

/** C0/C1 controls (but \n and \t), DEL, line separators, bidi overrides: nothing a terminal should get from input. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const show = (s: string, n = 300): string => JSON.stringify(s.length > n ? s.slice(0, n) + '…' : s);

/** The contract, checked on one result. */
export function violations(c: FuzzCase, r: RunResult, limits: Limits): Violation[] {
  const out: Violation[] = [];
  if (r.timedOut) out.push({ name: 'timeout', detail: `no exit within ${c.timeoutMs ?? limits.timeoutMs} ms` });
  if (r.memoryKilled) out.push({ name: 'memory', detail: `RSS over ${limits.killRssMiB} MiB: killed` });
  else if (r.rssMiB > limits.rssMiB) out.push({ name: 'memory', detail: `peak RSS ${r.rssMiB} MiB > ${limits.rssMiB} MiB` });
  if (r.timedOut || r.memoryKilled) return out;
  if (r.signal) return [...out, { name: 'crash', detail: `killed by ${r.signal}; stderr ${show(r.stderr)}` }];
  if (r.code !== 0 && r.code !== 1 && r.code !== 2) return [...out, { name: 'bad-exit', detail: `exit ${r.code}; stderr ${show(r.stderr)}` }];
  if (/internal error/i.test(r.stderr)) out.push({ name: 'internal-error', detail: `exit ${r.code}: ${show(r.stderr)}` });
  else if (r.code === 2 && !/^seedaudit: [^\n]*\n$/.test(r.stderr))
    out.push({ name: 'stderr-not-one-line', detail: `exit 2 with stderr ${show(r.stderr, 600)}` });
  else if (/\n\s+at .*\(.*:\d+:\d+\)/.test(r.stderr)) out.push({ name: 'stack-trace', detail: show(r.stderr, 600) });
  if (CONTROL.test(r.stderr)) out.push({ name: 'control-chars-stderr', detail: show(r.stderr) });
  if (c.textStdout && CONTROL.test(r.stdout)) {
    const at = r.stdout.search(CONTROL);
    out.push({ name: 'control-chars-stdout', detail: `text report: ${show(r.stdout.slice(Math.max(0, at - 60), at + 60))}` });
  }
  if (c.expect === 'error' && r.code !== 2)
    out.push({ name: 'not-refused', detail: `expected exit 2 (input cannot be fully read), got ${r.code}` });
  if (c.expect === 'not-pass' && r.code === 0) out.push({ name: 'silent-pass', detail: 'expected a failing gate or exit 2, got exit 0' });
  if (c.expect === 'fail' && r.code === 0) out.push({ name: 'silent-pass', detail: 'expected the gate to fail (exit 1), got exit 0' });
  if ((c.expect === 'read' || c.expect === 'fail') && r.code === 2) out.push({ name: 'refused-valid', detail: `a readable input was refused: ${show(r.stderr)}` });
  if (c.check && !out.some((v) => v.name === 'internal-error')) {
    // a failed exit-code expectation is the violation; what the report shows is its detail
    const extra = c.check(r);
    const primary = out.find((v) => v.name === 'silent-pass' || v.name === 'not-refused');
    if (primary && extra.length) primary.detail += `; ${extra.map((v) => `${v.name}: ${v.detail}`).join('; ')}`;
    else out.push(...extra);
  }
  return out;
}
