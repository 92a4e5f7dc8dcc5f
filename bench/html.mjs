// HTML report benchmark: file size, time to open and time to filter in headless Chromium, for
// the report of a 479-input corpus graph (nixpkgs-2024/nix.json.gz, the baseline) and of a
// ~25k-input synthetic scan (bench/synth.mjs, 100k derivations), as ratios against the
// baseline measured in the same run.
//
//   npm run build && node bench/html.mjs [--runs 3] [--size 100000] [--graph G.json.gz]
//                      [--cli dist/cli.js] [--baseline-cli OTHER/dist/cli.js]
//                      [--work DIR] [--keep] [--results FILE.json]
//
// Reports are written by the CLI itself (`scan --from-json F --no-inspect --format html`).
// `--graph` reuses a dump bench/synth.mjs wrote earlier instead of generating one (~1 min);
// `--baseline-cli` also measures the reports another build writes (e.g. the commit before),
// in the same browser and the same rounds.
//
// Chromium is Debian's /usr/bin/chromium, driven by playwright-core as the tests drive it,
// one fresh page per measurement, rounds interleaved (every report opened once per round).
// Measured inside the page, from its own clock:
// - open: performance.now() at the second animation frame after the load event, i.e. from
//   the start of navigation until the page is parsed, its script has run, and the first
//   frame with the laid-out page has been produced;
// - search: setting the search box to a word that matches a few inputs and dispatching the
//   input event, until the second animation frame after it (the list filtered, laid out and
//   painted);
// - clear: the same with an empty search box: every input is shown again, which is what used
//   to take seconds (each row of the list laid out).
// Medians of the rounds are reported, ratios are medians of the per-round ratios.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CORPUS, REPO, benchWorkDir, cliOptions, median } from './lib.mjs';

const { opt, flag } = cliOptions();
const runs = Number(opt('runs', '3'));
const size = Number(opt('size', '100000'));
const cli = path.resolve(opt('cli', path.join(REPO, 'dist', 'cli.js')));
const baseCli = opt('baseline-cli') ? path.resolve(opt('baseline-cli')) : null;
const CHROMIUM = '/usr/bin/chromium';
const SMALL = path.join(CORPUS, 'nixpkgs-2024', 'nix.json.gz');
/** matches the stdenv bootstrap seeds' URLs in both graphs: a search that leaves a few rows */
const WORD = 'tarballs.nixos.org';
const log = (s) => console.error(`bench/html: ${s}`);

for (const [what, file] of [['the CLI', cli], ['Chromium', CHROMIUM], ['the corpus graph', SMALL], ...(baseCli ? [['the baseline CLI', baseCli]] : [])])
  if (!existsSync(file)) {
    console.error(`bench/html: ${what} (${file}) not found${what === 'the CLI' ? ': build first (npm run build)' : ''}`);
    process.exit(2);
  }

const workDir = () => benchWorkDir(opt('work'), 'seedaudit-bench-html-', 2e9);

/** Writes the HTML report of `graph` with `bin`; returns the file and the report's input count. */
function report(bin, graph, out) {
  const json = `${out}.json`;
  const r = spawnSync('node', [bin, 'scan', '--from-json', graph, '--no-inspect', '-q', '--format', 'json', '--output', json, '--report', `html:${out}`], {
    encoding: 'utf8',
    maxBuffer: 2 ** 26,
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`${bin} scan ${graph} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  const inputs = JSON.parse(readFileSync(json, 'utf8')).summary.inputs;
  rmSync(json);
  return { file: out, bytes: statSync(out).size, inputs };
}

const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))));

/** One fresh page: open the report, then search and clear. Times in ms, from the page's clock. */
async function measureOnce(browser, file) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(0);
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 0 });
    const open = await page.evaluate(`(${frames})()`);
    const filter = async (value) =>
      page.evaluate(
        `(async () => { const s = document.getElementById('f-search'); const t0 = performance.now(); s.value = ${JSON.stringify(value)};` +
          ` s.dispatchEvent(new Event('input', { bubbles: true })); const t1 = await (${frames})();` +
          ` return { ms: t1 - t0, count: document.getElementById('f-count').textContent }; })()`,
      );
    const search = await filter(WORD);
    const clear = await filter('');
    if (errors.length) throw new Error(`${file}: page errors: ${errors.join('; ')}`);
    return { open, search: search.ms, clear: clear.ms, searchCount: search.count, clearCount: clear.count };
  } finally {
    await context.close();
  }
}

const fmtMs = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const fmtMB = (b) => `${(b / 1e6).toFixed(2)} MB`;
const fmtX = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');

async function main() {
  const t0 = performance.now();
  const work = workDir();
  const res = {
    date: new Date().toISOString(),
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} x ${os.cpus().length}`,
    node: process.version,
    chromium: spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? null,
    loadavgStart: os.loadavg(),
    runs,
    builds: [],
  };
  let browser;
  try {
    let graph = opt('graph') ? path.resolve(opt('graph')) : null;
    if (!graph) {
      log(`synthesising a graph of ${size} derivations (bench/synth.mjs)…`);
      execFileSync(process.execPath, ['--max-old-space-size=8192', path.join(REPO, 'bench', 'synth.mjs'), '--out', work, '--sizes', String(size)], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      graph = path.join(work, `graph-${size}.json.gz`);
      rmSync(path.join(work, 'store'), { recursive: true, force: true });
    }
    const builds = [{ label: 'this build', bin: cli }, ...(baseCli ? [{ label: 'baseline build', bin: baseCli }] : [])];
    for (const [b, build] of builds.entries()) {
      log(`${build.label}: writing the reports…`);
      build.small = report(build.bin, SMALL, path.join(work, `small-${b}.html`));
      build.large = report(build.bin, graph, path.join(work, `large-${b}.html`));
      log(`${build.label}: ${build.small.inputs} inputs ${fmtMB(build.small.bytes)}, ${build.large.inputs} inputs ${fmtMB(build.large.bytes)}`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    // warm-up: one open of each small report (browser start-up, font cache)
    for (const build of builds) await measureOnce(browser, build.small.file);
    for (const build of builds) build.samples = { small: [], large: [] };
    for (let r = 0; r < runs; r++) {
      for (const build of builds)
        for (const which of ['small', 'large']) {
          const m = await measureOnce(browser, build[which].file);
          build.samples[which].push(m);
          log(`round ${r + 1} ${build.label} ${which}: open ${fmtMs(m.open)}, search ${fmtMs(m.search)} (${m.searchCount}), clear ${fmtMs(m.clear)} (${m.clearCount})`);
        }
    }
    for (const build of builds) {
      const s = build.samples;
      const med = (which, k) => median(s[which].map((x) => x[k]));
      const ratio = (k) => median(s.large.map((x, i) => x[k] / s.small[i][k]));
      build.m = {};
      for (const which of ['small', 'large'])
        build.m[which] = { bytes: build[which].bytes, inputs: build[which].inputs, open: med(which, 'open'), search: med(which, 'search'), clear: med(which, 'clear') };
      build.ratio = { bytes: build.large.bytes / build.small.bytes, open: ratio('open'), search: ratio('search'), clear: ratio('clear') };
      res.builds.push({ label: build.label, bin: path.relative(REPO, build.bin), m: build.m, ratio: build.ratio, samples: s });
    }
  } finally {
    await browser?.close();
    res.loadavgEnd = os.loadavg();
    res.seconds = (performance.now() - t0) / 1000;
    if (!flag('keep')) rmSync(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
  const file = opt('results');
  if (file) writeFileSync(file, JSON.stringify(res, null, 2));
  console.log(table(res));
}

function table(res) {
  const L = [];
  L.push(`Date ${res.date}; ${res.cpu}; node ${res.node}; ${res.chromium}; load average ${res.loadavgStart.map((x) => x.toFixed(1)).join(' ')} at start, ` +
    `${res.loadavgEnd.map((x) => x.toFixed(1)).join(' ')} at end; medians of ${res.runs} interleaved rounds; whole run ${res.seconds.toFixed(0)} s.`);
  L.push('');
  L.push('| build | report | inputs | size | open | search | clear search |');
  L.push('|---|---|---:|---:|---:|---:|---:|');
  for (const b of res.builds) {
    for (const which of ['small', 'large']) {
      const m = b.m[which];
      L.push(`| ${b.label} | ${which === 'small' ? 'nix.json.gz (baseline)' : 'synthetic'} | ${m.inputs} | ${fmtMB(m.bytes)} | ${fmtMs(m.open)} | ${fmtMs(m.search)} | ${fmtMs(m.clear)} |`);
    }
    const r = b.ratio;
    L.push(`| ${b.label} | **synthetic / baseline** | ${fmtX(b.m.large.inputs / b.m.small.inputs)} | ${fmtX(r.bytes)} | ${fmtX(r.open)} | ${fmtX(r.search)} | ${fmtX(r.clear)} |`);
  }
  const b = res.builds[0];
  const ok = (c) => (c ? 'met' : 'MISSED');
  const filter = Math.max(b.m.large.search, b.m.large.clear);
  L.push('');
  L.push(`Targets (${b.label}, ${b.m.large.inputs} inputs):`);
  L.push(`- opens in <= 2 s: ${fmtMs(b.m.large.open)} (${fmtX(b.ratio.open)} the ${b.m.small.inputs}-input baseline): ${ok(b.m.large.open <= 2000)}`);
  L.push(`- filters in <= 200 ms: search ${fmtMs(b.m.large.search)} (${fmtX(b.ratio.search)}), clear ${fmtMs(b.m.large.clear)} (${fmtX(b.ratio.clear)}): ${ok(filter <= 200)}`);
  L.push(`- under ~5 MB: ${fmtMB(b.m.large.bytes)} (${fmtX(b.ratio.bytes)}): ${ok(b.m.large.bytes <= 5e6)}`);
  const base = res.builds[1];
  if (base)
    L.push(
      `- against the baseline build on the same synthetic graph: size ${fmtX(b.m.large.bytes / base.m.large.bytes)}, open ${fmtX(b.m.large.open / base.m.large.open)}, ` +
        `search ${fmtX(b.m.large.search / base.m.large.search)}, clear ${fmtX(b.m.large.clear / base.m.large.clear)}`,
    );
  return L.join('\n');
}

await main();
