/**
 * `seedaudit scan`: acquire the graph, run the pipeline, write the reports, exit with the
 * gate's verdict (0 pass, 1 gate failed, 2 input error).
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { ioReason } from '../files.js';
import path from 'node:path';
import { InputError, EXIT } from '../errors.js';
import { flushStdout, type Command, type Io } from '../io.js';
import { acquireGraph, type AcquireRequest } from '../acquire/index.js';
import { loadRules } from '../classify/rules.js';
import { loadAllowlist, resolveAllowlistPath, todayUtc, isDate } from '../gate/allowlist.js';
import { FAIL_ON } from '../gate/gate.js';
import { scanGraph } from '../scan.js';
import { FORMATS, renderReport, type Format } from '../report/formats.js';
import { loadReport } from '../report/load.js';
import type { FailOn, ScanReport } from '../model/report.js';
import { parseArgs, one, many, type OptionSpec } from './args.js';

const SPEC: Record<string, OptionSpec> = {
  'from-json': { arity: 1 },
  'store-root': { arity: 1 },
  'store-dir': { arity: 1 },
  'read-with': { arity: 1, choices: ['auto', 'nix', 'drv'] },
  file: { arity: 1, short: 'f' },
  attr: { arity: 1, short: 'A', repeat: true },
  arg: { arity: 2, repeat: true },
  argstr: { arity: 2, repeat: true },
  format: { arity: 1, choices: FORMATS },
  output: { arity: 1, short: 'o' },
  report: { arity: 1, repeat: true },
  allowlist: { arity: 1 },
  rules: { arity: 1, repeat: true },
  'fail-on': { arity: 1, choices: FAIL_ON },
  baseline: { arity: 1 },
  today: { arity: 1 },
  'no-inspect': { arity: 0 },
  verbose: { arity: 0, short: 'v' },
  quiet: { arity: 0, short: 'q' },
};

function parseReportSpec(spec: string): { format: Format; file: string } {
  const colon = spec.indexOf(':');
  const format = spec.slice(0, colon) as Format;
  const file = spec.slice(colon + 1);
  if (colon < 0 || !FORMATS.includes(format) || !file)
    throw new InputError(`scan: --report takes FORMAT:FILE with FORMAT one of ${FORMATS.join(', ')} (got '${spec}')`);
  return { format, file };
}

export const scanCommand: Command = async (argv: string[], io: Io) => {
  const p = parseArgs(argv, SPEC, 'scan');
  const fromJson = one(p, 'from-json');
  const file = one(p, 'file');
  const attrs = many(p, 'attr');
  if (!fromJson && !file && p.positionals.length === 0)
    throw new InputError('scan: nothing to scan: give TARGET (result link, store path, .drv, flake ref), -f FILE -A ATTR, or --from-json FILE');
  if (fromJson && (file || p.positionals.length))
    throw new InputError('scan: --from-json cannot be combined with targets or -f');
  if (attrs.length && !file) throw new InputError('scan: -A ATTR needs -f FILE');
  const today = one(p, 'today') ?? todayUtc();
  if (!isDate(today)) throw new InputError(`scan: --today must be a date YYYY-MM-DD`);
  const failOn = (one(p, 'fail-on') ?? 'prebuilt') as FailOn;
  const reports = many(p, 'report').map(parseReportSpec);
  const format = (one(p, 'format') ?? 'text') as Format;
  const output = one(p, 'output');

  // Load everything that can be wrong before the (possibly slow) graph acquisition.
  const rules = await loadRules(many(p, 'rules').map((d) => path.resolve(io.cwd, d)));
  const allowlist = loadAllowlist(resolveAllowlistPath(one(p, 'allowlist'), io.cwd, existsSync));
  const baselineFile = one(p, 'baseline');
  const baseline = baselineFile ? { file: baselineFile, report: loadReport(baselineFile, io, 'baseline') } : null;

  const req: AcquireRequest = {
    fromJson: fromJson === undefined ? undefined : fromJson === '-' ? '-' : path.resolve(io.cwd, fromJson),
    targets: p.positionals,
    file: file ? path.resolve(io.cwd, file) : undefined,
    attrs,
    args: p.pairs.get('arg') ?? [],
    argstrs: p.pairs.get('argstr') ?? [],
    storeRoot: one(p, 'store-root'),
    storeDir: one(p, 'store-dir'),
    readWith: (one(p, 'read-with') ?? 'auto') as AcquireRequest['readWith'],
    env: io.env,
    cwd: io.cwd,
  };
  const progress = !p.flags.has('quiet') && io.stderrIsTTY ? (msg: string) => io.stderr(`\r\x1b[2K${msg}`) : undefined;
  progress?.('seedaudit: reading the derivation graph…');
  const graph = await acquireGraph(req);
  progress?.(`seedaudit: classifying ${graph.derivations.size} derivations…`);
  // loaded only when used: the ELF and archive readers (and xz's WebAssembly) cost start-up time
  const inspect = p.flags.has('no-inspect')
    ? undefined
    : (await import('../inspect/index.js')).makeInspector({ storeRoot: req.storeRoot, env: io.env, onProgress: progress });
  const report = await scanGraph(graph, { rules, allowlist, failOn, today, baseline, inspect });
  progress?.('');
  if (progress) io.stderr('\r\x1b[2K');

  const toStdout = (target: string | undefined) => target === undefined || target === '-';
  const color = io.isTTY && !io.env.NO_COLOR && toStdout(output);
  const render = (fmt: Format, target: string | undefined) =>
    renderReport(fmt, report, {
      color: toStdout(target) ? color : false,
      verbose: p.flags.has('verbose'),
      rules: rules.map((r) => ({ id: r.id, description: r.description })),
    });
  const outputs: { format: Format; target: string | undefined }[] = reports.map((r) => ({ format: r.format, target: r.file }));
  // with --report alone, stdout still gets the text summary unless --quiet
  if (!p.flags.has('quiet') || output) outputs.push({ format, target: output });
  const rendered = [];
  for (const o of outputs) rendered.push({ ...o, text: await render(o.format, o.target) });
  // Every file is written whole under a temporary name first and renamed into place only
  // once stdout, too, was written: a run that ends in exit 2 (a full disk, a closed pipe)
  // leaves no report behind, and a kill mid-write never leaves a truncated one.
  const staged: { tmp: string; file: string; target: string }[] = [];
  try {
    for (const r of rendered) {
      if (toStdout(r.target)) {
        io.stdout(r.text);
        continue;
      }
      const file = path.resolve(io.cwd, r.target!);
      const tmp = path.join(path.dirname(file), `.${path.basename(file)}.seedaudit-${process.pid}-${staged.length}.tmp`);
      staged.push({ tmp, file, target: r.target! });
      try {
        writeFileSync(tmp, r.text, { flag: 'wx' });
      } catch (e) {
        throw new InputError(`cannot write ${r.target}: ${ioReason(e)}`);
      }
    }
    await flushStdout(io);
    for (const s of staged) {
      try {
        renameSync(s.tmp, s.file);
      } catch (e) {
        throw new InputError(`cannot write ${s.target}: ${ioReason(e)}`);
      }
    }
  } catch (e) {
    for (const s of staged) rmSync(s.tmp, { force: true });
    throw e;
  }
  return report.gate.passed ? EXIT.pass : EXIT.gateFailed;
};
