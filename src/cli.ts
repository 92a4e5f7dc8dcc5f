#!/usr/bin/env node
/**
 * seedaudit: which binaries did this Nix build trust that were not built from source here?
 * Exit codes: 0 gate passed, 1 gate failed, 2 usage or input error (one line on stderr).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError, EXIT } from './errors.js';
import { flushStdout, processIo, type Command, type Io } from './io.js';
import { VERSION } from './version.js';
import { escapeControl } from './report/escape.js';

const USAGE = `seedaudit ${VERSION}: find the binaries a Nix build trusts that were not built from source

Usage:
  seedaudit scan [TARGET...] [options]     classify every input of a build graph and gate on an allowlist
      TARGET: result link, output store path, .drv path, flake ref (nixpkgs#hello, .#pkg)
      -f FILE -A ATTR [--arg N EXPR] [--argstr N V]   instantiate (never build) and scan
      --from-json FILE|-        a saved 'nix derivation show -r' dump (.gz accepted)
      --store-root DIR          read .drv files under DIR (DIR/nix/store/...)
      --store-dir DIR           store directory (default /nix/store; Guix: /gnu/store)
      --read-with auto|nix|drv  how to read the graph of TARGETs (default auto: .drv files directly)
      --format FMT              text (default), json, html, junit, markdown, sarif
      --output FILE, -o FILE    write the report to FILE
      --report FMT:FILE         also write FMT to FILE (repeatable: one scan, many reports)
      --allowlist FILE          default: ./allowlist.json, else the one shipped with seedaudit
      --rules PATH              extra rule file or folder (repeatable); same id replaces a built-in rule
      --fail-on prebuilt|unknown|never   default prebuilt
      --baseline REPORT.json    fail only on binaries not in an earlier JSON report
      --today YYYY-MM-DD        date used for allowlist expiry (default: today, UTC)
      --no-inspect              do not look inside store paths (ELF files, archives)
      -v, --verbose             list every input in the text report
      -q, --quiet               no progress and no text report on stdout
  seedaudit elf FILE... [--format text|json]  ELF facts: interpreter, NEEDED, RUNPATH, build-id, .comment, Go build info
  seedaudit diff OLD.json NEW.json [--format text|json]
                                           binary inputs added, removed, changed; exit 1 when binaries were added
  seedaudit allowlist check [--allowlist FILE] [--report REPORT.json]...
                                           expired, malformed, duplicate and unused entries; exit 1 on errors
  seedaudit allowlist add --from-report REPORT.json NAME --reason TEXT [--expires YYYY-MM-DD]
                                           append an input's hash and URLs to the allowlist
  seedaudit --version | --help

Exit codes: 0 gate passed, 1 gate failed, 2 usage or input error.
`;

// each sub-command is loaded when it runs: start-up time counts in every CI job
const COMMANDS: Record<string, () => Promise<Command>> = {
  scan: async () => (await import('./commands/scan.js')).scanCommand,
  diff: async () => (await import('./commands/diff.js')).diffCommand,
  allowlist: async () => (await import('./commands/allowlist.js')).allowlistCommand,
  elf: async () => (await import('./commands/elf.js')).elfCommand,
};

export async function main(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      io.stdout(USAGE);
      return cmd === undefined ? EXIT.inputError : EXIT.pass;
    }
    if (cmd === '--version' || cmd === '-V') {
      io.stdout(`${VERSION}\n`);
      return EXIT.pass;
    }
    const load = COMMANDS[cmd];
    if (!load) throw new InputError(`unknown command '${cmd}' (commands: ${Object.keys(COMMANDS).join(', ')}; see seedaudit --help)`);
    const code = await (await load())(rest, io);
    // a report that did not reach stdout is no verdict: exit 2, never the gate's 0 or 1
    await flushStdout(io);
    return code;
  } catch (e) {
    // Messages quote paths, names and bytes from the input: no control character, ANSI
    // escape or bidi override reaches the terminal, and the message stays one line.
    if (e instanceof InputError) {
      io.stderr(`seedaudit: ${escapeControl(e.message.split('\n')[0])}\n`);
      return EXIT.inputError;
    }
    // A bug: still one line and exit 2, so a CI gate never passes on a crash.
    const err = e as Error;
    io.stderr(`seedaudit: internal error: ${escapeControl(String(err?.message ?? e).split('\n')[0])} (please report; set SEEDAUDIT_DEBUG=1 for a trace)\n`);
    if (io.env.SEEDAUDIT_DEBUG) io.stderr(`${err?.stack ?? ''}\n`);
    return EXIT.inputError;
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = EXIT.inputError;
    },
  );
}
