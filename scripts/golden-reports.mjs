// Golden JSON reports of every corpus graph, single-root and multi-root dumps alike, for
// test/classify/golden-reports.test.ts: classification and reports must not change when the
// pipeline is reworked (e.g. the many-roots placement of issue 13). Written with the build in
// dist/ (run `npm run build` first) from the code of the commit named in the README beside them.
//
//   node scripts/golden-reports.mjs [--check]
//
// Each report: `scan --from-json GRAPH --no-inspect --today 2026-01-01 --allowlist allowlist.json
// --format json`, with the fields that name this machine or this moment normalised
// (generatedAt removed; graph.detail and allowlist.file relative to the repository / corpus).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = path.resolve(REPO, '..', 'shared', 'corpus');
const OUT = path.join(REPO, 'test', 'fixtures', 'golden-reports');

/** [golden name, graph file] for every corpus graph. */
export function goldenGraphs() {
  const list = [];
  for (const set of ['nixpkgs-2024', 'aux-foundation'])
    for (const f of readdirSync(path.join(CORPUS, set)).filter((f) => f.endsWith('.json.gz')).sort())
      list.push([`${set}-${f.replace(/\.json\.gz$/, '')}`, path.join(CORPUS, set, f)]);
  list.push(['provenance', path.join(REPO, 'test', 'classify', 'provenance', 'graph.json.gz')]);
  list.push(['provenance-holdout', path.join(REPO, 'test', 'classify', 'provenance', 'holdout', 'graph.json.gz')]);
  for (const f of readdirSync(path.join(REPO, 'test', 'fixtures', 'seed-graphs')).filter((f) => f.endsWith('.json.gz')).sort())
    list.push([`seed-graphs-${f.replace(/\.json\.gz$/, '')}`, path.join(REPO, 'test', 'fixtures', 'seed-graphs', f)]);
  list.push(['example-rustc', path.join(REPO, 'examples', 'rustc.json.gz')]);
  return list;
}

export const GOLDEN_ARGS = ['--no-inspect', '--today', '2026-01-01', '--allowlist', 'allowlist.json', '--format', 'json', '-q'];

/** The fields that name the machine or the moment, made comparable. */
export function normalise(report) {
  const r = { ...report };
  delete r.generatedAt;
  r.graph = { ...r.graph, detail: path.relative(REPO, r.graph.detail) };
  r.allowlist = { ...r.allowlist, file: path.relative(REPO, r.allowlist.file) };
  return r;
}

const invoked = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  mkdirSync(OUT, { recursive: true });
  for (const [name, file] of goldenGraphs()) {
    if (!existsSync(file)) throw new Error(`${file} is missing`);
    const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'scan', '--from-json', file, ...GOLDEN_ARGS], {
      cwd: REPO,
      encoding: 'utf8',
      maxBuffer: 2 ** 30,
    });
    if (r.status !== 0 && r.status !== 1) throw new Error(`${name}: exit ${r.status}: ${r.stderr}`);
    const text = JSON.stringify(normalise(JSON.parse(r.stdout)), null, 1) + '\n';
    writeFileSync(path.join(OUT, `${name}.json.gz`), gzipSync(text, { level: 9 }));
    console.error(`golden: ${name} (${text.length} bytes)`);
  }
}
