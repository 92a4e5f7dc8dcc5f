/**
 * What the graph readers use to keep a graph small (issue 13: a lean graph model). A 100k
 * derivation graph names the same store paths, builders, systems and arguments hundreds of
 * thousands of times; each reader keeps one copy of each, and keeps of a derivation's
 * environment only what the facts stage reads (LEAN_ENV_KEYS in src/model/graph.ts).
 */
import { LEAN_ENV_KEYS } from '../model/graph.js';

/** The prototype of every `record()`: nothing, not even Object.prototype, is inherited through it. */
const NO_PROTOTYPE: object = Object.freeze(Object.create(null) as object);

/**
 * An empty record for keys that come from the input (output names, environment keys): no key
 * is inherited (`constructor`, `toString` read as undefined) and `__proto__` is an ordinary
 * key, as in `Object.create(null)`; but V8 keeps such an object in fast mode with a hidden
 * class shared by records of the same keys, while `Object.create(null)` starts a hash table:
 * ~130 instead of ~510 bytes for a 12-key environment (-25 MB at 100k derivations). Records
 * keyed by unique strings (inputDrvs' paths) stay `Object.create(null)`: one hidden class per
 * record would cost more than the table.
 */
export const record = <T>(): Record<string, T> => Object.create(NO_PROTOTYPE) as Record<string, T>;

/** One instance per distinct string: the first copy seen is the one every later lookup returns. */
export class Interner {
  private readonly strings = new Map<string, string>();
  /** shared one-element output lists (`["out"]` is almost every inputDrvs value) */
  private readonly lists = new Map<string, string[]>();

  of(s: string): string {
    const had = this.strings.get(s);
    if (had !== undefined) return had;
    this.strings.set(s, s);
    return s;
  }

  /**
   * `of` for a string that may be a slice of a larger text (V8 keeps the whole text alive for a
   * slice of 13 characters or more): `copy` makes the stored instance independent of it.
   */
  ofSlice(s: string, copy: () => string): string {
    const had = this.strings.get(s);
    if (had !== undefined) return had;
    const own = copy();
    this.strings.set(own, own);
    return own;
  }

  /** A list of output names, shared with every equal list. Callers must not mutate it. */
  list(xs: string[]): string[] {
    if (xs.length !== 1) {
      for (let i = 0; i < xs.length; i++) xs[i] = this.of(xs[i]);
      return xs;
    }
    const had = this.lists.get(xs[0]);
    if (had !== undefined) return had;
    const own = [this.of(xs[0])];
    this.lists.set(own[0], own);
    return own;
  }

  get size(): number {
    return this.strings.size;
  }
}

/**
 * The keys of `env` the facts stage reads, in their order, in a prototype-less object; with
 * `strings`, each value shared with every equal one (at 100k synthetic derivations 48 of the
 * 75 MB of kept values repeat an earlier value: the same hooks, phases and fetcher settings).
 */
export function leanEnv(env: Record<string, string>, strings?: Interner): Record<string, string> {
  const out = record<string>();
  for (const k in env) if (LEAN_ENV_KEYS.has(k)) out[k] = strings ? strings.of(env[k]) : env[k];
  return out;
}

/** A download's whole environment, its values shared through `strings` (in place). */
export function sharedEnv(env: Record<string, string>, strings: Interner): Record<string, string> {
  for (const k in env) env[k] = strings.of(env[k]);
  return env;
}

/** The same for structured attributes (`attr` falls back to them). */
export function leanAttrs(attrs: Record<string, unknown> | null): Record<string, unknown> | null {
  if (attrs === null) return null;
  const out = record<unknown>();
  for (const k of Object.keys(attrs)) if (LEAN_ENV_KEYS.has(k)) out[k] = attrs[k];
  return out;
}
