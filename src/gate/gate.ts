/**
 * The gate: which inputs make CI fail. A binary input (seed or prebuilt) fails unless its
 * hash is allowlisted by an entry that has not expired, or it is already in the baseline;
 * with `--fail-on unknown` inputs nobody could classify fail too.
 */
import type { AllowlistMatch, FailOn, InputClass, ReportInput, ScanReport } from '../model/report.js';
import { isExpired, type Allowlist } from './allowlist.js';

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

/**
 * A baseline is an earlier JSON report. A binary counts as already reviewed when the
 * baseline has a binary input of the same kind and name with the same hash: a new hash
 * under an old name is a new binary.
 */
export function baselineKeys(baseline: ScanReport): Set<string> {
  const keys = new Set<string>();
  for (const i of baseline.inputs) if (i.binary || i.class === 'unknown') keys.add(baselineKey(i));
  return keys;
}
export const baselineKey = (i: Pick<ReportInput, 'kind' | 'name' | 'hash' | 'path'>): string =>
  `${i.kind}\u0000${i.name}\u0000${i.hash ?? i.path ?? ''}`;

/** Does this input fail the gate by its class? (before allowlist and baseline) */
export function failsByClass(c: InputClass, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  if (isBinaryClass(c)) return true;
  return failOn === 'unknown' && c === 'unknown';
}

export function gateStatus(
  input: Pick<ReportInput, 'class' | 'allowlisted' | 'kind' | 'name' | 'hash' | 'path'>,
  failOn: FailOn,
  baseline: Set<string> | null,
): ReportInput['gate'] {
  if (!failsByClass(input.class, failOn) || input.allowlisted) return 'pass';
  if (baseline?.has(baselineKey(input))) return 'baseline';
  return 'fail';
}
