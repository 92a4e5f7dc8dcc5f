/**
 * A small argument parser: node's util.parseArgs cannot take options with two values
 * (`--argstr NAME VALUE`, as Nix spells them), and we want one-line usage errors.
 */
import { InputError } from '../errors.js';

export interface OptionSpec {
  /** number of values the option takes: 0 (flag), 1 or 2 */
  arity: 0 | 1 | 2;
  repeat?: boolean;
  short?: string;
  /** allowed values (arity 1) */
  choices?: readonly string[];
}

export interface Parsed {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
  pairs: Map<string, [string, string][]>;
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>, command: string): Parsed {
  const byShort = new Map(Object.entries(spec).filter(([, s]) => s.short).map(([k, s]) => [s.short!, k]));
  const out: Parsed = { positionals: [], flags: new Set(), values: new Map(), pairs: new Map() };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      out.positionals.push(arg);
      continue;
    }
    let inline: string | undefined;
    if (arg.startsWith('--') && arg.includes('=')) {
      inline = arg.slice(arg.indexOf('=') + 1);
      arg = arg.slice(0, arg.indexOf('='));
    }
    const name = arg.startsWith('--') ? arg.slice(2) : byShort.get(arg.slice(1));
    const s = name === undefined ? undefined : spec[name];
    if (!name || !s) throw new InputError(`${command}: unknown option '${arg}' (see seedaudit --help)`);
    if (s.arity === 0) {
      if (inline !== undefined) throw new InputError(`${command}: option '--${name}' takes no value`);
      out.flags.add(name);
      continue;
    }
    const take = (): string => {
      if (inline !== undefined) {
        const v = inline;
        inline = undefined;
        return v;
      }
      const v = argv[++i];
      if (v === undefined) throw new InputError(`${command}: option '${arg}' needs ${s.arity === 2 ? 'two values' : 'a value'}`);
      return v;
    };
    if (s.arity === 1) {
      const v = take();
      if (s.choices && !s.choices.includes(v))
        throw new InputError(`${command}: '${arg} ${v}' must be one of ${s.choices.join(', ')}`);
      const list = out.values.get(name) ?? [];
      if (list.length && !s.repeat) throw new InputError(`${command}: option '${arg}' given twice`);
      list.push(v);
      out.values.set(name, list);
    } else {
      const a = take();
      const b = take();
      const list = out.pairs.get(name) ?? [];
      list.push([a, b]);
      out.pairs.set(name, list);
    }
  }
  return out;
}

export const one = (p: Parsed, name: string): string | undefined => p.values.get(name)?.[0];
export const many = (p: Parsed, name: string): string[] => p.values.get(name) ?? [];
