/**
 * The identities of gate items and their counts: pure functions on the report model, shared
 * by the gate (which decides), `--baseline` (which matches an earlier report) and `diff`
 * (which compares two reports), so that `--baseline r.json` and `seedaudit diff r.json new.json`
 * can never disagree about which findings are new.
 */
import type { ElfFinding, FailOn, GateCounts, GateItem, GateItemKind, ReportInput, ScanReport } from './report.js';
import { GATE_ITEM_KINDS } from './report.js';
import { provenanceKey } from './provenance.js';

/** `/nix/store/<hash>-hello-1.0` -> `hello-1.0` (a path that is not a store path is kept). */
export const withoutStoreHash = (storePath: string): string => {
  const base = storePath.slice(storePath.lastIndexOf('/') + 1);
  return /^[0-9a-df-np-sv-z]{32}-/.test(base) ? base.slice(33) : base;
};

/** An ELF file as `<output name>/<path inside it>`: what stays the same across rebuilds. */
export const elfName = (f: Pick<ElfFinding, 'path' | 'storePath'>): string => {
  const rel = f.path.startsWith(f.storePath + '/') ? f.path.slice(f.storePath.length + 1) : f.path;
  return f.path.startsWith(f.storePath + '/') ? `${withoutStoreHash(f.storePath)}/${rel}` : rel;
};

/** Inputs: kind, name and hash (an input source, which has none, by its content-addressed store path). */
export const inputKey = (i: Pick<ReportInput, 'kind' | 'name' | 'hash' | 'path'>): string =>
  JSON.stringify(['input', i.kind, i.name, i.hash ?? i.path ?? '']);

/**
 * ELF files: by GNU build-id when the file has one, else by the path without the store hash
 * plus the file's SHA-256; a file with neither (older report, unreadable file) by its full
 * path, which matches only the same store path.
 */
export const elfKey = (f: Pick<ElfFinding, 'path' | 'storePath' | 'buildId' | 'sha256'>): string =>
  f.buildId
    ? JSON.stringify(['elf-build-id', f.buildId])
    : f.sha256
      ? JSON.stringify(['elf-file', elfName(f), f.sha256])
      : JSON.stringify(['elf-path', f.path]);

/** An uninspected output: what could not be read, by the path without its store hash. */
export const uninspectedKey = (what: string, path: string | null): string =>
  JSON.stringify(['uninspected', what, path === null ? '' : withoutStoreHash(path)]);

/** Does an input count as a gate item under this policy? (`never` reports what `prebuilt` would gate) */
export const inputItemKind = (i: Pick<ReportInput, 'class'>, failOn: FailOn): GateItemKind | null =>
  i.class === 'seed' || i.class === 'prebuilt' ? 'binary-input' : i.class === 'unknown' && failOn === 'unknown' ? 'unknown-input' : null;

/** An output ELF file is a gate item unless it was built here (no deriver: only under `unknown`). */
export const elfIsItem = (f: Pick<ElfFinding, 'provenance'>, failOn: FailOn): boolean =>
  f.provenance === 'from-prebuilt' || f.provenance === 'foreign-toolchain' || (f.provenance === 'unknown-deriver' && failOn === 'unknown');

/**
 * The keys an earlier report vouches for as a baseline: every binary or unknown input, every
 * ELF file it listed, every output it recorded as uninspected — whatever its own --fail-on
 * was. Read from the findings themselves (inputs, elf, coverage), not from its gate items,
 * which are derived from them.
 */
export const baselineKeysOf = (r: ScanReport): Set<string> => {
  const keys = new Set<string>();
  for (const i of r.inputs) if (i.binary || i.class === 'unknown') keys.add(inputKey(i));
  for (const f of r.elf ?? []) keys.add(elfKey(f));
  for (const g of r.coverage?.gaps ?? []) if (g.output) keys.add(uninspectedKey(g.what, g.path));
  for (const c of r.provenance?.checks ?? []) if (c.verdict === 'disagrees') keys.add(provenanceKey(c));
  return keys;
};

export const countItems = (items: GateItem[]): GateCounts => {
  const byKind = Object.fromEntries(GATE_ITEM_KINDS.map((k) => [k, 0])) as Record<GateItemKind, number>;
  for (const i of items) byKind[i.kind]++;
  const allowlist = items.filter((i) => i.status === 'allowlist').length;
  const baseline = items.filter((i) => i.status === 'baseline').length;
  return {
    items: items.length,
    byKind,
    accepted: { allowlist, baseline },
    notAccepted: items.length - allowlist - baseline,
    failing: items.filter((i) => i.status === 'fail').length,
  };
};

/**
 * Gate items of a report written before they were recorded (or built by hand): rebuilt from
 * the per-input and per-ELF gate fields, which the gate wrote consistently with its items.
 */
export const deriveGateItems = (r: ScanReport): GateItem[] => {
  const failOn = r.gate.failOn;
  const items: GateItem[] = [];
  const status = (gate: string, allowlisted: boolean): GateItem['status'] =>
    gate === 'fail' ? 'fail' : gate === 'baseline' ? 'baseline' : allowlisted ? 'allowlist' : failOn === 'never' ? 'report-only' : 'allowlist';
  for (const i of r.inputs) {
    const kind = inputItemKind(i, failOn);
    if (!kind) continue;
    const st = status(i.gate, i.allowlisted);
    items.push({
      kind,
      ref: i.id,
      name: i.name,
      key: inputKey(i),
      reason: kind === 'binary-input' ? `${i.class} binary input` : 'input nobody could classify',
      status: st,
      accepted: st === 'allowlist' ? { by: 'allowlist', entry: i.allowlist?.name ?? null, match: i.hash ? 'hash' : 'store-path' } : st === 'baseline' ? { by: 'baseline', entry: r.gate.baseline, match: 'key' } : null,
    });
  }
  const byId = new Map(r.inputs.map((i) => [i.id, i]));
  for (const f of r.elf ?? []) {
    if (!elfIsItem(f, failOn)) continue;
    const from = f.fromInput ? byId.get(f.fromInput) : undefined;
    const st = status(f.gate, from?.allowlisted ?? false);
    items.push({
      kind: 'output-elf',
      ref: f.path,
      name: elfName(f),
      key: elfKey(f),
      reason: `output ELF file: ${f.provenance}`,
      status: st,
      accepted: st === 'allowlist' ? { by: 'allowlist', entry: from?.allowlist?.name ?? null, match: 'producing-input' } : st === 'baseline' ? { by: 'baseline', entry: r.gate.baseline, match: 'key' } : null,
    });
  }
  return items;
};

/** The report's gate items and counts; derived for reports that do not carry them. */
export const gateItemsOf = (r: ScanReport): { items: GateItem[]; counts: GateCounts } => {
  const items = Array.isArray(r.gate?.items) ? r.gate.items : deriveGateItems(r);
  return { items, counts: r.gate?.counts ?? countItems(items) };
};
