/**
 * `seedaudit allowlist check` and `seedaudit allowlist add`: keep the allowlist honest.
 * check lists every problem at once (a CI job wants the whole list, not the first error);
 * add appends one entry from a JSON report, in the file's own formatting, and refuses to
 * do so without a reason.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { InputError, EXIT } from '../errors.js';
import type { Command, Io } from '../io.js';
import { parseHash, toSRI } from '../graph/hash.js';
import { isDate, parseAllowlist, resolveAllowlistPath, todayUtc } from '../gate/allowlist.js';
import type { ReportInput, ScanReport } from '../model/report.js';
import { loadReport } from '../report/load.js';
import { parseArgs, one, many } from './args.js';

export interface Problem {
  level: 'error' | 'warning';
  entry: string;
  message: string;
}

/** Every problem of an allowlist text; reports (if given) tell which entries are in use. */
export function checkAllowlist(text: string, file: string, today: string, reports: ScanReport[] = []): Problem[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`allowlist ${file}: not valid JSON (${(e as Error).message})`);
  }
  const seeds = (doc as { seeds?: unknown })?.seeds;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(seeds))
    throw new InputError(`allowlist ${file}: expected {"version": 1, "seeds": [...]}`);
  const problems: Problem[] = [];
  if ((doc as { version?: unknown }).version !== 1)
    problems.push({ level: 'error', entry: '-', message: `version must be 1` });
  const seen = new Map<string, string>();
  const used = new Set<string>();
  for (const r of reports) for (const i of r.inputs) used.add(i.hash ?? i.path ?? '');
  const soon = new Date(Date.parse(`${today}T00:00:00Z`) + 30 * 86400e3).toISOString().slice(0, 10);
  seeds.forEach((raw, i) => {
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const label = `#${i + 1} ${typeof e.name === 'string' ? e.name : '(no name)'}`;
    const err = (message: string) => problems.push({ level: 'error', entry: label, message });
    if (typeof e.name !== 'string' || !e.name.trim()) err(`'name' is missing`);
    if (typeof e.reason !== 'string' || !e.reason.trim()) err(`'reason' is missing: say why this binary is trusted`);
    let hash: string | null = null;
    if (typeof e.hash !== 'string') {
      if (typeof e.storePath === 'string') {
        if (reports.length && !used.has(e.storePath))
          problems.push({ level: 'warning', entry: label, message: `no input in the given report(s) is ${e.storePath}: unused entry` });
      } else err(`'hash' is missing`);
    } else
      try {
        hash = toSRI(parseHash(e.hash, 'sha256'));
      } catch (x) {
        err(`malformed hash: ${(x as Error).message}`);
      }
    if (hash) {
      const other = seen.get(hash);
      if (other) err(`duplicate hash ${hash} (also ${other})`);
      seen.set(hash, label);
      if (reports.length && !used.has(hash))
        problems.push({ level: 'warning', entry: label, message: `no input in the given report(s) has hash ${hash}: unused entry` });
    }
    if (e.expires !== undefined && e.expires !== null) {
      if (typeof e.expires !== 'string' || !isDate(e.expires)) err(`'expires' must be a date YYYY-MM-DD`);
      else if (e.expires < today) err(`expired on ${e.expires}: it no longer allows anything`);
      else if (e.expires <= soon) problems.push({ level: 'warning', entry: label, message: `expires on ${e.expires}` });
    }
  });
  return problems;
}

/** Insert `entry` at the end of the `seeds` array of `text`, keeping the file's indentation. */
export function appendEntry(text: string, entry: Record<string, unknown>): string {
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  // find the seeds array at depth 1 with a small scanner that knows JSON strings
  let depth = 0;
  let open = -1;
  let close = -1;
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) lastKey = JSON.parse(text.slice(i, j + 1)) as string;
      i = j;
    } else if (ch === '{' || ch === '[') {
      depth++;
      if (ch === '[' && depth === 2 && lastKey === 'seeds') open = i;
    } else if (ch === '}' || ch === ']') {
      if (ch === ']' && depth === 2 && open >= 0 && close < 0) close = i;
      depth--;
    }
  }
  if (open < 0 || close < 0) throw new InputError(`allowlist has no "seeds" array to add to`);
  const inner = indent + indent;
  const body = JSON.stringify(entry, null, indent).split('\n').join(`\n${inner}`);
  const between = text.slice(open + 1, close);
  if (between.trim() === '') return `${text.slice(0, open + 1)}\n${inner}${body}\n${indent}${text.slice(close)}`;
  let end = close - 1;
  while (/\s/.test(text[end])) end--;
  return `${text.slice(0, end + 1)},\n${inner}${body}${text.slice(end + 1)}`;
}

function pickInput(report: ScanReport, name: string, file: string): ReportInput {
  const hits = report.inputs.filter((i) => i.name === name || i.id === name || i.path === name);
  if (hits.length === 0) throw new InputError(`allowlist add: no input named '${name}' in ${file}`);
  const distinct = new Map(hits.map((h) => [h.hash, h]));
  if (distinct.size > 1)
    throw new InputError(`allowlist add: '${name}' names ${distinct.size} inputs with different hashes in ${file}; give its .drv path instead`);
  const input = hits[0];
  if (!input.hash && input.kind !== 'input-src')
    throw new InputError(`allowlist add: '${name}' has no fixed hash (${input.kind}); only hash-pinned inputs can be allowlisted`);
  return input;
}

const USAGE = 'allowlist: use `seedaudit allowlist check [--allowlist FILE] [--report REPORT.json]...` or `seedaudit allowlist add --from-report REPORT.json NAME --reason "..." [--expires YYYY-MM-DD] [--allowlist FILE]`';

export const allowlistCommand: Command = async (argv: string[], io: Io) => {
  const [sub, ...rest] = argv;
  if (sub === 'check') {
    const p = parseArgs(rest, { allowlist: { arity: 1 }, report: { arity: 1, repeat: true }, today: { arity: 1 } }, 'allowlist check');
    if (p.positionals.length) throw new InputError(`allowlist check: unexpected argument '${p.positionals[0]}'`);
    const file = resolveAllowlistPath(one(p, 'allowlist'), io.cwd, existsSync);
    const today = one(p, 'today') ?? todayUtc();
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new InputError(`allowlist ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
    }
    const reports = many(p, 'report').map((r) => loadReport(r, io));
    const problems = checkAllowlist(text, file, today, reports);
    const entries = ((JSON.parse(text) as { seeds: unknown[] }).seeds ?? []).length;
    for (const pr of problems) io.stdout(`${pr.level}: ${pr.entry}: ${pr.message}\n`);
    const errors = problems.filter((x) => x.level === 'error').length;
    io.stdout(`${file}: ${entries} entries, ${errors} errors, ${problems.length - errors} warnings\n`);
    return errors ? EXIT.gateFailed : EXIT.pass;
  }
  if (sub === 'add') {
    const p = parseArgs(
      rest,
      { 'from-report': { arity: 1 }, reason: { arity: 1 }, expires: { arity: 1 }, allowlist: { arity: 1 } },
      'allowlist add',
    );
    const reportFile = one(p, 'from-report');
    const reason = one(p, 'reason')?.trim();
    const expires = one(p, 'expires');
    if (!reportFile) throw new InputError('allowlist add: --from-report REPORT.json is required');
    if (p.positionals.length !== 1) throw new InputError('allowlist add: give exactly one input NAME (or .drv path) from the report');
    if (!reason) throw new InputError('allowlist add: --reason is required: say why this binary is trusted');
    if (expires !== undefined && !isDate(expires)) throw new InputError('allowlist add: --expires must be a date YYYY-MM-DD');
    const report = loadReport(reportFile, io);
    const input = pickInput(report, p.positionals[0], reportFile);
    const file = resolveAllowlistPath(one(p, 'allowlist'), io.cwd, (f) => existsSync(f));
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '{\n  "version": 1,\n  "seeds": []\n}\n';
    const current = parseAllowlist(text, file);
    // an input source has no declared hash; its store path is content-addressed and pins it
    const pin = input.hash ? { hash: input.hash } : { storePath: input.path! };
    const dup = input.hash ? current.byHash.get(input.hash) : current.byPath.get(input.path!);
    if (dup) throw new InputError(`allowlist add: ${input.hash ?? input.path} is already allowlisted as '${dup.name}' in ${file}`);
    const entry: Record<string, unknown> = { name: input.name, ...pin, reason, urls: input.urls };
    if (expires) entry.expires = expires;
    const next = appendEntry(text, entry);
    parseAllowlist(next, file); // never write a file the gate would then refuse
    writeFileSync(file, next);
    io.stdout(`added '${input.name}' (${input.hash ?? input.path}) to ${file}\n`);
    return EXIT.pass;
  }
  throw new InputError(USAGE);
};
