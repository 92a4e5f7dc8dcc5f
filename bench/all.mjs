// Every issue-13 measure in one run (issue 13 item 6): runs the benchmark scripts one after the
// other — each prints its own tables as it goes and writes its results as JSON — then prints one
// table of every target with what this run measured. Each ratio is a same-run ratio against its
// floor (parse floor, nix show-derivation -r, scanelf, GNU tar/zipinfo, a single-root scan, the
// 479-input HTML report), taken within interleaved rounds by the script that measured it.
//
//   npm run build && node bench/all.mjs [--runs 3] [--million] [--roots-size 200000] [--only scale,roots,elf,archive,html]
//                                       [--baseline-cli OTHER/dist/cli.js] [--results FILE.json]
//
// --million adds the 1M-derivation graph to the scale run (about 20 minutes more and ~6 GB of
// tmpfs); --roots-size picks the graph many-roots mode is measured on (the target names 200k;
// the default 100k halves the run). A whole default run takes 30-40 minutes on 2 cores.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, cliOptions } from './lib.mjs';

const { opt, flag } = cliOptions();
const runs = opt('runs', '3');
const only = new Set(opt('only', 'scale,roots,elf,archive,html').split(','));
const baseCli = opt('baseline-cli', null);
const rootsSize = opt('roots-size', '100000');
if (!existsSync(path.join(REPO, 'dist', 'cli.js'))) {
  console.error('bench/all.mjs: dist/cli.js is missing: run `npm run build` first');
  process.exit(2);
}

const work = mkdtempSync(path.join(os.tmpdir(), 'seedaudit-bench-all-'));
const log = (s) => process.stderr.write(`[all] ${s}\n`);

/** One benchmark script as its own process; its tables go straight to our stdout. */
function run(name, script, args) {
  const results = path.join(work, `${name}.json`);
  log(`${name}: node ${script} ${args.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(REPO, 'bench', script), ...args, '--results', results], { stdio: 'inherit' });
  log(`${name}: exit ${r.status}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (r.status !== 0 || !existsSync(results)) return null;
  return JSON.parse(readFileSync(results, 'utf8'));
}

const rows = []; // [measure, target, measured, met]
const x = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : 'n/a');
const mb = (v) => (Number.isFinite(v) ? `${Math.round(v)} MB` : 'n/a');
const ms = (v) => (Number.isFinite(v) ? (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`) : 'n/a');
const verdict = (ok, v) => (Number.isFinite(v) ? (ok ? 'met' : 'missed') : 'not measured');
const add = (measure, target, shown, value, ok) => rows.push([measure, target, shown, verdict(ok, value)]);
const base = baseCli ? ['--baseline-cli', baseCli] : [];
const all = {};

if (only.has('scale')) {
  const sizes = ['10000', '100000', ...(flag('million') ? ['1000000'] : [])].join(',');
  const r = (all.scale = run('scale', 'run.mjs', ['--sizes', sizes, '--runs', runs, ...base]));
  for (const g of r?.graphs ?? []) {
    const n = g.summary?.derivations;
    const label = g.real ? `${g.label} (${n} drv)` : `${n / 1000}k drv`;
    if (n === 100_000) {
      const peak = Math.max(g.m.json.rssMB, g.m.aterm.rssMB);
      add(`peak RSS, ${label} (JSON / ATerm)`, '<= 400 MB', `${mb(g.m.json.rssMB)} / ${mb(g.m.aterm.rssMB)}`, peak, peak <= 400);
    }
    if (n === 1_000_000) {
      const peak = Math.max(g.m.json.rssMB, g.m.aterm.rssMB);
      add(`peak RSS, ${label} (JSON / ATerm)`, '<= 4 GB', `${mb(g.m.json.rssMB)} / ${mb(g.m.aterm.rssMB)}`, peak, peak <= 4096);
    }
    if (g.cpu) {
      add(`JSON scan / parse floor CPU, ${label}`, n === 100_000 ? '<= 1.3x' : '(1.3x at 100k)', x(g.cpu.jsonVsParse), g.cpu.jsonVsParse, g.cpu.jsonVsParse <= 1.3);
      add(`ATerm scan / nix show-derivation -r CPU, ${label}`, n === 100_000 ? '<= 0.6x' : '(0.6x at 100k)', x(g.cpu.atermVsNix), g.cpu.atermVsNix, g.cpu.atermVsNix <= 0.6);
    }
  }
}

if (only.has('roots')) {
  const r = (all.roots = run('roots', 'roots.mjs', ['--sizes', rootsSize, '--jobs', '10000', '--runs', runs, ...base]));
  for (const g of r?.graphs ?? [])
    add(`${g.jobRoots} nix-eval-jobs roots / one root, ${g.derivations / 1000}k drv (CPU)`, '<= 2x', x(g.jobsVsSingle), g.jobsVsSingle, g.jobsVsSingle <= 2);
}

if (only.has('elf')) {
  const r = (all.elf = run('elf', 'elf.mjs', ['--runs', String(Math.max(5, Number(runs))), ...base]));
  const v = r?.ratios?.cpuVsScanelf;
  add(`seedaudit elf / scanelf CPU, the same ${r?.elfFiles ?? '?'} ELF files`, '<= 1.5x', x(v), v, v <= 1.5);
}

if (only.has('archive')) {
  const r = (all.archive = run('archive', 'archive.mjs', ['--runs', runs]));
  for (const row of r?.rows ?? []) {
    const side = Object.keys(row).find((k) => row[k] && typeof row[k] === 'object' && 'cpuRatio' in row[k]);
    if (!side) continue;
    const v = row[side].cpuRatio;
    add(`archive listing / ${row.kind === 'zip' ? 'zipinfo' : 'GNU tar -tvf'} CPU, ${row.kind} (${side})`, '<= 1.5x', x(v), v, v <= 1.5);
  }
}

if (only.has('html')) {
  const r = (all.html = run('html', 'html.mjs', ['--runs', runs]));
  const b = r?.builds?.[0];
  if (b) {
    add(`HTML report, ${b.m.large.inputs} inputs: open in Chromium`, '<= 2 s', ms(b.m.large.open), b.m.large.open, b.m.large.open <= 2000);
    add(`HTML report, ${b.m.large.inputs} inputs: search filter`, '<= 200 ms', ms(b.m.large.search), b.m.large.search, b.m.large.search <= 200);
    add(`HTML report, ${b.m.large.inputs} inputs: size`, '<= ~5 MB', `${(b.m.large.bytes / 1e6).toFixed(2)} MB`, b.m.large.bytes, b.m.large.bytes <= 5e6);
  }
}

const L = [];
L.push('');
L.push(`Issue 13 targets, ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model} x ${os.cpus().length}, node ${process.version}, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
L.push('');
L.push('| measure | target | this run | |');
L.push('|---|---|---:|---|');
for (const r of rows) L.push(`| ${r.join(' | ')} |`);
const missing = [...only].filter((k) => !all[k]);
if (missing.length) L.push(`\nNot measured (the script failed; see its output above): ${missing.join(', ')}`);
console.log(L.join('\n'));
if (opt('results', null)) writeFileSync(opt('results'), JSON.stringify({ rows, results: all }, null, 2));
rmSync(work, { recursive: true, force: true });
process.exit(missing.length ? 1 : 0);
