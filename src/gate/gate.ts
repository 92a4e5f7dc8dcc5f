/**
 * The gate: every pass/fail decision of a scan. Every finding that can fail the gate is a
 * gate item with a stable identity (src/model/gate.ts), a kind, a reason and the same
 * acceptance paths, tried in this order:
 *
 *   binary input (seed/prebuilt)      allowlist by hash (input sources: by store path), then baseline
 *   unknown input (--fail-on unknown) allowlist by hash / store path, then baseline
 *   output ELF file not built here    allowlist by build-id, then by file SHA-256, then the input it
 *                                     came from being allowlisted; then baseline (build-id, else
 *                                     path without store hash + file SHA-256)
 *   uninspected output (--fail-on unknown)   baseline only
 *
 * An allowlist entry past its `expires` date accepts nothing. What nobody accepted fails,
 * unless `--fail-on never` (then it is `report-only`). Unknown inputs and ELF files made by
 * no derivation of the graph are items only under `--fail-on unknown`.
 */
import type {
  AllowlistMatch,
  Coverage,
  ElfFinding,
  FailOn,
  GateAcceptance,
  GateItem,
  InputClass,
  ReportInput,
  ScanReport,
} from '../model/report.js';
import { baselineKeysOf, countItems, elfIsItem, elfKey, elfName, inputItemKind, inputKey, uninspectedKey } from '../model/gate.js';
import { allowlistMatchElf, isExpired, type Allowlist } from './allowlist.js';

export const FAIL_ON: FailOn[] = ['prebuilt', 'unknown', 'never'];

export const isBinaryClass = (c: InputClass): boolean => c === 'seed' || c === 'prebuilt';

/** The entry for an input: by its fixed hash, or (input sources, which have none) by its store path. */
export function allowlistMatch(
  allowlist: Allowlist,
  input: { hash: string | null; kind: string; path: string | null },
  today: string,
): AllowlistMatch | null {
  const e = input.hash
    ? allowlist.byHash.get(input.hash)
    : input.kind === 'input-src' && input.path
      ? allowlist.byPath.get(input.path)
      : undefined;
  if (!e) return null;
  return { name: e.name, reason: e.reason, expires: e.expires, expired: isExpired(e, today) };
}

export type GateInputIn = Omit<ReportInput, 'gate' | 'allowlisted' | 'allowlist'>;
export type GateElfIn = Omit<ElfFinding, 'gate'>;

export interface GateRequest {
  inputs: GateInputIn[];
  elf: GateElfIn[];
  coverage: Coverage;
  allowlist: Allowlist;
  failOn: FailOn;
  /** YYYY-MM-DD, for allowlist expiry */
  today: string;
  baseline: { file: string; report: ScanReport } | null;
}

export interface GateResult {
  inputs: ReportInput[];
  elf: ElfFinding[];
  gate: ScanReport['gate'];
}

const statusOf = (accepted: GateAcceptance | null, failOn: FailOn): GateItem['status'] =>
  accepted ? accepted.by : failOn === 'never' ? 'report-only' : 'fail';

/** The per-finding gate field of the report, from its item's status. */
const findingGate = (status: GateItem['status']): 'fail' | 'baseline' | 'pass' =>
  status === 'fail' ? 'fail' : status === 'baseline' ? 'baseline' : 'pass';

/** One verdict over every finding of a scan. */
export function runGate(req: GateRequest): GateResult {
  const { failOn } = req;
  const baseline = req.baseline ? baselineKeysOf(req.baseline.report) : null;
  const fromBaseline = (key: string): GateAcceptance | null =>
    baseline?.has(key) ? { by: 'baseline', entry: req.baseline!.file, match: 'key' } : null;
  const items: GateItem[] = [];

  const inputs: ReportInput[] = req.inputs.map((i) => {
    const match = allowlistMatch(req.allowlist, i, req.today);
    const allowlisted = match !== null && !match.expired;
    const kind = inputItemKind(i, failOn);
    let gate: ReportInput['gate'] = 'pass';
    if (kind) {
      const key = inputKey(i);
      const accepted: GateAcceptance | null = allowlisted
        ? { by: 'allowlist', entry: match!.name, match: i.hash ? 'hash' : 'store-path' }
        : fromBaseline(key);
      const status = statusOf(accepted, failOn);
      const expired = match?.expired ? `; its allowlist entry '${match.name}' expired ${match.expires}` : '';
      items.push({
        kind,
        ref: i.id,
        name: i.name,
        key,
        reason: kind === 'binary-input' ? `${i.class} binary input${expired}` : `input nobody could classify (--fail-on unknown)${expired}`,
        status,
        accepted,
      });
      gate = findingGate(status);
    }
    return { ...i, allowlisted, allowlist: match, gate };
  });

  const byId = new Map(inputs.map((i) => [i.id, i]));
  const elf: ElfFinding[] = req.elf.map((f) => {
    if (!elfIsItem(f, failOn)) return { ...f, gate: 'pass' };
    const key = elfKey(f);
    // build-id first, then the file's SHA-256; the match says which one, and an expired
    // entry is returned only when no live one matches
    const own = allowlistMatchElf(req.allowlist, { buildId: f.buildId ?? null, sha256: f.sha256 ?? null }, req.today);
    const from = f.fromInput ? byId.get(f.fromInput) : undefined;
    let accepted: GateAcceptance | null = null;
    if (own && !own.expired) accepted = { by: 'allowlist', entry: own.name, match: own.match };
    else if (from?.allowlisted) accepted = { by: 'allowlist', entry: from.allowlist?.name ?? null, match: 'producing-input' };
    else accepted = fromBaseline(key);
    const status = statusOf(accepted, failOn);
    const reason =
      f.provenance === 'from-prebuilt'
        ? `output ELF file from ${from ? `the ${from.class} input '${from.name}'` : 'a prebuilt input'}`
        : f.provenance === 'foreign-toolchain'
          ? `output ELF file made by a toolchain this graph does not build`
          : `output ELF file no derivation of this graph produces (--fail-on unknown)`;
    items.push({ kind: 'output-elf', ref: f.path, name: elfName(f), key, reason, status, accepted });
    return { ...f, gate: findingGate(status) };
  });

  // outputs inspection could not read are unknown: they fail under --fail-on unknown
  if (failOn === 'unknown') {
    for (const g of req.coverage.gaps) {
      if (!g.output) continue;
      const key = uninspectedKey(g.what, g.path);
      const accepted = fromBaseline(key);
      items.push({
        kind: 'uninspected',
        ref: g.path ?? g.what,
        name: g.path ?? g.what,
        key,
        reason: `not inspected (${g.what}): ${g.detail}`,
        status: statusOf(accepted, failOn),
        accepted,
      });
    }
  }

  const counts = countItems(items);
  return {
    inputs,
    elf,
    gate: {
      failOn,
      passed: counts.failing === 0,
      failures: items.filter((i) => i.status === 'fail').map((i) => i.ref),
      baseline: req.baseline?.file ?? null,
      items,
      counts,
    },
  };
}
