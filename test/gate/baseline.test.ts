/** --baseline: gate only on binaries that an earlier report did not already have. */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { corpusDir, repoRoot } from '../helpers.js';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'seedaudit-baseline-'));
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: tmp, encoding: 'utf8', maxBuffer: 1 << 28 });
const graph = (n: string) => path.join(corpusDir, 'nixpkgs-2024', `${n}.json.gz`);

t.test('stdenv as baseline: the rust bootstrap tarball is new and fails; rustc as baseline: nothing new', async (t) => {
  run(['scan', '--from-json', graph('stdenv'), '--format', 'json', '--output', 'stdenv.json']);
  run(['scan', '--from-json', graph('rustc'), '--format', 'json', '--output', 'rustc.json']);
  const vsStdenv = run(['scan', '--from-json', graph('rustc'), '--baseline', 'stdenv.json', '--format', 'json']);
  t.equal(vsStdenv.status, 1);
  const a = JSON.parse(vsStdenv.stdout);
  t.equal(a.gate.baseline, 'stdenv.json');
  t.same(a.gate.failures.map((id: string) => a.inputs.find((i: { id: string }) => i.id === id).name), ['rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz']);

  const vsSelf = run(['scan', '--from-json', graph('rustc'), '--baseline', 'rustc.json', '--format', 'json']);
  t.equal(vsSelf.status, 0, 'every binary is already in the baseline');
  const b = JSON.parse(vsSelf.stdout);
  t.equal(b.inputs.find((i: { name: string }) => i.name.startsWith('rust-1.76.0')).gate, 'baseline');

  // a different hash under the same name is a new binary
  const doctored = JSON.parse(readFileSync(path.join(tmp, 'rustc.json'), 'utf8'));
  doctored.inputs.find((i: { name: string }) => i.name.startsWith('rust-1.76.0')).hash = 'sha256-' + Buffer.alloc(32).toString('base64');
  writeFileSync(path.join(tmp, 'doctored.json'), JSON.stringify(doctored));
  t.equal(run(['scan', '--from-json', graph('rustc'), '--baseline', 'doctored.json', '-q']).status, 1);

  const bad = run(['scan', '--from-json', graph('rustc'), '--baseline', 'missing.json']);
  t.equal(bad.status, 2);
  t.match(bad.stderr, /^seedaudit: baseline: missing\.json: no such file/);
});
