/**
 * `seedaudit elf FILE... [--format text|json]`: the ELF facts of files, as seedaudit sees
 * them when it inspects a store path. JSON is an array of ElfFacts in argument order.
 *
 * Exit codes: 0 when at least one file could be read, even if other files were missing or
 * were broken ELF files (each gets an entry with `error`, so one bad path does not hide the
 * facts of the others); 2 when no file could be read at all (every entry is an open/read
 * error), and for usage errors (unknown option, no FILE), which are one line on stderr.
 */
import { EXIT, InputError } from '../errors.js';
import type { Command, Io } from '../io.js';
import { readElfFactsSync } from '../inspect/elf/index.js';
import { escapeControl } from '../report/escape.js';
import type { ElfFacts } from '../model/report.js';
import { helpText, one, parseArgs } from './args.js';
import { ELF } from './specs.js';

export const elfCommand: Command = async (argv: string[], io: Io): Promise<number> => {
  const args = parseArgs(argv, ELF);
  if (args.flags.has('help')) {
    io.stdout(helpText(ELF));
    return EXIT.pass;
  }
  if (args.positionals.length === 0) throw new InputError('elf: no FILE given (usage: seedaudit elf FILE... [--format text|json])');
  const format = one(args, 'format') ?? 'text';

  // synchronous reads, one file after the other: see src/inspect/elf/index.ts
  const facts = args.positionals.map(readElfFactsSync);
  io.stdout(format === 'json' ? `${JSON.stringify(facts.map(ordered), null, 2)}\n` : facts.map(textBlock).join('\n'));

  const unreadable = facts.filter(isUnreadable).length;
  if (unreadable === facts.length) {
    io.stderr(`seedaudit: elf: none of the ${facts.length} file(s) could be read\n`);
    return EXIT.inputError;
  }
  return EXIT.pass;
};

/** An entry for a file we could not open or read (as opposed to one that is not ELF or is broken). */
const isUnreadable = (f: ElfFacts): boolean => !f.elf && f.error !== undefined;

const KEYS: (keyof ElfFacts)[] = [
  'path',
  'elf',
  'class',
  'endian',
  'machine',
  'type',
  'interpreter',
  'needed',
  'runpath',
  'rpath',
  'soname',
  'buildId',
  'static',
  'pie',
  'stripped',
  'comment',
  'go',
  'error',
];

/** The documented key order, whatever order the reader filled the object in. */
function ordered(f: ElfFacts): ElfFacts {
  const out: Record<string, unknown> = {};
  for (const k of KEYS) if (f[k] !== undefined) out[k] = f[k];
  return out as unknown as ElfFacts;
}

// Paths and every string read from a file are attacker-controlled: escape control, line
// separator and bidi characters so a name cannot rewrite the terminal or fake a line.
const show = (s: string): string => escapeControl(s);
const list = (xs: string[] | undefined): string => (xs === undefined ? '?' : xs.length ? xs.map(show).join(', ') : '-');
const maybe = (s: string | null | undefined): string => (s === undefined ? '?' : s === null ? '-' : show(s));
const yesNo = (b: boolean | undefined): string => (b === undefined ? '?' : b ? 'yes' : 'no');

function textBlock(f: ElfFacts): string {
  const lines = [show(f.path)];
  if (!f.elf) {
    lines.push(f.error ? `  error: ${show(f.error)}` : '  not an ELF file');
    return `${lines.join('\n')}\n`;
  }
  const head = [f.class, f.endian && `${f.endian}-endian`, f.machine && show(f.machine), f.type].filter(Boolean).join(' ');
  lines.push(`  ${head || 'ELF'}`);
  if (f.class !== undefined) {
    const row = (k: string, v: string): number => lines.push(`  ${k.padEnd(12)} ${v}`);
    row('interpreter', maybe(f.interpreter));
    row('needed', list(f.needed));
    row('runpath', list(f.runpath));
    row('rpath', list(f.rpath));
    row('soname', maybe(f.soname));
    row('build-id', maybe(f.buildId));
    row('static', yesNo(f.static));
    row('pie', yesNo(f.pie));
    row('stripped', yesNo(f.stripped));
    row('comment', list(f.comment));
    row('go', f.go === undefined ? '?' : f.go === null ? '-' : `${maybe(f.go.version)} ${maybe(f.go.path)}`);
  }
  if (f.error) lines.push(`  error: ${show(f.error)}`);
  return `${lines.join('\n')}\n`;
}
