// Synthetic derivation graphs of a chosen size, made of real ones.
//
//   node bench/synth.mjs --out DIR [--sizes 10000,50000,100000] [--tops] [--jobs K]
//
// --tops also writes each graph without its root (graph-<N>-tops.json.gz: the top derivations
// are then the dump's top-level roots); --jobs K writes jobs-<N>.jsonl, nix-eval-jobs lines for
// K roots chosen among the graph's derivations (the top ones first), and tops-<N>.txt.
//
// The corpus graphs (shared/corpus: nixpkgs-2024 and aux-foundation, 1406 derivations together)
// are unioned and copied K times. Copy 0 is the corpus itself. In copy c every input source
// gets a new store hash (nix32 of sha256("<c>:<old hash>"), 32 characters), and everything
// above it is then recomputed the way Nix computes it: output paths from hashDerivationModulo,
// the .drv path from the ATerm text and its references, every store path in args, builder and
// env renamed consistently. Fixed outputs keep their paths (a path is a function of the hash
// and the name, and the same download is shared by every copy); a derivation whose whole
// closure is such downloads comes out identical in every copy and is stored once. So shape,
// fan-in, env sizes and string contents stay real, and Nix accepts every file as valid.
// The last copy is cut after a prefix of a dependencies-first order (a prefix is closed under
// dependencies), and one root, `builtin:buildenv`-built, depends on every derivation nothing
// else uses, so a graph of N has exactly N derivations and one root.
//
// Written to DIR (never into the repository):
//   store/nix/store/*.drv          every derivation as Nix writes it (ATerm), for --store-root
//   graph-<N>.json.gz              `nix show-derivation -r <root>` as Nix 2.8 prints it, gzipped
//   graph-<N>-tops.json.gz, jobs-<N>.jsonl, tops-<N>.txt   with --tops / --jobs
//   nix-db.txt                     `nix-store --load-db` input registering store/ as valid
//   manifest.json                  roots, counts, timings
import { execFileSync } from 'node:child_process';
import { closeSync, createWriteStream, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import {
  CORPUS,
  STORE_DIR,
  drvPathOf,
  hashModulo,
  hashPart,
  loadCorpusUnion,
  makeStorePath,
  narOfFile,
  nix32,
  outputPathName,
  pathName,
  sha256,
  topoOrder,
  unparse,
} from './lib.mjs';

const STORE_PATH_RE = /\/nix\/store\/([0-9abcdfghijklmnpqrsvwxyz]{32})-/g;
const byCodeUnit = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const sortedObject = (o, map = (v) => v) => {
  const out = {};
  for (const k of Object.keys(o).sort(byCodeUnit)) out[k] = map(o[k]);
  return out;
};

/** The 2.4-2.17 JSON object, keys in the order Nix 2.8 prints them. */
function toJson(d) {
  const outputs = {};
  for (const o of Object.keys(d.outputs).sort(byCodeUnit)) {
    const x = d.outputs[o];
    outputs[o] = x.hash ? { path: x.path, hashAlgo: x.hashAlgo, hash: x.hash } : { path: x.path };
  }
  return {
    outputs,
    inputSrcs: [...d.inputSrcs].sort(byCodeUnit),
    inputDrvs: sortedObject(d.inputDrvs, (outs) => [...outs].sort(byCodeUnit)),
    system: d.system,
    builder: d.builder,
    args: d.args,
    env: sortedObject(d.env),
  };
}

/** The corpus's own .drv files, to check that `unparse` writes byte for byte what Nix wrote. */
function checkAgainstRealDrvs(union, corpus, tmp) {
  const dir = path.join(tmp, 'real');
  mkdirSync(dir, { recursive: true });
  for (const set of ['nixpkgs-2024', 'aux-foundation'])
    execFileSync('tar', ['-xzf', path.join(corpus, set, 'drvs.tar.gz'), '-C', dir]);
  let checked = 0;
  for (const [p, d] of union) {
    const real = readFileSync(path.join(dir, p), 'utf8');
    if (real !== unparse(d)) throw new Error(`synth: unparse(${p}) differs from the real .drv file`);
    checked++;
  }
  rmSync(dir, { recursive: true, force: true });
  return checked;
}

/** `{"<path>":<json>,...}` gzipped, streamed in 1 MB pieces; returns the uncompressed size. */
async function writeDump(file, entries) {
  let bytes = 0;
  async function* chunks() {
    let buf = '{';
    for (let i = 0; i < entries.length; i++) {
      buf += `${i ? ',' : ''}${JSON.stringify(entries[i][0])}:${entries[i][1]}`;
      if (buf.length > 1 << 20) {
        bytes += Buffer.byteLength(buf);
        yield buf;
        buf = '';
      }
    }
    buf += '}';
    bytes += Buffer.byteLength(buf);
    yield buf;
  }
  await pipeline(Readable.from(chunks()), createGzip(), createWriteStream(file));
  return bytes;
}

export async function synthesize({ out, sizes, corpus = CORPUS, log = () => {}, tops = false, jobs = 0 }) {
  const t0 = performance.now();
  sizes = [...sizes].sort((a, b) => a - b);
  const { union, files } = loadCorpusUnion(corpus);
  const order = topoOrder(union);
  const realChecked = checkAgainstRealDrvs(union, corpus, out);
  log(`corpus: ${files.length} graphs, ${union.size} distinct derivations; unparse matches all ${realChecked} real .drv files`);

  const fixedOutHashes = new Set();
  for (const d of union.values())
    for (const o of Object.values(d.outputs)) if (o.hash) fixedOutHashes.add(hashPart(o.path));

  const storeRoot = path.join(out, 'store');
  const storeDir = path.join(storeRoot, STORE_DIR);
  mkdirSync(storeDir, { recursive: true });

  const target = sizes[sizes.length - 1] - 1; // derivations before the root of the largest graph
  /** per emitted derivation: path, JSON text, index of the first derivation that uses it */
  const paths = [];
  const jsonText = [];
  const firstUser = [];
  const outputNames = [];
  const index = new Map(); // drv path -> emitted index
  const modulo = new Map(); // drv path -> hashDerivationModulo
  const dbEntries = [];
  const inputSrcs = new Set();
  const copies = [];
  let unmappedRefs = 0;

  const emit = (drvPath, d, text) => {
    const i = paths.length;
    writeFileSync(path.join(storeRoot, drvPath), text);
    paths.push(drvPath);
    jsonText.push(JSON.stringify(toJson(d)));
    outputNames.push(Object.keys(d.outputs).sort(byCodeUnit));
    firstUser.push(Infinity);
    index.set(drvPath, i);
    for (const p of Object.keys(d.inputDrvs)) {
      const j = index.get(p);
      if (firstUser[j] === Infinity) firstUser[j] = i;
    }
    const refs = [...Object.keys(d.inputDrvs), ...d.inputSrcs].sort(byCodeUnit);
    for (const s of d.inputSrcs) inputSrcs.add(s);
    const nar = narOfFile(text);
    dbEntries.push(`${drvPath}\n${nar.hash}\n${nar.size}\n\n${refs.length}\n${refs.map((r) => `${r}\n`).join('')}`);
  };

  for (let c = 0; paths.length < target; c++) {
    const hashMap = new Map(); // old store hash -> new, in this copy
    const drvMap = new Map(); // old .drv path -> new
    const newHash = (h) =>
      c === 0 ? h : nix32(sha256(`${c}:${h}`).subarray(0, 20));
    const rename = (s) =>
      s.includes('/nix/store/')
        ? s.replace(STORE_PATH_RE, (_m, h) => {
            let n = hashMap.get(h);
            if (n === undefined) {
              if (fixedOutHashes.has(h)) n = h;
              else {
                // a store path that is neither an input nor built by one (none in the corpus)
                unmappedRefs++;
                n = newHash(h);
              }
            }
            return `/nix/store/${n}-`;
          })
        : s;
    let added = 0;
    let shared = 0;
    for (const oldPath of order) {
      if (paths.length >= target) break;
      const src = union.get(oldPath);
      const name = pathName(oldPath).slice(0, -4);
      const fixed = Object.values(src.outputs).some((o) => o.hash);
      for (const s of src.inputSrcs) hashMap.set(hashPart(s), newHash(hashPart(s)));
      const d = {
        outputs: {},
        inputSrcs: src.inputSrcs.map(rename),
        inputDrvs: {},
        system: src.system,
        builder: rename(src.builder),
        args: src.args.map(rename),
        env: {},
      };
      for (const [p, outs] of Object.entries(src.inputDrvs)) d.inputDrvs[drvMap.get(p)] = outs;
      for (const [k, v] of Object.entries(src.env)) d.env[k] = !fixed && k in src.outputs ? '' : rename(v);
      if (fixed) {
        for (const [o, x] of Object.entries(src.outputs)) d.outputs[o] = { ...x };
      } else {
        for (const o of Object.keys(src.outputs)) d.outputs[o] = { path: '' };
      }
      const moduloOf = (p) => modulo.get(p);
      if (!fixed) {
        const masked = hashModulo(d, moduloOf, true);
        for (const o of Object.keys(src.outputs)) {
          const p = makeStorePath(`output:${o}`, masked, outputPathName(name, o));
          d.outputs[o].path = p;
          if (o in d.env) d.env[o] = p;
          hashMap.set(hashPart(src.outputs[o].path), hashPart(p));
        }
      }
      const text = unparse(d);
      const drvPath = drvPathOf(name, text, d);
      if (c === 0) {
        // the recomputation must reproduce the real graph exactly, or it is not Nix's arithmetic
        if (drvPath !== oldPath) throw new Error(`synth: recomputed ${oldPath} as ${drvPath}`);
        for (const o of Object.keys(src.outputs))
          if (d.outputs[o].path !== src.outputs[o].path)
            throw new Error(`synth: recomputed output ${o} of ${oldPath} as ${d.outputs[o].path}`);
      }
      hashMap.set(hashPart(oldPath), hashPart(drvPath));
      drvMap.set(oldPath, drvPath);
      if (index.has(drvPath)) {
        shared++;
        continue;
      }
      modulo.set(drvPath, hashModulo(d, moduloOf, false));
      emit(drvPath, d, text);
      added++;
    }
    copies.push({ copy: c, added, shared });
  }
  log(
    `generated ${paths.length} derivations in ${copies.length} copies ` +
      `(a full copy adds ${copies[1]?.added ?? copies[0].added}; ${copies[1]?.shared ?? 0} fetcher-only derivations are shared)`,
  );

  const placeholder = narOfFile('placeholder: inputSrcs are not read by show-derivation or seedaudit\n');
  const graphs = [];
  for (const n of sizes) {
    const prefix = n - 1;
    const rootInputs = {};
    for (let i = 0; i < prefix; i++) if (!(firstUser[i] < prefix)) rootInputs[paths[i]] = outputNames[i];
    const name = `bench-root-${n}`;
    const d = {
      outputs: { out: { path: '' } },
      inputSrcs: [],
      inputDrvs: rootInputs,
      system: 'x86_64-linux',
      builder: 'builtin:buildenv',
      args: [],
      env: { builder: 'builtin:buildenv', name, out: '', system: 'x86_64-linux' },
    };
    const m = hashModulo(d, (p) => modulo.get(p), true);
    d.outputs.out.path = d.env.out = makeStorePath('output:out', m, name);
    const text = unparse(d);
    const root = drvPathOf(name, text, d);
    writeFileSync(path.join(storeRoot, root), text);
    const nar = narOfFile(text);
    const refs = Object.keys(rootInputs).sort(byCodeUnit);
    dbEntries.push(`${root}\n${nar.hash}\n${nar.size}\n\n${refs.length}\n${refs.map((r) => `${r}\n`).join('')}`);

    const entries = [[root, JSON.stringify(toJson(d))]];
    for (let i = 0; i < prefix; i++) entries.push([paths[i], jsonText[i]]);
    entries.sort((a, b) => byCodeUnit(a[0], b[0]));
    const file = path.join(out, `graph-${n}.json.gz`);
    const bytes = await writeDump(file, entries);
    const extra = {};
    if (tops) {
      // the same graph without the root: its top derivations are the dump's top-level roots
      extra.topsJsonGz = path.join(out, `graph-${n}-tops.json.gz`);
      await writeDump(extra.topsJsonGz, entries.filter((e) => e[0] !== root));
    }
    if (jobs) {
      // nix-eval-jobs lines for `jobs` roots: the top derivations, then derivations evenly spaced
      // through a dependencies-first order (a package set's attributes are at every depth)
      const chosen = [...refs];
      const taken = new Set(chosen);
      const want = Math.min(jobs, prefix);
      for (let k = 0; chosen.length < want && k < prefix; k++) {
        const i = Math.floor((k * prefix) / Math.max(1, want - refs.length));
        const at = paths[Math.min(i, prefix - 1)];
        if (!taken.has(at)) (taken.add(at), chosen.push(at));
      }
      for (let i = 0; chosen.length < want && i < prefix; i++) if (!taken.has(paths[i])) (taken.add(paths[i]), chosen.push(paths[i]));
      extra.jobs = path.join(out, `jobs-${n}.jsonl`);
      extra.jobCount = chosen.length;
      writeFileSync(
        extra.jobs,
        chosen
          .map((p, k) => {
            const name = pathName(p).slice(0, -4);
            return JSON.stringify({ attr: `pkg${k}`, attrPath: [`pkg${k}`], drvPath: p, name, system: 'x86_64-linux', outputs: {} });
          })
          .join('\n') + '\n',
      );
      extra.tops = path.join(out, `tops-${n}.txt`);
      writeFileSync(extra.tops, refs.join('\n') + '\n');
    }
    graphs.push({ derivations: n, root, rootInputs: refs.length, jsonGz: file, jsonBytes: bytes, ...extra });

    log(`graph of ${n}: root ${root} over ${refs.length} top derivations, JSON ${(bytes / 1e6).toFixed(0)} MB`);
  }

  for (const s of inputSrcs) dbEntries.push(`${s}\n${placeholder.hash}\n${placeholder.size}\n\n0\n`);
  const nixDb = path.join(out, 'nix-db.txt');
  // in pieces: at 1M derivations the whole text is over V8's longest string (2^29 - 24)
  const fd = openSync(nixDb, 'w');
  try {
    for (let i = 0; i < dbEntries.length; i += 10_000) writeSync(fd, dbEntries.slice(i, i + 10_000).join(''));
  } finally {
    closeSync(fd);
  }

  const manifest = {
    corpus: { graphs: files, derivations: union.size, realDrvFilesChecked: realChecked },
    copies: copies.length,
    perCopy: copies[1] ?? copies[0],
    unmappedRefs,
    storeRoot,
    nixDb,
    inputSrcs: inputSrcs.size,
    graphs,
    seconds: (performance.now() - t0) / 1000,
  };
  writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

const invoked = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (invoked) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : dflt;
  };
  const out = arg('out') ?? mkdtempSync(path.join(tmpdir(), 'seedaudit-synth-'));
  const sizes = arg('sizes', '10000,50000,100000').split(',').map(Number);
  mkdirSync(out, { recursive: true });
  const m = await synthesize({
    out,
    sizes,
    tops: process.argv.includes('--tops'),
    jobs: Number(arg('jobs', '0')),
    log: (s) => console.error(`synth: ${s}`),
  });
  console.error(`synth: done in ${m.seconds.toFixed(1)} s, manifest ${path.join(out, 'manifest.json')}`);
}
