/**
 * SARIF 2.1.0, for code-scanning dashboards (GitHub code scanning, Azure DevOps, IDE viewers).
 *
 * Rules are the classification rules that appear in the evidence; results are what fails
 * the gate (inputs, ELF files, uninspected outputs, gated provenance disagreements) plus the
 * provenance disagreements that are not gated, as warnings. Code-scanning UIs want a file of
 * the repository: a result is placed on its root's expression (meta.position, else where -A ATTR
 * is defined) relative to %SRCROOT% (--sarif-root), else on a fallback file of the repository;
 * the store paths (.drv, input, ELF file) are logical locations, never artifact URIs. `partialFingerprints` are built from what stays the same
 * across rebuilds (kind, name, hash; not the store hash, which changes whenever any
 * dependency does), so a dashboard tracks one alert per binary over time instead of
 * opening a new one on every nixpkgs bump.
 *
 * JSON.stringify is the only serialiser here, so no escaping is needed beyond it; viewers
 * treat message.text as plain text.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ElfFinding, Evidence, GateItem, ReportInput, ScanReport } from '../model/report.js';
import { elfName, gateItemsOf } from '../model/gate.js';

export interface SarifOptions {
  /** rule descriptions (from the loaded rule files), shown by viewers next to each alert */
  rules?: { id: string; description: string }[];
  /** the repository root (absolute); locations inside it are written relative to it (%SRCROOT%) */
  root?: string;
  /** a file of the repository, relative to root, for results that no root position places */
  fallback?: string | null;
}

/** A position inside the repository: uri relative to %SRCROOT%, 1-based line (null: the whole file). */
interface RepoPosition {
  uri: string;
  line: number | null;
}

const relativeUri = (root: string, file: string): string | null => {
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return rel.split(path.sep).map(encodeURIComponent).join('/');
};

type Level = 'error' | 'warning' | 'note';

interface SarifRule {
  id: string;
  shortDescription: { text: string };
  defaultConfiguration: { level: Level };
  properties: { tags: string[] };
}

/** The verdict a rule argues for is its id's prefix (`prebuilt.platform-in-name`). */
const ruleLevel = (id: string): Level => {
  const verdict = id.split('.')[0];
  if (verdict === 'prebuilt' || verdict === 'elf') return 'error';
  if (verdict === 'source') return 'note';
  return 'warning';
};

const fingerprint = (...parts: string[]): string => createHash('sha256').update(parts.join('\0')).digest('hex');


const evidenceText = (ev: Evidence[]): string => ev.map((e) => `[${e.rule}] ${e.detail}`).join('; ') || 'no evidence recorded';

/**
 * Code-scanning UIs place a result on a file of the repository: the expression that declares
 * the root (meta.position, else where -A ATTR is defined), relative to the repository root. A
 * store path is not a file of any repository: it is the logical location.
 */
const location = (at: RepoPosition | null, name: string, fullyQualifiedName: string | null) => ({
  ...(at
    ? {
        physicalLocation: {
          artifactLocation: { uri: at.uri, uriBaseId: '%SRCROOT%' },
          ...(at.line !== null ? { region: { startLine: at.line } } : {}),
        },
      }
    : {}),
  logicalLocations: [{ name, kind: 'module', ...(fullyQualifiedName ? { fullyQualifiedName } : {}) }],
});

const inputMessage = (i: ReportInput, failOn: string): string => {
  const a = i.allowlist;
  const what = i.class === 'unknown' ? `Unclassified input ${i.name}` : `${i.class === 'seed' ? 'Seed' : 'Prebuilt'} binary ${i.name}`;
  const status = a?.expired
    ? `its allowlist entry ${a.name} expired ${a.expires}`
    : i.class === 'unknown'
      ? `it could not be classified (--fail-on ${failOn})`
      : 'it is not allowlisted';
  return (
    `${what} fails the gate: ${status}. Evidence: ${evidenceText(i.evidence)}. ` +
    `Hash: ${i.hash ?? 'none'}. URLs: ${i.urls.join(' ') || 'none'}. Why is it here: ${i.via.join(' -> ') || 'no chain recorded'}.`
  );
};

export const renderSarif = (report: ScanReport, opts: SarifOptions = {}): string => {
  const descriptions = new Map((opts.rules ?? []).map((r) => [r.id, r.description]));
  const failingInputs = report.inputs.filter((i) => i.gate === 'fail');
  const failingElf = report.elf.filter((f) => f.gate === 'fail');
  const { items, counts } = gateItemsOf(report);
  const failingUninspected = items.filter((i) => i.kind === 'uninspected' && i.status === 'fail');
  const ruleOf = (ev: Evidence[], fallback: string): string => ev[0]?.rule ?? fallback;

  const ids = new Set<string>();
  for (const i of report.inputs) for (const e of i.evidence) ids.add(e.rule);
  for (const f of report.elf) for (const e of f.evidence) ids.add(e.rule);
  for (const i of failingInputs) ids.add(ruleOf(i.evidence, `${i.class}.unexplained`));
  for (const f of failingElf) ids.add(ruleOf(f.evidence, `elf.${f.provenance}`));
  if (failingUninspected.length) ids.add('inspect.uninspected-output');
  const root = opts.root;
  const positions = new Map<string, RepoPosition>();
  if (root)
    for (const r of report.roots) {
      const uri = r.position ? relativeUri(root, r.position.file) : null;
      if (uri && r.position) positions.set(r.drv, { uri, line: r.position.line });
    }
  const fallback: RepoPosition | null = root && opts.fallback ? { uri: opts.fallback.split('/').map(encodeURIComponent).join('/'), line: null } : null;
  /** where a finding is placed: the position of the first of its roots that has one */
  const placeOf = (roots: (string | null | undefined)[]): RepoPosition | null => {
    for (const r of roots) if (r && positions.has(r)) return positions.get(r)!;
    for (const r of report.roots) if (positions.has(r.drv) && roots.length === 0) return positions.get(r.drv)!;
    return fallback ?? (positions.size ? [...positions.values()][0]! : null);
  };
  const provChecks = report.provenance?.checks.filter((c) => c.verdict === 'disagrees') ?? [];
  const provItems = new Map(items.filter((i) => i.kind === 'provenance').map((i) => [i.ref, i]));
  if (provChecks.length) ids.add('provenance.disagreement');

  const ruleIds = [...ids].sort();
  const index = new Map(ruleIds.map((id, n) => [id, n]));
  const rules: SarifRule[] = ruleIds.map((id) => ({
    id,
    shortDescription: {
      text:
        descriptions.get(id) ??
        (id === 'provenance.disagreement' ? "the package's meta.sourceProvenance disagrees with the inputs it downloads" : `seedaudit classification rule ${id}`),
    },
    defaultConfiguration: { level: ruleLevel(id) },
    properties: { tags: ['seedaudit', 'supply-chain', id.split('.')[0] ?? id] },
  }));

  const inputResult = (i: ReportInput) => {
    const ruleId = ruleOf(i.evidence, `${i.class}.unexplained`);
    return {
      ruleId,
      ruleIndex: index.get(ruleId),
      kind: 'fail',
      level: 'error',
      message: { text: inputMessage(i, report.gate.failOn) },
      locations: [location(placeOf(i.roots), i.name, i.drv ?? i.path ?? i.id)],
      partialFingerprints: { 'seedaudit/input/v1': fingerprint(i.kind, i.name, i.hash ?? '') },
      properties: {
        class: i.class,
        inputKind: i.kind,
        hash: i.hash,
        hashMode: i.hashMode,
        urls: i.urls,
        via: i.via,
        roots: i.roots,
        allowlist: i.allowlist,
        evidence: i.evidence,
      },
    };
  };

  const elfResult = (f: ElfFinding) => {
    const ruleId = ruleOf(f.evidence, `elf.${f.provenance}`);
    const from = f.fromInput ? report.inputs.find((i) => i.id === f.fromInput) : undefined;
    const full = f.path.startsWith('/') ? f.path : `${f.storePath}/${f.path}`;
    return {
      ruleId,
      ruleIndex: index.get(ruleId),
      kind: 'fail',
      level: 'error',
      message: {
        text:
          `ELF file ${f.path} in ${f.storePath} is ${f.provenance}` +
          `${from ? ` (from ${from.class} input ${from.name})` : ''}. Evidence: ${evidenceText(f.evidence)}.`,
      },
      locations: [location(placeOf([f.producedBy.drv, ...(from?.roots ?? [])]), elfName({ path: full, storePath: f.storePath }), full)],
      partialFingerprints: { 'seedaudit/elf/v1': fingerprint(f.producedBy.name ?? '', f.path, f.provenance) },
      properties: { provenance: f.provenance, producedBy: f.producedBy, fromInput: f.fromInput, machine: f.machine ?? null },
    };
  };

  const uninspectedResult = (g: GateItem) => ({
    ruleId: 'inspect.uninspected-output',
    ruleIndex: index.get('inspect.uninspected-output'),
    kind: 'fail',
    level: 'error',
    message: { text: `Output ${g.name} was not inspected and counts as unknown (--fail-on unknown): ${g.reason}.` },
    locations: [location(placeOf([]), g.name, g.ref)],
    partialFingerprints: { 'seedaudit/uninspected/v1': fingerprint(g.key) },
    properties: { reason: g.reason },
  });

  // a disagreement is an error when it fails the gate (--fail-on provenance), else a warning
  const provenanceResult = (c: (typeof provChecks)[number]) => {
    const item = provItems.get(c.drv);
    const failing = item?.status === 'fail';
    return {
      ruleId: 'provenance.disagreement',
      ruleIndex: index.get('provenance.disagreement'),
      kind: failing ? 'fail' : 'review',
      level: failing ? 'error' : 'warning',
      message: { text: `${c.detail}.${failing ? '' : ' (Not gated: --fail-on provenance fails on it.)'}` },
      locations: [location(placeOf([c.drv]), c.attr ?? c.name, c.drv)],
      partialFingerprints: { 'seedaudit/provenance/v1': fingerprint(c.finding ?? '', c.attr ?? c.name.replace(/-[0-9][^-]*$/, '')) },
      properties: { finding: c.finding, declared: c.declared, declaredFrom: c.declaredFrom, binaryInputs: c.binaryInputs, unknownInputs: c.unknownInputs },
    };
  };

  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'seedaudit', version: report.tool.version, semanticVersion: report.tool.version, rules },
        },
        invocations: [{ executionSuccessful: true, endTimeUtc: report.generatedAt }],
        ...(root ? { originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(root.endsWith('/') ? root : `${root}/`).href } } } : {}),
        results: [
          ...failingInputs.map(inputResult),
          ...failingElf.map(elfResult),
          ...failingUninspected.map(uninspectedResult),
          ...provChecks.map(provenanceResult),
        ],
        properties: {
          roots: report.roots,
          summary: report.summary,
          gate: { failOn: report.gate.failOn, passed: report.gate.passed, failures: report.gate.failures, baseline: report.gate.baseline, counts },
          coverage: report.coverage ?? null,
          provenance: report.provenance ?? null,
          graph: report.graph,
          allowlist: report.allowlist,
        },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
};
