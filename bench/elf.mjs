#!/usr/bin/env node
/**
 * ELF benchmark (not a test): `seedaudit elf` against scanelf (pax-utils) on the same list of
 * ELF files, each a separate process, as the issue measures it (issue 13, item 3: at most
 * 1.5x scanelf's CPU time, node start-up included).
 *
 *   npm run build && node bench/elf.mjs [--runs N] [--baseline-cli OTHER/dist/cli.js]
 *                                       [--no-walk] [--results FILE.json] [DIR...]
 *
 * 1. The file list: every regular file (symlinks not followed) under the trees (default
 *    /usr/bin /usr/lib) that starts with the ELF magic, read here, not by the code measured.
 *    Passed on the command line in chunks of at most CHUNK bytes of arguments, the same
 *    chunks for every command; a command's time is the sum over its chunks.
 * 2. Timed, one warm-up round, then N interleaved rounds (each command once per round):
 *      scanelf -q -F '%F %i %n %r' FILE...             (the issue's format)
 *      scanelf -q -F '%F %o %M %D %a %i %n %r %S' FILE... (everything scanelf prints that
 *                                                       `seedaudit elf` also reports)
 *      node dist/cli.js elf --format json FILE...     (stdout to a file)
 *      node OTHER/dist/cli.js elf --format json FILE... (with --baseline-cli)
 *    CPU time is user + system of the child, from wait4's rusage (python3's os.wait4, to the
 *    microsecond; GNU time's 10 ms steps are a fifth of scanelf's whole time), wall time
 *    around the child. Medians of the rounds; each ratio is the median of the per-round
 *    ratios, so load that comes and goes hits both sides alike.
 * 3. Checks: the JSON of this build and of the baseline build are byte-identical (when
 *    --baseline-cli is given); the facts agree with scanelf's on every file (interpreter,
 *    NEEDED, RPATH/RUNPATH, SONAME).
 * 4. Unless --no-walk: the old in-process tree walk (readdir, then the synchronous reader on
 *    every regular file) against `scanelf -R -q -F '%F %i %n %r' DIR...`, wall time.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, benchWorkDir, cliOptions, median } from './lib.mjs';

const { opt, flag } = cliOptions();
const argv = process.argv.slice(2);
const runs = Number(opt('runs', '5'));
const cli = path.join(REPO, 'dist', 'cli.js');
const baseCli = opt('baseline-cli') ? path.resolve(opt('baseline-cli')) : null;
const resultsFile = opt('results');
const valued = new Set(['--runs', '--baseline-cli', '--results']);
const dirs = argv.filter((a, i) => !a.startsWith('--') && !valued.has(argv[i - 1]));
if (dirs.length === 0) dirs.push('/usr/bin', '/usr/lib');
const log = (s) => console.error(`bench elf: ${s}`);
/** bytes of file arguments per process: well under ARG_MAX (2 MiB here, with the environment) */
const CHUNK = 512 * 1024;

for (const [what, p] of [['this build', cli], ['the baseline build', baseCli]]) {
  if (p && !fs.existsSync(p)) {
    console.error(`bench elf: ${p} (${what}) not found: build first (npm run build)`);
    process.exit(2);
  }
}
if (spawnSync('scanelf', ['-V']).status !== 0) {
  console.error('bench elf: needs scanelf (apt-get install pax-utils)');
  process.exit(2);
}
const havePython = spawnSync('python3', ['-c', 'import os; os.wait4'], { stdio: 'ignore' }).status === 0;
const haveTime = spawnSync('/usr/bin/time', ['-f', '%U', 'true'], { stdio: 'ignore' }).status === 0;
if (!havePython && !haveTime) {
  console.error('bench elf: needs python3 (os.wait4) or GNU time for CPU times');
  process.exit(2);
}
const work = benchWorkDir(opt('work'), 'seedaudit-elf-', 0);

// ---- the file list ------------------------------------------------------------------------

/** Regular files under dir, in readdir order, no symlinks followed (like scanelf -R). */
function walk(dir, out) {
  let ents;
  try {
    ents = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of ents) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

const magic = Buffer.alloc(4);
function startsWithElfMagic(p) {
  let fd;
  try {
    fd = fs.openSync(p, 'r');
    return fs.readSync(fd, magic, 0, 4, 0) === 4 && magic.toString('latin1') === '\x7fELF';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const regular = dirs.flatMap((d) => walk(d, []));
// paths with a newline would break scanelf's line output; paths are arguments, not parsed
const files = regular.filter((p) => !p.includes('\n') && startsWithElfMagic(p));
const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
const chunks = [];
for (let i = 0, size = 0; i < files.length; i++) {
  if (chunks.length === 0 || size + files[i].length + 1 > CHUNK) {
    chunks.push([]);
    size = 0;
  }
  chunks.at(-1).push(files[i]);
  size += files[i].length + 1;
}
log(`${dirs.join(' ')}: ${regular.length} regular files, ${files.length} ELF (${(bytes / 2 ** 20).toFixed(0)} MiB), ${chunks.length} chunk(s) of arguments`);

// ---- measuring ----------------------------------------------------------------------------

// Runs argv[1:] with stdout to argv[0], prints "wall user sys" (seconds) of that child.
const RUNNER = `
import os, sys, time
out = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
t = time.monotonic()
pid = os.fork()
if pid == 0:
    os.dup2(out, 1)
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
print(time.monotonic() - t, ru.ru_utime, ru.ru_stime, os.waitstatus_to_exitcode(status))
`;

/** One process: { cpu, wall } in seconds; stdout written to `out`. */
function once(cmd, args, out) {
  let r;
  let fields;
  if (havePython) {
    r = spawnSync('python3', ['-c', RUNNER, out, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    fields = r.stdout.trim().split(' ').map(Number);
  } else {
    const t = path.join(work, 'time.txt');
    const t0 = performance.now();
    r = spawnSync('/usr/bin/time', ['-f', '%U %S %x', '-o', t, cmd, ...args], { stdio: ['ignore', fs.openSync(out, 'w'), 'pipe'] });
    const [u, s, x] = fs.readFileSync(t, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    fields = [(performance.now() - t0) / 1000, u, s, x];
  }
  const [wall, user, sys, code] = fields;
  if (r.status !== 0 || code !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} … failed (${code ?? r.status}): ${String(r.stderr).slice(0, 500)}`);
  return { cpu: user + sys, wall };
}

/** A command over every chunk: times summed, outputs kept per chunk. */
function over(name, cmd, args) {
  const outs = chunks.map((_, k) => path.join(work, `${name}-${k}.out`));
  let cpu = 0;
  let wall = 0;
  chunks.forEach((c, k) => {
    const t = once(cmd, [...args, ...c], outs[k]);
    cpu += t.cpu;
    wall += t.wall;
  });
  return { cpu, wall, outs };
}

const commands = {
  scanelf: ['scanelf', ['-q', '-F', '%F %i %n %r']],
  'scanelf-rich': ['scanelf', ['-q', '-F', '%F %o %M %D %a %i %n %r %S']],
  seedaudit: [process.execPath, [cli, 'elf', '--format', 'json']],
};
if (baseCli) commands.baseline = [process.execPath, [baseCli, 'elf', '--format', 'json']];

const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
const started = Date.now();
const loadStart = os.loadavg();
for (let round = 0; round <= runs; round++) {
  for (const [name, [cmd, args]] of Object.entries(commands)) {
    const r = over(name, cmd, args);
    if (round > 0) samples[name].push(r); // round 0 warms the page cache and dentries
  }
  if (round > 0) log(`round ${round}: ${Object.entries(samples).map(([k, v]) => `${k} ${v.at(-1).cpu.toFixed(3)} s CPU`).join(', ')}`);
}
const loadEnd = os.loadavg();

const med = (name, key) => median(samples[name].map((x) => x[key]));
const ratio = (a, b, key = 'cpu') => median(samples[a].map((x, i) => x[key] / samples[b][i][key]));

// ---- checks -------------------------------------------------------------------------------

const ours = chunks.flatMap((_, k) => JSON.parse(fs.readFileSync(samples.seedaudit.at(-1).outs[k], 'utf8')));
let identical = null;
if (baseCli) identical = chunks.every((_, k) => fs.readFileSync(samples.seedaudit.at(-1).outs[k]).equals(fs.readFileSync(samples.baseline.at(-1).outs[k])));

// scanelf's view, untimed, every file listed (-B instead of -q), fields split on a separator
// no path or value here holds; a value with a newline (the bytes of a zero-size PT_INTERP in
// a separate debug file) is told apart by its line not starting with a listed file
const listed = new Set(files);
const theirs = new Map();
for (const c of chunks) {
  const r = spawnSync('scanelf', ['-B', '-F', '%F\x01%i\x01%n\x01%r\x01%S', ...c], { encoding: 'latin1', maxBuffer: 1 << 30 });
  for (const line of r.stdout.split('\n')) {
    const [f, i = '', n = '', rp = '', so = ''] = line.split('\x01');
    if (listed.has(f)) theirs.set(f, { i, n, rp, so });
  }
}
const latin1 = (s) => Buffer.from(s ?? '', 'utf8').toString('latin1');
const mismatch = { interpreter: [], needed: [], rpath: [], soname: [] };
let compared = 0;
for (const f of ours) {
  const s = theirs.get(f.path);
  if (!s) continue;
  compared++;
  if (latin1(f.interpreter) !== s.i) mismatch.interpreter.push(f.path);
  if (latin1((f.needed ?? []).join(',')) !== s.n) mismatch.needed.push(f.path);
  // scanelf prints RPATH or RUNPATH, whichever the file has; both in braces when it has both
  const rp = latin1([...(f.rpath ?? []), ...(f.runpath ?? [])].join(':'));
  // (and "  -  " when it has neither)
  if (rp !== s.rp.replace(/^ {2}- {2}$/, '').replace(/^\{(.*)\}$/, '$1').replace(',', ':')) mismatch.rpath.push(f.path);
  if (latin1(f.soname) !== s.so) mismatch.soname.push(f.path);
}

// ---- the old tree walk (in-process, wall time) --------------------------------------------

let walkResult = null;
if (!flag('no-walk')) {
  const { readElfFactsSync } = await import(path.join(REPO, 'dist', 'inspect', 'elf', 'index.js'));
  const inProcess = () => {
    const t = performance.now();
    let elf = 0;
    for (const d of dirs) for (const f of walk(d, [])) if (readElfFactsSync(f).elf) elf++;
    return { ms: performance.now() - t, elf };
  };
  const scanR = () => {
    const t = performance.now();
    spawnSync('scanelf', ['-R', '-q', '-F', '%F %i %n %r', ...dirs], { stdio: 'ignore' });
    return { ms: performance.now() - t };
  };
  inProcess();
  scanR();
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(inProcess());
    b.push(scanR());
  }
  walkResult = { oursMs: median(a.map((x) => x.ms)), scanelfMs: median(b.map((x) => x.ms)), ratio: median(a.map((x, i) => x.ms / b[i].ms)), elf: a[0].elf };
}

// ---- report -------------------------------------------------------------------------------

const ms = (s) => `${(s * 1000).toFixed(0)} ms`;
const x = (r) => `${r.toFixed(2)}x`;
const results = {
  date: new Date().toISOString(),
  cpu: `${os.cpus()[0]?.model} x ${os.cpus().length}`,
  node: process.version,
  scanelf: spawnSync('scanelf', ['-V'], { encoding: 'utf8' }).stdout.split('\n')[0],
  cpuClock: havePython ? 'wait4 rusage (python3)' : 'GNU time (10 ms steps)',
  loadavg: { start: loadStart, end: loadEnd },
  runs,
  trees: dirs,
  regularFiles: regular.length,
  elfFiles: files.length,
  chunks: chunks.length,
  medians: Object.fromEntries(Object.keys(samples).map((k) => [k, { cpu: med(k, 'cpu'), wall: med(k, 'wall') }])),
  ratios: {
    cpuVsScanelf: ratio('seedaudit', 'scanelf'),
    wallVsScanelf: ratio('seedaudit', 'scanelf', 'wall'),
    cpuVsScanelfRich: ratio('seedaudit', 'scanelf-rich'),
    ...(baseCli ? { baselineCpuVsScanelf: ratio('baseline', 'scanelf'), cpuVsBaseline: ratio('seedaudit', 'baseline') } : {}),
  },
  identicalToBaseline: identical,
  compared,
  mismatches: Object.fromEntries(Object.entries(mismatch).map(([k, v]) => [k, v.length])),
  walk: walkResult,
  seconds: (Date.now() - started) / 1000,
};
if (resultsFile) fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
if (!opt('work')) fs.rmSync(work, { recursive: true, force: true });

const L = [];
L.push(`${results.date}; ${results.cpu}; node ${results.node}; ${results.scanelf}; CPU from ${results.cpuClock}`);
L.push(`load average ${loadStart.map((v) => v.toFixed(1)).join(' ')} at start, ${loadEnd.map((v) => v.toFixed(1)).join(' ')} at end; ${runs} interleaved rounds after a warm-up, medians`);
L.push(`${files.length} ELF files (${(bytes / 2 ** 20).toFixed(0)} MiB) of ${regular.length} regular files under ${dirs.join(' ')}, ${chunks.length} process(es) per command`);
L.push('');
L.push('| command | CPU (user+sys) | wall | CPU / scanelf |');
L.push('|---|---:|---:|---:|');
const row = (label, k) => L.push(`| ${label} | ${ms(med(k, 'cpu'))} | ${ms(med(k, 'wall'))} | ${k === 'scanelf' ? '1' : `**${x(ratio(k, 'scanelf'))}**`} |`);
row("`scanelf -q -F '%F %i %n %r'`", 'scanelf');
row("`scanelf -q -F '%F %o %M %D %a %i %n %r %S'`", 'scanelf-rich');
row('`node dist/cli.js elf --format json` (this build)', 'seedaudit');
if (baseCli) row(`\`node ${path.relative(process.cwd(), baseCli)} elf --format json\` (baseline)`, 'baseline');
L.push('');
const r = results.ratios.cpuVsScanelf;
L.push(`target <= 1.5x scanelf CPU: ${r <= 1.5 ? 'MET' : 'NOT MET'} (${x(r)}; wall ${x(results.ratios.wallVsScanelf)})` + (baseCli ? `; this build / baseline CPU ${x(results.ratios.cpuVsBaseline)}` : ''));
if (baseCli) L.push(`JSON output identical to the baseline build's: ${identical ? 'yes' : 'NO'}`);
L.push(`facts against scanelf on ${compared} files: interpreter ${mismatch.interpreter.length}, NEEDED ${mismatch.needed.length}, RPATH/RUNPATH ${mismatch.rpath.length}, SONAME ${mismatch.soname.length} mismatches`);
for (const [k, v] of Object.entries(mismatch)) for (const p of v.slice(0, 3)) L.push(`  ${k}: ${p}`);
if (walkResult) L.push(`tree walk in-process (${walkResult.elf} ELF files): ours ${ms(walkResult.oursMs / 1000)}, scanelf -R -q ${ms(walkResult.scanelfMs / 1000)} wall: ${x(walkResult.ratio)}`);
console.log(L.join('\n'));
