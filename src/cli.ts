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
import { helpText } from './commands/args.js';
import { COMMAND_SPECS, topLevelHelp } from './commands/specs.js';


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
    if (cmd === 'help' && rest.length) {
      // `seedaudit help allowlist add` is `seedaudit allowlist add --help`
      const spec = COMMAND_SPECS.find((c) => c.name === rest.join(' '));
      if (!spec) throw new InputError(`help: no command '${rest.join(' ')}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
      io.stdout(helpText(spec));
      return EXIT.pass;
    }
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      io.stdout(topLevelHelp(VERSION));
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
