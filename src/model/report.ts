/**
 * The JSON report (schemaVersion 1). Every other format (text, HTML, JUnit, Markdown,
 * SARIF, diff) is rendered from this object, so a saved `--format json` report can be
 * re-rendered or diffed later without the graph. Documented in README.md.
 */

export type InputClass = 'source' | 'seed' | 'prebuilt' | 'unknown';
export type InputKind = 'fixed-output' | 'input-src' | 'builder';
export type FailOn = 'prebuilt' | 'unknown' | 'never';

/** One reason behind a verdict: the rule that fired and the concrete fact it fired on. */
export interface Evidence {
  rule: string;
  detail: string;
}

export interface AllowlistMatch {
  /** the allowlist entry's name */
  name: string;
  reason: string;
  /** YYYY-MM-DD or null */
  expires: string | null;
  /** true when the entry matched by hash but has expired: it no longer allows */
  expired: boolean;
}

export interface ReportInput {
  /** unique key: the .drv path for fixed outputs, the store or host path otherwise */
  id: string;
  /** derivation `name` for fixed outputs, the store path's name otherwise */
  name: string;
  /** the fixed-output derivation, null for input-src and builder inputs */
  drv: string | null;
  /** output store path (FOD) or the input path itself */
  path: string | null;
  kind: InputKind;
  class: InputClass;
  /** SRI hash of a fixed output, null otherwise */
  hash: string | null;
  /** fixed-output hash mode (flat, nar, text, git), null when not a fixed output */
  hashMode: string | null;
  urls: string[];
  /** class is seed or prebuilt */
  binary: boolean;
  allowlisted: boolean;
  /** the allowlist entry that matched this input's hash (also when expired) */
  allowlist: AllowlistMatch | null;
  /** strongest first; the first entry decided the class */
  evidence: Evidence[];
  /** shortest chain of derivation names from a root to this input (root first, input last) */
  via: string[];
  /** the roots (drv paths) whose closure holds this input */
  roots: string[];
  /** `fail`: this input makes the gate fail; `baseline`: binary already in the baseline */
  gate: 'pass' | 'fail' | 'baseline';
}

export interface TrustBase {
  root: string;
  name: string;
  /** ids of the seed inputs in this root's closure */
  seeds: string[];
  /** ids of the prebuilt inputs in this root's closure */
  prebuilt: string[];
}

/** ELF facts of one file (issue 5); `seedaudit elf --format json` prints an array of these. */
export interface ElfFacts {
  path: string;
  elf: boolean;
  class?: 'ELF32' | 'ELF64';
  endian?: 'little' | 'big';
  machine?: string;
  type?: string;
  interpreter?: string | null;
  needed?: string[];
  runpath?: string[];
  rpath?: string[];
  soname?: string | null;
  buildId?: string | null;
  static?: boolean;
  pie?: boolean;
  stripped?: boolean;
  comment?: string[];
  /** Go build info (module path / go version) when present */
  go?: { version: string | null; path: string | null } | null;
  error?: string;
}

export type ElfProvenance = 'built' | 'from-prebuilt' | 'foreign-toolchain' | 'unknown-deriver';

export interface ElfFinding extends ElfFacts {
  storePath: string;
  producedBy: { drv: string | null; name: string | null; class: InputClass | 'built' | null };
  provenance: ElfProvenance;
  /** the signal that decided the provenance, as evidence */
  evidence: Evidence[];
  /** the input this file came from (report input id) when provenance is from-prebuilt */
  fromInput: string | null;
  gate: 'pass' | 'fail';
}

export interface ReportSummary {
  derivations: number;
  /** distinct fixed-output names (how ../shared/corpus/expected.json counts them) */
  fixedOutput: number;
  /** fixed-output derivations, and the distinct store paths they produce */
  fixedOutputDerivations: number;
  fixedOutputPaths: number;
  inputs: number;
  source: number;
  seed: number;
  prebuilt: number;
  unknown: number;
  notAllowlisted: number;
}

export interface ScanReport {
  schemaVersion: 1;
  tool: { name: 'seedaudit'; version: string };
  generatedAt: string;
  /** where the graph came from */
  graph: { kind: string; format: string; detail: string; storeDir: string };
  roots: { drv: string; name: string }[];
  summary: ReportSummary;
  inputs: ReportInput[];
  trustBase: TrustBase[];
  elf: ElfFinding[];
  allowlist: { file: string; entries: number };
  gate: {
    failOn: FailOn;
    passed: boolean;
    /** ids of inputs (and ELF paths) that failed the gate */
    failures: string[];
    baseline: string | null;
  };
}
