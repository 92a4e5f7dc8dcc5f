// Many roots in one pass (issue 13 item 2): what it costs to compute every root's trust base
// over a shared graph, against a single-root scan of the same graph measured in the same run.
//
//   npm run build && node bench/roots.mjs [--sizes 100000,200000] [--jobs 10000] [--runs 3]
//                        [--baseline-cli OTHER/dist/cli.js] [--work DIR] [--keep] [--results FILE.json]
//
// bench/synth.mjs makes each graph (one root over every derivation nothing else uses), the same
// graph without that root (its top derivations are then the dump's top-level roots: 607 at
// 100k, as issue 13 measured) and nix-eval-jobs lines for --jobs roots chosen among the graph's
// derivations (the top ones first, then evenly spaced through a dependencies-first order).
// Per graph, every round runs, each as its own process with --no-inspect and a JSON report:
//
//   single   scan --from-json graph-N.json.gz                       one root over the whole graph
//   tops     scan --from-json graph-N-tops.json.gz                   the top-level roots of the dump
//   topsMany scan --from-json graph-N.json.gz --roots-file tops-N.txt --roots-report R.jsonl
//   jobs     scan --from-json graph-N.json.gz --roots-file jobs-N.jsonl --roots-report R.jsonl
//   (with --baseline-cli: baseSingle and baseTops, the same two scans with another build)
//
// The measure is CPU time (user + system, GNU time), because the machine is shared: wall time
// is printed too. Ratios are taken within each round and the median is reported.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, benchWorkDir, cliOptions, median } from './lib.mjs';

const { opt, flag } = cliOptions();
const sizes = opt('sizes', '100000,200000').split(',').map(Number).sort((a, b) => a - b);
const jobs = Number(opt('jobs', '10000'));
const runs = Number(opt('runs', '3'));
const cli = path.resolve(opt('cli', path.join(REPO, 'dist', 'cli.js')));
const baseCli = opt('baseline-cli') ? path.resolve(opt('baseline-cli')) : null;
const log = (s) => console.error(`bench roots: ${s}`);
const TIME = '/usr/bin/time';

if (!existsSync(cli)) {
  console.error(`bench roots: ${cli} not found: build first (npm run build)`);
  process.exit(2);
}
if (spawnSync(TIME, ['-f', '%U', 'true']).status !== 0) {
  console.error('bench roots: needs GNU time for CPU times (apt-get install time)');
  process.exit(2);
}

const workDir = () => benchWorkDir(opt('work'), 'seedaudit-roots-', 4e9);

/** CPU seconds (user + system), wall seconds and peak RSS of one command. */
function measure(args, work) {
  const out = path.join(work, `time-${process.pid}`);
  const r = spawnSync(TIME, ['-f', '%e %U %S %M', '-o', out, 'node', ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 2 ** 26 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 2000)}`);
  const [wall, user, sys, rss] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { cpu: user + sys, wall, rssMB: rss / 1024 };
}

function commands(g, work) {
  const o = (tag) => ['--no-inspect', '--format', 'json', '-q', '--output', path.join(work, `report-${g.derivations}-${tag}.json`)];
  const r = (tag) => ['--roots-report', path.join(work, `roots-${g.derivations}-${tag}.jsonl`)];
  const c = {
    single: [cli, 'scan', '--from-json', g.jsonGz, ...o('single')],
    tops: [cli, 'scan', '--from-json', g.topsJsonGz, ...o('tops')],
    topsMany: [cli, 'scan', '--from-json', g.jsonGz, '--roots-file', g.tops, ...r('topsMany'), ...o('topsMany')],
    jobs: [cli, 'scan', '--from-json', g.jsonGz, '--roots-file', g.jobs, ...r('jobs'), ...o('jobs')],
  };
  if (baseCli) {
    c.baseSingle = [baseCli, 'scan', '--from-json', g.jsonGz, ...o('baseSingle')];
    c.baseTops = [baseCli, 'scan', '--from-json', g.topsJsonGz, ...o('baseTops')];
  }
  return c;
}

/** The many-roots lines of the top roots must carry the trust bases the classic multi-root report gives them. */
function check(g, work) {
  const tops = JSON.parse(readFileSync(path.join(work, `report-${g.derivations}-tops.json`), 'utf8'));
  const lines = readFileSync(path.join(work, `roots-${g.derivations}-jobs.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const byDrv = new Map(lines.map((l) => [l.drv, l]));
  let bad = 0;
  for (const tb of tops.trustBase) {
    const l = byDrv.get(tb.root);
    if (!l || l.seeds.map((i) => i.id).join() !== tb.seeds.join() || l.prebuilt.map((i) => i.id).join() !== tb.prebuilt.join()) bad++;
  }
  return { roots: lines.length, topRoots: tops.trustBase.length, disagreeing: bad };
}

const fmtX = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');
const fmtS = (s) => `${s.toFixed(2)} s`;

async function main() {
  const t0 = performance.now();
  const work = workDir();
  const results = { date: new Date().toISOString(), cpu: `${os.cpus()[0]?.model} x ${os.cpus().length}`, node: process.version, loadavgStart: os.loadavg(), runs, jobs, baseCli, graphs: [] };
  try {
    log(`synthesising ${sizes.join(', ')} (bench/synth.mjs --tops --jobs ${jobs}) in ${work}…`);
    execFileSync(process.execPath, ['--max-old-space-size=12288', path.join(REPO, 'bench', 'synth.mjs'), '--out', work, '--sizes', sizes.join(','), '--tops', '--jobs', String(jobs)], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const manifest = JSON.parse(readFileSync(path.join(work, 'manifest.json'), 'utf8'));
    for (const g of manifest.graphs) {
      const c = commands(g, work);
      // warm-up and check round
      for (const args of Object.values(c)) measure(args, work);
      const agree = check(g, work);
      log(`${g.derivations}: ${agree.roots} roots from nix-eval-jobs lines, ${agree.topRoots} top-level roots; ${agree.disagreeing} top roots disagree with the classic report`);
      const samples = {};
      for (let r = 0; r < runs; r++) for (const [name, args] of Object.entries(c)) (samples[name] ??= []).push(measure(args, work));
      const m = {};
      for (const [name, xs] of Object.entries(samples)) m[name] = { cpu: median(xs.map((x) => x.cpu)), wall: median(xs.map((x) => x.wall)), rssMB: median(xs.map((x) => x.rssMB)) };
      const ratio = (a, b) => (samples[a] && samples[b] ? median(samples[a].map((x, i) => x.cpu / samples[b][i].cpu)) : NaN);
      const row = {
        derivations: g.derivations,
        topRoots: g.rootInputs,
        jobRoots: g.jobCount,
        m,
        check: agree,
        topsVsSingle: ratio('tops', 'single'),
        topsManyVsSingle: ratio('topsMany', 'single'),
        jobsVsSingle: ratio('jobs', 'single'),
        baseTopsVsBaseSingle: ratio('baseTops', 'baseSingle'),
      };
      results.graphs.push(row);
      log(`${g.derivations}: single ${fmtS(m.single.cpu)} CPU; ${g.rootInputs} top-level roots ${fmtX(row.topsVsSingle)}; --roots-file ${g.rootInputs} ${fmtX(row.topsManyVsSingle)}; --roots-file ${g.jobCount} ${fmtX(row.jobsVsSingle)}` + (baseCli ? `; baseline build, top-level roots ${fmtX(row.baseTopsVsBaseSingle)}` : ''));
    }
  } finally {
    results.loadavgEnd = os.loadavg();
    results.seconds = (performance.now() - t0) / 1000;
    if (!flag('keep')) rmSync(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
  if (opt('results')) writeFileSync(opt('results'), JSON.stringify(results, null, 2));
  console.log(report(results));
}

function report(res) {
  const L = [];
  L.push(`${res.date}; ${res.cpu}; node ${res.node}; load average ${res.loadavgStart.map((x) => x.toFixed(1)).join(' ')} at start, ${res.loadavgEnd.map((x) => x.toFixed(1)).join(' ')} at end; medians of ${res.runs} interleaved rounds (CPU = user + system), ratios the median of per-round CPU ratios; ${res.seconds.toFixed(0)} s.`);
  L.push('');
  L.push(`| graph | single root | top-level roots of the dump | same, --roots-file | --roots-file, nix-eval-jobs lines |${res.baseCli ? ' baseline build: single | baseline: top-level roots |' : ''}`);
  L.push(`|---|---:|---:|---:|---:|${res.baseCli ? '---:|---:|' : ''}`);
  for (const g of res.graphs) {
    const cell = (x, r) => (x ? `${fmtS(x.cpu)} CPU, ${fmtS(x.wall)}, ${x.rssMB.toFixed(0)} MB${r === undefined ? '' : ` (**${fmtX(r)}**)`}` : 'n/a');
    L.push(
      `| ${g.derivations / 1000}k | ${cell(g.m.single)} | ${g.topRoots}: ${cell(g.m.tops, g.topsVsSingle)} | ${g.topRoots}: ${cell(g.m.topsMany, g.topsManyVsSingle)} | ${g.jobRoots}: ${cell(g.m.jobs, g.jobsVsSingle)} |` +
        (res.baseCli ? ` ${cell(g.m.baseSingle)} | ${cell(g.m.baseTops, g.baseTopsVsBaseSingle)} |` : ''),
    );
  }
  L.push('');
  const big = res.graphs[res.graphs.length - 1];
  if (big) L.push(`Target: ${big.jobRoots} roots over ${big.derivations / 1000}k derivations within 2x a single-root scan: ${fmtX(big.jobsVsSingle)}: ${big.jobsVsSingle <= 2 ? 'met' : 'MISSED'}.`);
  for (const g of res.graphs) L.push(`Check ${g.derivations / 1000}k: the --roots-file lines of the ${g.check.topRoots} top roots carry the trust bases of the classic multi-root report: ${g.check.disagreeing ? `${g.check.disagreeing} DISAGREE` : 'all agree'}.`);
  return L.join('\n');
}

await main();
