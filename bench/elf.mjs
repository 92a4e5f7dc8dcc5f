#!/usr/bin/env node
/**
 * ELF scan benchmark (not a test): our reader against scanelf (pax-utils) on the same trees.
 *
 *   npx tsc -p . && node bench/elf.mjs [--runs N] [--concurrency N] [DIR...]
 *
 * Default trees: /usr/bin /usr/lib. Both sides walk the trees themselves and skip symlinks.
 * scanelf runs as `scanelf -R -q -F '%F %i %n %r' DIR...` (with -q it lists only the ELF
 * files that have an interpreter, a NEEDED entry or an RPATH/RUNPATH, so its count is lower
 * than the number of ELF files; the untimed `scanelf -R -B -F %F` count is printed too).
 * One warm-up run of each, then N timed runs of each, interleaved; medians are compared.
 * Then the facts of the files both list are compared: interpreter, NEEDED, RPATH/RUNPATH.
 * (Expect one interpreter difference per separate debug file with a zero-size PT_INTERP:
 * scanelf prints whatever bytes sit at its offset, we report no interpreter.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist', 'inspect', 'elf', 'index.js');
if (!fs.existsSync(dist)) {
  console.error(`bench/elf.mjs: ${dist} is missing; build first (npx tsc -p .)`);
  process.exit(2);
}
const { readElfFactsSync, readElfFactsAll } = await import(dist);

const args = process.argv.slice(2);
let runs = 3;
let concurrency = 16;
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--concurrency') concurrency = Number(args[++i]);
  else dirs.push(args[i]);
}
if (dirs.length === 0) dirs.push('/usr/bin', '/usr/lib');

/** Regular files under the trees; symlinks are neither followed nor scanned (like scanelf -R). */
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

function ours() {
  const files = dirs.flatMap((d) => walk(d, []));
  const elf = [];
  for (const f of files) {
    const r = readElfFactsSync(f);
    if (r.elf) elf.push(r);
  }
  return { files: files.length, elf };
}

async function oursAsync() {
  const files = dirs.flatMap((d) => walk(d, []));
  const all = await readElfFactsAll(files, concurrency);
  return { files: files.length, elf: all.filter((r) => r.elf) };
}

function scanelf(format = '%F %i %n %r', quiet = true) {
  const r = spawnSync('scanelf', ['-R', ...(quiet ? ['-q'] : ['-B']), '-F', format, ...dirs], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.error) throw r.error;
  return r.stdout;
}

const time = async (fn) => {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// warm-up: page cache and dentries for both, JIT for ours
ours();
await oursAsync();
scanelf();

const tSync = [];
const tAsync = [];
const tScan = [];
let mine;
let theirs;
for (let i = 0; i < runs; i++) {
  const a = await time(ours);
  tSync.push(a.ms);
  mine = a.value;
  const b = await time(oursAsync);
  tAsync.push(b.ms);
  const c = await time(() => scanelf());
  tScan.push(c.ms);
  theirs = c.value;
}

const scanAll = scanelf('%F', false)
  .split('\n')
  .filter((l) => l !== '');

// scanelf line: "FILE INTERP NEEDED,… RPATH" with empty fields left empty; parsed from the right
const walked = new Set(dirs.flatMap((d) => walk(d, [])));
const seen = new Map();
let stray = 0;
for (const line of theirs.split('\n')) {
  if (line === '') continue;
  if (!dirs.some((d) => line.startsWith(`${d}/`))) {
    // the rest of a value that held a newline: scanelf prints PT_INTERP bytes as they are,
    // even for a zero-size PT_INTERP (separate debug files), where they are unrelated data
    stray++;
    continue;
  }
  // the path is the shortest run of leading words that names a file we walked (paths can
  // hold spaces); the three fields follow it
  const tok = line.split(' ');
  let k = 1;
  while (k < tok.length && !walked.has(tok.slice(0, k).join(' '))) k++;
  const [i = '', n = '', r = ''] = tok.slice(k);
  seen.set(tok.slice(0, k).join(' '), { interp: i, needed: n, rpath: r });
}

const mineBy = new Map(mine.elf.map((f) => [f.path, f]));
let both = 0;
const mismatch = { interpreter: [], needed: [], rpath: [] };
for (const [p, s] of seen) {
  const f = mineBy.get(p);
  if (!f) continue;
  both++;
  if ((f.interpreter ?? '') !== s.interp) mismatch.interpreter.push(`${p}: ours ${JSON.stringify(f.interpreter)} scanelf ${JSON.stringify(s.interp)}`);
  if ((f.needed ?? []).join(',') !== s.needed) mismatch.needed.push(`${p}: ours ${JSON.stringify(f.needed)} scanelf ${JSON.stringify(s.needed)}`);
  // scanelf prints RPATH or RUNPATH (whichever is set) as one string
  const rp = [...(f.rpath ?? []), ...(f.runpath ?? [])].join(':');
  const theirsRp = s.rpath.replace(/^\{(.*)\}$/, '$1').replace(',', ':');
  if (rp !== theirsRp) mismatch.rpath.push(`${p}: ours ${JSON.stringify(rp)} scanelf ${JSON.stringify(s.rpath)}`);
}
// with -q scanelf leaves out files with no interpreter, NEEDED or RPATH: any of ours it
// left out must have none of those either
const onlyOurs = mine.elf.filter((f) => !seen.has(f.path));
const onlyOursWithFacts = onlyOurs.filter(
  (f) => f.interpreter || f.needed?.length || f.rpath?.length || f.runpath?.length,
);
const onlyTheirs = [...seen.keys()].filter((p) => !mineBy.has(p));
const withError = mine.elf.filter((f) => f.error);

const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`;
const ratio = median(tSync) / median(tScan);
console.log(`trees: ${dirs.join(' ')}; ${mine.files} regular files; ${runs} timed runs each after one warm-up`);
console.log(`ours (sync reads):          median ${fmt(median(tSync))}  [${tSync.map(fmt).join(', ')}]`);
console.log(`ours (async, ${concurrency} at once):   median ${fmt(median(tAsync))}  [${tAsync.map(fmt).join(', ')}]`);
console.log(`scanelf -R -q:              median ${fmt(median(tScan))}  [${tScan.map(fmt).join(', ')}]`);
console.log(`ratio ours(sync)/scanelf:   ${ratio.toFixed(2)}x   (async/scanelf ${(median(tAsync) / median(tScan)).toFixed(2)}x; target <= 1.5x)`);
console.log(`ELF files: ours ${mine.elf.length}; scanelf -q lists ${seen.size}; scanelf without -q lists ${scanAll.length}`);
console.log(`ours with error: ${withError.length}${withError.length ? ` (e.g. ${withError[0].path}: ${withError[0].error})` : ''}`);
console.log(`compared (listed by both): ${both}`);
console.log(`  interpreter mismatches: ${mismatch.interpreter.length}`);
console.log(`  NEEDED mismatches:      ${mismatch.needed.length}`);
console.log(`  RPATH/RUNPATH mismatches: ${mismatch.rpath.length}`);
console.log(`listed only by scanelf: ${onlyTheirs.length}; only ours and having interp/NEEDED/RPATH: ${onlyOursWithFacts.length}`);
if (stray) console.log(`scanelf output lines that are not a file (a printed value held a newline): ${stray}`);
for (const [k, v] of Object.entries(mismatch)) for (const m of v.slice(0, 5)) console.log(`  ${k}: ${m}`);
for (const p of onlyTheirs.slice(0, 5)) console.log(`  only scanelf: ${p}`);
for (const f of onlyOursWithFacts.slice(0, 5)) console.log(`  only ours: ${f.path}`);
