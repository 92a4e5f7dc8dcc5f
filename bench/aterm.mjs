// Reading a closure's .drv files directly vs parsing the JSON `nix show-derivation` gives
// for the same closure: is the ATerm path fast enough to replace the JSON one?
// Run after `npx tsc -p .`:  node bench/aterm.mjs [runs]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { readDrvGraph } from '../dist/acquire/drv-files.js';
import { parseDrv } from '../dist/acquire/aterm.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpus = path.resolve(repo, '..', 'shared', 'corpus', 'nixpkgs-2024');
const ROOT = '/nix/store/v8h7pkzhpscvbq807754cvfjamw3i49a-nix-2.18.2.drv';
const runs = Number(process.argv[2] ?? 15);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const tmp = mkdtempSync(path.join(tmpdir(), 'seedaudit-bench-'));
try {
  execFileSync('tar', ['-xzf', path.join(corpus, 'drvs.tar.gz'), '-C', tmp]);
  const json = gunzipSync(readFileSync(path.join(corpus, 'nix.json.gz'))).toString('utf8');

  // The same files already in memory, to separate parsing from file I/O.
  const first = await readDrvGraph([ROOT], { storeRoot: tmp });
  const texts = [...first.derivations.keys()].map((p) => [p, readFileSync(path.join(tmp, p), 'utf8')]);
  const atermBytes = texts.reduce((n, [, t]) => n + Buffer.byteLength(t), 0);

  // Warm both paths up so the medians compare optimised code, not the JIT.
  for (let i = 0; i < 3; i++) {
    await readDrvGraph([ROOT], { storeRoot: tmp });
    JSON.parse(json);
  }
  // File reads alone, the way readDrvGraph does them (64 in flight) and synchronously,
  // to show how much of the total is I/O rather than parsing.
  const files = texts.map(([p]) => path.join(tmp, p));
  const readAsync = async () => {
    let next = 0;
    const worker = async () => {
      while (next < files.length) await readFile(files[next++], 'utf8');
    };
    await Promise.all(Array.from({ length: 64 }, worker));
  };
  const readSync = () => files.forEach((f) => readFileSync(f, 'utf8'));

  const tGraph = [];
  const tParse = [];
  const tJson = [];
  const tReadAsync = [];
  const tReadSync = [];
  for (let i = 0; i < runs; i++) {
    tGraph.push(await time(() => readDrvGraph([ROOT], { storeRoot: tmp })));
    tParse.push(await time(() => texts.forEach(([p, t]) => parseDrv(t, p))));
    tJson.push(await time(() => JSON.parse(json)));
    tReadAsync.push(await time(readAsync));
    tReadSync.push(await time(readSync));
  }
  const g = median(tGraph);
  const p = median(tParse);
  const j = median(tJson);
  console.log(`root: ${ROOT}`);
  console.log(
    `derivations: ${first.derivations.size}, .drv bytes: ${atermBytes}, JSON bytes: ${Buffer.byteLength(json)}`,
  );
  console.log(`median of ${runs} runs:`);
  console.log(`  readDrvGraph (read + parse ${first.derivations.size} files): ${g.toFixed(1)} ms`);
  console.log(`  parseDrv only (files already in memory):    ${p.toFixed(1)} ms`);
  console.log(`  JSON.parse of nix.json:                     ${j.toFixed(1)} ms`);
  console.log(`  reads only, fs.promises.readFile x64:       ${median(tReadAsync).toFixed(1)} ms`);
  console.log(`  reads only, readFileSync:                   ${median(tReadSync).toFixed(1)} ms`);
  console.log(`  ratio readDrvGraph / JSON.parse: ${(g / j).toFixed(2)}x`);
  console.log(`  ratio parseDrv / JSON.parse:     ${(p / j).toFixed(2)}x`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
