/**
 * `seedaudit scan`: acquire the graph, run the pipeline, write the reports, exit with the
 * gate's verdict (0 pass, 1 gate failed, 2 input error).
 */
import { closeSync, existsSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { ioReason } from '../files.js';
import path from 'node:path';
import { InputError, EXIT } from '../errors.js';
import { flushStdout, type Command, type Io } from '../io.js';
import { acquireGraph, type AcquireRequest } from '../acquire/index.js';
import { readMetaFile } from '../acquire/meta.js';
import { loadRules } from '../classify/rules.js';
import { loadAllowlist, resolveAllowlistPath, todayUtc, isDate } from '../gate/allowlist.js';
import { FAIL_ON } from '../gate/gate.js';
import { scanGraph } from '../scan.js';
import { FORMATS, renderReportChunks, type Format } from '../report/formats.js';
import { loadReport } from '../report/load.js';
import type { FailOn, ScanReport } from '../model/report.js';
import { helpText, parseArgs, one, many } from './args.js';
import { SCAN } from './specs.js';
import { parseRootsFile, readRootsFile, rootsOf } from '../acquire/roots-file.js';
import { DEFAULT_STORE_DIR } from '../graph/nix-json.js';
import { renderRootsReport } from '../report/roots.js';

/**
 * Colour for the text report on stdout. `--color always|never` decides; `auto` (the default)
 * follows FORCE_COLOR when set (0 or false: off, anything else: on; it wins over NO_COLOR, as
 * in Node and chalk), else NO_COLOR (any non-empty value: off, per no-color.org), else whether
 * stdout is a terminal.
 */
export function resolveColor(when: string | undefined, io: Pick<Io, 'env' | 'isTTY'>): boolean {
  if (when === 'always') return true;
  if (when === 'never') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return !/^(0|false)$/i.test(force.trim());
  if (io.env.NO_COLOR) return false;
  return io.isTTY;
}

function parseReportSpec(spec: string): { format: Format; file: string } {
  const colon = spec.indexOf(':');
  const format = spec.slice(0, colon) as Format;
  const file = spec.slice(colon + 1);
  if (colon < 0 || !FORMATS.includes(format) || !file)
    throw new InputError(`scan: --report takes FORMAT:FILE with FORMAT one of ${FORMATS.join(', ')} (got '${spec}')`);
  return { format, file };
}

export const scanCommand: Command = async (argv: string[], io: Io) => {
  const p = parseArgs(argv, SCAN);
  if (p.flags.has('help')) {
    io.stdout(helpText(SCAN));
    return EXIT.pass;
  }
  const fromJson = one(p, 'from-json');
  const expr = one(p, 'expr');
  const attrs = many(p, 'attr');
  const nixArgs = [...(p.pairs.get('arg') ?? []), ...(p.pairs.get('argstr') ?? [])];
  let file = one(p, 'file');
  if (file !== undefined && expr !== undefined) throw new InputError('scan: give either -f FILE or -E EXPR, not both');
  if (fromJson && (file || expr !== undefined || p.positionals.length))
    throw new InputError('scan: --from-json cannot be combined with targets, -f or -E');
  if ((file || expr !== undefined) && p.positionals.length)
    throw new InputError(`scan: give either TARGETs or ${file ? '-f FILE' : '-E EXPR'}, not both (got ${p.positionals[0]})`);
  if (file === undefined && expr === undefined && !fromJson && (attrs.length || nixArgs.length)) {
    if (p.positionals.length) throw new InputError(`scan: -A ATTR and --arg/--argstr apply to -f FILE or -E EXPR, not to TARGETs (got ${p.positionals[0]})`);
    // as nix-build: -A without -f evaluates ./default.nix
    if (!existsSync(path.join(io.cwd, 'default.nix')))
      throw new InputError(`scan: -A ATTR without -f FILE reads ./default.nix (as nix-build does), and ${path.join(io.cwd, 'default.nix')} does not exist; give -f FILE or -E EXPR`);
    file = 'default.nix';
  }
  const rootsFile = one(p, 'roots-file');
  const rootsReport = one(p, 'roots-report');
  const evalErrors = (one(p, 'eval-errors') ?? 'fail') as 'fail' | 'report';
  if (rootsFile !== undefined && (file || expr !== undefined || p.positionals.length))
    throw new InputError('scan: --roots-file cannot be combined with TARGETs, -f or -E: put every root in the file');
  if (rootsFile === '-' && fromJson === '-') throw new InputError('scan: --roots-file - and --from-json - cannot both read standard input');
  if (p.values.has('eval-errors') && rootsFile === undefined) throw new InputError('scan: --eval-errors applies to the nix-eval-jobs lines of --roots-file');
  if (!fromJson && !file && expr === undefined && p.positionals.length === 0 && rootsFile === undefined)
    throw new InputError('scan: nothing to scan: give TARGET (result link, store path, .drv, flake ref), -f FILE -A ATTR, -E EXPR, --from-json FILE or --roots-file FILE');
  const today = one(p, 'today') ?? todayUtc();
  if (!isDate(today)) throw new InputError(`scan: --today must be a date YYYY-MM-DD`);
  const failOnAll = many(p, 'fail-on');
  const policies = [...new Set(failOnAll.filter((f) => f !== 'provenance'))];
  if (policies.length > 1) throw new InputError(`scan: --fail-on ${policies.join(' and --fail-on ')} contradict each other (provenance may be added to either)`);
  const failOn = (policies[0] ?? 'prebuilt') as FailOn;
  if (!FAIL_ON.includes(failOn)) throw new InputError(`scan: --fail-on ${failOn} is not a gate policy`);
  const failOnProvenance = failOnAll.includes('provenance');
  const reports = many(p, 'report').map(parseReportSpec);
  const format = (one(p, 'format') ?? 'text') as Format;
  const output = one(p, 'output');
  const metaFile = one(p, 'meta');
  const sarifRoot = path.resolve(io.cwd, one(p, 'sarif-root') ?? '.');
  if (rootsReport === '-' && (output === '-' || (output === undefined && p.values.has('format')) || reports.some((r) => r.file === '-')))
    throw new InputError('scan: --roots-report - and a report would both write to stdout; give the report --output FILE');

  // Load everything that can be wrong before the (possibly slow) graph acquisition.
  const rules = await loadRules(many(p, 'rules').map((d) => path.resolve(io.cwd, d)));
  const allowlist = loadAllowlist(resolveAllowlistPath(one(p, 'allowlist'), io.cwd, existsSync));
  const baselineFile = one(p, 'baseline');
  const baseline = baselineFile ? { file: baselineFile, report: loadReport(baselineFile, io, 'baseline') } : null;

  /** A positive whole-number limit; bytes may be written 1G, 512M, 64K. */
  const limit = (name: string): number | undefined => {
    const v = one(p, name);
    if (v === undefined) return undefined;
    const m = /^(\d+)([KMG]i?B?)?$/i.exec(v);
    const n = m ? Number(m[1]) * 1024 ** ({ K: 1, M: 2, G: 3 }[(m[2] ?? '')[0]?.toUpperCase() as 'K' | 'M' | 'G'] ?? 0) : NaN;
    if (!Number.isSafeInteger(n) || n <= 0) throw new InputError(`scan: --${name} takes a positive number (bytes may be written 512M, 1G), not '${v}'`);
    return n;
  };
  const dumpLimits = { maxBytes: limit('max-graph-bytes'), maxRatio: limit('max-graph-ratio') };
  const archiveLimits = { maxBytes: limit('max-archive-bytes'), maxRatio: limit('max-archive-ratio'), maxMembers: limit('max-archive-members') };
  // the roots of a many-roots scan, read and checked before the graph
  const storeDirGiven = (one(p, 'store-dir') ?? DEFAULT_STORE_DIR).replace(/\/+$/, '');
  const rootsLabel = rootsFile === '-' ? 'roots file (stdin)' : `roots file ${rootsFile}`;
  const rootEntries =
    rootsFile === undefined
      ? undefined
      : parseRootsFile(await readRootsFile(rootsFile === '-' ? '-' : path.resolve(io.cwd, rootsFile), rootsLabel), rootsLabel, storeDirGiven);
  const roots = rootEntries ? rootsOf(rootEntries, rootsLabel, evalErrors) : undefined;
  const evalFailures = (rootEntries ?? []).filter((e) => e.error !== undefined).map((e) => ({ attr: e.attr as string, error: e.error as string }));

  const req: AcquireRequest = {
    dumpLimits,
    fromJson: fromJson === undefined ? undefined : fromJson === '-' ? '-' : path.resolve(io.cwd, fromJson),
    targets: p.positionals,
    file: file ? (/^<[^>]+>$/.test(file) ? file : path.resolve(io.cwd, file)) : undefined,
    expr,
    attrs,
    args: p.pairs.get('arg') ?? [],
    argstrs: p.pairs.get('argstr') ?? [],
    storeRoot: one(p, 'store-root'),
    storeDir: one(p, 'store-dir'),
    readWith: (one(p, 'read-with') ?? 'auto') as AcquireRequest['readWith'],
    env: io.env,
    cwd: io.cwd,
    ...(roots ? { roots } : {}),
  };
  const progress = !p.flags.has('quiet') && io.stderrIsTTY ? (msg: string) => io.stderr(`\r\x1b[2K${msg}`) : undefined;
  progress?.('seedaudit: reading the derivation graph…');
  // the graph is read and scanned inside this function, so that it can be collected before the
  // report is rendered: at 1M derivations it is gigabytes, and nothing after the scan reads it
  const report = await (async () => {
    const graph = await acquireGraph(req);
    const declared = metaFile ? readMetaFile(path.resolve(io.cwd, metaFile)) : undefined;
    progress?.(`seedaudit: classifying ${graph.derivations.size} derivations…`);
    // loaded only when used: the ELF and archive readers (and xz's WebAssembly) cost start-up time
    const inspect = p.flags.has('no-inspect')
      ? undefined
      : (await import('../inspect/index.js')).makeInspector({ storeRoot: req.storeRoot, env: io.env, onProgress: progress, archive: archiveLimits });
    const manyRoots = rootsFile !== undefined || rootsReport !== undefined ? { entries: rootEntries?.length ?? graph.roots.length, evalErrors: evalFailures } : undefined;
    return scanGraph(graph, { rules, allowlist, failOn, failOnProvenance, today, baseline, inspect, declared, manyRoots });
  })();
  if (evalFailures.length && !p.flags.has('quiet'))
    io.stderr(`seedaudit: note: ${evalFailures.length} attribute${evalFailures.length === 1 ? ' that failed to evaluate was' : 's that failed to evaluate were'} not scanned (listed in the report's manyRoots.evalErrors${rootsReport ? ' and the roots report' : ''})\n`);
  progress?.('');
  if (progress) io.stderr('\r\x1b[2K');

  // SARIF results no root position places go on the expression file given, else the repository's flake.nix / default.nix
  const given = file && !/^<[^>]+>$/.test(file) ? path.relative(sarifRoot, path.resolve(io.cwd, file)) : null;
  const sarifFallback =
    given && !given.startsWith('..') && !path.isAbsolute(given)
      ? given.split(path.sep).join('/')
      : (['flake.nix', 'default.nix'].find((f) => existsSync(path.join(sarifRoot, f))) ?? null);
  const toStdout = (target: string | undefined) => target === undefined || target === '-';
  const color = resolveColor(one(p, 'color'), io) && toStdout(output);
  const render = (fmt: Format, target: string | undefined) =>
    renderReportChunks(fmt, report, {
      color: toStdout(target) ? color : false,
      verbose: p.flags.has('verbose'),
      rules: rules.map((r) => ({ id: r.id, description: r.description })),
      sarifRoot,
      sarifFallback,
    });
  const outputs: { format: Format; target: string | undefined }[] = reports.map((r) => ({ format: r.format, target: r.file }));
  // with --report alone, stdout still gets the text summary unless --quiet; -q drops the text
  // summary, not a report asked for by --format / --json / --output
  // --roots-report - takes stdout: the text summary then goes nowhere unless asked for
  if ((!p.flags.has('quiet') && rootsReport !== '-') || output || p.values.has('format')) outputs.push({ format, target: output });
  // each report is rendered as it is written (a JSON report in pieces: its text is never whole)
  const rendered: { target: string | undefined; chunks: () => Promise<Iterable<string>> }[] = outputs.map((o) => ({
    target: o.target,
    chunks: () => render(o.format, o.target),
  }));
  if (rootsReport !== undefined) rendered.push({ target: rootsReport, chunks: async () => [renderRootsReport(report, rootEntries ?? undefined)] });
  // Every file is written whole under a temporary name first and renamed into place only
  // once stdout, too, was written: a run that ends in exit 2 (a full disk, a closed pipe)
  // leaves no report behind, and a kill mid-write never leaves a truncated one.
  const staged: { tmp: string; file: string; target: string }[] = [];
  try {
    for (const r of rendered) {
      if (toStdout(r.target)) {
        for (const piece of await r.chunks()) io.stdout(piece);
        continue;
      }
      const file = path.resolve(io.cwd, r.target!);
      const tmp = path.join(path.dirname(file), `.${path.basename(file)}.seedaudit-${process.pid}-${staged.length}.tmp`);
      const chunks = await r.chunks();
      const fail = (e: unknown) => new InputError(`cannot write ${r.target}: ${ioReason(e)}`);
      let fd: number;
      try {
        fd = openSync(tmp, 'wx');
      } catch (e) {
        throw fail(e);
      }
      // staged (and so removed on failure) only once created here: an existing file of that name is not ours
      staged.push({ tmp, file, target: r.target! });
      try {
        // a renderer's bug is thrown as is (an internal error), the file's own errors as InputError
        for (const piece of chunks) writeWhole(fd, piece, fail);
      } finally {
        try {
          closeSync(fd);
        } catch (e) {
          throw fail(e);
        }
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

/** Write all of `text` to `fd`: a short write (a disk that filled up) is retried until it errs. */
function writeWhole(fd: number, text: string, fail: (e: unknown) => Error): void {
  const bytes = Buffer.from(text, 'utf8');
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (e) {
      throw fail(e);
    }
  }
}
