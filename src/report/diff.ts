/**
 * What changed in the trust base between two saved JSON reports: binaries added, removed
 * and changed. Only binary inputs (seed and prebuilt) are compared; a source tarball's
 * version bump is not a trust decision.
 *
 * Identity. An input is keyed by kind + name, never by store path:
 * - a .drv path hashes every dependency of the fetcher (curl, stdenv, …), so it changes on
 *   any nixpkgs bump even when the fetched bytes do not;
 * - an output path of a fixed output is stable for the same name and hash, but then a hash
 *   change would read as "removed X, added X" instead of "X changed";
 * - the name is what a reviewer recognises, and for a release tarball it carries the
 *   version, so a version bump (a new binary to review) shows as removed + added, while the
 *   same name with a different hash (upstream replaced the file) shows as a change.
 * Names are not unique (every fetchzip is called `source`), so same-key inputs are paired
 * first by identical hash, then by a shared URL, then in hash order; what is left over is
 * added or removed.
 *
 * An input that is in both reports but became binary (say source -> prebuilt after a rule
 * change or a new fetch) is reported as added, with its previous class: from the trust
 * base's point of view it is a new binary, and `seedaudit diff` exits 1 on it.
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import type { InputClass, InputKind, ReportInput, ScanReport } from '../model/report.js';
import { escapeControl } from './escape.js';
import type { GateItemKind } from '../model/report.js';
import { baselineKeysOf, gateItemsOf } from '../model/gate.js';

export interface DiffBinary {
  /** kind + name, the identity used to match inputs across reports */
  key: string;
  name: string;
  kind: InputKind;
  class: InputClass;
  hash: string | null;
  urls: string[];
  allowlisted: boolean;
  /** the input's id in its own report (informational: not stable across builds) */
  id: string;
  via: string[];
}

export interface AddedBinary extends DiffBinary {
  /** the class it had in the old report when it was there but not binary, else null */
  previousClass: InputClass | null;
}

export interface RemovedBinary extends DiffBinary {
  /** the class it has in the new report when it is still there but no longer binary, else null */
  currentClass: InputClass | null;
}

export type ChangeField = 'hash' | 'urls' | 'class' | 'allowlisted';

export interface ChangedBinary {
  key: string;
  name: string;
  kind: InputKind;
  changes: ChangeField[];
  old: DiffBinary;
  new: DiffBinary;
}

export interface ReportDiff {
  old: { generatedAt: string; roots: string[] };
  new: { generatedAt: string; roots: string[] };
  added: AddedBinary[];
  removed: RemovedBinary[];
  changed: ChangedBinary[];
  /** binaries present in both with the same hash, URLs, class and allowlist status */
  unchanged: number;
  /**
   * gate items of the new report (binary inputs, output ELF files, …) whose identity the old
   * report does not have: exactly what `--baseline OLD` would not accept (src/model/gate.ts)
   */
  newGateItems: { kind: GateItemKind; name: string; key: string; ref: string }[];
}

const keyOf = (i: Pick<ReportInput, 'kind' | 'name'>): string => `${i.kind}:${i.name}`;

const view = (i: ReportInput): DiffBinary => ({
  key: keyOf(i),
  name: i.name,
  kind: i.kind,
  class: i.class,
  hash: i.hash,
  urls: [...i.urls],
  allowlisted: i.allowlisted,
  id: i.id,
  via: [...i.via],
});

const group = (inputs: ReportInput[]): Map<string, ReportInput[]> => {
  const m = new Map<string, ReportInput[]>();
  for (const i of inputs) {
    const list = m.get(keyOf(i)) ?? [];
    list.push(i);
    m.set(keyOf(i), list);
  }
  return m;
};

const sameUrls = (a: string[], b: string[]): boolean => {
  const sb = [...b].sort();
  return a.length === b.length && [...a].sort().every((u, n) => u === sb[n]);
};

const changesOf = (a: ReportInput, b: ReportInput): ChangeField[] => {
  const c: ChangeField[] = [];
  if (a.hash !== b.hash) c.push('hash');
  if (!sameUrls(a.urls, b.urls)) c.push('urls');
  if (a.class !== b.class) c.push('class');
  if (a.allowlisted !== b.allowlisted) c.push('allowlisted');
  return c;
};

const byHash = (a: ReportInput, b: ReportInput): number => (a.hash ?? '').localeCompare(b.hash ?? '') || a.id.localeCompare(b.id);

/** Pairs same-key inputs: identical hash first, then a shared URL, then hash order. */
const pair = (olds: ReportInput[], news: ReportInput[]): { pairs: [ReportInput, ReportInput][]; left: ReportInput[]; right: ReportInput[] } => {
  const left = [...olds].sort(byHash);
  const right = [...news].sort(byHash);
  const pairs: [ReportInput, ReportInput][] = [];
  const take = (match: (a: ReportInput, b: ReportInput) => boolean): void => {
    for (let n = 0; n < left.length; ) {
      const a = left[n] as ReportInput;
      const m = right.findIndex((b) => match(a, b));
      if (m >= 0) {
        pairs.push([a, right[m] as ReportInput]);
        left.splice(n, 1);
        right.splice(m, 1);
      } else n++;
    }
  };
  take((a, b) => a.hash !== null && a.hash === b.hash);
  take((a, b) => a.urls.some((u) => b.urls.includes(u)));
  take(() => true);
  return { pairs, left, right };
};

export const diffReports = (oldR: ScanReport, newR: ScanReport): ReportDiff => {
  const oldAll = group(oldR.inputs);
  const newAll = group(newR.inputs);
  const oldBin = group(oldR.inputs.filter((i) => i.binary));
  const newBin = group(newR.inputs.filter((i) => i.binary));
  const added: AddedBinary[] = [];
  const removed: RemovedBinary[] = [];
  const changed: ChangedBinary[] = [];
  let unchanged = 0;

  const keys = [...new Set([...oldBin.keys(), ...newBin.keys()])].sort();
  for (const key of keys) {
    const { pairs, left, right } = pair(oldBin.get(key) ?? [], newBin.get(key) ?? []);
    for (const [a, b] of pairs) {
      const changes = changesOf(a, b);
      if (changes.length === 0) unchanged++;
      else changed.push({ key, name: b.name, kind: b.kind, changes, old: view(a), new: view(b) });
    }
    // the class a same-key input has on the other side when it is there but not binary
    const otherClass = (side: Map<string, ReportInput[]>): InputClass | null =>
      side.get(key)?.find((i) => !i.binary)?.class ?? null;
    for (const b of right) added.push({ ...view(b), previousClass: otherClass(oldAll) });
    for (const a of left) removed.push({ ...view(a), currentClass: otherClass(newAll) });
  }

  const oldKeys = baselineKeysOf(oldR);
  const newGateItems = gateItemsOf(newR)
    .items.filter((i) => !oldKeys.has(i.key))
    .map((i) => ({ kind: i.kind, name: i.name, key: i.key, ref: i.ref }));
  const side = (r: ScanReport) => ({ generatedAt: r.generatedAt, roots: r.roots.map((x) => x.name) });
  return { old: side(oldR), new: side(newR), added, removed, changed, unchanged, newGateItems };
};

/** The JSON form of a diff (what `seedaudit diff --format json` prints). */
export const renderDiffJson = (d: ReportDiff): string => `${JSON.stringify(d, null, 2)}\n`;

export interface DiffTextOptions {
  /** names for the two sides in the header and the patch, e.g. the report file names */
  oldLabel?: string;
  newLabel?: string;
}

// graph text goes to a terminal: control characters must not reach it raw
const c = (s: string): string => escapeControl(s);

/** One line per binary: what the unified patch compares. */
const listingLine = (b: DiffBinary): string =>
  c(`${b.class} ${b.name} [${b.kind}] ${b.hash ?? 'no-hash'} ${b.allowlisted ? 'allowlisted' : 'not-allowlisted'} ${b.urls.join(' ')}`.trimEnd());

const details = (b: DiffBinary): string[] => [
  `      hash       ${c(b.hash ?? 'none')}`,
  ...b.urls.map((u, n) => `      ${n === 0 ? 'url' : '   '}        ${c(u)}`),
  `      via        ${c(b.via.join(' -> ') || 'no chain recorded')}`,
  `      allowlist  ${b.allowlisted ? 'allowlisted' : 'not allowlisted'}`,
];

const describeChange = (ch: ChangedBinary): string => {
  const parts = ch.changes.map((f) => {
    switch (f) {
      case 'hash':
        return `hash ${c(ch.old.hash ?? 'none')} -> ${c(ch.new.hash ?? 'none')}`;
      case 'urls':
        return `urls ${c(ch.old.urls.join(' ') || 'none')} -> ${c(ch.new.urls.join(' ') || 'none')}`;
      case 'class':
        return `class ${ch.old.class} -> ${ch.new.class}`;
      case 'allowlisted':
        return ch.new.allowlisted ? 'now allowlisted' : 'no longer allowlisted';
    }
  });
  return `  ~ ${c(ch.name)} (${ch.kind}): ${parts.join('; ')}`;
};

export const renderDiffText = (d: ReportDiff, opts: DiffTextOptions = {}): string => {
  const oldLabel = c(opts.oldLabel ?? `old (${d.old.generatedAt})`);
  const newLabel = c(opts.newLabel ?? `new (${d.new.generatedAt})`);
  const out: string[] = [
    `seedaudit diff: ${oldLabel} -> ${newLabel}`,
    `binary inputs: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.unchanged} unchanged`,
  ];
  if (d.newGateItems.length) {
    out.push(`gate items not in the old report (what --baseline would not accept): ${d.newGateItems.length}`);
    for (const g of d.newGateItems) out.push(`  + ${g.kind} ${c(g.name)}`);
  }
  if (d.added.length) {
    out.push('', `added (${d.added.length}): new binaries in the trust base`);
    for (const a of d.added) {
      const was = a.previousClass ? `, was ${a.previousClass}` : '';
      out.push(`  + ${a.class} ${c(a.name)} (${a.kind}${was})`, ...details(a));
    }
  }
  if (d.removed.length) {
    out.push('', `removed (${d.removed.length})`);
    for (const r of d.removed) {
      const now = r.currentClass ? `, now ${r.currentClass}` : '';
      out.push(`  - ${r.class} ${c(r.name)} (${r.kind}${now})`);
    }
  }
  if (d.changed.length) {
    out.push('', `changed (${d.changed.length})`, ...d.changed.map(describeChange));
  }

  const before = [...d.removed, ...d.changed.map((x) => x.old)];
  const after = [...d.added, ...d.changed.map((x) => x.new)];
  if (before.length === 0 && after.length === 0) {
    out.push('', 'no change in the binary inputs');
  } else {
    const listing = (bs: DiffBinary[]): string =>
      bs
        .sort((a, b) => a.key.localeCompare(b.key) || (a.hash ?? '').localeCompare(b.hash ?? ''))
        .map((b) => `${listingLine(b)}\n`)
        .join('');
    const patch = createTwoFilesPatch(oldLabel, newLabel, listing(before), listing(after), undefined, undefined, {
      context: 0,
      headerOptions: FILE_HEADERS_ONLY,
    });
    out.push('', patch.trimEnd());
  }
  return `${out.join('\n')}\n`;
};
