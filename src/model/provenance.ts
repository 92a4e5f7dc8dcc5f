/**
 * Declared versus detected provenance: a package's `meta.sourceProvenance` (nixpkgs'
 * lib.sourceTypes) against the classes of the inputs it takes directly. Two disagreements are
 * findings: "declared fromSource but downloads a binary" and "declares a binary type but no
 * binary input found". Pure functions on the report model.
 */
import type { DeclaredFrom, GateItem, InputClass, ProvenanceCheck, ReportInput } from './report.js';

/** nixpkgs lib.sourceTypes that mean the package ships code it did not build. */
export const BINARY_SOURCE_TYPES = ['binaryNativeCode', 'binaryBytecode', 'binaryFirmware'];

const isBinary = (c: InputClass): boolean => c === 'seed' || c === 'prebuilt';

export interface CheckRequest {
  drv: string;
  name: string;
  attr: string | null;
  declared: string[] | null;
  declaredFrom: DeclaredFrom;
  /** the inputs the derivation takes directly */
  direct: Pick<ReportInput, 'id' | 'name' | 'class'>[];
}

export function checkProvenance(r: CheckRequest): ProvenanceCheck {
  const binaries = r.direct.filter((i) => isBinary(i.class));
  const unknowns = r.direct.filter((i) => i.class === 'unknown');
  const names = (xs: { name: string }[]) => xs.map((x) => x.name).join(', ');
  const base = { drv: r.drv, name: r.name, attr: r.attr, declared: r.declared ?? [], declaredFrom: r.declaredFrom, binaryInputs: binaries.map((b) => b.id), unknownInputs: unknowns.map((u) => u.id) };
  const declared = r.declared ?? [];
  const binaryDeclared = declared.filter((d) => BINARY_SOURCE_TYPES.includes(d));
  if (r.declared === null || declared.length === 0) {
    return {
      ...base,
      verdict: 'undeclared',
      finding: null,
      detail: binaries.length
        ? `${r.name} declares no meta.sourceProvenance but takes the binary ${names(binaries)}`
        : `${r.name} declares no meta.sourceProvenance`,
    };
  }
  if (binaryDeclared.length === 0) {
    // fromSource only
    if (binaries.length)
      return { ...base, verdict: 'disagrees', finding: 'declared-source-downloads-binary', detail: `${r.name} declares ${declared.join(', ')} but downloads the binary ${names(binaries)}` };
    if (unknowns.length)
      return { ...base, verdict: 'undetermined', finding: null, detail: `${r.name} declares ${declared.join(', ')}; ${names(unknowns)} could not be classified` };
    return { ...base, verdict: 'agrees', finding: null, detail: `${r.name} declares ${declared.join(', ')} and takes no binary input` };
  }
  if (binaries.length)
    return { ...base, verdict: 'agrees', finding: null, detail: `${r.name} declares ${binaryDeclared.join(', ')} and downloads the binary ${names(binaries)}` };
  if (unknowns.length)
    return { ...base, verdict: 'undetermined', finding: null, detail: `${r.name} declares ${binaryDeclared.join(', ')}; no binary input found, but ${names(unknowns)} could not be classified` };
  return {
    ...base,
    verdict: 'disagrees',
    finding: 'declared-binary-no-binary-input',
    detail: `${r.name} declares ${binaryDeclared.join(', ')} but no binary input was found (${r.direct.length ? `its inputs are source: ${names(r.direct)}` : 'it takes no download or source'})`,
  };
}

/** `/nix/store/<hash>-name.drv` -> `name`: what stays the same across rebuilds. */
const stableName = (drv: string): string => drv.slice(drv.lastIndexOf('/') + 1).replace(/^[0-9a-df-np-sv-z]{32}-/, '').replace(/\.drv$/, '');

/** The identity of a disagreement across builds, for --baseline and diff. */
export const provenanceKey = (c: Pick<ProvenanceCheck, 'finding' | 'drv' | 'attr'>): string =>
  JSON.stringify(['provenance', c.finding, c.attr ?? stableName(c.drv)]);

/** Gate items for the disagreements (under --fail-on provenance); a key in the baseline accepts. */
export const provenanceItems = (checks: ProvenanceCheck[], baseline: Set<string> | null, baselineFile: string | null): GateItem[] =>
  checks
    .filter((c) => c.verdict === 'disagrees')
    .map((c) => {
      const key = provenanceKey(c);
      const inBaseline = baseline?.has(key) ?? false;
      return {
        kind: 'provenance',
        ref: c.drv,
        name: c.attr ?? c.name,
        key,
        reason: c.detail,
        status: inBaseline ? 'baseline' : 'fail',
        accepted: inBaseline ? { by: 'baseline', entry: baselineFile, match: 'key' } : null,
      };
    });
