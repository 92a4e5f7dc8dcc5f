/**
 * What an expression declares about the packages it defines, which the derivation graph does
 * not carry: the source position (`meta.position`, else where the attribute is defined) and
 * `meta.sourceProvenance`. Read by evaluating the same expression the roots were instantiated
 * from (nothing is built), or from `nix-env -qaP --json --meta [--drv-path]` output (--meta FILE).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { PackageMeta, SourcePosition } from '../model/graph.js';
import { formatCommand, run, sourceArgv, type NixArg, type NixInfo, type NixSource } from './nix.js';

/** A Nix string literal holding `s` exactly (no interpolation). */
export const nixString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$\{/g, '\\${')}"`;

/** `a.b."c.d".0` -> ["a", "b", "c.d", "0"], as nix's -A reads attribute paths. */
export const splitAttrPath = (attr: string): string[] => {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of attr) {
    if (ch === '"') quoted = !quoted;
    else if (ch === '.' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.filter((p, i) => p !== '' || i > 0);
};

/** `/path/file.nix:12` -> position (the file part may hold colons). */
export const parsePosition = (s: unknown, from: SourcePosition['from']): SourcePosition | null => {
  if (typeof s !== 'string') return null;
  const m = /^(.*):(\d+)(?::\d+)?$/.exec(s);
  return m && m[1] ? { file: m[1], line: Number(m[2]), from } : null;
};

const provenanceNames = (v: unknown): string[] | null =>
  Array.isArray(v)
    ? v.map((t) => (t && typeof t === 'object' ? String((t as { shortName?: unknown }).shortName ?? '?') : String(t)))
    : null;

/** The Nix function that describes one value at an attribute path (shared by file/expr and flakes). */
const DESCRIBE = `
  isDrv = x: builtins.isAttrs x && (x.type or null) == "derivation";
  get = v: path: builtins.foldl' (acc: k: if builtins.isList acc then builtins.elemAt acc (builtins.fromJSON k) else builtins.getAttr k acc) v path;
  init = l: builtins.genList (i: builtins.elemAt l i) (builtins.length l - 1);
  last = l: builtins.elemAt l (builtins.length l - 1);
  describe = top: attr: path: v:
    let
      meta = if builtins.isAttrs v then v.meta or {} else {};
      parent = if path == [] then null else get top (init path);
      sp = meta.sourceProvenance or null;
      drv = builtins.tryEval (if builtins.isAttrs v then v.drvPath or null else null);
    in {
      inherit attr;
      drvPath = if drv.success then drv.value else null;
      position = if meta ? position then toString meta.position else null;
      attrPosition = if builtins.isAttrs parent then builtins.unsafeGetAttrPos (last path) parent else null;
      sourceProvenance = if sp == null then null
        else map (t: if builtins.isAttrs t then t.shortName or "?" else toString t) (if builtins.isList sp then sp else [ sp ]);
    };`;

interface Described {
  attr: string | null;
  drvPath: string | null;
  position: string | null;
  attrPosition: { file: string; line: number } | null;
  sourceProvenance: string[] | null;
}

const toMeta = (d: Described): PackageMeta => ({
  attr: d.attr,
  position:
    parsePosition(d.position, 'meta.position') ??
    (d.attrPosition && typeof d.attrPosition.file === 'string' ? { file: d.attrPosition.file, line: d.attrPosition.line, from: 'attribute' } : null),
  sourceProvenance: d.sourceProvenance,
});

export interface MetaResult {
  meta: Map<string, PackageMeta>;
  /** the command that ran, for the graph's detail */
  command: string;
  /** why nothing could be read (the scan goes on without declared metadata) */
  error?: string;
}

const parseDescribed = (stdout: string): Described[] => {
  const data = JSON.parse(stdout) as unknown;
  return (Array.isArray(data) ? data : [data]) as Described[];
};

/**
 * Evaluates the roots' metadata from the expression they were instantiated from, with the same
 * arguments. Best effort: an expression whose values have no meta, or that fails here, gives
 * an empty map and the reason; the graph was already read, so the scan goes on.
 */
export async function evaluateMeta(nix: NixInfo, source: NixSource, attrs: string[], args: NixArg[]): Promise<MetaResult> {
  const { tail } = await sourceArgv(nix, source, args);
  const top0 = 'expr' in source ? `(\n${source.expr}\n)` : `import ${/^<[^>]+>$/.test(source.file) ? source.file : nixString((await sourceArgv(nix, source, [])).head[0]!)}`;
  const paths = attrs.map((a) => `{ attr = ${nixString(a)}; path = [ ${splitAttrPath(a).map(nixString).join(' ')} ]; }`);
  // nix-instantiate --eval calls the top-level function only when it has arguments to give:
  // one of ours is always passed (and removed before the user's function sees them)
  const expr = `{ ... }@args0:
let
  args = builtins.removeAttrs args0 [ "__seedauditMeta" ];
  top0 = ${top0};
  fa = builtins.functionArgs top0;
  top = if builtins.isFunction top0 then top0 (if fa == {} then args else builtins.intersectAttrs fa args) else top0;
  ${DESCRIBE}
  wanted = [ ${paths.join(' ')} ];
in
  if wanted != [] then map (w: describe top w.attr w.path (get top w.path)) wanted
  else if isDrv top then [ (describe top null [] top) ]
  else map (n: describe top n [ n ] top.\${n}) (builtins.filter (n: (builtins.tryEval (isDrv top.\${n})).value) (builtins.attrNames top))
`;
  const argv = ['nix-instantiate', '--eval', '--strict', '--json', '--expr', expr, ...tail, '--arg', '__seedauditMeta', 'true'];
  const command = 'nix-instantiate --eval --strict --json (meta.position, meta.sourceProvenance)';
  return runMeta(nix, argv, command);
}

/** The same for a flake installable: `nix eval --json REF --apply describe`. */
export async function evaluateFlakeMeta(nix: NixInfo, ref: string): Promise<MetaResult> {
  const apply = `v: let ${DESCRIBE} in describe {} null [] v`;
  const argv = ['nix', '--extra-experimental-features', 'nix-command flakes', 'eval', '--json', ref, '--apply', apply];
  return runMeta(nix, argv, formatCommand(['nix', 'eval', '--json', ref, '--apply', '(meta)']));
}

async function runMeta(nix: NixInfo, argv: string[], command: string): Promise<MetaResult> {
  const meta = new Map<string, PackageMeta>();
  const r = await run(argv, nix, 'the package metadata').catch((e: Error) => ({ code: 1, stdout: Buffer.alloc(0), stderr: e.message }));
  if (r.code !== 0) {
    const line = r.stderr.split('\n').map((l) => l.trim()).find((l) => l.startsWith('error:')) ?? r.stderr.trim().split('\n').pop() ?? '';
    return { meta, command, error: line.replace(/^error:\s*/, '') || `exit ${r.code}` };
  }
  try {
    for (const d of parseDescribed(r.stdout.toString('utf8'))) if (d && typeof d.drvPath === 'string') meta.set(d.drvPath, toMeta(d));
  } catch (e) {
    return { meta, command, error: `unreadable output: ${(e as Error).message}` };
  }
  return { meta, command };
}

/** Declared metadata from `nix-env -qaP --json --meta [--drv-path]`: by .drv path when nix printed it, else by name. */
export interface DeclaredMeta {
  file: string;
  byDrv: Map<string, PackageMeta>;
  byName: Map<string, PackageMeta>;
}

export function readMetaFile(file: string): DeclaredMeta {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`--meta ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'ELOOP' ? 'symlink loop' : (code ?? (e as Error).message)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new InputError(`--meta ${file}: not valid JSON (expected the output of nix-env -qaP --json --meta --drv-path)`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new InputError(`--meta ${file}: expected an object of packages by attribute path (nix-env -qaP --json --meta --drv-path)`);
  const out: DeclaredMeta = { file, byDrv: new Map(), byName: new Map() };
  for (const [attr, v] of Object.entries(data as Record<string, unknown>)) {
    if (!v || typeof v !== 'object') continue;
    const pkg = v as { name?: unknown; drvPath?: unknown; meta?: { position?: unknown; sourceProvenance?: unknown } };
    const m: PackageMeta = {
      attr,
      position: parsePosition(pkg.meta?.position, 'meta.position'),
      sourceProvenance: provenanceNames(pkg.meta?.sourceProvenance),
    };
    if (typeof pkg.drvPath === 'string') out.byDrv.set(pkg.drvPath, m);
    if (typeof pkg.name === 'string' && !out.byName.has(pkg.name)) out.byName.set(pkg.name, m);
  }
  return out;
}
