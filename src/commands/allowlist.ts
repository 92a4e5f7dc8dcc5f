/**
 * `seedaudit allowlist check` and `seedaudit allowlist add`: keep the allowlist honest.
 * check lists every problem at once (a CI job wants the whole list, not the first error);
 * add appends one entry from a JSON report, in the file's own formatting, and refuses to
 * do so without a reason.
 */
import { writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { InputError, EXIT } from '../errors.js';
import type { Command, Io } from '../io.js';
import { parseHash, toSRI } from '../graph/hash.js';
import {
  allowlistProblems, allowlistTarget, entryLabel, isDate, isShippedAllowlist, parseAllowlist, readAllowlistText, resolveAllowlistPath, todayUtc,
} from '../gate/allowlist.js';
import type { ReportInput, ScanReport } from '../model/report.js';
import { loadReport } from '../report/load.js';
import { allowlistEntryFor, citation, selectEntries, shippedRegistry, type SeedEntry } from '../gate/registry.js';
import { readNixpkgsSeeds } from '../gate/nixpkgs-files.js';
import { helpText, parseArgs, one, many } from './args.js';
import { ALLOWLIST, ALLOWLIST_ADD, ALLOWLIST_CHECK, ALLOWLIST_IMPORT } from './specs.js';

export interface Problem {
  level: 'error' | 'warning';
  entry: string;
  message: string;
}

/**
 * Every problem of an allowlist text: the errors the gate refuses the file for (the same
 * validator), then expired and soon-expiring entries, and (given reports) unused ones.
 */
export function checkAllowlist(text: string, file: string, today: string, reports: ScanReport[] = []): Problem[] {
  const { errors, allowlist } = allowlistProblems(text, file);
  const problems: Problem[] = errors.map((e) => ({ level: 'error', entry: e.where ?? '-', message: e.message }));
  const usedInputs = new Set<string>();
  const usedBuildIds = new Set<string>();
  const usedFileShas = new Set<string>();
  for (const r of reports) {
    for (const i of r.inputs) usedInputs.add(i.hash ?? i.path ?? '');
    for (const f of Array.isArray(r.elf) ? r.elf : []) {
      if (typeof f.buildId === 'string') usedBuildIds.add(f.buildId);
      // reports record an ELF file's SHA-256 in hex; entries hold it as SRI
      if (typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256)) usedFileShas.add(`sha256-${Buffer.from(f.sha256, 'hex').toString('base64')}`);
    }
  }
  const soon = new Date(Date.parse(`${today}T00:00:00Z`) + 30 * 86400e3).toISOString().slice(0, 10);
  for (const e of allowlist.entries) {
    const entry = entryLabel(e);
    if (e.expires !== null) {
      if (e.expires < today) problems.push({ level: 'error', entry, message: `expired on ${e.expires}: it no longer allows anything` });
      else if (e.expires <= soon) problems.push({ level: 'warning', entry, message: `expires on ${e.expires}` });
    }
    if (!reports.length) continue;
    const unused =
      e.hash !== null ? (usedInputs.has(e.hash) ? null : `no input in the given report(s) has hash ${e.hash}`)
      : e.storePath !== null ? (usedInputs.has(e.storePath) ? null : `no input in the given report(s) is ${e.storePath}`)
      : e.buildId !== null ? (usedBuildIds.has(e.buildId) ? null : `no ELF file in the given report(s) has build-id ${e.buildId}`)
      : e.fileSha256 !== null ? (usedFileShas.has(e.fileSha256) ? null : `no ELF file in the given report(s) has SHA-256 ${e.fileSha256}`)
      : null;
    if (unused) problems.push({ level: 'warning', entry, message: `${unused}: unused entry` });
  }
  const order = (p: Problem) => (p.entry === '-' ? -1 : Number(/^entry (\d+)/.exec(p.entry)?.[1] ?? 0));
  return problems.map((p, n) => [p, n] as const).sort(([a, i], [b, j]) => order(a) - order(b) || i - j).map(([p]) => p);
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

/** What `add` pins: an input of the report (by name, id or path), or an ELF file of its outputs (by path). */
type Pick =
  | { what: 'input'; name: string; pin: { hash: string } | { storePath: string }; key: string; urls: string[] }
  | { what: 'elf'; name: string; pin: { buildId: string } | { fileSha256: string }; key: string; origin: string };

function pick(report: ScanReport, name: string, file: string): Pick {
  const hits = report.inputs.filter((i) => i.name === name || i.id === name || i.path === name);
  if (hits.length === 0) {
    const elf = (Array.isArray(report.elf) ? report.elf : []).find((e) => e.path === name);
    if (!elf) throw new InputError(`allowlist add: no input or output ELF file named '${name}' in ${file}`);
    const short = name.replace(/^.*\/[0-9a-df-np-sv-z]{32}-/, '');
    if (typeof elf.buildId === 'string' && /^([0-9a-f]{2}){8,64}$/.test(elf.buildId))
      return { what: 'elf', name: short, pin: { buildId: elf.buildId }, key: elf.buildId, origin: name };
    // the file's sha256 (hex) when the scan read the file; older reports do not carry it
    const sha = (elf as { sha256?: unknown }).sha256;
    if (typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha))
      return { what: 'elf', name: short, pin: { fileSha256: sha }, key: sha, origin: name };
    throw new InputError(`allowlist add: ${name} has neither a GNU build-id nor a file sha256 in ${file}; nothing to pin it by`);
  }
  const distinct = new Map(hits.map((h) => [h.hash, h]));
  if (distinct.size > 1)
    throw new InputError(`allowlist add: '${name}' names ${distinct.size} inputs with different hashes in ${file}; give its .drv path instead`);
  const input: ReportInput = hits[0];
  if (!input.hash && input.kind !== 'input-src')
    throw new InputError(`allowlist add: '${name}' has no fixed hash (${input.kind}); only hash-pinned inputs can be allowlisted`);
  // an input source has no declared hash; its store path is content-addressed and pins it
  return input.hash
    ? { what: 'input', name: input.name, pin: { hash: input.hash }, key: input.hash, urls: input.urls }
    : { what: 'input', name: input.name, pin: { storePath: input.path! }, key: input.path!, urls: input.urls };
}

const EMPTY = '{\n  "version": 1,\n  "seeds": []\n}\n';

/** The file `add` and `import` write: never the shipped allowlist; created (with a note) when missing. */
function writableAllowlist(explicit: string | undefined, io: Io, command: string): { file: string; text: string; created: boolean } {
  const file = allowlistTarget(explicit, io.cwd);
  if (isShippedAllowlist(file))
    throw new InputError(
      `allowlist ${command}: ${file} is the allowlist shipped with seedaudit, which is read-only; give --allowlist FILE or run in a directory with your own allowlist.json`,
    );
  const created = !existsSync(file);
  return { file, text: created ? EMPTY : readAllowlistText(file), created };
}

function writeAllowlist(file: string, text: string, created: boolean, io: Io): void {
  parseAllowlist(text, file); // never write a file the gate would then refuse
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new InputError(`allowlist ${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (created) io.stderr(`created ${file}: a new allowlist (scan reads ./allowlist.json in the working directory, or --allowlist FILE)\n`);
}

/**
 * `allowlist import`: entries from seedaudit's seed registry for the chosen systems or targets
 * (current revisions; `--include-superseded` adds older ones), and/or every seed a local nixpkgs
 * checkout pins (`--nixpkgs PATH`). Each entry carries its reason and provenance; hashes already
 * in the file are left as they are.
 */
function importEntries(p: ReturnType<typeof parseArgs>, io: Io): { entries: Record<string, unknown>[]; from: string } {
  const systems = many(p, 'system');
  const targets = many(p, 'target');
  const all = p.flags.has('all');
  const nixpkgs = one(p, 'nixpkgs');
  const expires = one(p, 'expires') ?? null;
  if (!systems.length && !targets.length && !all && !nixpkgs)
    throw new InputError('allowlist import: say which seeds: --system SYSTEM, --target TARGET, --all (the seed registry) or --nixpkgs PATH (a checkout)');
  if (all && (systems.length || targets.length)) throw new InputError('allowlist import: --all imports every system; drop --system/--target');
  const entries: Record<string, unknown>[] = [];
  const from: string[] = [];
  const registry = shippedRegistry();
  if (nixpkgs) {
    const root = path.resolve(io.cwd, nixpkgs);
    const found = readNixpkgsSeeds(root).filter(
      (s) => (!systems.length && !targets.length) || systems.includes(s.system) || targets.includes(s.target),
    );
    if (!found.length) throw new InputError(`allowlist import: no bootstrap seed${systems.length || targets.length ? ' of the chosen systems/targets' : ''} in ${root} (read pkgs/stdenv/*/bootstrap-files and minimal-bootstrap/stage0-posix/hex0.nix)`);
    for (const s of found) {
      const known: SeedEntry | undefined = registry.byHash.get(s.hash);
      entries.push({
        name: s.name,
        hash: s.hash,
        reason: `nixpkgs bootstrap seed (${s.attr}, ${s.target} / ${s.system}) pinned by ${s.file} of the nixpkgs checkout ${root}; ${known ? `also in seedaudit's seed registry: ${known.id}, published in ${citation(known)}` : "not in seedaudit's seed registry"}`,
        urls: [s.url],
        origin: `${root}/${s.file}`,
        ...(expires ? { expires } : {}),
      });
    }
    from.push(`${found.length} from ${root}`);
  }
  if (systems.length || targets.length || all) {
    if (!nixpkgs || all) {
      const projects = many(p, 'project').flatMap((x) => x.split(','));
      const chosen = selectEntries(registry, { systems, targets, all, superseded: p.flags.has('include-superseded') }).filter(
        (e) => !projects.length || e.sources.some((s) => projects.includes(s.project)),
      );
      if (!chosen.length) {
        const known = [...new Set(registry.entries.filter((e) => e.binary && e.system).map((e) => e.system!))].sort();
        throw new InputError(`allowlist import: the seed registry has no seed for ${[...systems, ...targets].join(', ')} (systems: ${known.join(', ')}; targets are host triples or stage0 architectures such as AMD64)`);
      }
      for (const e of chosen) entries.push(allowlistEntryFor(e, expires));
      from.push(`${chosen.length} from the seed registry`);
    }
  }
  return { entries, from: from.join(', ') };
}

export const allowlistCommand: Command = async (argv: string[], io: Io) => {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    io.stdout(helpText(ALLOWLIST));
    return EXIT.pass;
  }
  if (sub === 'check') {
    const p = parseArgs(rest, ALLOWLIST_CHECK);
    if (p.flags.has('help')) {
      io.stdout(helpText(ALLOWLIST_CHECK));
      return EXIT.pass;
    }
    if (p.positionals.length) throw new InputError(`allowlist check: unexpected argument '${p.positionals[0]}'`);
    const file = resolveAllowlistPath(one(p, 'allowlist'), io.cwd, existsSync);
    const today = one(p, 'today') ?? todayUtc();
    if (!isDate(today)) throw new InputError('allowlist check: --today must be a date YYYY-MM-DD');
    const text = readAllowlistText(file);
    const reports = many(p, 'report').map((r) => loadReport(r, io));
    const problems = checkAllowlist(text, file, today, reports);
    const seeds = (JSON.parse(text) as { seeds?: unknown } | null)?.seeds;
    const entries = Array.isArray(seeds) ? seeds.length : 0;
    for (const pr of problems) io.stdout(`${pr.level}: ${pr.entry === '-' ? '' : `${pr.entry}: `}${pr.message}\n`);
    const errors = problems.filter((x) => x.level === 'error').length;
    io.stdout(`${file}: ${entries} entries, ${errors} errors, ${problems.length - errors} warnings\n`);
    return errors ? EXIT.gateFailed : EXIT.pass;
  }
  if (sub === 'add') {
    const p = parseArgs(rest, ALLOWLIST_ADD);
    if (p.flags.has('help')) {
      io.stdout(helpText(ALLOWLIST_ADD));
      return EXIT.pass;
    }
    const reportFile = one(p, 'from-report');
    const reason = one(p, 'reason')?.trim();
    const expires = one(p, 'expires');
    if (!reportFile) throw new InputError('allowlist add: --from-report REPORT.json is required');
    if (p.positionals.length !== 1) throw new InputError('allowlist add: give exactly one input NAME (or .drv path) from the report');
    if (!reason) throw new InputError('allowlist add: --reason is required: say why this binary is trusted');
    if (expires !== undefined && !isDate(expires)) throw new InputError('allowlist add: --expires must be a date YYYY-MM-DD');
    const report = loadReport(reportFile, io);
    const chosen = pick(report, p.positionals[0], reportFile);
    const { file, text, created } = writableAllowlist(one(p, 'allowlist'), io, 'add');
    const current = parseAllowlist(text, file);
    const dup = 'hash' in chosen.pin ? current.byHash.get(chosen.pin.hash)
      : 'storePath' in chosen.pin ? current.byPath.get(chosen.pin.storePath)
      : 'buildId' in chosen.pin ? current.byBuildId.get(chosen.pin.buildId)
      : current.byFileSha256.get(toSRI(parseHash(chosen.pin.fileSha256, 'sha256')));
    if (dup) throw new InputError(`allowlist add: ${chosen.key} is already allowlisted as '${dup.name}' in ${file}`);
    const entry: Record<string, unknown> = chosen.what === 'input'
      ? { name: chosen.name, ...chosen.pin, reason, urls: chosen.urls }
      : { name: chosen.name, ...chosen.pin, reason, origin: chosen.origin };
    if (expires) entry.expires = expires;
    writeAllowlist(file, appendEntry(text, entry), created, io);
    io.stdout(`added '${chosen.name}' (${chosen.key}) to ${file}\n`);
    return EXIT.pass;
  }
  if (sub === 'import') {
    const p = parseArgs(rest, ALLOWLIST_IMPORT);
    if (p.flags.has('help')) {
      io.stdout(helpText(ALLOWLIST_IMPORT));
      return EXIT.pass;
    }
    if (p.positionals.length) throw new InputError(`allowlist import: unexpected argument '${p.positionals[0]}'`);
    const expires = one(p, 'expires');
    if (expires !== undefined && !isDate(expires)) throw new InputError('allowlist import: --expires must be a date YYYY-MM-DD');
    const { entries, from } = importEntries(p, io);
    const { file, text, created } = writableAllowlist(one(p, 'allowlist'), io, 'import');
    const current = parseAllowlist(text, file);
    let next = text;
    let added = 0;
    const seen = new Set<string>();
    for (const e of entries) {
      const hash = e.hash as string;
      if (current.byHash.has(hash) || seen.has(hash)) continue;
      seen.add(hash);
      next = appendEntry(next, e);
      added++;
    }
    const skipped = entries.length - added;
    if (added) writeAllowlist(file, next, created, io);
    io.stdout(`imported ${added} ${added === 1 ? 'entry' : 'entries'} into ${file} (${from}${skipped ? `; ${skipped} already there` : ''})\n`);
    return EXIT.pass;
  }
  throw new InputError(
    sub === undefined
      ? 'allowlist: give a command: check, add or import (see seedaudit allowlist --help)'
      : `allowlist: unknown command '${sub}' (commands: check, add, import; see seedaudit allowlist --help)`,
  );
};
