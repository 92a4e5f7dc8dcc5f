/**
 * Classification and reports unchanged (issue 13): every corpus graph is scanned by the built
 * CLI and its JSON report must equal the golden one main's code wrote before the many-roots
 * rework (test/fixtures/golden-reports, scripts/golden-reports.mjs), apart from `generatedAt`
 * and the two fields naming this checkout. The provenance graphs have 275 and 102 top-level
 * roots, so `via` and `inputs[].roots` of multi-root scans are compared too.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
// @ts-expect-error: a plain ES module script, shared with the generator
import { goldenGraphs, GOLDEN_ARGS, normalise } from '../../scripts/golden-reports.mjs';
import { repoRoot } from '../helpers.js';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const graphs = goldenGraphs() as [string, string][];

for (const [name, file] of graphs) {
  t.test(name, { skip: !existsSync(cli) ? 'dist/cli.js is not built' : !existsSync(file) ? `${file} is missing` : false }, async (t) => {
    const r = spawnSync(process.execPath, [cli, 'scan', '--from-json', file, ...GOLDEN_ARGS], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 2 ** 30 });
    t.ok(r.status === 0 || r.status === 1, `exit ${r.status} ${r.stderr}`);
    const got = normalise(JSON.parse(r.stdout)) as Record<string, unknown>;
    const want = JSON.parse(gunzipSync(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'golden-reports', `${name}.json.gz`))).toString('utf8')) as Record<string, unknown>;
    // section by section, so a failure names what changed
    t.same(Object.keys(got), Object.keys(want), 'the same sections');
    for (const k of Object.keys(want)) {
      if (k === 'inputs') {
        const a = got.inputs as { id: string }[];
        const b = want.inputs as { id: string }[];
        t.equal(a.length, b.length, 'as many inputs');
        const bad = b.findIndex((x, i) => JSON.stringify(x) !== JSON.stringify(a[i]));
        t.equal(bad, -1, bad < 0 ? 'every input the same' : `input ${bad} (${b[bad]!.id}) differs`);
      } else t.strictSame(got[k], want[k], k);
    }
  });
}
