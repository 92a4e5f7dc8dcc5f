/**
 * The one normalised derivation model. Every reader (Nix JSON of any version, ATerm .drv
 * files, `nix derivation show` output) produces exactly this, so classification never
 * needs to know where a graph came from.
 */

/** How a fixed output's hash was computed (Nix `outputHashMode`). */
export type HashMethod = 'flat' | 'nar' | 'text' | 'git';

export interface FixedHash {
  method: HashMethod;
  /** hash algorithm: sha256, sha512, sha1, md5 */
  algo: string;
  /** the hash as SRI (`sha256-<base64>`) */
  sri: string;
}

export interface DerivationOutput {
  /** output store path; null for content-addressed floating / deferred / impure outputs */
  path: string | null;
  /** present only on fixed outputs */
  fixed: FixedHash | null;
}

export interface Derivation {
  /** full store path of the .drv, e.g. /nix/store/<hash>-hello-2.12.drv */
  drvPath: string;
  /** the derivation's `name` (env.name, else derived from the .drv path) */
  name: string;
  system: string;
  builder: string;
  args: string[];
  /** the environment exactly as the derivation has it (values are attacker-controlled text) */
  env: Record<string, string>;
  outputs: Record<string, DerivationOutput>;
  /** full store paths of source inputs (files and directories added at evaluation time) */
  inputSrcs: string[];
  /** full .drv path of each input derivation -> the output names used */
  inputDrvs: Record<string, string[]>;
  /** input derivations whose outputs are only known dynamically (dynamic derivations) */
  dynamicInputs?: string[];
  /** parsed structured attributes (`__json` or the JSON `structuredAttrs` field), if any */
  structuredAttrs: Record<string, unknown> | null;
  /**
   * Set by the graph readers on derivations without a fixed output: `env` and
   * `structuredAttrs` then hold only the keys in LEAN_ENV_KEYS (see there).
   */
  leanEnv?: true;
}

/**
 * The attributes the facts stage reads from a derivation that is not a download (a consumer of
 * an input: its build scripts, hooks and sources; src/facts/consumer.ts). Everything else in
 * such a derivation's environment is dropped when the graph is read: at 100k derivations the
 * environments are ~110 MB of text, most of it never looked at. Fixed-output derivations keep
 * their whole environment, because `env` rules (built-in or a user's rules file) may match any
 * key of a download's attributes. `attr` refuses a key outside this list on a lean derivation,
 * so a new fact that needs another key fails loudly in the tests instead of seeing nothing.
 */
export const LEAN_ENV_KEYS: ReadonlySet<string> = new Set([
  // consumer.ts: SCRIPT_KEYS
  'unpackPhase', 'unpackCmd', 'configurePhase', 'buildPhase', 'installPhase', 'postUnpack', 'preInstall',
  'postInstall', 'postFixup', 'preFixup', 'buildCommand', 'script', 'sourceRoot', 'text', 'contents',
  // consumer.ts: build markers, sources, hooks
  'nativeBuildInputs', 'stdenv', 'dontBuild', 'configureFlags', 'cmakeFlags', 'mesonFlags', 'pname', 'src', 'srcs', 'patches',
]);

/** Where the graph came from, shown in reports so a reviewer knows what was read. */
export interface GraphSource {
  /** nix-json: a saved dump; nix-command: we ran nix; aterm: .drv files read directly */
  kind: 'nix-json' | 'nix-command' | 'aterm';
  /** e.g. "nix-json 2.4-2.17", "nix-json v4", "aterm" */
  format: string;
  /** file, command line or store root that was read */
  detail: string;
}

export interface DerivationGraph {
  /** store directory, normally /nix/store (Guix: /gnu/store) */
  storeDir: string;
  derivations: Map<string, Derivation>;
  /** .drv paths the user asked about (or, when not given, the derivations nothing depends on) */
  roots: string[];
  source: GraphSource;
  /**
   * What the expression said about each root, when the scan started from one (-f, -E, a flake):
   * its attribute, source position and declared `meta.sourceProvenance`. Keyed by .drv path.
   */
  rootMeta?: Map<string, PackageMeta>;
  /** why the roots' metadata could not be evaluated, when it could not */
  rootMetaError?: string;
  /** output names the user selected per root (`drv^out,dev`; `*`: all), when given */
  selectedOutputs?: Map<string, string[]>;
}

/** A position in a Nix file: `meta.position` (`file:line`) or where the attribute is defined. */
export interface SourcePosition {
  /** absolute path, as Nix printed it */
  file: string;
  line: number;
  /** meta.position: the package's own declaration; attribute: where -A ATTR is defined */
  from: 'meta.position' | 'attribute';
}

/** Declared metadata of one package (from evaluating the expression, or from --meta FILE). */
export interface PackageMeta {
  /** attribute path, when known */
  attr: string | null;
  position: SourcePosition | null;
  /** `meta.sourceProvenance` short names (fromSource, binaryNativeCode, ...); null when not declared */
  sourceProvenance: string[] | null;
}

/** True when the derivation has at least one fixed output (a FOD). */
export const isFixedOutput = (d: Derivation): boolean =>
  Object.values(d.outputs).some((o) => o.fixed !== null);

/** `<hash>-<name>` -> `<name>`; strips a trailing `.drv` too. */
export const storePathName = (path: string): string => {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dash = base.indexOf('-');
  const name = dash >= 0 ? base.slice(dash + 1) : base;
  return name.endsWith('.drv') ? name.slice(0, -4) : name;
};

/**
 * A derivation attribute, whether it lives in `env` or in structured attrs. Structured
 * values that are not strings are rendered the way Nix renders them into the environment
 * (lists space-separated), because rules match text.
 */
export const attr = (d: Derivation, key: string): string | undefined => {
  const v = d.env[key];
  if (v !== undefined) return v;
  if (d.leanEnv && !LEAN_ENV_KEYS.has(key)) throw new Error(`attribute ${key} is not kept on lean derivations: add it to LEAN_ENV_KEYS`);
  const s = d.structuredAttrs?.[key];
  if (s === undefined || s === null) return undefined;
  if (typeof s === 'string') return s;
  if (typeof s === 'number' || typeof s === 'boolean') return s ? String(s === true ? '1' : s) : '';
  if (Array.isArray(s)) return s.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ');
  return JSON.stringify(s);
};

/** Derivations that no other derivation in the map takes as input. */
export const findRoots = (derivations: Map<string, Derivation>): string[] => {
  const used = new Set<string>();
  for (const d of derivations.values()) for (const p of Object.keys(d.inputDrvs)) used.add(p);
  return [...derivations.keys()].filter((p) => !used.has(p)).sort();
};
