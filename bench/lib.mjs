// Shared helpers for the scale benchmark (bench/synth.mjs, bench/run.mjs): Nix's store-path
// arithmetic and ATerm writer re-implemented in plain JavaScript, so the synthetic graphs are
// real derivations (Nix itself accepts them, see `registerInNixStore`), and the measuring code.
// Self-contained on purpose: the benchmark must not trust the code it measures.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CORPUS = process.env.SEEDAUDIT_CORPUS ?? path.resolve(REPO, '..', 'shared', 'corpus');
export const STORE_DIR = '/nix/store';

// ---------------------------------------------------------------- Nix store paths

const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';

/** Nix base-32 (the store-path hash alphabet, least significant digit last). */
export function nix32(bytes) {
  const len = Math.ceil((bytes.length * 8) / 5);
  let s = '';
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    const c = (bytes[i] >> j) | (i + 1 < bytes.length ? bytes[i + 1] << (8 - j) : 0);
    s += NIX32[c & 0x1f];
  }
  return s;
}

export const sha256 = (data) => createHash('sha256').update(data).digest();
export const sha256hex = (data) => createHash('sha256').update(data).digest('hex');

/** Nix's makeStorePath: nix32(compressHash(sha256("<type>:sha256:<hex>:<storeDir>:<name>"), 20)). */
export function makeStorePath(type, hashHex, name, storeDir = STORE_DIR) {
  const full = sha256(`${type}:sha256:${hashHex}:${storeDir}:${name}`);
  const c = Buffer.alloc(20);
  for (let i = 0; i < full.length; i++) c[i % 20] ^= full[i];
  return `${storeDir}/${nix32(c)}-${name}`;
}

/** `<hash>-<name>` of a store path -> `<name>` (what Nix calls the path's name). */
export const pathName = (p) => p.slice(p.lastIndexOf('/') + 34);
export const hashPart = (p) => p.slice(p.lastIndexOf('/') + 1, p.lastIndexOf('/') + 33);
export const outputPathName = (drvName, out) => (out === 'out' ? drvName : `${drvName}-${out}`);

// ---------------------------------------------------------------- ATerm, exactly as Nix writes it

const NEEDS_ESCAPE = /["\\\n\r\t]/;
const ESCAPES = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/** Nix's printString: escapes " \ newline CR tab and nothing else. */
export const atermString = (s) =>
  NEEDS_ESCAPE.test(s) ? `"${s.replace(/["\\\n\r\t]/g, (c) => ESCAPES[c])}"` : `"${s}"`;
/** Nix's printUnquotedString (store paths, output names, system): no escaping at all. */
const raw = (s) => `"${s}"`;
const byCodeUnit = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Derivation::unparse of Nix 2.8. `drv` is in the 2.4-2.17 JSON shape; its maps may be in any
 * order (sorted here as Nix's std::map/std::set are). With `mask`, output paths and the env
 * variables named after outputs are blanked and `inputs` (hash -> output names) replaces
 * inputDrvs: the text hashDerivationModulo hashes.
 */
export function unparse(drv, mask = false, inputs = null) {
  const outNames = Object.keys(drv.outputs).sort(byCodeUnit);
  let s = 'Derive([';
  s += outNames
    .map((o) => {
      const out = drv.outputs[o];
      return `(${raw(o)},${raw(mask ? '' : out.path)},${raw(out.hashAlgo ?? '')},${raw(out.hash ?? '')})`;
    })
    .join(',');
  s += '],[';
  const ins = inputs ?? drv.inputDrvs;
  s += Object.keys(ins)
    .sort(byCodeUnit)
    .map((p) => `(${raw(p)},[${[...ins[p]].sort(byCodeUnit).map(raw).join(',')}])`)
    .join(',');
  s += '],[';
  s += [...drv.inputSrcs].sort(byCodeUnit).map(raw).join(',');
  s += `],${raw(drv.system)},${atermString(drv.builder)},[${drv.args.map(atermString).join(',')}],[`;
  s += Object.keys(drv.env)
    .sort(byCodeUnit)
    .map((k) => `(${atermString(k)},${atermString(mask && k in drv.outputs ? '' : drv.env[k])})`)
    .join(',');
  return s + '])';
}

const isFixed = (drv) => Object.values(drv.outputs).some((o) => o.hash);

/**
 * hashDerivationModulo of Nix 2.8: for a fixed-output derivation one hash per output
 * (`fixed:out:<algo>:<hash>:<path>`, so everything above a fetcher is independent of how it
 * fetches); otherwise the hash of the text with every input derivation replaced by its own
 * modulo hash. Output paths come from the masked hash (`mask`: the derivation's own outputs
 * blanked); an input's hash is always the unmasked one (Nix's pathDerivationModulo).
 * `moduloOf(drvPath)` returns the already computed unmasked value of an input.
 */
export function hashModulo(drv, moduloOf, mask) {
  if (isFixed(drv)) {
    const out = {};
    for (const [o, x] of Object.entries(drv.outputs)) out[o] = sha256hex(`fixed:out:${x.hashAlgo}:${x.hash}:${x.path}`);
    return { fixed: out };
  }
  const inputs = {};
  for (const [p, outs] of Object.entries(drv.inputDrvs)) {
    const m = moduloOf(p);
    if (m === undefined) throw new Error(`hashModulo: input ${p} not computed yet`);
    if (typeof m === 'string') inputs[m] = outs;
    else for (const o of outs) inputs[m.fixed[o]] = ['out'];
  }
  return sha256hex(unparse(drv, mask, inputs));
}

/** The .drv's store path: a text path whose references are its inputDrvs and inputSrcs. */
export function drvPathOf(name, text, drv) {
  const refs = [...Object.keys(drv.inputDrvs), ...drv.inputSrcs].sort(byCodeUnit);
  return makeStorePath(`text${refs.map((r) => `:${r}`).join('')}`, sha256hex(text), `${name}.drv`);
}

/** NAR serialisation of a regular, non-executable file, and its hash, as `nix-store --dump` gives. */
export function narOfFile(contents) {
  const str = (b) => {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(b.length));
    return [len, b, Buffer.alloc((8 - (b.length % 8)) % 8)];
  };
  const parts = ['nix-archive-1', '(', 'type', 'regular', 'contents'].flatMap((x) => str(Buffer.from(x)));
  const nar = Buffer.concat([...parts, ...str(Buffer.from(contents)), ...str(Buffer.from(')'))]);
  return { hash: `sha256:${sha256hex(nar)}`, size: nar.length };
}

// ---------------------------------------------------------------- the corpus

/** Every JSON graph of the corpus, unioned (the graphs share stdenv and agree where they overlap). */
export function loadCorpusUnion(corpus = CORPUS) {
  const union = new Map();
  const files = [];
  for (const set of ['nixpkgs-2024', 'aux-foundation']) {
    const dir = path.join(corpus, set);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json.gz')).sort()) {
      const g = JSON.parse(gunzipSync(readFileSync(path.join(dir, f))).toString('utf8'));
      files.push(path.join(set, f));
      for (const [k, v] of Object.entries(g)) {
        const prev = union.get(k);
        if (prev && JSON.stringify(prev) !== JSON.stringify(v)) throw new Error(`corpus: ${k} differs between graphs`);
        union.set(k, v);
      }
    }
  }
  return { union, files };
}

/** Dependencies before dependents; ties in sorted path order, so the order is reproducible. */
export function topoOrder(graph) {
  const order = [];
  const state = new Map(); // 1 on stack, 2 done
  for (const start of [...graph.keys()].sort(byCodeUnit)) {
    if (state.has(start)) continue;
    const stack = [[start, Object.keys(graph.get(start).inputDrvs).sort(byCodeUnit), 0]];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top[2] < top[1].length) {
        const dep = top[1][top[2]++];
        if (!graph.has(dep)) throw new Error(`corpus: ${top[0]} needs ${dep}, which no graph holds`);
        const st = state.get(dep);
        if (st === 1) throw new Error(`corpus: cycle through ${dep}`);
        if (st === undefined) {
          state.set(dep, 1);
          stack.push([dep, Object.keys(graph.get(dep).inputDrvs).sort(byCodeUnit), 0]);
        }
      } else {
        state.set(top[0], 2);
        order.push(top[0]);
        stack.pop();
      }
    }
  }
  return order;
}

// ---------------------------------------------------------------- measuring

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const GNU_TIME = '/usr/bin/time';
export const haveGnuTime = () => existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M', 'true']).status === 0;

/**
 * Run a command to completion; wall time measured here (monotonic clock around the child),
 * CPU time (user + system, children it waited for included) and peak RSS of the child from
 * GNU time's %U %S %M (getrusage); its output as text with `stdout: 'pipe'`. Without GNU time, a node
 * child reports its own process.resourceUsage().maxRSS through a --require'd preload; other
 * commands then have no RSS figure.
 */
export function measure(cmd, args, { stdout = 'ignore', env, tmp, okCodes = [0] } = {}) {
  const rssFile = path.join(tmp, `rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  let argv = [cmd, ...args];
  let childEnv = { ...process.env, ...env };
  const gnu = haveGnuTimeCached();
  // %U %S: the child's CPU time (user, system), which machine load inflates far less than wall time
  if (gnu) argv = [GNU_TIME, '-f', '%U %S %M', '-o', rssFile, ...argv];
  else if (path.basename(cmd) === 'node') {
    const preload = path.join(tmp, 'cputime-preload.cjs');
    if (!existsSync(preload))
      writeFileSync(
        preload,
        "process.on('exit',()=>{const u=process.resourceUsage();require('fs').writeFileSync(process.env.SEEDAUDIT_BENCH_RSS,`${u.userCPUTime/1e6} ${u.systemCPUTime/1e6} ${u.maxRSS}`)})\n",
      );
    argv = [cmd, '--require', preload, ...args];
    childEnv.SEEDAUDIT_BENCH_RSS = rssFile;
  }
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), {
    stdio: ['ignore', stdout, 'pipe'],
    env: childEnv,
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = performance.now() - t0;
  if (r.error) throw r.error;
  if (!okCodes.includes(r.status)) {
    throw new Error(`${[cmd, ...args].join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 2000)}`);
  }
  let rssKB = NaN;
  let cpuMs = NaN;
  if (existsSync(rssFile)) {
    const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
    const [user, sys, rss] = lines[lines.length - 1].trim().split(/\s+/).map(Number);
    rssKB = rss;
    cpuMs = (user + sys) * 1000;
    rmSync(rssFile, { force: true });
  }
  return { wallMs, rssMB: rssKB / 1024, cpuMs, status: r.status, stdout: stdout === 'pipe' ? String(r.stdout) : undefined };
}
let gnuTime;
const haveGnuTimeCached = () => (gnuTime ??= haveGnuTime());

/** `--name VALUE` and `--name` flags of a bench script's command line. */
export const cliOptions = (argv = process.argv.slice(2)) => ({
  opt: (name, dflt) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
  },
  flag: (name) => argv.includes(`--${name}`),
});

/**
 * Where a bench writes its files: `given` (created), else a fresh directory on tmpfs
 * (/dev/shm) when it has `tmpfsBytes` free — creating 100k files on disk takes minutes —
 * else under the system temporary directory.
 */
export function benchWorkDir(given, prefix, tmpfsBytes) {
  if (given) {
    mkdirSync(given, { recursive: true });
    return given;
  }
  let base = os.tmpdir();
  try {
    const st = statfsSync('/dev/shm');
    if (tmpfsBytes > 0 && st.bavail * st.bsize > tmpfsBytes) base = '/dev/shm';
  } catch {
    // no tmpfs: the disk it is
  }
  return mkdtempSync(path.join(base, prefix));
}
