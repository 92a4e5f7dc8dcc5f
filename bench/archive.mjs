// Archive listing against the native tools (issue 13 item 4): the same few hundred MB of
// /usr/lib as tar, tar.gz, tar.xz, tar.zst, tar.bz2 and zip on tmpfs, each listed by GNU tar
// (`tar -tvf`, which spawns the same host decompressors) or zipinfo, and by seedaudit's archive
// inspector (a child process importing dist's inspectPath). Interleaved rounds; CPU is user+sys
// of the child and every descendant it waited for (GNU time's %U+%S from wait4), wall is
// measured here, peak RSS from GNU time's %M. Ratios are seedaudit / native within a round,
// median over rounds.
//
//   npm run build && node bench/archive.mjs [--runs 5] [--mb 300] [--dirs /usr/lib/gcc,...]
//        [--decoders auto,portable] [--baseline-dist /work/main/dist] [--node NODE] [--work DIR]
//        [--keep] [--results FILE.json]
// --node runs the seedaudit side with another node binary (e.g. Node 24, which has zlib's zstd).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, benchWorkDir, cliOptions, measure, median } from './lib.mjs';

const { opt, flag } = cliOptions();
const RUNS = Number(opt('runs', '5'));
const MB = Number(opt('mb', '300'));
const DIRS = opt('dirs', '/usr/lib/gcc,/usr/lib/python3.11,/usr/lib/python3,/usr/lib/postgresql,/usr/lib/x86_64-linux-gnu').split(',');
const DECODERS = opt('decoders', 'auto,portable').split(',');
const BASELINE_DIST = opt('baseline-dist', null);
const DIST = path.join(REPO, 'dist');
const NODE = opt('node', process.execPath);
const GNU_TIME = '/usr/bin/time';

for (const tool of [GNU_TIME, 'tar', 'gzip', 'xz', 'zstd', 'bzip2', 'zip', 'zipinfo']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench/archive: ${tool} is needed`);
    process.exit(2);
  }
}
if (!existsSync(path.join(DIST, 'inspect/archive/index.js'))) {
  console.error('bench/archive: run `npm run build` first');
  process.exit(2);
}

const work = benchWorkDir(opt('work', null), 'seedaudit-archive-', 6 * MB * 1024 * 1024);
const log = (...a) => console.error(...a);

// ---------------------------------------------------------------- the content

/** Regular files of the dirs, in sorted order, until MB megabytes: the list tar and zip both get. */
function pickFiles() {
  const files = [];
  let bytes = 0;
  const walk = (dir) => {
    let names;
    try {
      names = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch {
      return;
    }
    for (const d of names) {
      if (bytes >= MB * 1e6) return;
      const p = path.join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.isFile()) {
        try {
          const st = statSync(p);
          bytes += st.size;
          files.push(p.slice(1)); // relative to /
        } catch {
          // unreadable: left out
        }
      }
    }
  };
  for (const d of DIRS) walk(d);
  return { files, bytes };
}

const listFile = path.join(work, 'files.txt');
const archives = {};
const sh = (cmd, args, o = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30, ...o });
const KINDS = { tar: 'lib.tar', 'tar.gz': 'lib.tar.gz', 'tar.zst': 'lib.tar.zst', 'tar.bz2': 'lib.tar.bz2', 'tar.xz': 'lib.tar.xz', zip: 'lib.zip' };
// `--work DIR` from an earlier run (with --keep): its archives are reused, xz takes minutes to make
if (opt('work', null) && Object.values(KINDS).every((f) => existsSync(path.join(work, f)))) {
  for (const [k, f] of Object.entries(KINDS)) archives[k] = path.join(work, f);
  log(`reusing the archives in ${work}`);
} else {
  const { files, bytes } = pickFiles();
  writeFileSync(listFile, files.join('\n') + '\n');
  log(`content: ${files.length} files, ${(bytes / 1e6).toFixed(0)} MB from ${DIRS.join(', ')}`);
  const tar = path.join(work, 'lib.tar');
  const t0 = Date.now();
  sh('tar', ['-cf', tar, '-C', '/', '--no-recursion', '-T', listFile]);
  archives.tar = tar;
  const via = (ext, cmd) => {
    const out = `${tar}.${ext}`;
    execFileSync('sh', ['-c', `${cmd} < "${tar}" > "${out}"`], { stdio: 'inherit' });
    archives[`tar.${ext}`] = out;
  };
  via('gz', 'gzip -6');
  via('zst', 'zstd -q -3 -T2');
  via('bz2', 'bzip2 -9');
  via('xz', 'xz -6 -T2');
  const zip = path.join(work, 'lib.zip');
  execFileSync('sh', ['-c', `cd / && zip -q -6 "${zip}" -@ < "${listFile}"`], { stdio: 'inherit' });
  archives.zip = zip;
  log(`archives made in ${((Date.now() - t0) / 1000).toFixed(0)} s:`);
  for (const [k, f] of Object.entries(archives)) log(`  ${k.padEnd(8)} ${(statSync(f).size / 1e6).toFixed(1)} MB`);
}

// ---------------------------------------------------------------- the commands

const lister = path.join(work, 'list.mjs');
writeFileSync(
  lister,
  `// seedaudit's archive inspector on one file: members, binaries, error, cap (one JSON line)
const [dist, file] = process.argv.slice(2);
const { inspectPath } = await import(dist + '/inspect/archive/index.js');
const l = await inspectPath(file, { maxBytes: 64 * 1024 ** 3, maxMembers: 10_000_000 });
process.stdout.write(JSON.stringify({ members: l.members, binaryCount: l.binaryCount, error: l.error, capped: l.capped }) + '\\n');
`,
);

/** user+sys CPU (children included), wall and peak RSS of one command; stdout returned. */
const timed = (cmd, args, env = {}) => measure(cmd, args, { stdout: 'pipe', env, tmp: work });

const native = (kind, file) => (kind === 'zip' ? ['zipinfo', [file]] : ['tar', ['-tvf', file]]);
const sides = [];
for (const d of DECODERS) sides.push({ label: `seedaudit (${d})`, dist: DIST, env: { SEEDAUDIT_ARCHIVE_DECODERS: d } });
// main's build has no decoder choice: its fixed decoders
if (BASELINE_DIST) sides.push({ label: 'baseline dist', dist: path.resolve(BASELINE_DIST), env: {} });

// Checks before measuring: every lister sees the same number of members as the native tool.
const expected = {};
for (const [kind, file] of Object.entries(archives)) {
  const [cmd, args] = native(kind, file);
  const lines = timed(cmd, kind === 'zip' ? ['-1', file] : ['-tf', file]).stdout.split('\n').filter((l) => l !== '').length;
  expected[kind] = lines;
  for (const s of sides) {
    const got = JSON.parse(timed(NODE, [lister, s.dist, file], s.env).stdout);
    if (got.members !== lines || got.error !== null || got.capped !== null)
      throw new Error(`${kind}: ${s.label} lists ${JSON.stringify(got)}, ${cmd} ${lines} entries`);
  }
}
log(`checked: every lister sees the native tool's entry count (${Object.entries(expected).map(([k, n]) => `${k} ${n}`).join(', ')})`);

// The fixed cost of a seedaudit listing: node start-up and loading the inspector, listing a
// tar of one empty file (what no listing can go below).
const emptyTar = path.join(work, 'empty.tar');
{
  writeFileSync(path.join(work, 'empty'), '');
  sh('tar', ['-cf', emptyTar, '-C', work, 'empty']);
}
const fixed = [];

// ---------------------------------------------------------------- rounds

const samples = {}; // kind -> label -> [{cpuMs, wallMs, rssMB}]
for (let round = 0; round < RUNS; round++) {
  for (const [kind, file] of Object.entries(archives)) {
    const row = (samples[kind] ??= {});
    const [cmd, args] = native(kind, file);
    (row.native ??= []).push(timed(cmd, args));
    for (const s of sides) (row[s.label] ??= []).push(timed(NODE, [lister, s.dist, file], s.env));
  }
  fixed.push(timed(NODE, [lister, DIST, emptyTar], { SEEDAUDIT_ARCHIVE_DECODERS: DECODERS[0] }));
  log(`round ${round + 1}/${RUNS} done`);
}

const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const results = { date: new Date().toISOString(), node: process.version, cpus: os.cpus()[0]?.model, load: os.loadavg(), runs: RUNS, archives: {}, rows: [] };
const header = ['archive', 'size', 'entries', 'native CPU (wall)', ...sides.flatMap((s) => [`${s.label} CPU (wall), RSS`, `${s.label} / native CPU`])];
const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 1 ? '---' : '---:')).join('|')}|`];
for (const [kind, file] of Object.entries(archives)) {
  const row = samples[kind];
  const nat = row.native;
  const cells = [kind, `${(statSync(file).size / 1e6).toFixed(0)} MB`, String(expected[kind]), `${fmtMs(median(nat.map((x) => x.cpuMs)))} (${fmtMs(median(nat.map((x) => x.wallMs)))})`];
  const rec = { kind, bytes: statSync(file).size, entries: expected[kind], native: { cpuMs: median(nat.map((x) => x.cpuMs)), wallMs: median(nat.map((x) => x.wallMs)) } };
  for (const s of sides) {
    const xs = row[s.label];
    const ratio = median(xs.map((x, i) => x.cpuMs / nat[i].cpuMs));
    const rss = median(xs.map((x) => x.rssMB));
    cells.push(`${fmtMs(median(xs.map((x) => x.cpuMs)))} (${fmtMs(median(xs.map((x) => x.wallMs)))}), ${rss.toFixed(0)} MB`);
    cells.push(`**${ratio.toFixed(2)}x**${ratio <= 1.5 ? '' : ' (over 1.5x)'}`);
    rec[s.label] = { cpuMs: median(xs.map((x) => x.cpuMs)), wallMs: median(xs.map((x) => x.wallMs)), rssMB: rss, cpuRatio: ratio, maxRssMB: Math.max(...xs.map((x) => x.rssMB)) };
  }
  results.rows.push(rec);
  lines.push(`| ${cells.join(' | ')} |`);
}
console.log(`\n${RUNS} interleaved rounds, medians; node ${spawnSync(NODE, ['--version']).stdout.toString().trim()}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (shared machine: ratios move between runs)\n`);
console.log(lines.join('\n'));
results.fixedCpuMs = median(fixed.map((x) => x.cpuMs));
console.log(`\nFixed cost of a seedaudit listing (node start-up, loading the inspector; a tar of one empty file): ${fmtMs(results.fixedCpuMs)} CPU.`);
console.log('Target: seedaudit CPU <= 1.5x the native listing (GNU tar -tvf; zipinfo for zip: a floor, it does not look inside members).');
const peak = Math.max(...results.rows.flatMap((r) => sides.map((s) => r[s.label].maxRssMB)));
const largest = results.rows.reduce((a, b) => (b.bytes > a.bytes ? b : a));
console.log(`Peak RSS of seedaudit over all rounds: ${peak.toFixed(0)} MB (largest archive: ${largest.kind}, ${(largest.bytes / 1e6).toFixed(0)} MB).`);
if (opt('results', null)) writeFileSync(opt('results'), JSON.stringify(results, null, 2));
if (!flag('keep') && !opt('work', null)) rmSync(work, { recursive: true, force: true });
else log(`kept ${work}`);
