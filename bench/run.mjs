// Scale benchmark: wall time and peak RSS of a full `seedaudit scan` of derivation graphs of
// 10k, 50k and 100k derivations (bench/synth.mjs), in JSON mode (--from-json, gzipped dump) and
// in ATerm mode (--store-root, the .drv files), next to two baselines measured in the same
// run: Node decompressing and JSON.parse-ing the same dump (the parse floor), and
// `nix show-derivation -r` on the same root in a Nix store where the synthetic .drv files are
// registered as valid. The real nixpkgs-2024/nix.json.gz is measured the same way.
//
//   npm run bench                          (builds, then runs this)
//   node bench/run.mjs [--sizes 10000,50000,100000] [--runs 3] [--work DIR] [--keep]
//                      [--cli dist/cli.js] [--baseline-cli OTHER/dist/cli.js] [--no-nix]
//                      [--results FILE.json] [--graphs DIR] [--no-real] [--no-default]
//
// --graphs DIR uses graphs bench/synth.mjs wrote earlier (DIR/manifest.json; --sizes then
// picks among them) instead of generating them, and leaves DIR in place: a 1M graph takes
// many minutes to write. --no-real leaves out the corpus graph, --no-default the runs with
// default flags. Each command's CPU time (user + system, GNU time) is recorded next to its
// wall time; on a shared machine CPU time is the steadier measure. A dump that decompresses
// to more than V8's longest string (2^29 - 24 characters) has no parse floor: the floor is one
// JSON.parse of the whole text, which cannot be made.
//
// Every command runs as its own process (node startup and module loading count, as they do in
// CI), rounds are interleaved (parse, JSON scan, ATerm scan, nix; then again) so machine noise
// hits every column alike, and the median of --runs rounds is reported. Peak RSS is the
// child's ru_maxrss from GNU time (`apt-get install time`), else node's own
// process.resourceUsage().maxRSS. Generated files go to a temporary directory (tmpfs
// /dev/shm when it has room: creating 100k files on this machine's disk takes minutes), which
// is removed at the end unless --keep.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CORPUS, REPO, benchWorkDir, cliOptions, haveGnuTime, measure, median } from './lib.mjs';

const { opt, flag } = cliOptions();
const sizes = opt('sizes', '10000,50000,100000').split(',').map(Number).sort((a, b) => a - b);
const givenGraphs = opt('graphs') ? path.resolve(opt('graphs')) : null;
/** V8's longest string: the parse floor cannot read a dump longer than this */
const MAX_STRING = 2 ** 29 - 24;
const runs = Number(opt('runs', '3'));
const cli = path.resolve(opt('cli', path.join(REPO, 'dist', 'cli.js')));
const baseCli = opt('baseline-cli') ? path.resolve(opt('baseline-cli')) : null;
const log = (s) => console.error(`bench: ${s}`);
const NIX_FEATURES = ['--extra-experimental-features', 'nix-command'];
/** The largest real graph, and the root its dump starts from. */
const REAL = { file: path.join(CORPUS, 'nixpkgs-2024', 'nix.json.gz'), root: '/nix/store/v8h7pkzhpscvbq807754cvfjamw3i49a-nix-2.18.2.drv' };

if (!existsSync(cli)) {
  console.error(`bench: ${cli} not found: build first (npm run build), or run 'npm run bench'`);
  process.exit(2);
}

// 100k derivations: ~450 MB of .drv files, ~100 MB of dumps, ~100 MB of Nix database on tmpfs
const workDir = () => benchWorkDir(opt('work'), 'seedaudit-bench-', sizes[sizes.length - 1] <= 200_000 ? 3e9 : 0);

function machine() {
  const nixVersion = spawnSync('nix', ['--version'], { encoding: 'utf8' });
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpu: `${cpus[0]?.model ?? 'unknown'} x ${cpus.length}`,
    memoryGB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    nix: nixVersion.status === 0 ? nixVersion.stdout.trim() : null,
    rss: haveGnuTime() ? 'GNU time %M (ru_maxrss)' : 'process.resourceUsage().maxRSS (nix: none)',
  };
}

const PARSE_FLOOR =
  "JSON.parse(require('zlib').gunzipSync(require('fs').readFileSync(process.argv[1])).toString('utf8'))";

/**
 * The commands of one graph. `json` and `aterm` are the scan with --no-inspect: graph reading,
 * classification, placement and the JSON report, the same work in both modes. `jsonDefault`
 * and `atermDefault` are the default command line, which adds the inspect stage (it looks in
 * the store for every input path; the synthetic paths do not exist, so it finds nothing but
 * still pays for looking). With --baseline-cli, `jsonBase`/`atermBase` run another build.
 */
function commands(g, work, nixStore, baseCli) {
  const floor = !(g.jsonBytes > MAX_STRING);
  const out = (tag) => path.join(work, `report-${g.label}-${tag}.json`);
  const scanJson = (bin, o, extra) => ['node', [bin, 'scan', '--from-json', g.jsonGz, ...extra, '--format', 'json', '-q', '--output', o]];
  const scanAterm = (bin, o, extra) => ['node', [bin, 'scan', '--store-root', g.storeRoot, g.root, ...extra, '--format', 'json', '-q', '--output', o]];
  const c = {
    ...(floor ? { parse: () => ['node', ['-e', PARSE_FLOOR, g.jsonGz]] } : {}),
    json: (o = out('json')) => scanJson(cli, o, ['--no-inspect']),
    aterm: (o = out('aterm')) => scanAterm(cli, o, ['--no-inspect']),
  };
  if (nixStore) c.nix = () => ['nix', [...NIX_FEATURES, '--store', nixStore, 'show-derivation', '-r', g.root]];
  if (!flag('no-default')) {
    c.jsonDefault = () => scanJson(cli, out('json-default'), []);
    c.atermDefault = () => scanAterm(cli, out('aterm-default'), []);
  }
  if (baseCli) {
    c.jsonBase = () => scanJson(baseCli, out('json-base'), ['--no-inspect']);
    c.atermBase = () => scanAterm(baseCli, out('aterm-base'), ['--no-inspect']);
  }
  return c;
}

/**
 * Both modes must give the same report. Returns what differs: `core` (summary, roots, trust
 * base, gate, and every input's id, kind, class, path, hash, roots and chain) and, apart,
 * other per-input fields (URL order, evidence wording) with the number of inputs concerned.
 */
function compareReports(a, b) {
  const core = [];
  const other = [];
  for (const k of ['summary', 'roots', 'trustBase', 'gate'])
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) core.push(`${k} differs`);
  if (a.inputs.length !== b.inputs.length) core.push(`${a.inputs.length} vs ${b.inputs.length} inputs`);
  else {
    const CORE = new Set(['id', 'kind', 'class', 'path', 'hash', 'hashMode', 'roots', 'via', 'gate', 'binary', 'allowlisted']);
    const fieldDiffs = new Map();
    for (let i = 0; i < a.inputs.length; i++) {
      const x = a.inputs[i];
      const y = b.inputs[i];
      for (const f of new Set([...Object.keys(x), ...Object.keys(y)]))
        if (JSON.stringify(x[f]) !== JSON.stringify(y[f])) fieldDiffs.set(f, (fieldDiffs.get(f) ?? 0) + 1);
    }
    for (const [f, n] of fieldDiffs) (CORE.has(f) ? core : other).push(`'${f}' differs on ${n} inputs`);
  }
  return { core, other };
}

/** Nix's own output for the root must be the dump the benchmark scans (checked once, small graph). */
function compareWithNix(g, nixStore) {
  const r = spawnSync('nix', [...NIX_FEATURES, '--store', nixStore, 'show-derivation', '-r', g.root], {
    maxBuffer: 2 ** 30,
    encoding: 'utf8',
  });
  if (r.status !== 0) return [`nix show-derivation failed: ${r.stderr.slice(0, 300)}`];
  const fromNix = JSON.parse(r.stdout);
  const ours = JSON.parse(gunzipSync(readFileSync(g.jsonGz)).toString('utf8'));
  const a = Object.keys(fromNix);
  const b = Object.keys(ours);
  if (a.join('\n') !== b.join('\n')) return [`nix lists ${a.length} derivations, the dump ${b.length}`];
  const differ = b.filter((k) => JSON.stringify(fromNix[k]) !== JSON.stringify(ours[k]));
  return differ.length ? [`${differ.length} derivations differ from nix's JSON, e.g. ${differ[0]}`] : [];
}

function registerInNixStore(manifest) {
  if (flag('no-nix')) return { store: null, why: '--no-nix given' };
  const marker = givenGraphs ? path.join(givenGraphs, '.nix-registered') : null;
  if (marker && existsSync(marker)) return { store: manifest.storeRoot, seconds: 0, earlier: true };
  const v = spawnSync('nix', ['--version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return { store: null, why: 'nix is not on PATH' };
  // `nix-store --register-validity` cannot be used: it canonicalises (lstat/chown) each path
  // at its store path, /nix/store/..., not under the chroot store's root, so it fails on the
  // first path. `--load-db` (the `--dump-db` format: path, narHash, narSize, deriver,
  // references) registers without touching the files; Nix still reads every .drv and checks
  // its output paths (checkDerivationOutputs), which the synthetic graphs pass.
  const t0 = performance.now();
  const r = spawnSync('nix-store', ['--store', manifest.storeRoot, '--load-db'], {
    input: readFileSync(manifest.nixDb),
    encoding: 'utf8',
    maxBuffer: 2 ** 26,
  });
  if (r.status !== 0) return { store: null, why: `nix-store --load-db failed: ${r.stderr.trim().slice(0, 500)}` };
  if (marker) writeFileSync(marker, '');
  return { store: manifest.storeRoot, seconds: (performance.now() - t0) / 1000 };
}

function checkText(g) {
  const m = g.modesAgree;
  let s = m.core.length
    ? `JSON and ATerm mode reports DIFFER: ${m.core.join('; ')}`
    : 'JSON and ATerm mode reports agree (summary, trust base, gate; every input\'s id, class, path, hash, roots, chain)';
  if (m.other.length) s += `; other fields: ${m.other.join(', ')}`;
  if (g.nixAgrees) s += `; nix show-derivation -r prints ${g.nixAgrees.length ? `something else: ${g.nixAgrees.join('; ')}` : 'exactly the dump scanned'}`;
  return s;
}

const fmtMs = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const fmtMB = (mb) => (Number.isFinite(mb) ? `${mb.toFixed(0)} MB` : 'n/a');
const fmtX = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');

async function main() {
  const t0 = performance.now();
  const work = workDir();
  const results = { machine: machine(), loadavgStart: os.loadavg(), runs, cli: path.relative(REPO, cli), baseCli, work, graphs: [] };
  log(`work dir ${work}; ${runs} rounds; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  try {
    if (givenGraphs) log(`graphs from ${givenGraphs}`);
    else {
      log('synthesising graphs (bench/synth.mjs)…');
      execFileSync(
        process.execPath,
        // a 1M graph holds its dump's text while writing it: several GB
        [`--max-old-space-size=${sizes[sizes.length - 1] > 200_000 ? 16384 : 8192}`, path.join(REPO, 'bench', 'synth.mjs'), '--out', work, '--sizes', sizes.join(',')],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
    }
    const manifest = JSON.parse(readFileSync(path.join(givenGraphs ?? work, 'manifest.json'), 'utf8'));
    manifest.graphs = manifest.graphs.filter((g) => sizes.includes(g.derivations));
    results.synth = {
      seconds: manifest.seconds,
      copies: manifest.copies,
      perCopy: manifest.perCopy,
      corpusDerivations: manifest.corpus.derivations,
    };

    log('registering the .drv files in a Nix store (nix-store --load-db)…');
    const nix = registerInNixStore(manifest);
    results.nix = nix;
    log(nix.store ? `registered in ${nix.seconds.toFixed(1)} s` : `nix comparison skipped: ${nix.why}`);

    // The real graph: its .drv files are copy 0 of the synthetic store, byte for byte (synth checks).
    const graphs = [
      ...(flag('no-real') ? [] : [{ label: 'nix.json.gz', derivations: 694, real: true, jsonGz: REAL.file, root: REAL.root, storeRoot: manifest.storeRoot }]),
      ...manifest.graphs.map((g) => ({ label: `${g.derivations / 1000}k`, ...g, storeRoot: manifest.storeRoot })),
    ];

    // Check run (also the warm-up): both modes agree; nix prints exactly the dump we scan.
    for (const g of graphs) {
      const c = commands(g, work, nix.store, baseCli);
      const [jc, ja] = c.json();
      measure(jc, ja, { tmp: work, okCodes: [0, 1] });
      const [ac, aa] = c.aterm();
      measure(ac, aa, { tmp: work, okCodes: [0, 1] });
      const rj = JSON.parse(readFileSync(path.join(work, `report-${g.label}-json.json`), 'utf8'));
      const ra = JSON.parse(readFileSync(path.join(work, `report-${g.label}-aterm.json`), 'utf8'));
      g.summary = rj.summary;
      g.modesAgree = compareReports(rj, ra);
      if (nix.store && (g.real || (g === graphs.find((x) => !x.real) && g.derivations <= 100_000))) g.nixAgrees = compareWithNix(g, nix.store);
      log(`${g.label}: ${rj.summary.derivations} derivations, ${rj.summary.inputs} inputs; ${checkText(g)}`);
    }

    for (const g of graphs) {
      const c = commands(g, work, nix.store, baseCli);
      const samples = {};
      for (let r = 0; r < runs; r++) {
        for (const [name, make] of Object.entries(c)) {
          const [cmd, args] = make();
          (samples[name] ??= []).push(measure(cmd, args, { tmp: work, okCodes: [0, 1] }));
        }
      }
      const m = {};
      for (const [name, xs] of Object.entries(samples))
        m[name] = {
          wallMs: median(xs.map((x) => x.wallMs)),
          cpuMs: median(xs.map((x) => x.cpuMs)),
          rssMB: median(xs.map((x) => x.rssMB)),
          all: xs.map((x) => +x.wallMs.toFixed(0)),
          allCpu: xs.map((x) => +x.cpuMs.toFixed(0)),
        };
      g.m = m;
      // A ratio is taken within each round (the two commands ran seconds apart) and the
      // median of those is reported: slow drifts in machine load cancel out.
      const ratio = (a, b) => (samples[a] && samples[b] ? median(samples[a].map((x, r) => x.wallMs / samples[b][r].wallMs)) : NaN);
      g.jsonVsParse = ratio('json', 'parse');
      g.atermVsNix = ratio('aterm', 'nix');
      g.atermVsParse = ratio('aterm', 'parse');
      g.speedup = { json: ratio('jsonBase', 'json'), aterm: ratio('atermBase', 'aterm') };
      const cpuRatio = (a, b) => (samples[a] && samples[b] ? median(samples[a].map((x, r) => x.cpuMs / samples[b][r].cpuMs)) : NaN);
      g.cpu = {
        jsonVsParse: cpuRatio('json', 'parse'),
        atermVsNix: cpuRatio('aterm', 'nix'),
        speedupJson: cpuRatio('jsonBase', 'json'),
        speedupAterm: cpuRatio('atermBase', 'aterm'),
      };
      log(
        `${g.label}: parse ${m.parse ? fmtMs(m.parse.wallMs) : 'n/a'}, JSON scan ${fmtMs(m.json.wallMs)} (${fmtX(g.jsonVsParse)}), ` +
          `ATerm scan ${fmtMs(m.aterm.wallMs)}` +
          (m.nix ? `, nix ${fmtMs(m.nix.wallMs)} (ATerm/nix ${fmtX(g.atermVsNix)})` : ''),
      );
      const { jsonGz, storeRoot, ...keep } = g;
      results.graphs.push({ ...keep, jsonGzBytes: existsSync(jsonGz) ? readFileSync(jsonGz).length : null });
    }
  } finally {
    results.loadavgEnd = os.loadavg();
    results.seconds = (performance.now() - t0) / 1000;
    // a chroot store registered from --graphs keeps its database there: only the work dir goes
    if (!flag('keep')) rmSync(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
  const file = opt('results');
  if (file) writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(report(results));
}

function report(res) {
  const L = [];
  const mc = res.machine;
  L.push(`Date ${mc.date}; ${mc.cpu}, ${mc.memoryGB} GB; ${mc.os}; node ${mc.node}; ${mc.nix ?? 'no nix'}; peak RSS from ${mc.rss}.`);
  L.push(
    `Load average at start ${res.loadavgStart.map((x) => x.toFixed(1)).join(' ')}, at end ${res.loadavgEnd.map((x) => x.toFixed(1)).join(' ')}; ` +
      `times and RSS are medians of ${res.runs} interleaved rounds, ratios the median of the per-round ratios; whole run ${res.seconds.toFixed(0)} s.`,
  );
  if (res.synth)
    L.push(
      `Synthetic graphs: ${res.synth.copies} copies of the ${res.synth.corpusDerivations}-derivation corpus union ` +
        `(${res.synth.perCopy.added} new derivations per copy, ${res.synth.perCopy.shared} shared), generated in ${res.synth.seconds.toFixed(0)} s.`,
    );
  if (res.nix) L.push(res.nix.store ? `Nix store registration (nix-store --load-db): ${res.nix.seconds.toFixed(0)} s.` : `No nix comparison: ${res.nix.why}.`);
  L.push('');
  L.push(
    '| graph | derivations | dump (gz) | parse floor | JSON scan | JSON / parse (wall; CPU) | ATerm scan | nix show-derivation -r | ATerm / nix (wall; CPU) | JSON scan CPU per 1k drv | ATerm scan CPU per 1k drv |',
  );
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const g of res.graphs) {
    const m = g.m;
    // wall, CPU (user + system), peak RSS
    const cell = (x) => (x ? `${fmtMs(x.wallMs)} (CPU ${fmtMs(x.cpuMs)}), ${fmtMB(x.rssMB)}` : 'n/a');
    const c = g.cpu ?? {};
    L.push(
      `| ${g.label} | ${g.summary.derivations} | ${(g.jsonGzBytes / 1e6).toFixed(1)} MB | ${cell(m.parse)} | ${cell(m.json)} | ${fmtX(g.jsonVsParse)}; **${fmtX(c.jsonVsParse)}** | ` +
        `${cell(m.aterm)} | ${cell(m.nix)} | ${fmtX(g.atermVsNix)}; **${fmtX(c.atermVsNix)}** | ${fmtMs((m.json.cpuMs / g.summary.derivations) * 1000)} | ${fmtMs((m.aterm.cpuMs / g.summary.derivations) * 1000)} |`,
    );
  }
  L.push('');
  const base = res.graphs[0]?.m.jsonBase;
  L.push(
    `| graph | JSON scan, default flags (inspect stage on) | ATerm scan, default flags |${base ? ' JSON scan, baseline build | ATerm scan, baseline build | JSON speed-up (wall; CPU) | ATerm speed-up (wall; CPU) |' : ''}`,
  );
  L.push(`|---|---:|---:|${base ? '---:|---:|---:|---:|' : ''}`);
  for (const g of res.graphs) {
    const m = g.m;
    const cell = (x) => (x ? `${fmtMs(x.wallMs)} (CPU ${fmtMs(x.cpuMs)}), ${fmtMB(x.rssMB)}` : 'n/a');
    L.push(
      `| ${g.label} | ${cell(m.jsonDefault)} | ${cell(m.atermDefault)} |` +
        (base
          ? ` ${cell(m.jsonBase)} | ${cell(m.atermBase)} | ${fmtX(g.speedup.json)}; ${fmtX(g.cpu?.speedupJson)} | ${fmtX(g.speedup.aterm)}; ${fmtX(g.cpu?.speedupAterm)} |`
          : ''),
    );
  }
  if (base) L.push(`Baseline build: ${res.baseCli}.`);
  const synth = res.graphs.filter((g) => !g.real);
  if (synth.length >= 2) {
    const a = synth[0];
    const b = synth[synth.length - 1];
    const k = b.summary.derivations / a.summary.derivations;
    const exp = (x, y) => Math.log(y / x) / Math.log(k);
    const grow = (what, f) => `${what} ${fmtX(f(b) / f(a))} (exponent ${exp(f(a), f(b)).toFixed(2)})`;
    L.push('');
    L.push(
      `Growth ${a.label} -> ${b.label} (${k.toFixed(0)}x the derivations), CPU time: ` +
        [
          grow('JSON scan', (g) => g.m.json.cpuMs),
          grow('ATerm scan', (g) => g.m.aterm.cpuMs),
          ...(a.m.parse && b.m.parse ? [grow('parse floor', (g) => g.m.parse.cpuMs)] : []),
          ...(a.m.nix && b.m.nix ? [grow('nix', (g) => g.m.nix.cpuMs)] : []),
        ].join(', ') +
        `; peak RSS: ${grow('JSON scan', (g) => g.m.json.rssMB)}, ${grow('ATerm scan', (g) => g.m.aterm.rssMB)}; 1.00 is linear.`,
    );
  }
  if (synth.length) {
    const ok = (c) => (c ? 'met' : 'MISSED');
    const at = (n) => synth.find((g) => g.summary.derivations === n);
    const big = at(100_000);
    L.push('');
    L.push('Targets (issue 13 item 1):');
    if (big) {
      const peak = Math.max(big.m.json.rssMB, big.m.aterm.rssMB);
      L.push(`- 100k: peak RSS <= 400 MB: JSON ${fmtMB(big.m.json.rssMB)}, ATerm ${fmtMB(big.m.aterm.rssMB)}: ${ok(peak <= 400)}`);
      L.push(`- 100k: JSON scan CPU <= 1.3x the parse floor's: ${fmtX(big.cpu.jsonVsParse)}: ${ok(big.cpu.jsonVsParse <= 1.3)}`);
      if (big.m.nix) L.push(`- 100k: ATerm scan CPU <= 0.6x nix show-derivation -r's: ${fmtX(big.cpu.atermVsNix)}: ${ok(big.cpu.atermVsNix <= 0.6)}`);
    }
    const million = at(1_000_000);
    if (million) {
      const peak = Math.max(million.m.json.rssMB, million.m.aterm.rssMB);
      L.push(`- 1M: peak RSS <= 4 GB: JSON ${fmtMB(million.m.json.rssMB)}, ATerm ${fmtMB(million.m.aterm.rssMB)}: ${ok(peak <= 4096)}`);
    }
  }
  const real = res.graphs.find((g) => g.real);
  if (real) {
    L.push('');
    L.push(
      `nixpkgs-2024/nix.json.gz (${real.summary.derivations} derivations): scan ${fmtMs(real.m.json.wallMs)} vs node decompress + JSON.parse ` +
        `${fmtMs(real.m.parse.wallMs)}: ${fmtX(real.jsonVsParse)}; ATerm scan of its root ${fmtMs(real.m.aterm.wallMs)}` +
        (real.m.nix ? ` vs nix show-derivation -r ${fmtMs(real.m.nix.wallMs)}: ${fmtX(real.atermVsNix)}` : '') +
        '.',
    );
  }
  L.push('');
  for (const g of res.graphs) L.push(`Check ${g.label}: ${checkText(g)}.`);
  return L.join('\n');
}

await main();
