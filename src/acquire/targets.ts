/**
 * From what the user typed to the derivation graph as Nix JSON: either TARGETs (result
 * links, store paths, .drv files, flake references, freely mixed) or `-f FILE -A ATTR...`
 * with `--arg`/`--argstr`. Nothing is built: outputs are mapped to their derivers and
 * expressions are only instantiated.
 */
import { InputError } from '../errors.js';
import {
  detectNix,
  instantiateExpr,
  instantiateFile,
  nixStoreDir,
  resolveToDrvs,
  showDerivationRecursive,
  type NixArg,
  type NixInfo,
} from './nix.js';

export type { NixArg } from './nix.js';

export interface AcquireOptions {
  /** `-f FILE`: a Nix file (or `<lookup>` path) to instantiate instead of TARGETs */
  file?: string;
  /** `-E EXPR`: an expression to instantiate instead of TARGETs or a file */
  expr?: string;
  /** `-A ATTR`, repeatable; needs `file` or `expr` */
  attrs?: string[];
  /** `--arg NAME EXPR` / `--argstr NAME VALUE`, passed to nix-instantiate; needs `file` */
  args?: NixArg[];
  env?: NodeJS.ProcessEnv;
  /** where relative targets and files are resolved (default: the process's cwd) */
  cwd?: string;
}

export interface Acquired {
  /** JSON text printed by `nix show-derivation --recursive` / `nix derivation show --recursive` */
  json: string;
  /** .drv paths the user asked about, in the order given */
  roots: string[];
  /** the command lines that ran, `; `-separated, for the report's graph source */
  detail: string;
  /** the Nix version that was used */
  nixVersion: string;
  /** the store directory nix reported (normally /nix/store), for the JSON reader */
  storeDir: string;
}

export interface Resolved {
  nix: NixInfo;
  /** .drv paths the user asked about, in the order given */
  roots: string[];
  /** commands run so far, for the report's graph source */
  trace: string[];
}

/** Map TARGETs or `-f FILE -A ATTR` to root .drv paths with nix, building nothing. */
export async function resolveRoots(targets: string[], opts: AcquireOptions = {}): Promise<Resolved> {
  const attrs = opts.attrs ?? [];
  const args = opts.args ?? [];
  if (opts.file !== undefined && opts.expr !== undefined) throw new InputError('give either -f FILE or -E EXPR, not both');
  if (opts.expr !== undefined) {
    if (targets.length > 0) throw new InputError(`give either TARGETs or -E EXPR, not both (got ${targets[0]})`);
  } else if (opts.file === undefined) {
    if (attrs.length > 0) throw new InputError('-A ATTR needs -f FILE');
    if (args.length > 0) throw new InputError(`--${args[0].kind} needs -f FILE`);
    if (targets.length === 0) {
      throw new InputError('nothing to scan: give a result link, store path, .drv or flake ref, or -f FILE -A ATTR');
    }
  } else if (targets.length > 0) {
    throw new InputError(`give either TARGETs or -f FILE, not both (got ${targets[0]} and -f ${opts.file})`);
  }

  const wanted = opts.expr !== undefined ? 'the expression' : opts.file !== undefined ? opts.file : targets.join(' ');
  const nix = await detectNix(opts.env ?? process.env, { cwd: opts.cwd, wanted });
  const trace: string[] = [];
  let roots: string[];
  if (opts.file !== undefined || opts.expr !== undefined) {
    const r = opts.expr !== undefined ? await instantiateExpr(nix, opts.expr, attrs, args) : await instantiateFile(nix, opts.file!, attrs, args);
    trace.push(r.command);
    roots = r.drvs;
  } else {
    roots = await resolveToDrvs(nix, targets, trace);
  }
  return { nix, roots, trace };
}

/** resolveRoots, then the whole graph as JSON from `nix show-derivation -r`. */
export async function acquireTargets(targets: string[], opts: AcquireOptions = {}): Promise<Acquired> {
  const { nix, roots, trace } = await resolveRoots(targets, opts);
  const shown = await showDerivationRecursive(nix, roots);
  trace.push(shown.command);
  return {
    json: shown.json,
    roots,
    detail: trace.join('; '),
    nixVersion: nix.version,
    storeDir: await nixStoreDir(nix),
  };
}
