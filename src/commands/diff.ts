/**
 * `seedaudit diff OLD.json NEW.json [--format text|json]`: what changed in the trust base
 * between two saved JSON reports. Exit 1 when binaries were added (a new binary is a new
 * trust decision someone has to review), 0 otherwise, 2 on unusable input.
 */
import { InputError, EXIT } from '../errors.js';
import type { Command, Io } from '../io.js';
import { diffReports, renderDiffJson, renderDiffText } from '../report/diff.js';
import { loadReport } from '../report/load.js';
import { helpText, parseArgs, one } from './args.js';
import { DIFF } from './specs.js';

export const diffCommand: Command = async (argv: string[], io: Io) => {
  const p = parseArgs(argv, DIFF);
  if (p.flags.has('help')) {
    io.stdout(helpText(DIFF));
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
