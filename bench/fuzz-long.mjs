// Long fuzz run for release checks: the same generators and contract as test/fuzz (the CI run),
// with a bigger budget, bigger bombs and strings, longer timeouts, and the same counts plus
// peak RSS. Builds nothing: run `npm run build` (or tsc) first; `npm run fuzz:long` does.
//
//   node bench/fuzz-long.mjs [--budget 4000] [--seed N] [--jobs 2] [--seconds S] [--case class[:kind[:seed]]]
//
// Output: the summary table on stdout, failures as they happen on stderr, and
// test-artifacts/fuzz/summary.{txt,json} plus one directory per failure class (with repro.txt).
// Exit 1 when a failure class not listed in test/fuzz/known-failures.ts showed up.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
if (!existsSync(path.join(repo, 'dist', 'cli.js'))) {
  console.error('fuzz-long: dist/cli.js is missing: run `npm run build` first');
  process.exit(2);
}
const env = { ...process.env, SEEDAUDIT_FUZZ_LONG: '1' };
for (const [flag, key] of [['budget', 'BUDGET'], ['seed', 'SEED'], ['jobs', 'JOBS'], ['seconds', 'SECONDS'], ['case', 'CASE'], ['rss-mb', 'RSS_MB']])
  if (opt(flag) !== undefined) env[`SEEDAUDIT_FUZZ_${key}`] = opt(flag);
const loader = path.join(repo, 'node_modules', '@tapjs', 'typescript', 'dist', 'esm', 'import.mjs');
const r = spawnSync(process.execPath, [`--import=${loader}`, path.join(repo, 'test', 'fuzz', 'run.ts')], { cwd: repo, env, stdio: 'inherit' });
process.exit(r.status ?? 2);
