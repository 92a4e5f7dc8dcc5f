/**
 * `seedaudit diff OLD.json NEW.json [--format text|json]`: what changed in the trust base
 * between two saved JSON reports. Exit 1 when binaries were added (a new binary is a new
 * trust decision someone has to review), 0 otherwise, 2 on unusable input.
 */
import { InputError, EXIT } from '../errors.js';
import type { Command, Io } from '../io.js';
import { diffReports, renderDiffJson, renderDiffText } from '../report/diff.js';
import { loadReport } from '../report/load.js';
import { parseArgs, one, type OptionSpec } from './args.js';

const SPEC: Record<string, OptionSpec> = {
  format: { arity: 1, choices: ['text', 'json'] },
  help: { arity: 0, short: 'h' },
};

const USAGE = `Usage: seedaudit diff OLD.json NEW.json [--format text|json]
  Compare the binary inputs of two saved JSON reports (seedaudit scan --format json).
  Exit codes: 0 nothing new, 1 binaries added or gate items --baseline OLD would not accept,
  2 usage or input error.
`;

export const diffCommand: Command = async (argv: string[], io: Io) => {
  const p = parseArgs(argv, SPEC, 'diff');
  if (p.flags.has('help')) {
    io.stdout(USAGE);
    return EXIT.pass;
  }
  const [oldFile, newFile, ...extra] = p.positionals;
  if (oldFile === undefined || newFile === undefined || extra.length)
    throw new InputError('diff: give exactly two reports: seedaudit diff OLD.json NEW.json [--format text|json]');
  const oldR = loadReport(oldFile, io, 'diff');
  const newR = loadReport(newFile, io, 'diff');
  const d = diffReports(oldR, newR);
  io.stdout(one(p, 'format') === 'json' ? renderDiffJson(d) : renderDiffText(d, { oldLabel: oldFile, newLabel: newFile }));
  // new binaries, or any gate item --baseline OLD would not accept (a changed hash, a new ELF file)
  return d.added.length > 0 || d.newGateItems.length > 0 ? EXIT.gateFailed : EXIT.pass;
};
