/**
 * Help and flags (issue 12): `--help`/`-h` on every command and sub-command, printed from the
 * same option table the parser reads, and the README's command reference is that help;
 * `--json`, `-q` with an explicit format, `--color`, `-o`'s refusal, and the error hints that
 * need no Nix. The forms that need real Nix are in test/e2e/nix-conventions.test.ts.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { COMMAND_SPECS } from '../../src/commands/specs.js';
import { helpText, optionLabel, parseArgs } from '../../src/commands/args.js';
import { resolveColor } from '../../src/commands/scan.js';
import { VERSION } from '../../src/version.js';
import { corpusDir, repoRoot } from '../helpers.js';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'seedaudit-help-'));
/** The environment without colour settings (Node 22 warns on stderr when both are set), plus `env`. */
const envWith = (env: Record<string, string>): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env };
  delete e.NO_COLOR;
  delete e.FORCE_COLOR;
  return { ...e, ...env };
};
const run = (args: string[], env: Record<string, string> = {}, cwd = tmp) => {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, env: envWith(env), encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const stdenv = path.join(corpusDir, 'nixpkgs-2024', 'stdenv.json.gz');
const rustc = path.join(corpusDir, 'nixpkgs-2024', 'rustc.json.gz');

const HELP_FORMS: [string[], string][] = [
  [['--help'], 'seedaudit'],
  [['-h'], 'seedaudit'],
  [['help'], 'seedaudit'],
  ...COMMAND_SPECS.flatMap((c): [string[], string][] => [
    [[...c.name.split(' '), '--help'], c.name],
    [[...c.name.split(' '), '-h'], c.name],
    [['help', ...c.name.split(' ')], c.name],
  ]),
];

t.test('--help and -h on every command and sub-command: exit 0, the help of that command', async (t) => {
  for (const [args, name] of HELP_FORMS) {
    const r = run(args);
    t.equal(r.code, 0, `${args.join(' ')} exits 0 ${r.err}`);
    t.equal(r.err, '', `${args.join(' ')}: nothing on stderr`);
    const spec = COMMAND_SPECS.find((c) => c.name === name);
    if (spec) t.equal(r.out, helpText(spec), `${args.join(' ')} prints the help of ${name}`);
    else t.match(r.out, new RegExp(`^seedaudit ${VERSION.replace(/\./g, '\\.')}: `), 'top-level help');
  }
  // `seedaudit` alone: the help, but a usage error
  t.equal(run([]).code, 2);
});

t.test('help and parser read one table: every option the help lists parses, and nothing else does', async (t) => {
  for (const spec of COMMAND_SPECS) {
    const help = helpText(spec);
    for (const [name, o] of Object.entries(spec.options)) {
      t.ok(help.includes(optionLabel(name, o)), `${spec.name}: help lists ${optionLabel(name, o).trim()}`);
      const value = o.choices?.[0] ?? 'x';
      const argv = o.arity === 0 ? [`--${name}`] : o.arity === 1 ? [`--${name}`, value] : [`--${name}`, 'a', 'b'];
      const p = parseArgs(argv, spec);
      t.ok(p.flags.has(name) || p.values.has(o.sets?.option ?? name) || p.pairs.has(name), `${spec.name}: --${name} parses`);
      if (o.short) t.ok(parseArgs([`-${o.short}`, ...argv.slice(1)], spec), `${spec.name}: -${o.short} parses`);
    }
    t.throws(() => parseArgs(['--no-such-option'], spec), new RegExp(`unknown option '--no-such-option' \\(see seedaudit ${spec.name} --help\\)`));
  }
});

t.test('the README command reference is the generated help', async (t) => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  for (const spec of COMMAND_SPECS) t.ok(readme.includes(helpText(spec)), `README carries 'seedaudit ${spec.name} --help' verbatim`);
});

t.test('--json, -q with a format, -o refused', { skip: corpusDir ? false : 'no corpus' }, async (t) => {
  const a = run(['scan', '--from-json', stdenv, '--json']);
  t.equal(a.code, 0, a.err);
  t.equal(JSON.parse(a.out).schemaVersion, 1, '--json prints the JSON report');
  t.equal(run(['scan', '--from-json', stdenv, '--json', '--format', 'json']).code, 0, 'the same choice twice is fine');
  const clash = run(['scan', '--from-json', stdenv, '--json', '--format', 'text']);
  t.equal(clash.code, 2);
  t.match(clash.err, /'--json' and '--format' both set --format/);
  const q = run(['scan', '--from-json', stdenv, '-q', '--format', 'json']);
  t.equal(JSON.parse(q.out).schemaVersion, 1, '-q --format json still prints the JSON');
  t.equal(run(['scan', '--from-json', stdenv, '-q']).out, '', '-q alone: no text summary');
  t.equal(JSON.parse(run(['elf', '/bin/true', '--json']).out)[0].elf, true, 'elf --json');
  const o = run(['scan', '--from-json', stdenv, '-o', 'result']);
  t.equal(o.code, 2);
  t.match(o.err, /^seedaudit: scan: -o is not an option here: nix-build's -o names an out-link.*--output FILE\n$/);
  const f = run(['scan', '--from-json', rustc, '--fail-on', 'unknown', '--fail-on', 'never']);
  t.equal(f.code, 2, 'two binary policies contradict');
});

t.test('--color auto|always|never, NO_COLOR and FORCE_COLOR', async (t) => {
  const tty = { isTTY: true, env: {} };
  const pipe = { isTTY: false, env: {} };
  t.equal(resolveColor(undefined, tty), true, 'a terminal');
  t.equal(resolveColor(undefined, pipe), false, 'a pipe');
  t.equal(resolveColor('auto', { isTTY: true, env: { NO_COLOR: '1' } }), false, 'NO_COLOR');
  t.equal(resolveColor('auto', { isTTY: true, env: { NO_COLOR: '' } }), true, 'an empty NO_COLOR is unset (no-color.org)');
  t.equal(resolveColor('auto', { isTTY: false, env: { FORCE_COLOR: '1' } }), true, 'FORCE_COLOR on a pipe');
  t.equal(resolveColor('auto', { isTTY: false, env: { FORCE_COLOR: '' } }), true, 'FORCE_COLOR set empty forces (as Node)');
  t.equal(resolveColor('auto', { isTTY: true, env: { FORCE_COLOR: '0' } }), false, 'FORCE_COLOR=0');
  t.equal(resolveColor('auto', { isTTY: false, env: { FORCE_COLOR: '1', NO_COLOR: '1' } }), true, 'FORCE_COLOR wins over NO_COLOR');
  t.equal(resolveColor('never', { isTTY: true, env: { FORCE_COLOR: '1' } }), false, '--color never wins');
  t.equal(resolveColor('always', { isTTY: false, env: { NO_COLOR: '1' } }), true, '--color always wins');
  // through the CLI (stdout is a pipe here)
  const esc = /\x1b\[/;
  const scan = (args: string[], e: Record<string, string>) => spawnSync(process.execPath, [cli, 'scan', '--from-json', stdenv, ...args], { env: envWith(e), encoding: 'utf8' }).stdout;
  t.notMatch(scan([], {}), esc, 'a pipe: no colour');
  t.match(scan(['--color=always'], { NO_COLOR: '1' }), esc, '--color=always');
  t.match(scan([], { FORCE_COLOR: '1' }), esc, 'FORCE_COLOR=1');
  t.notMatch(scan(['--color', 'never'], { FORCE_COLOR: '1' }), esc, '--color never');
  t.equal(run(['scan', '--from-json', stdenv, '--color', 'sometimes']).code, 2);
});

t.test('error hints that need no Nix', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'seedaudit-hints-'));
  const oneLine = (r: { code: number | null; err: string }, re: RegExp, what: string) => {
    t.equal(r.code, 2, what);
    t.match(r.err, re, what);
    t.equal(r.err.trim().split('\n').length, 1, `${what}: one line`);
  };
  // a symlink loop given to --from-json
  symlinkSync('loop-b', path.join(dir, 'loop-a'));
  symlinkSync('loop-a', path.join(dir, 'loop-b'));
  oneLine(run(['scan', '--from-json', 'loop-a'], {}, dir), /^seedaudit: --from-json \S*loop-a: a symlink loop \(too many levels of symbolic links\), not a file$/m, '--from-json on a loop');
  // a saved dump given as a TARGET
  writeFileSync(path.join(dir, 'empty.json'), '{}');
  oneLine(run(['scan', 'empty.json'], {}, dir), /to read a saved derivation graph give --from-json empty\.json/, 'scan empty.json');
  // a .drv inside an extracted store tree
  const tree = path.join(dir, 'chroot', 'nix', 'store');
  mkdirSync(tree, { recursive: true });
  const drv = path.join(tree, '0123456789abcdfghijklmnpqrsvwxyz-hello-1.0.drv');
  writeFileSync(drv, 'Derive([],[],[],"x","/bin/sh",[],[])');
  oneLine(run(['scan', drv], {}, dir), new RegExp(`in a store tree under ${path.join(dir, 'chroot').replace(/[.]/g, '\\.')}.*--store-root ${path.join(dir, 'chroot').replace(/[.]/g, '\\.')} /nix/store/0123`), '.drv in an extracted tree');
  // -A without -f and no ./default.nix
  oneLine(run(['scan', '-A', 'hello'], {}, dir), /-A ATTR without -f FILE reads \.\/default\.nix \(as nix-build does\).*does not exist/, '-A without ./default.nix');
  oneLine(run(['scan', '-f', 'x.nix', '-E', '1'], {}, dir), /either -f FILE or -E EXPR/, '-f and -E');
  oneLine(run(['allowlist'], {}, dir), /allowlist: give a command: check, add or import/, 'allowlist alone');
  oneLine(run(['help', 'frobnicate'], {}, dir), /help: no command 'frobnicate'/, 'help for an unknown command');
});

t.test('-v tells repeated names apart by path', { skip: corpusDir ? false : 'no corpus' }, async (t) => {
  const r = run(['scan', '--from-json', path.join(corpusDir, 'aux-foundation', 'stage2-gcc.json.gz'), '-v', '--fail-on', 'never']);
  const rows = r.out.split('\n').filter((l) => /^\s+\S+\s+\S+\s+build\.kaem\s/.test(l));
  t.ok(rows.length >= 2, `${rows.length} build.kaem rows`);
  const paths = rows.map((l) => /(\/nix\/store\/\S+)/.exec(l)?.[1]);
  t.ok(paths.every(Boolean), 'each row names its path');
  t.equal(new Set(paths).size, rows.length, 'and the paths differ');
});
