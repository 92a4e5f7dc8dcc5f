// Instruction counts (valgrind callgrind) of one `seedaudit scan` of the largest real corpus
// graph, for this build and a baseline build measured in the same run. Node runs with V8's
// --single-threaded (no concurrent compiler or marker threads): with them the count varied by
// 20% between identical runs; without them it repeats to 0.2%. Instructions do not depend on
// what else the machine is doing, so a 10% question gets a stable answer where wall time on
// a shared 2-core machine varies by ±10–15% run to run.
//
//   node bench/instructions.mjs --baseline-cli OTHER/dist/cli.js [--cli dist/cli.js] [--graph FILE]
//
// Needs valgrind (Debian's package). Each run takes 15–30 s under callgrind.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CORPUS, REPO } from './lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const cli = path.resolve(opt('cli', path.join(REPO, 'dist', 'cli.js')));
const base = opt('baseline-cli') ? path.resolve(opt('baseline-cli')) : null;
const graph = path.resolve(opt('graph', path.join(CORPUS, 'nixpkgs-2024', 'nix.json.gz')));
if (!base) {
  console.error('bench/instructions.mjs: --baseline-cli OTHER/dist/cli.js is required');
  process.exit(2);
}
const work = mkdtempSync(path.join(os.tmpdir(), 'seedaudit-instr-'));

/** Instructions executed by every thread of one scan (callgrind's "Collected" total). */
function instructions(bin, mode) {
  const extra = mode === 'no-inspect' ? ['--no-inspect'] : [];
  const r = spawnSync(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${path.join(work, 'cg.out')}`, process.execPath, '--single-threaded', bin, 'scan', '--from-json', graph, ...extra, '--format', 'json', '-q', '--output', path.join(work, 'r.json')],
    { encoding: 'utf8' },
  );
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`valgrind gave no count for ${bin}: ${r.error?.message ?? r.stderr.slice(-400)}`);
  return Number(m[1]);
}

const rows = [];
for (const mode of ['no-inspect', 'default']) {
  const b = instructions(base, mode);
  const n = instructions(cli, mode);
  rows.push(`| ${path.basename(graph)} | ${mode === 'default' ? 'default flags' : '--no-inspect'} | ${(b / 1e9).toFixed(3)} G | ${(n / 1e9).toFixed(3)} G | ${(n / b).toFixed(3)}x |`);
}
rmSync(work, { recursive: true, force: true });
console.log(['| graph | flags | baseline | this build | this / baseline |', '|---|---|---:|---:|---:|', ...rows].join('\n'));
