/** What every generator gets: the case's own directory, shared files, the run's size knobs. */
import type { Rng } from './prng.js';
import type { FuzzCase } from './runner.js';

export interface Shared {
  /** an allowlist with no entries: every binary fails the gate */
  emptyAllowlist: string;
  /** a directory generators may cache expensive inputs in (bombs), for the whole run */
  cacheDir: string;
  /** long mode: bigger bombs and strings */
  long: boolean;
}

export interface GenContext {
  rng: Rng;
  /** empty, private to this case, removed after it ran */
  dir: string;
  shared: Shared;
}

/** A generator: one case of a given kind. Deterministic in ctx.rng. */
export type Generator = (ctx: GenContext) => Promise<Omit<FuzzCase, 'cls' | 'kind' | 'seed' | 'cwd'>> | Omit<FuzzCase, 'cls' | 'kind' | 'seed' | 'cwd'>;

export interface InputClass {
  name: string;
  /** share of the budget, relative to the other classes */
  weight: number;
  /** kinds in the order cases cycle through them (case i is kinds[i % n]) */
  kinds: Record<string, Generator>;
  /** kinds that cost much (bombs): at most this many cases per run (long runs: 4x) */
  caps?: Record<string, number>;
}

/** ANSI and other terminal controls an attacker would put in a name. */
export const NASTY = [
  '\u001b[31mred\u001b[0m',
  '\u001b]0;pwned\u0007',
  '\u001b[2J\u001b[H',
  'a\rOVERWRITE',
  'bell\u0007',
  'nul\u0000byte',
  'c1\u009bcsi',
  'bidi\u202eevil',
  'line\u2028sep',
  'back\bspace',
  'new\nline',
];
