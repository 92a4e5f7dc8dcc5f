/**
 * The sentences every human-readable format opens with, built once here so text, HTML and
 * Markdown say the same thing: the headline (which binaries this build trusts besides its
 * bootstrap seeds), what inspection could not read, and the gate's counts.
 *
 * Graph text (input names, file names) reaches these sentences only through `name`, the
 * caller's escaper for its own format; everything else is constant text and numbers.
 */
import type { GateCounts, GateItem, ReportInput, ScanReport } from '../model/report.js';
import { gateItemsOf } from '../model/gate.js';

type Name = (s: string) => string;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

const bytes = (n: number): string => `${n.toLocaleString('en-US')} bytes`;

/** How a binary input stands with the gate, in a few words. */
export const inputStanding = (i: ReportInput): string =>
  i.allowlisted
    ? 'allowlisted'
    : i.allowlist?.expired
      ? 'allowlist entry expired'
      : i.gate === 'baseline'
        ? 'in the baseline'
        : 'not allowlisted';

const itemStanding = (g: GateItem): string =>
  g.status === 'allowlist' ? 'allowlisted' : g.status === 'baseline' ? 'in the baseline' : 'not allowlisted';

/** "allowlisted" when all agree, else "1 allowlisted, 1 not allowlisted". */
const standings = (list: string[]): string => {
  const counts = new Map<string, number>();
  for (const s of list) counts.set(s, (counts.get(s) ?? 0) + 1);
  if (counts.size === 1) return [...counts.keys()][0] as string;
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
};

/**
 * The seeds' bytes: measured in the store, or (when the store does not have a seed) as the seed
 * registry records it, which the sentence says: "229 bytes, size from the seed registry".
 */
export const seedSize = (seeds: ReportInput[]): string => {
  const known = seeds.filter((s) => typeof s.size === 'number');
  if (known.length === 0) return 'size unknown';
  const total = known.reduce((a, s) => a + (s.size as number), 0);
  const registry = known.filter((s) => s.sizeFrom === 'registry').length;
  const from =
    registry === 0 ? '' : registry === known.length ? `, ${known.length === 1 ? 'size' : 'sizes'} from the seed registry` : `, ${registry} of the sizes from the seed registry`;
  return known.length === seeds.length ? `${bytes(total)}${from}` : `at least ${bytes(total)}${from}, ${seeds.length - known.length} size unknown`;
};

const MAX_NAMED = 5;

/**
 * One sentence answering the question seedaudit exists for, e.g. "Besides its 2 bootstrap
 * seeds (allowlisted; 34,567,890 bytes), this build trusts 1 more binary:
 * rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz (not allowlisted)."
 */
export const headline = (r: ScanReport, name: Name): string => {
  const seeds = r.inputs.filter((i) => i.class === 'seed');
  const { items } = gateItemsOf(r);
  const more: string[] = [
    ...r.inputs.filter((i) => i.class === 'prebuilt').map((i) => `${name(i.name)} (${inputStanding(i)})`),
    ...items.filter((g) => g.kind === 'output-elf').map((g) => `${name(g.name)} (output ELF file, ${itemStanding(g)})`),
  ];
  const unknown = r.inputs.filter((i) => i.class === 'unknown').length;
  const listed = more.length > MAX_NAMED ? [...more.slice(0, MAX_NAMED), `and ${more.length - MAX_NAMED} more`] : more;
  const others = more.length ? `${plural(more.length, 'more binary', 'more binaries')}: ${listed.join(', ')}` : 'no other binary';
  let sentence: string;
  if (seeds.length) {
    const what = plural(seeds.length, 'bootstrap seed');
    sentence = `Besides its ${what} (${standings(seeds.map(inputStanding))}; ${seedSize(seeds)}), this build trusts ${others}`;
  } else if (more.length) {
    sentence = `This build trusts ${plural(more.length, 'binary', 'binaries')} not built from source here: ${listed.join(', ')}`;
  } else {
    sentence = 'This build trusts no binary that was not built from source here';
  }
  if (unknown) sentence += `; ${plural(unknown, 'input')} could not be classified`;
  return `${sentence}.`;
};

/** What inspection could not read, as one sentence; null when everything was read. */
export const coverageLine = (r: ScanReport, name: Name): string | null => {
  const c = r.coverage;
  if (!c) return null;
  if (!c.inspected) return 'Nothing in the store was inspected (--no-inspect): the verdicts rest on the derivation graph alone.';
  if (c.complete) return null;
  const parts: string[] = [];
  const absent = c.outputs.total - c.outputs.inspected;
  if (absent) parts.push(`${absent} of ${plural(c.outputs.total, 'output')} absent from the store`);
  const closure = c.gaps.find((g) => g.what === 'closure-query');
  if (closure) parts.push(`runtime closure not inspected (${name(closure.detail)})`);
  const count = (what: string) => c.gaps.filter((g) => g.what === what).length;
  if (count('walk-error')) parts.push(plural(count('walk-error'), 'store directory', 'store directories') + ' could not be read');
  if (count('file-cap')) parts.push(`the file cap was hit (${plural(count('file-cap'), 'store path')} not fully searched)`);
  if (count('elf-unreadable')) parts.push(plural(count('elf-unreadable'), 'ELF file') + ' could not be read');
  if (count('contents-unreadable')) parts.push(plural(count('contents-unreadable'), 'input listing') + ' incomplete');
  const inputsAbsent = c.inputs.total - c.inputs.read;
  if (inputsAbsent) parts.push(`${inputsAbsent} of ${plural(c.inputs.total, 'input')} absent from the store`);
  return `Not everything was inspected: ${parts.join('; ')}.`;
};

/** The gate's counts as label/value pairs, in the order every format prints them. */
export const gateCountPairs = (c: GateCounts): [string, number][] => [
  ['gate items', c.items],
  ['binary inputs', c.byKind['binary-input']],
  ['unknown inputs', c.byKind['unknown-input']],
  ['output ELF files', c.byKind['output-elf']],
  ['uninspected outputs', c.byKind.uninspected],
  // older reports have no provenance kind
  ['provenance disagreements', c.byKind.provenance ?? 0],
  ['accepted by allowlist', c.accepted.allowlist],
  ['accepted by baseline', c.accepted.baseline],
  ['not accepted', c.notAccepted],
  ['failing', c.failing],
];

/** "gate items 5 · binary inputs 3 · … · failing 3": the same line in text, HTML and Markdown. */
export const gateCountsLine = (r: ScanReport): string =>
  gateCountPairs(gateItemsOf(r).counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');

/** "3 gate items fail: 1 binary input, 2 output ELF files" for the verdict line. */
export const failingSummary = (r: ScanReport): string => {
  const { items, counts } = gateItemsOf(r);
  const failing = items.filter((i) => i.status === 'fail');
  const kinds: [string, string, string][] = [
    ['binary-input', 'binary input', 'binary inputs'],
    ['unknown-input', 'unknown input', 'unknown inputs'],
    ['output-elf', 'output ELF file', 'output ELF files'],
    ['uninspected', 'uninspected output', 'uninspected outputs'],
    ['provenance', 'provenance disagreement', 'provenance disagreements'],
  ];
  const parts = kinds
    .map(([k, one, many]) => [failing.filter((i) => i.kind === k).length, one, many] as const)
    .filter(([n]) => n > 0)
    .map(([n, one, many]) => plural(n, one, many));
  return `${plural(counts.failing, 'gate item')} ${counts.failing === 1 ? 'fails' : 'fail'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
};

/** The provenance checks worth a reviewer's eye: disagreements first, then the undetermined and undeclared, then agreements. */
export const provenanceRows = (r: ScanReport): NonNullable<ScanReport['provenance']>['checks'] => {
  const rank = { disagrees: 0, undetermined: 1, undeclared: 2, agrees: 3 } as const;
  return [...(r.provenance?.checks ?? [])].sort((a, b) => rank[a.verdict] - rank[b.verdict] || a.name.localeCompare(b.name));
};

/** "Declared vs detected provenance: 3 packages checked, 1 disagrees (gate: --fail-on provenance)" */
export const provenanceLine = (r: ScanReport): string | null => {
  const p = r.provenance;
  if (!p) return null;
  const n = p.checks.length;
  return (
    `Declared vs detected provenance: ${plural(n, 'package')} checked, ${p.disagreements} ${p.disagreements === 1 ? 'disagrees' : 'disagree'}` +
    (p.failOn ? ' (gated: --fail-on provenance)' : p.disagreements ? ' (not gated; --fail-on provenance fails on them)' : '')
  );
};
