/**
 * The roots report (`--roots-report FILE`): one JSON line per root — per attribute when the
 * roots came from nix-eval-jobs — with its seeds, prebuilt and unknown inputs, which of its
 * input gate items the allowlist does not accept, and whether they fail the gate. Everything
 * comes from the aggregate report, whose per-root trust bases were computed in one pass.
 */
import type { GateItem, ReportInput, RootLine, RootLineInput, ScanReport } from '../model/report.js';

export interface RootsReportEntry {
  attr: string | null;
  drv: string | null;
  error?: string;
}

/** The line of every entry, in the entries' order (an attribute per line; several may share a derivation). */
export function rootLines(report: ScanReport, entries?: RootsReportEntry[]): RootLine[] {
  const list: RootsReportEntry[] = entries ?? report.roots.map((r) => ({ attr: r.attr ?? null, drv: r.drv }));
  const byId = new Map(report.inputs.map((i) => [i.id, i]));
  const tbOf = new Map(report.trustBase.map((t) => [t.root, t]));
  const itemOf = new Map<string, GateItem>();
  for (const it of report.gate.items) if (it.kind === 'binary-input' || it.kind === 'unknown-input') itemOf.set(it.ref, it);
  const names = new Map(report.roots.map((r) => [r.drv, r.name]));
  const cache = new Map<string, RootLine>();
  const brief = (i: ReportInput): RootLineInput => ({ id: i.id, name: i.name, hash: i.hash, allowlisted: i.allowlisted, gate: i.gate });
  const ofDrv = (drv: string): RootLine => {
    let line = cache.get(drv);
    if (line) return line;
    const tb = tbOf.get(drv);
    const pick = (ids: string[] | undefined) => (ids ?? []).map((id) => byId.get(id)).filter((i): i is ReportInput => i !== undefined);
    const seeds = pick(tb?.seeds);
    const prebuilt = pick(tb?.prebuilt);
    const unknown = pick(tb?.unknown);
    const items = [...seeds, ...prebuilt, ...unknown].map((i) => itemOf.get(i.id)).filter((x): x is GateItem => x !== undefined);
    const notAllowlisted = items.filter((x) => x.status !== 'allowlist').map((x) => x.ref);
    const failing = items.filter((x) => x.status === 'fail').length;
    line = {
      attr: null,
      drv,
      name: names.get(drv) ?? tb?.name ?? null,
      gate: failing ? 'fail' : 'pass',
      counts: { seeds: seeds.length, prebuilt: prebuilt.length, unknown: unknown.length, notAllowlisted: notAllowlisted.length, failing },
      seeds: seeds.map(brief),
      prebuilt: prebuilt.map(brief),
      unknown: unknown.map(brief),
      notAllowlisted,
      seedBytes: tb?.seedBytes ?? null,
      seedsOfUnknownSize: tb?.seedsOfUnknownSize ?? 0,
    };
    cache.set(drv, line);
    return line;
  };
  return list.map((e) =>
    e.drv === null || e.error !== undefined
      ? { attr: e.attr, drv: e.drv, name: null, error: e.error ?? 'no derivation' }
      : { ...ofDrv(e.drv), attr: e.attr },
  );
}

export const renderRootsReport = (report: ScanReport, entries?: RootsReportEntry[]): string =>
  rootLines(report, entries)
    .map((l) => JSON.stringify(l))
    .join('\n') + '\n';
