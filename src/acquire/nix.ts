/**
 * Running Nix to find derivations and dump their graph as JSON. Every command is spawned
 * with an argument array (never a shell), because targets, attribute names and --argstr
 * values come from the command line and may hold any character. Output is collected in
 * chunks without a size cap: `show-derivation --recursive` on a large closure prints
 * hundreds of megabytes, far beyond any sensible maxBuffer.
 */
import { spawn } from 'node:child_process';
import { constants as bufferConstants } from 'node:buffer';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';

export interface NixInfo {
  /** version reported by `nix --version`, e.g. "2.8.0" ("unknown" when unreadable) */
  version: string;
  /**
   * argv prefix that prints store derivations as JSON, experimental-feature flag included:
   * `nix --extra-experimental-features nix-command show-derivation` before Nix 2.15,
   * `... derivation show` from 2.15 on.
   */
  showDerivation: string[];
  /** environment every nix command runs with (PATH decides which nix is used) */
  env: NodeJS.ProcessEnv;
  /** directory relative targets, files and flake refs such as `.#pkg` are resolved in */
  cwd: string;
}

/** A `--arg NAME EXPR` (Nix expression) or `--argstr NAME VALUE` (string) for nix-instantiate. */
export interface NixArg {
  kind: 'arg' | 'argstr';
  name: string;
  value: string;
}

/** Nix 2.15 renamed `nix show-derivation` to `nix derivation show` (release notes of 2.15). */
export const DERIVATION_SHOW_SINCE: readonly [number, number] = [2, 15];

const NIX_COMMAND = ['--extra-experimental-features', 'nix-command'];
const NIX_FLAKES = ['--extra-experimental-features', 'nix-command flakes'];

/** Shell-style rendering of an argv, only for showing the user what ran. */
export const formatCommand = (argv: readonly string[]): string =>
  argv.map((a) => (/^[\w@%+=:,./#^!-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Nix prints the useful part of a failure on a line starting with `error:`. */
const nixErrorLine = (stderr: string): string => {
  const lines = stderr.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').split('\n').map((l) => l.trim());
  const err = lines.find((l) => l.startsWith('error:'));
  const line = err ?? lines.filter((l) => l !== '' && !l.startsWith('warning:')).pop() ?? '';
  return line.replace(/^error:\s*/, '') || 'no error message';
};

/** What the caller wanted nix for, so "nix is not installed" says why it was needed. */
const notInstalled = (tool: string, wanted: string): InputError =>
  new InputError(
    `${tool} is not installed or not on PATH (needed to read ${wanted}); ` +
      'install Nix, or use --from-json FILE or --store-root DIR instead',
  );

const STDERR_KEEP = 64 * 1024;

export async function run(argv: string[], nix: Pick<NixInfo, 'env' | 'cwd'>, wanted: string): Promise<RunResult> {
  const [cmd, ...args] = argv;
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(cmd, args, { env: nix.env, cwd: nix.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      // A string longer than V8's limit cannot be built; stop collecting and say so.
      if (size > bufferConstants.MAX_STRING_LENGTH) {
        tooBig = true;
        chunks.length = 0;
        child.kill('SIGTERM');
      }
      if (!tooBig) chunks.push(c);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => {
      // Keep the tail: nix ends with the error, after progress and warnings.
      stderr = (stderr + c).slice(-STDERR_KEEP);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      // Node reports a missing working directory as ENOENT too; tell the two apart.
      if (e.code === 'ENOENT' && !existsSync(nix.cwd)) reject(new InputError(`directory ${nix.cwd} does not exist`));
      else reject(e.code === 'ENOENT' ? notInstalled(cmd, wanted) : new InputError(`cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (tooBig) {
        reject(
          new InputError(
            `${formatCommand(argv)} printed more than ${Math.floor(bufferConstants.MAX_STRING_LENGTH / 2 ** 20)} MiB of JSON, ` +
              'more than Node can hold; scan fewer targets at once, or read the .drv files directly (--read-with drv)',
          ),
        );
        return;
      }
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(chunks), stderr });
    });
  });
}

/** Runs a command and turns a failure into one line naming the command and nix's error. */
export async function runOk(argv: string[], nix: Pick<NixInfo, 'env' | 'cwd'>, wanted: string): Promise<string> {
  const r = await run(argv, nix, wanted);
  if (r.code !== 0) throw new InputError(`${formatCommand(argv)} failed: ${nixErrorLine(r.stderr)}`);
  return r.stdout.toString('utf8');
}

/** `2.8.0`, `2.18.1`; for forks the last version number on the line is the Nix one. */
const parseVersion = (line: string): [number, number, string] | null => {
  const all = [...line.matchAll(/(\d+)\.(\d+)(?:\.\d+)?(?:[\w.+-]*)?/g)];
  const m = all.pop();
  return m ? [Number(m[1]), Number(m[2]), m[0]] : null;
};

/**
 * Finds nix and picks the derivation-dump command its version understands.
 * `wanted` names what nix is needed for, for the not-installed message.
 */
export async function detectNix(
  env: NodeJS.ProcessEnv = process.env,
  opts: { cwd?: string; wanted?: string } = {},
): Promise<NixInfo> {
  const base = { env, cwd: opts.cwd ?? process.cwd() };
  const wanted = opts.wanted ?? 'the targets';
  const out = (await runOk(['nix', '--version'], base, wanted)).split('\n')[0].trim();
  const v = parseVersion(out);
  // An unreadable version most likely means a newer or forked nix, so take the current name.
  const modern =
    v === null ||
    v[0] > DERIVATION_SHOW_SINCE[0] ||
    (v[0] === DERIVATION_SHOW_SINCE[0] && v[1] >= DERIVATION_SHOW_SINCE[1]);
  return {
    ...base,
    version: v ? v[2] : 'unknown',
    showDerivation: ['nix', ...NIX_COMMAND, ...(modern ? ['derivation', 'show'] : ['show-derivation'])],
  };
}

/** Dumps the derivations and their whole build-time closure as JSON text. */
export async function showDerivationRecursive(
  nix: NixInfo,
  drvPaths: string[],
): Promise<{ json: string; command: string }> {
  if (drvPaths.length === 0) throw new InputError('no derivations to read');
  const argv = [...nix.showDerivation, '--recursive', ...drvPaths];
  const json = await runOk(argv, nix, drvPaths.join(' '));
  return { json, command: formatCommand(argv) };
}

const storeDirs = new WeakMap<NixInfo, Promise<string>>();

/** The store directory nix uses (normally /nix/store), asked once per NixInfo. */
export function nixStoreDir(nix: NixInfo): Promise<string> {
  let p = storeDirs.get(nix);
  if (!p) {
    p = runOk(['nix', ...NIX_COMMAND, 'eval', '--raw', '--expr', 'builtins.storeDir'], nix, 'the store location').then(
      (s) => s.trim(),
    );
    storeDirs.set(nix, p);
  }
  return p;
}

/**
 * Flake references: anything with a `#` fragment or a flake URL scheme. A bare `.` or a
 * path is taken as a file path, as `nix-build` would.
 */
export const isFlakeRef = (target: string): boolean =>
  target.includes('#') ||
  /^(flake|path|github|gitlab|sourcehut|git|git\+[a-z]+|hg|hg\+[a-z]+|tarball|file\+[a-z]+|https?\+?[a-z]*|indirect):/.test(
    target,
  );

const exists = async (p: string): Promise<boolean> => {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
};

/** The top-level store path (`<storeDir>/<hash>-<name>`) containing `p`, if `p` is inside the store. */
const topStorePath = (p: string, storeDir: string, realStoreDir: string): string | null => {
  for (const dir of new Set([storeDir, realStoreDir])) {
    if (p.startsWith(dir + '/')) {
      const first = p.slice(dir.length + 1).split('/')[0];
      if (first) return `${storeDir}/${first}`;
    }
  }
  return null;
};

/**
 * Follows a result link (or a chain of them) only until it lands in the store, so an
 * output that is itself a symlink out of the store still counts as that output.
 */
async function locateStorePath(abs: string, storeDir: string): Promise<string | null> {
  const realStoreDir = await fs.realpath(storeDir).catch(() => storeDir);
  let p = abs;
  for (let hops = 0; hops < 40; hops++) {
    const top = topStorePath(p, storeDir, realStoreDir);
    if (top) return top;
    const st = await fs.lstat(p).catch(() => null);
    if (!st?.isSymbolicLink()) break;
    p = path.resolve(path.dirname(p), await fs.readlink(p));
  }
  // A symlinked directory on the way (e.g. /tmp -> /private/tmp) needs a full resolve.
  const real = await fs.realpath(abs).catch(() => null);
  return real ? topStorePath(real, storeDir, realStoreDir) : null;
}

/** The error text when resolving `p` loops (ELOOP), else null. */
export async function symlinkLoop(p: string): Promise<string | null> {
  try {
    await fs.realpath(p);
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ELOOP' ? 'too many levels of symbolic links' : null;
  }
}

/** `nix path-info --json` printed an array up to Nix 2.18 and an object keyed by path since. */
const deriverFromPathInfo = (text: string, storeDir: string): string | null => {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  const entries = Array.isArray(data) ? data : data && typeof data === 'object' ? Object.values(data) : [];
  for (const e of entries) {
    const d = (e as { deriver?: unknown } | null)?.deriver;
    if (typeof d === 'string' && d !== '') return d.startsWith('/') ? d : `${storeDir}/${d}`;
  }
  return null;
};

async function derivationOf(nix: NixInfo, target: string, trace: string[]): Promise<string> {
  if (isFlakeRef(target)) {
    if (target.startsWith('-')) throw new InputError(`${target} is not a flake reference`);
    const argv = ['nix', ...NIX_FLAKES, 'path-info', '--derivation', target];
    trace.push(formatCommand(argv));
    const drv = (await runOk(argv, nix, target)).trim().split('\n').pop() ?? '';
    if (!drv.endsWith('.drv')) throw new InputError(`${target} did not evaluate to a derivation`);
    return drv;
  }
  const abs = path.resolve(nix.cwd, target);
  if (!(await exists(abs))) throw new InputError(`${target} does not exist`);
  const loop = await symlinkLoop(abs);
  if (loop) throw new InputError(`${target} is a symlink loop (${loop}); point it at a store path, e.g. ln -sfn /nix/store/... ${target}`);
  const storeDir = await nixStoreDir(nix);
  const top = await locateStorePath(abs, storeDir);
  if (!top) {
    throw new InputError(
      `${target} is not in the Nix store (${storeDir}); give a result link, a store path, a .drv file or a flake reference`,
    );
  }
  if (!(await exists(top))) throw new InputError(`${top} (from ${target}) does not exist`);
  if (top.endsWith('.drv')) return top;

  const query = ['nix-store', '--query', '--deriver', top];
  trace.push(formatCommand(query));
  let deriver = (await runOk(query, nix, target)).trim();
  if (deriver === '' || deriver === 'unknown-deriver') {
    // Older databases and substituted paths may lack the field nix-store reads; path-info
    // consults the store's full metadata.
    const info = ['nix', ...NIX_COMMAND, 'path-info', '--json', top];
    trace.push(formatCommand(info));
    const r = await run(info, nix, target);
    deriver = (r.code === 0 ? deriverFromPathInfo(r.stdout.toString('utf8'), storeDir) : null) ?? '';
  }
  if (deriver === '' || deriver === 'unknown-deriver') {
    throw new InputError(`no deriver known for ${top}; scan the expression instead (-f FILE -A ATTR or a flake ref)`);
  }
  if (!(await exists(deriver))) {
    throw new InputError(
      `${top} was built by ${deriver}, which is not in the store (garbage-collected or copied from elsewhere); ` +
        're-instantiate it, e.g. with -f FILE -A ATTR',
    );
  }
  return deriver;
}

/**
 * Turns targets into .drv paths without building anything: a .drv is taken as is; a result
 * link or any output path (or a path inside one) maps to its deriver; a flake reference is
 * evaluated. Order follows the targets, duplicates dropped. Commands run are appended to
 * `trace` when given.
 */
export async function resolveToDrvs(nix: NixInfo, targets: string[], trace: string[] = []): Promise<string[]> {
  const out: string[] = [];
  for (const t of targets) {
    const drv = await derivationOf(nix, t, trace);
    if (!out.includes(drv)) out.push(drv);
  }
  return out;
}

/** What to instantiate: a file (or `<lookup>` path) or an expression (`-E`). */
export type NixSource = { file: string } | { expr: string };

/**
 * `nix-instantiate FILE -A ATTR...`: writes the .drv files and prints their paths; nothing
 * is built or fetched. `<nixpkgs>`-style lookup paths are passed through as nix reads them.
 */
export async function instantiateFile(
  nix: NixInfo,
  file: string,
  attrs: string[] = [],
  args: NixArg[] = [],
): Promise<{ drvs: string[]; command: string }> {
  return instantiate(nix, { file }, attrs, args);
}

/** `nix-instantiate -E EXPR -A ATTR...`, relative paths in EXPR resolved in nix.cwd. */
export async function instantiateExpr(
  nix: NixInfo,
  expr: string,
  attrs: string[] = [],
  args: NixArg[] = [],
): Promise<{ drvs: string[]; command: string }> {
  return instantiate(nix, { expr }, attrs, args);
}

/** Checks the arguments and gives nix-instantiate's argv for a file or an expression: the source, then the arguments. */
export async function sourceArgv(nix: NixInfo, source: NixSource, args: NixArg[]): Promise<{ head: string[]; tail: string[] }> {
  for (const a of args) {
    if (!/^[A-Za-z_][\w'-]*$/.test(a.name)) throw new InputError(`--${a.kind} ${a.name}: not a valid Nix argument name`);
  }
  const tail = args.flatMap((a) => [`--${a.kind}`, a.name, a.value]);
  if ('expr' in source) return { head: ['--expr', source.expr], tail };
  const lookup = /^<[^>]+>$/.test(source.file);
  const abs = lookup ? source.file : path.resolve(nix.cwd, source.file);
  if (!lookup && !(await exists(abs))) throw new InputError(`${source.file} does not exist`);
  return { head: [abs], tail };
}

async function instantiate(nix: NixInfo, source: NixSource, attrs: string[], args: NixArg[]): Promise<{ drvs: string[]; command: string }> {
  const { head, tail } = await sourceArgv(nix, source, args);
  const argv = ['nix-instantiate', ...head, ...attrs.flatMap((a) => ['-A', a]), ...tail];
  const command = formatCommand(argv);
  const wanted = 'expr' in source ? 'the expression' : source.file;
  const text = await runOk(argv, nix, wanted);
  const drvs: string[] = [];
  for (const line of text.split('\n')) {
    // `-A pkg.dev` prints `<drv>!dev`; the graph is per derivation, not per output.
    const drv = line.trim().replace(/!.*$/, '');
    if (drv.endsWith('.drv') && !drvs.includes(drv)) drvs.push(drv);
  }
  if (drvs.length === 0) {
    const what = 'expr' in source ? '-E EXPR' : source.file;
    throw new InputError(`${attrs.length ? `${what} -A ${attrs.join(' -A ')}` : what} evaluated to no derivation`);
  }
  return { drvs, command };
}

/**
 * The runtime closure of store paths (`nix-store --query --requisites`): what the scanned
 * outputs need at run time, whose ELF files the inspect stage reads. Paths that are not
 * valid in the store are an InputError from nix.
 */
export async function runtimeClosure(nix: NixInfo, paths: string[]): Promise<{ paths: string[]; command: string }> {
  const argv = ['nix-store', '--query', '--requisites', ...paths];
  const out = await runOk(argv, nix, paths.join(' '));
  return { paths: out.split('\n').map((l) => l.trim()).filter(Boolean), command: formatCommand(argv) };
}
