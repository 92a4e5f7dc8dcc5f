/** Run settings from the environment; the seed is printed so any run can be replayed. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SuiteOptions } from './suite.js';

export interface FuzzConfig extends Omit<SuiteOptions, 'log'> {
  emptyAllowlistDir: string;
}

const num = (v: string | undefined, dflt: number): number => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${v}`);
  return n;
};

/**
 *  SEEDAUDIT_FUZZ_SEED     run seed (default: a fresh one, printed)
 *  SEEDAUDIT_FUZZ_BUDGET   number of cases (default 240 in CI mode, 4000 in long mode)
 *  SEEDAUDIT_FUZZ_SECONDS  stop starting cases after this long (default 60 CI, none long)
 *  SEEDAUDIT_FUZZ_JOBS     parallel cases (default 2)
 *  SEEDAUDIT_FUZZ_CASE     class, class:kind or class:kind:caseSeed (replay one case)
 *  SEEDAUDIT_FUZZ_LONG     1: long mode (bigger bombs and strings, longer timeouts)
 *  SEEDAUDIT_FUZZ_RSS_MB   peak RSS allowed per case (default 512)
 */
export function configFromEnv(env: NodeJS.ProcessEnv, artifacts: string): FuzzConfig {
  const long = env.SEEDAUDIT_FUZZ_LONG === '1';
  const seed = env.SEEDAUDIT_FUZZ_SEED ? Number(env.SEEDAUDIT_FUZZ_SEED) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
  const rss = num(env.SEEDAUDIT_FUZZ_RSS_MB, 512);
  return {
    seed,
    budget: num(env.SEEDAUDIT_FUZZ_BUDGET, long ? 4000 : 240),
    jobs: num(env.SEEDAUDIT_FUZZ_JOBS, 2),
    long,
    maxSeconds: env.SEEDAUDIT_FUZZ_SECONDS ? num(env.SEEDAUDIT_FUZZ_SECONDS, 0) : long ? undefined : 60,
    only: env.SEEDAUDIT_FUZZ_CASE || undefined,
    limits: { timeoutMs: num(env.SEEDAUDIT_FUZZ_TIMEOUT_MS, long ? 30_000 : 15_000), rssMiB: rss, killRssMiB: rss * 3 },
    artifacts,
    emptyAllowlistDir: artifacts,
  };
}

export const writeEmptyAllowlist = (dir: string): string => {
  const f = path.join(dir, 'allow-empty.json');
  writeFileSync(f, JSON.stringify({ version: 1, seeds: [] }));
  return f;
};
