/**
 * The option parser and the help text, both read from one table per command (src/commands/specs.ts),
 * so what `--help` says and what the parser accepts cannot drift apart. node's util.parseArgs
 * cannot take options with two values (`--argstr NAME VALUE`, as Nix spells them), and we want
 * one-line usage errors.
 */
import { InputError } from '../errors.js';

export interface OptionSpec {
  /** number of values the option takes: 0 (flag), 1 or 2 */
  arity: 0 | 1 | 2;
  repeat?: boolean;
  short?: string;
  /** allowed values (arity 1) */
  choices?: readonly string[];
  /** what the help calls the value(s): `FILE`, `NAME EXPR` */
  value?: string;
  /** one line for the help */
  help: string;
  /** heading in the help the option is listed under (default: "Options") */
  group?: string;
  /** a flag that is another spelling of an option with a value: `--json` is `--format json` */
  sets?: { option: string; value: string };
}

export interface CommandSpec {
  /** `scan`, `allowlist add` */
  name: string;
  /** what follows the name on the usage line, e.g. `[TARGET...] [options]` */
  synopsis: string;
  /** one line: what it does */
  summary: string;
  /** paragraphs after the usage line */
  description?: string;
  options: Record<string, OptionSpec>;
  /** paragraphs after the options */
  notes?: string;
  /** options this command refuses with a hint, e.g. `-o` (nix-build's out-link) */
  refused?: Record<string, string>;
  /** sub-commands (allowlist check, allowlist add) */
  subcommands?: CommandSpec[];
}

/** Every command takes --help / -h; it is added here so no table can forget it. */
export const HELP_OPTION: OptionSpec = { arity: 0, short: 'h', help: 'show this help and exit' };

const optionsOf = (cmd: CommandSpec): Record<string, OptionSpec> => ({ ...cmd.options, help: HELP_OPTION });

export interface Parsed {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
  pairs: Map<string, [string, string][]>;
  /** options as the user spelled them, by option name (for messages) */
  spelled: Map<string, string>;
}

export function parseArgs(argv: string[], cmd: CommandSpec): Parsed {
  const spec = optionsOf(cmd);
  const command = cmd.name;
  const byShort = new Map(Object.entries(spec).filter(([, s]) => s.short).map(([k, s]) => [s.short!, k]));
  const out: Parsed = { positionals: [], flags: new Set(), values: new Map(), pairs: new Map(), spelled: new Map() };
  const addValue = (name: string, v: string, spelled: string) => {
    const s = spec[name] as OptionSpec;
    if (s.choices && !s.choices.includes(v)) throw new InputError(`${command}: '${spelled} ${v}' must be one of ${s.choices.join(', ')}`);
    const list = out.values.get(name) ?? [];
    if (list.length && !s.repeat) {
      if (list[0] === v) return;
      throw new InputError(`${command}: '${out.spelled.get(name)}' and '${spelled}' both set --${name} (${list[0]}, ${v})`);
    }
    list.push(v);
    out.values.set(name, list);
    if (!out.spelled.has(name)) out.spelled.set(name, spelled);
  };
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
    const refusal = cmd.refused?.[arg];
    if (refusal) throw new InputError(`${command}: ${refusal}`);
    if (!name || !s) throw new InputError(`${command}: unknown option '${arg}' (see seedaudit ${command} --help)`);
    if (s.arity === 0) {
      if (inline !== undefined) throw new InputError(`${command}: option '--${name}' takes no value`);
      if (s.sets) addValue(s.sets.option, s.sets.value, arg);
      else out.flags.add(name);
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
      addValue(name, take(), arg);
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

const WIDTH = 30;

/** `-f, --file FILE` as the help shows it. */
export const optionLabel = (name: string, s: OptionSpec): string => {
  const value = s.arity === 0 ? '' : ` ${s.value ?? (s.choices ? s.choices.join('|') : 'VALUE')}`;
  return `${s.short ? `-${s.short}, ` : '    '}--${name}${value}`;
};

/** The help of a command, generated from its option table. */
export function helpText(cmd: CommandSpec): string {
  const lines = [`Usage: seedaudit ${cmd.name} ${cmd.synopsis}`.trimEnd(), `  ${cmd.summary}`];
  if (cmd.description) lines.push('', ...cmd.description.split('\n').map((l) => (l ? `  ${l}` : '')));
  if (cmd.subcommands?.length) {
    lines.push('', 'Commands:');
    for (const sub of cmd.subcommands) lines.push(`  seedaudit ${sub.name} ${sub.synopsis}`.trimEnd(), `      ${sub.summary}`);
    lines.push(`  Run 'seedaudit ${cmd.name} COMMAND --help' for the options of each.`);
  }
  const groups = new Map<string, string[]>();
  for (const [name, s] of Object.entries(optionsOf(cmd))) {
    const group = s.group ?? 'Options';
    const label = optionLabel(name, s);
    const row = label.length < WIDTH - 2 ? `  ${label.padEnd(WIDTH - 2)}${s.help}` : `  ${label}\n${' '.repeat(WIDTH)}${s.help}`;
    groups.set(group, [...(groups.get(group) ?? []), row]);
  }
  for (const [group, rows] of groups) lines.push('', `${group}:`, ...rows);
  if (cmd.notes) lines.push('', ...cmd.notes.split('\n').map((l) => (l ? `  ${l}` : '')));
  return `${lines.join('\n')}\n`;
}
