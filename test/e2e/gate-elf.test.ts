/**
 * End to end with real Nix: a derivation compiles its C source with the host's gcc, so its
 * output binary was built here but by a toolchain this graph does not build
 * (foreign-toolchain). It is a gate item like a binary input:
 *  - it fails the default gate;
 *  - an allowlist entry by its build-id, or by its file SHA-256, accepts exactly that file;
 *  - `--baseline r.json` of the same build's own report passes, and `seedaudit diff r.json r.json`
 *    reports nothing new; a rebuild with other source (a new build-id) fails against that
 *    baseline, and `diff` names the same file: the two agree.
 * Then coverage: a derivation that was never built has no output to inspect; the headline
 * says so, and under --fail-on unknown the uninspected output fails the gate.
 */
import t from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ScanReport } from '../../src/model/report.js';
import { runCli, parseReport } from './cli-run.js';
import { buildOptions, fixturesDir, noNixReason, tempDir } from './nix-fixture.js';

const execFileP = promisify(execFile);
const noGcc = spawnSync('/usr/bin/gcc', ['--version']).status === 0 ? null : '/usr/bin/gcc is not installed';
const skip = noNixReason() ?? noGcc;
const nixFile = path.join(fixturesDir, 'host-gcc.nix');
const source = () => `#include <stdio.h>\nint main(void){puts("hello ${randomBytes(6).toString('hex')}");return 0;}\n`;

const build = async (out: string): Promise<void> => {
  await execFileP('nix-build', [nixFile, '--argstr', 'source', source(), ...buildOptions(), '-o', out]);
};

t.test('a host-gcc-built output binary: fails, then accepted by build-id, file hash or baseline', { skip: skip ?? false }, async (t) => {
  const dir = await tempDir('gate-elf');
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const result = path.join(dir, 'result');
  await build(result);
  const empty = path.join(dir, 'empty.json');
  await fs.writeFile(empty, JSON.stringify({ version: 1, seeds: [] }));

  // 1. the default gate fails on it
  const r = await runCli(['scan', result, '--allowlist', empty, '--format', 'json', '--output', path.join(dir, 'r.json')], dir);
  t.equal(r.code, 1, `exit 1; stderr: ${r.stderr}`);
  const rep = JSON.parse(await fs.readFile(path.join(dir, 'r.json'), 'utf8')) as ScanReport;
  const hello = rep.elf.find((e) => e.path.endsWith('/bin/hello'))!;
  t.ok(hello, 'the output ELF file is listed');
  t.equal(hello.provenance, 'foreign-toolchain');
  t.ok(hello.comment?.some((c) => /^GCC: \(Debian /.test(c)), `.comment names Debian's GCC: ${hello.comment}`);
  t.match(hello.buildId, /^[0-9a-f]{40}$/, 'a GNU build-id');
  t.match(hello.sha256, /^[0-9a-f]{64}$/, 'the file SHA-256');
  const sha = (await execFileP('sha256sum', [hello.path])).stdout.split(' ')[0];
  t.equal(hello.sha256, sha, 'the SHA-256 is the one sha256sum prints');
  t.equal(hello.gate, 'fail');
  const item = rep.gate.items.find((i) => i.ref === hello.path)!;
  t.match(item, { kind: 'output-elf', name: 'hello-host-1.0/bin/hello', status: 'fail', accepted: null });
  t.match(item.reason, /toolchain this graph does not build/);
  t.same(rep.gate.failures, [hello.path], 'the ELF file is the one failure');
  t.match(rep.gate.counts, { items: 1, byKind: { 'output-elf': 1 }, accepted: { allowlist: 0, baseline: 0 }, failing: 1 });

  const text = await runCli(['scan', result, '--allowlist', empty], dir);
  const lines = text.stdout.split('\n');
  t.equal(
    lines[0],
    'This build trusts 1 binary not built from source here: hello-host-1.0/bin/hello (output ELF file, not allowlisted); 1 input could not be classified.',
    'the text report opens with the answer',
  );
  t.notMatch(text.stdout, /Not everything was inspected/, 'the output and its closure were read');
  t.match(text.stdout, /Gate \(--fail-on prebuilt\): FAILED — 1 gate item fails: 1 output ELF file/);

  // 2. accepted by an allowlist entry naming its build-id, or its file hash
  const byBuildId = path.join(dir, 'by-build-id.json');
  await fs.writeFile(byBuildId, JSON.stringify({ version: 1, seeds: [{ name: 'hello', buildId: hello.buildId, reason: 'host build reviewed' }] }));
  const a = await runCli(['scan', result, '--allowlist', byBuildId, '--format', 'json'], dir);
  t.equal(a.code, 0, `allowlisted by build-id: exit 0; ${a.stderr}`);
  const ra = parseReport(t, a);
  t.match(ra.gate.items.find((i) => i.ref === hello.path), { status: 'allowlist', accepted: { by: 'allowlist', entry: 'hello', match: 'build-id' } });
  t.match(ra.gate.counts, { accepted: { allowlist: 1, baseline: 0 }, failing: 0 });
  const at = await runCli(['scan', result, '--allowlist', byBuildId, '--format', 'markdown'], dir);
  t.match(at.stdout.split('\n')[0], /^This build trusts 1 binary not built from source here: `hello-host-1\.0\/bin\/hello` \(output ELF file, allowlisted\)/);

  const bySha = path.join(dir, 'by-sha.json');
  await fs.writeFile(bySha, JSON.stringify({ version: 1, seeds: [{ name: 'hello file', fileSha256: hello.sha256, reason: 'this exact file reviewed' }] }));
  const s = await runCli(['scan', result, '--allowlist', bySha, '--format', 'json'], dir);
  t.equal(s.code, 0, `allowlisted by file SHA-256: exit 0; ${s.stderr}`);
  t.match(parseReport(t, s).gate.items.find((i) => i.ref === hello.path), { status: 'allowlist', accepted: { entry: 'hello file', match: 'file-sha256' } });

  const expired = path.join(dir, 'expired.json');
  await fs.writeFile(expired, JSON.stringify({ version: 1, seeds: [{ name: 'hello', buildId: hello.buildId, reason: 'was reviewed', expires: '2020-01-01' }] }));
  t.equal((await runCli(['scan', result, '--allowlist', expired, '-q'], dir)).code, 1, 'an expired entry accepts nothing');

  // 3. the same build's own report as a baseline passes; diff of it with itself is empty
  const b = await runCli(['scan', result, '--allowlist', empty, '--baseline', 'r.json', '--format', 'json'], dir);
  t.equal(b.code, 0, `--baseline r.json of the same build: exit 0; ${b.stderr}`);
  const rb = parseReport(t, b);
  t.equal(rb.elf.find((e) => e.path === hello.path)!.gate, 'baseline');
  t.match(rb.gate.items.find((i) => i.ref === hello.path), { status: 'baseline', accepted: { by: 'baseline', entry: 'r.json' } });
  t.match(rb.gate.counts, { accepted: { allowlist: 0, baseline: 1 }, failing: 0 });
  const same = await runCli(['diff', 'r.json', 'r.json', '--format', 'json'], dir);
  t.equal(same.code, 0, 'diff r.json r.json: exit 0');
  const dSame = JSON.parse(same.stdout);
  t.same(dSame.added, []);
  t.same(dSame.newGateItems, [], 'nothing new: as --baseline says');

  // 4. a rebuild with other source has a new build-id: the baseline no longer covers it, and diff agrees
  const result2 = path.join(dir, 'result2');
  await build(result2);
  const n = await runCli(['scan', result2, '--allowlist', empty, '--format', 'json', '--output', 'r2.json'], dir);
  t.equal(n.code, 1);
  const vs = await runCli(['scan', result2, '--allowlist', empty, '--baseline', 'r.json', '--format', 'json'], dir);
  t.equal(vs.code, 1, 'a new binary is not in the baseline');
  const rvs = parseReport(t, vs);
  const d = await runCli(['diff', 'r.json', 'r2.json', '--format', 'json'], dir);
  t.equal(d.code, 1, 'diff exits 1 on it');
  const dNew = JSON.parse(d.stdout);
  t.same(
    dNew.newGateItems.map((i: { key: string }) => i.key),
    rvs.gate.items.filter((i) => i.status === 'fail').map((i) => i.key),
    'diff names exactly what --baseline fails on',
  );
  t.match(dNew.newGateItems, [{ kind: 'output-elf', name: 'hello-host-1.0/bin/hello' }]);
  const dText = await runCli(['diff', 'r.json', 'r2.json'], dir);
  t.match(dText.stdout, /gate items not in the old report \(what --baseline would not accept\): 1\n {2}\+ output-elf hello-host-1\.0\/bin\/hello/);
});

t.test('an output that was never built: coverage says so; --fail-on unknown fails on it', { skip: skip ?? false }, async (t) => {
  const dir = await tempDir('coverage');
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  // instantiate only: the .drv exists, its output does not
  const { stdout } = await execFileP('nix-instantiate', [nixFile, '--argstr', 'source', source()]);
  const drv = stdout.trim().split('\n').pop()!;
  const empty = path.join(dir, 'empty.json');
  await fs.writeFile(empty, JSON.stringify({ version: 1, seeds: [] }));

  const j = await runCli(['scan', drv, '--allowlist', empty, '--format', 'json'], dir);
  t.equal(j.code, 0, `default gate: nothing that fails it was found; ${j.stderr}`);
  const rep = parseReport(t, j);
  t.equal(rep.coverage.inspected, true);
  t.equal(rep.coverage.complete, false);
  t.same(rep.coverage.outputs, { total: 1, inspected: 0 });
  t.match(rep.coverage.gaps, [{ what: 'output-absent', output: true }]);
  const out = rep.coverage.gaps[0]!.path!;
  t.match(out, /-hello-host-1\.0$/);

  const txt = await runCli(['scan', drv, '--allowlist', empty], dir);
  const lines = txt.stdout.split('\n');
  t.equal(lines[0], 'This build trusts no binary that was not built from source here; 1 input could not be classified.');
  t.equal(lines[1], 'Not everything was inspected: 1 of 1 output absent from the store.', 'the second line says what was not read');
  const md = await runCli(['scan', drv, '--allowlist', empty, '--format', 'markdown'], dir);
  t.match(md.stdout, /^This build trusts no binary .*\n\n⚠️ Not everything was inspected: 1 of 1 output absent from the store\.\n/);
  const html = await runCli(['scan', drv, '--allowlist', empty, '--format', 'html'], dir);
  t.match(html.stdout, /<p id="coverage" class="coverage">Not everything was inspected: 1 of 1 output absent from the store\.<\/p>/);

  const u = await runCli(['scan', drv, '--allowlist', empty, '--fail-on', 'unknown', '--format', 'json'], dir);
  t.equal(u.code, 1, '--fail-on unknown: exit 1');
  const ru = parseReport(t, u);
  t.match(ru.gate.items.find((i) => i.kind === 'uninspected'), { ref: out, status: 'fail' });
  t.ok(ru.gate.failures.includes(out), 'the uninspected output is a failure');
  t.equal(ru.gate.counts.byKind.uninspected, 1);
  const ut = await runCli(['scan', drv, '--allowlist', empty, '--fail-on', 'unknown'], dir);
  t.match(ut.stdout, /Uninspected outputs \(1\)/);
  t.match(ut.stdout, /FAILED — 2 gate items fail: 1 unknown input, 1 uninspected output/);
});
