/**
 * The option table of every command: the parser (args.ts) reads it and `--help` is printed
 * from it. Kept apart from the commands so `seedaudit --help` loads none of them.
 */
import { FORMATS } from '../report/formats.js';
import type { CommandSpec } from './args.js';

/** Binary policy values of --fail-on (the gate's), plus `provenance`, which adds to them. */
export const FAIL_ON_CHOICES = ['prebuilt', 'unknown', 'never', 'provenance'] as const;
export const COLOR_CHOICES = ['auto', 'always', 'never'] as const;

const INPUT = 'What to scan';
const POLICY = 'Gate';
const OUTPUT = 'Output';

export const SCAN: CommandSpec = {
  name: 'scan',
  synopsis: '[TARGET...] [options]',
  summary: 'classify every input of a build graph and gate on an allowlist (nothing is built)',
  description: [
    'TARGET: a result link, an output store path, a .drv path (also drv^out, drv^out,dev, drv^* and the',
    "older drv!out: the graph is per derivation, every output of it is inspected), or a flake installable",
    '(nixpkgs#hello, .#pkg). -f FILE / -E EXPR with -A ATTR instantiate an expression, as nix-build would',
    'evaluate it, and build nothing; -A without -f reads ./default.nix, as nix-build does.',
  ].join('\n'),
  options: {
    file: { arity: 1, short: 'f', value: 'FILE', group: INPUT, help: 'instantiate FILE (a .nix file or <lookup> path)' },
    expr: { arity: 1, short: 'E', value: 'EXPR', group: INPUT, help: 'instantiate the Nix expression EXPR' },
    attr: { arity: 1, short: 'A', value: 'ATTR', repeat: true, group: INPUT, help: 'attribute of FILE / EXPR (repeatable; default file ./default.nix)' },
    arg: { arity: 2, value: 'NAME EXPR', repeat: true, group: INPUT, help: 'argument for FILE / EXPR, a Nix expression' },
    argstr: { arity: 2, value: 'NAME VALUE', repeat: true, group: INPUT, help: 'argument for FILE / EXPR, a string' },
    'from-json': { arity: 1, value: 'FILE|-', group: INPUT, help: "a saved 'nix derivation show -r' dump (.gz accepted; - is stdin)" },
    'store-root': { arity: 1, value: 'DIR', group: INPUT, help: 'read .drv files under DIR (DIR/nix/store/...), no nix needed' },
    'store-dir': { arity: 1, value: 'DIR', group: INPUT, help: 'store directory (default /nix/store; Guix: /gnu/store)' },
    'read-with': { arity: 1, choices: ['auto', 'nix', 'drv'], group: INPUT, help: 'how to read the graph of TARGETs (default auto: .drv files directly)' },
    'roots-file': {
      arity: 1,
      value: 'FILE|-',
      group: INPUT,
      help: "many roots, one pass: a .drv path or nix-eval-jobs JSON per line (in --from-json's dump if given)",
    },
    'eval-errors': {
      arity: 1,
      choices: ['fail', 'report'],
      group: INPUT,
      help: 'nix-eval-jobs error lines: fail (default, exit 2) or report (listed, not scanned)',
    },
    meta: { arity: 1, value: 'FILE', group: INPUT, help: "package metadata: 'nix-env -qaP --json --meta --drv-path' output" },
    allowlist: { arity: 1, value: 'FILE', group: POLICY, help: 'default: ./allowlist.json, else the one shipped with seedaudit' },
    rules: { arity: 1, value: 'PATH', repeat: true, group: POLICY, help: 'extra rule file or folder (repeatable); same id replaces a built-in rule' },
    'fail-on': {
      arity: 1,
      choices: FAIL_ON_CHOICES,
      repeat: true,
      group: POLICY,
      help: 'prebuilt (default), unknown or never; add provenance to fail on declared-vs-detected disagreements',
    },
    baseline: { arity: 1, value: 'REPORT.json', group: POLICY, help: 'fail only on findings not in an earlier JSON report' },
    today: { arity: 1, value: 'YYYY-MM-DD', group: POLICY, help: 'date used for allowlist expiry (default: today, UTC)' },
    'no-inspect': { arity: 0, group: POLICY, help: 'do not look inside store paths (ELF files, archives)' },
    'max-graph-bytes': { arity: 1, value: 'N', group: POLICY, help: 'most bytes of JSON a --from-json dump may hold, decompressed (default 16 GiB)' },
    'max-graph-ratio': { arity: 1, value: 'N', group: POLICY, help: 'most a gzipped dump may expand per compressed byte, past 16 MiB (default 200)' },
    'max-archive-bytes': { arity: 1, value: 'N', group: POLICY, help: 'decompressed bytes read per archive before it counts as unreadable (default 1 GiB)' },
    'max-archive-ratio': { arity: 1, value: 'N', group: POLICY, help: 'most a compressed stream may expand per byte, past 16 MiB (default 100)' },
    'max-archive-members': { arity: 1, value: 'N', group: POLICY, help: 'members listed per archive before it counts as unreadable (default 200000)' },
    format: { arity: 1, choices: FORMATS, value: 'FMT', group: OUTPUT, help: `${FORMATS.join(', ')} (default text)` },
    json: { arity: 0, sets: { option: 'format', value: 'json' }, group: OUTPUT, help: 'same as --format json (the Nix tools spell it so)' },
    output: { arity: 1, value: 'FILE', group: OUTPUT, help: 'write the report to FILE (no -o: that is nix-build\'s out-link)' },
    report: { arity: 1, value: 'FMT:FILE', repeat: true, group: OUTPUT, help: 'also write FMT to FILE (repeatable: one scan, many reports)' },
    'roots-report': { arity: 1, value: 'FILE|-', group: OUTPUT, help: 'one JSON line per root: attr, drv, seeds, prebuilt, unknown, not allowlisted' },
    'sarif-root': { arity: 1, value: 'DIR', group: OUTPUT, help: 'repository root SARIF locations are relative to (default: .)' },
    color: { arity: 1, choices: COLOR_CHOICES, value: 'WHEN', group: OUTPUT, help: 'auto (default: a terminal, honouring NO_COLOR and FORCE_COLOR), always, never' },
    verbose: { arity: 0, short: 'v', group: OUTPUT, help: 'list every input in the text report, with its path' },
    quiet: { arity: 0, short: 'q', group: OUTPUT, help: 'no progress, and no text report on stdout unless --format/--json asks' },
  },
  refused: {
    '-o': "-o is not an option here: nix-build's -o names an out-link, and seedaudit builds nothing; write the report with --output FILE",
  },
  notes: [
    'Exit codes: 0 gate passed, 1 gate failed, 2 usage or input error (one line on stderr).',
    'Examples:',
    '  seedaudit scan result/',
    '  seedaudit scan -f default.nix -A mypkg --argstr version 1.2 --format sarif --output seedaudit.sarif',
    '  seedaudit scan nixpkgs#hello --json',
    '  seedaudit scan --from-json graph.json.gz --report html:report.html --report junit:junit.xml',
    '  nix-eval-jobs --flake .#packages.x86_64-linux > jobs.jsonl && seedaudit scan --roots-file jobs.jsonl --roots-report roots.jsonl',
  ].join('\n'),
};

export const ELF: CommandSpec = {
  name: 'elf',
  synopsis: 'FILE... [--format text|json]',
  summary: 'ELF facts: interpreter, NEEDED, RUNPATH, build-id, .comment, Go build info',
  description: [
    'Print what seedaudit reads from ELF files: class, machine, type, interpreter, NEEDED,',
    'RUNPATH/RPATH, SONAME, build-id, static/PIE/stripped, .comment strings, Go build info.',
    "In the text output '-' means none and '?' means unknown (the file is broken; see error).",
    'Nothing is executed. Exit 0 when at least one FILE could be read, 2 when none could.',
  ].join('\n'),
  options: {
    format: { arity: 1, choices: ['text', 'json'], help: 'text (default) or json (an array, in argument order)' },
    json: { arity: 0, sets: { option: 'format', value: 'json' }, help: 'same as --format json' },
  },
};

export const DIFF: CommandSpec = {
  name: 'diff',
  synopsis: 'OLD.json NEW.json [--format text|json]',
  summary: 'binary inputs added, removed, changed between two saved JSON reports',
  description: [
    'Compare the binary inputs of two saved JSON reports (seedaudit scan --format json).',
    'Exit codes: 0 nothing new, 1 binaries added or gate items --baseline OLD would not accept,',
    '2 usage or input error.',
  ].join('\n'),
  options: {
    format: { arity: 1, choices: ['text', 'json'], help: 'text (default) or json' },
    json: { arity: 0, sets: { option: 'format', value: 'json' }, help: 'same as --format json' },
  },
};

export const ALLOWLIST_CHECK: CommandSpec = {
  name: 'allowlist check',
  synopsis: '[--allowlist FILE] [--report REPORT.json]...',
  summary: 'expired, malformed, duplicate and unused entries; exit 1 on errors',
  options: {
    allowlist: { arity: 1, value: 'FILE', help: 'default: ./allowlist.json, else the one shipped with seedaudit' },
    report: { arity: 1, value: 'REPORT.json', repeat: true, help: 'JSON report(s) to find unused entries with (repeatable)' },
    today: { arity: 1, value: 'YYYY-MM-DD', help: 'date used for expiry (default: today, UTC)' },
  },
};

export const ALLOWLIST_ADD: CommandSpec = {
  name: 'allowlist add',
  synopsis: '--from-report REPORT.json NAME --reason TEXT [--expires YYYY-MM-DD] [--allowlist FILE]',
  summary: "append an input's hash (or an ELF file's build-id) from a report to the allowlist",
  description: [
    'NAME: an input by name, .drv path or store path, or an output ELF file by its path in the',
    "report's elf list. Writes --allowlist FILE or ./allowlist.json, never the shipped allowlist.",
  ].join('\n'),
  options: {
    'from-report': { arity: 1, value: 'REPORT.json', help: 'the JSON report the input is taken from (required)' },
    reason: { arity: 1, value: 'TEXT', help: 'why this binary is trusted (required)' },
    expires: { arity: 1, value: 'YYYY-MM-DD', help: 'the entry stops allowing after this date (UTC)' },
    allowlist: { arity: 1, value: 'FILE', help: 'the allowlist to write (default ./allowlist.json, created when missing)' },
  },
};

export const ALLOWLIST_IMPORT: CommandSpec = {
  name: 'allowlist import',
  synopsis: '(--system SYSTEM | --target TARGET | --all | --nixpkgs PATH)... [--project P,...] [--include-superseded] [--expires YYYY-MM-DD] [--allowlist FILE]',
  summary: "add bootstrap seeds from seedaudit's seed registry (or a nixpkgs checkout) to the allowlist",
  description: [
    'Each entry carries its reason and where the hash is published; hashes already in the file are',
    'left as they are. Writes --allowlist FILE or ./allowlist.json, never the shipped allowlist.',
  ].join('\n'),
  options: {
    system: { arity: 1, value: 'SYSTEM', repeat: true, help: 'seeds of this Nix system, e.g. x86_64-linux (repeatable)' },
    target: { arity: 1, value: 'TARGET', repeat: true, help: 'seeds of this host triple or stage0 architecture, e.g. AMD64 (repeatable)' },
    all: { arity: 0, help: 'every current seed in the registry' },
    nixpkgs: { arity: 1, value: 'PATH', help: 'the seeds a local nixpkgs checkout pins (read as text, never evaluated)' },
    project: { arity: 1, value: 'P,...', repeat: true, help: 'only seeds published by these projects (nixpkgs, stage0, guix, ...)' },
    'include-superseded': { arity: 0, help: 'also revisions the registry marks superseded' },
    expires: { arity: 1, value: 'YYYY-MM-DD', help: 'the entries stop allowing after this date (UTC)' },
    allowlist: { arity: 1, value: 'FILE', help: 'the allowlist to write (default ./allowlist.json, created when missing)' },
  },
};

export const ALLOWLIST: CommandSpec = {
  name: 'allowlist',
  synopsis: 'check|add|import [options]',
  summary: 'check the allowlist, add an entry from a report, or import seeds from the registry',
  options: {},
  subcommands: [ALLOWLIST_CHECK, ALLOWLIST_ADD, ALLOWLIST_IMPORT],
};

/** Every command and sub-command, for the top-level help and the help tests. */
export const COMMAND_SPECS: CommandSpec[] = [SCAN, ELF, DIFF, ALLOWLIST, ALLOWLIST_CHECK, ALLOWLIST_ADD, ALLOWLIST_IMPORT];

/** `seedaudit --help`: one line per command, generated from the tables above. */
export const topLevelHelp = (version: string): string => {
  const rows = [SCAN, ELF, DIFF, ALLOWLIST_CHECK, ALLOWLIST_ADD, ALLOWLIST_IMPORT].flatMap((c) => [`  seedaudit ${c.name} ${c.synopsis}`, `      ${c.summary}`]);
  return [
    `seedaudit ${version}: find the binaries a Nix build trusts that were not built from source`,
    '',
    'Usage:',
    ...rows,
    '  seedaudit --version | --help',
    '',
    "Run 'seedaudit COMMAND --help' (or 'seedaudit help COMMAND') for the options of a command.",
    'Exit codes: 0 gate passed, 1 gate failed, 2 usage or input error.',
    '',
  ].join('\n');
};
