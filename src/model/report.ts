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
  /**
   * the roots (drv paths) whose closure holds this input; in a many-roots scan (`manyRoots`)
   * listed for binary and unknown inputs only, and empty for sources
   */
  roots: string[];
  /** `fail`: this input makes the gate fail; `baseline`: binary already in the baseline */
  gate: 'pass' | 'fail' | 'baseline';
  /**
   * bytes of the input's store path (a file's size, or the sum of a directory's files) when
   * it is in the store and the input is a binary; null when unknown. Absent in older reports.
   */
  size?: number | null;
  /** where `size` comes from: measured in the store, or the seed registry's record of the seed (absent in older reports) */
  sizeFrom?: 'store' | 'registry' | null;
}

export interface TrustBase {
  root: string;
  name: string;
  /** ids of the seed inputs in this root's closure */
  seeds: string[];
  /** ids of the prebuilt inputs in this root's closure */
  prebuilt: string[];
  /** bytes of this root's seeds whose size is known (store or seed registry); null when none is (absent in older reports) */
  /** ids of the unknown inputs in this root's closure: many-roots scans only */
  unknown?: string[];
  seedBytes?: number | null;
  /** seeds of this root whose size is not known */
  seedsOfUnknownSize?: number;
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
  /** SHA-256 (hex) of the whole file, when the scan read it (output ELF files) */
  sha256?: string | null;
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
  /** `fail`: this file makes the gate fail; `baseline`: already in the baseline report */
  gate: 'pass' | 'fail' | 'baseline';
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
  roots: ReportRoot[];
  summary: ReportSummary;
  inputs: ReportInput[];
  trustBase: TrustBase[];
  elf: ElfFinding[];
  allowlist: { file: string; entries: number };
  /** what inspection read and what it could not (src/model/gate.ts) */
  coverage: Coverage;
  /** declared (meta.sourceProvenance) versus detected provenance; absent in older reports */
  provenance?: ProvenanceReport;
  /** present when the scan ran in many-roots mode (--roots-file, --roots-report) */
  manyRoots?: ManyRoots;
  gate: {
    failOn: FailOn;
    passed: boolean;
    /** refs of the failing gate items: input ids, ELF file paths, uninspected store paths */
    failures: string[];
    baseline: string | null;
    /** every finding that can fail the gate, accepted or not */
    items: GateItem[];
    counts: GateCounts;
  };
}

/** A root of the scan, and where the expression declares it (expression and flake scans). */
export interface ReportRoot {
  drv: string;
  name: string;
  /** attribute path it was instantiated from, when known */
  attr?: string | null;
  /** `meta.position`, else where the attribute is defined; absolute file, 1-based line */
  position?: { file: string; line: number; from: 'meta.position' | 'attribute' } | null;
}

/** Where a package's declared provenance was read from. */
export type DeclaredFrom = 'expression' | 'meta-file';

/**
 * What a package declares (`meta.sourceProvenance`) against what seedaudit found among the
 * inputs it takes directly (its own downloads and sources, not its dependencies' ones).
 */
export interface ProvenanceCheck {
  drv: string;
  name: string;
  attr: string | null;
  /** the declared short names (fromSource, binaryNativeCode, binaryBytecode, binaryFirmware); [] when none */
  declared: string[];
  declaredFrom: DeclaredFrom;
  /** ids of the seed/prebuilt inputs the derivation takes directly */
  binaryInputs: string[];
  /** ids of the unknown inputs it takes directly */
  unknownInputs: string[];
  /**
   * agrees; disagrees (a finding); undetermined (unknown inputs leave it open);
   * undeclared (no sourceProvenance: nothing to compare, shown when a binary is taken)
   */
  verdict: 'agrees' | 'disagrees' | 'undetermined' | 'undeclared';
  finding: ProvenanceFinding | null;
  /** one sentence for every format */
  detail: string;
}

export type ProvenanceFinding = 'declared-source-downloads-binary' | 'declared-binary-no-binary-input';

export interface ProvenanceReport {
  /** --fail-on provenance: disagreements are gate items */
  failOn: boolean;
  /** where declarations came from: the evaluated expression, a --meta file */
  sources: string[];
  checks: ProvenanceCheck[];
  disagreements: number;
  /** why declarations could not be read, if anything */
  notes: string[];
}

/** What kind of finding a gate item is. */
export type GateItemKind = 'binary-input' | 'unknown-input' | 'output-elf' | 'uninspected' | 'provenance';
export const GATE_ITEM_KINDS: GateItemKind[] = ['binary-input', 'unknown-input', 'output-elf', 'uninspected', 'provenance'];

/**
 * `fail`: fails the gate; `allowlist`/`baseline`: accepted that way; `report-only`: not
 * accepted, but `--fail-on never` turns the gate off.
 */
export type GateItemStatus = 'fail' | 'allowlist' | 'baseline' | 'report-only';

/** How an item was accepted. */
export interface GateAcceptance {
  by: 'allowlist' | 'baseline';
  /** allowlist: the entry's name (for `producing-input`, the input's entry); baseline: the baseline file */
  entry: string | null;
  /** hash / store-path (inputs), build-id / file-sha256 / producing-input (ELF), key (baseline) */
  match: 'hash' | 'store-path' | 'build-id' | 'file-sha256' | 'producing-input' | 'key';
}

/** One finding that can fail the gate. */
export interface GateItem {
  kind: GateItemKind;
  /** where it is in this report: the input id, the ELF file path, the uninspected store path */
  ref: string;
  /** what a reviewer calls it: input name, `<output name>/<file>` for ELF files */
  name: string;
  /**
   * stable identity across builds (what --baseline and diff match on): inputs by kind, name
   * and hash (or store path); ELF files by build-id, else by path without store hash + file SHA-256
   */
  key: string;
  /** why it can fail the gate */
  reason: string;
  status: GateItemStatus;
  accepted: GateAcceptance | null;
}

export interface GateCounts {
  items: number;
  byKind: Record<GateItemKind, number>;
  accepted: { allowlist: number; baseline: number };
  /** items neither the allowlist nor the baseline accepts */
  notAccepted: number;
  /** items that fail the gate (= notAccepted unless --fail-on never) */
  failing: number;
}

export type CoverageGapKind =
  | 'not-inspected'
  | 'output-absent'
  | 'closure-query'
  | 'walk-error'
  | 'file-cap'
  | 'elf-unreadable'
  | 'contents-unreadable';

/** Something inspection could not read. */
export interface CoverageGap {
  what: CoverageGapKind;
  /** the store path (or file) concerned, null when it concerns the whole scan */
  path: string | null;
  detail: string;
  /** true when it concerns the roots' outputs or their runtime closure (uninspected outputs) */
  output: boolean;
}

export interface Coverage {
  /** false with --no-inspect: nothing in the store was read */
  inspected: boolean;
  /** nothing below was missed */
  complete: boolean;
  /** the roots' output paths, and how many of them were read */
  outputs: { total: number; inspected: number };
  /** inputs that have a path (not host builders), and how many were in the store and listed */
  inputs: { total: number; read: number };
  /** store paths walked for ELF files (outputs, their runtime closure, fixed outputs) */
  storePaths: number;
  /** `nix`: runtime closure from nix; `outputs-only`: only the outputs themselves; `none`: nothing built */
  closure: 'nix' | 'outputs-only' | 'none';
  gaps: CoverageGap[];
}

/** A many-roots scan: every root's trust base computed over the shared graph in one pass. */
export interface ManyRoots {
  /** distinct root derivations */
  roots: number;
  /** entries of the roots file (attributes; several may name one derivation), errors included */
  entries: number;
  /** `inputs[].roots` lists the roots of binary and unknown inputs only; the roots report has the per-root view */
  inputRoots: 'binary-and-unknown';
  /** attributes nix-eval-jobs could not evaluate, reported under --eval-errors report */
  evalErrors: { attr: string; error: string }[];
}

/** One line of the roots report (--roots-report, JSON lines): one attribute or root. */
export interface RootLine {
  attr: string | null;
  drv: string | null;
  name: string | null;
  /** present on attributes that failed to evaluate (--eval-errors report); nothing else is then known */
  error?: string;
  /** `fail` when a binary (or, under --fail-on unknown, unknown) input of its closure fails the gate */
  gate?: 'pass' | 'fail';
  counts?: { seeds: number; prebuilt: number; unknown: number; notAllowlisted: number; failing: number };
  seeds?: RootLineInput[];
  prebuilt?: RootLineInput[];
  unknown?: RootLineInput[];
  /** ids of the closure's input gate items the allowlist does not accept */
  notAllowlisted?: string[];
  seedBytes?: number | null;
  seedsOfUnknownSize?: number;
}

export interface RootLineInput {
  id: string;
  name: string;
  hash: string | null;
  allowlisted: boolean;
  gate: 'pass' | 'fail' | 'baseline';
}
