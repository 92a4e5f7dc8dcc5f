/**
 * `seedaudit diff` (src/commands/diff.ts), called as the CLI calls a command: input errors
 * must be one-line InputErrors, which main() prints and turns into exit 2.
 */
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { diffCommand } from '../../src/commands/diff.js';
import { reportProblem } from '../../src/report/load.js';
import { InputError } from '../../src/errors.js';
import type { Io } from '../../src/io.js';
import { RUST_BOOTSTRAP, makeReport, regate } from './fixture.js';

const capture = (cwd: string) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { stdout: (s) => out.push(s), stderr: (s) => err.push(s), isTTY: false, stderrIsTTY: false, env: {}, cwd };
  return { io, out: () => out.join(''), err: () => err.join('') };
};

t.test('diff command', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'seedaudit-diff-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const withRust = makeReport();
  const withoutRust = makeReport();
  withoutRust.inputs = withoutRust.inputs.filter((i) => i.id !== RUST_BOOTSTRAP.id);
  regate(withoutRust);
  await writeFile(path.join(dir, 'old.json'), JSON.stringify(withoutRust));
  await writeFile(path.join(dir, 'new.json.gz'), gzipSync(JSON.stringify(withRust)));
  await writeFile(path.join(dir, 'broken.json'), '{"schemaVersion": 1,');
  await writeFile(path.join(dir, 'v2.json'), JSON.stringify({ ...withRust, schemaVersion: 2 }));
  await writeFile(path.join(dir, 'other.json'), JSON.stringify({ version: '2.1.0', runs: [] }));
  const badInput = makeReport();
  (badInput.inputs[2] as unknown as Record<string, unknown>).class = 'trusted';
  await writeFile(path.join(dir, 'bad-input.json'), JSON.stringify(badInput));

  t.test('binary added: exit 1, text names it', async (t) => {
    const c = capture(dir);
    t.equal(await diffCommand(['old.json', 'new.json.gz'], c.io), 1);
    t.match(c.out(), /^seedaudit diff: old\.json -> new\.json\.gz\nbinary inputs: 1 added, 0 removed, 0 changed, 2 unchanged/);
    t.match(c.out(), `+ prebuilt ${RUST_BOOTSTRAP.name}`);
    t.equal(c.err(), '');
  });

  t.test('binary removed only: exit 0; json format', async (t) => {
    const c = capture(dir);
    t.equal(await diffCommand(['--format', 'json', 'new.json.gz', 'old.json'], c.io), 0);
    const d = JSON.parse(c.out());
    t.same(d.removed.map((r: { name: string }) => r.name), [RUST_BOOTSTRAP.name]);
    t.same(d.added, []);
  });

  t.test('same report: exit 0', async (t) => {
    const c = capture(dir);
    t.equal(await diffCommand(['old.json', 'old.json', '--format=text'], c.io), 0);
    t.match(c.out(), /no change in the binary inputs/);
  });

  t.test('help', async (t) => {
    const c = capture(dir);
    t.equal(await diffCommand(['--help'], c.io), 0);
    t.match(c.out(), /^Usage: seedaudit diff OLD\.json NEW\.json/);
  });

  const rejects = async (argv: string[], message: RegExp) => {
    const c = capture(dir);
    const e = await diffCommand(argv, c.io).then(
      () => null,
      (err: unknown) => err,
    );
    t.ok(e instanceof InputError, `${argv.join(' ')}: InputError`);
    t.match((e as Error).message, message);
    t.notMatch((e as Error).message, /\n/, 'one line');
    t.equal(c.out(), '', 'nothing on stdout');
  };
  t.test('input errors', async () => {
    await rejects(['old.json'], /^diff: give exactly two reports/);
    await rejects(['old.json', 'new.json.gz', 'third.json'], /^diff: give exactly two reports/);
    await rejects(['missing.json', 'old.json'], /^diff: missing\.json: no such file$/);
    await rejects(['old.json', '.'], /^diff: \.: a directory, not a regular file$/);
    await rejects(['broken.json', 'old.json'], /^diff: broken\.json: not valid JSON \(/);
    await rejects(['old.json', 'v2.json'], /^diff: v2\.json: not a seedaudit JSON report: report schemaVersion 2 is not supported \(expected 1\)$/);
    await rejects(['other.json', 'old.json'], /^diff: other\.json: not a seedaudit JSON report: not a seedaudit report/);
    await rejects(['old.json', 'bad-input.json'], /^diff: bad-input\.json: not a seedaudit JSON report: inputs\[2\] has an unknown class "trusted"$/);
    await rejects(['old.json', 'old.json', '--format', 'html'], /must be one of text, json/);
  });
});

t.test('reportProblem', async (t) => {
  t.equal(reportProblem(makeReport()), null);
  t.equal(reportProblem([]), 'not a JSON object');
  t.equal(reportProblem(null), 'not a JSON object');
  const r = makeReport() as unknown as Record<string, unknown>;
  t.equal(reportProblem({ ...r, inputs: {} }), 'inputs is not a list');
  t.equal(reportProblem({ ...r, roots: [{}] }), 'roots is not a list of {drv, name}');
  const urls = makeReport();
  (urls.inputs[0] as unknown as Record<string, unknown>).urls = [1];
  t.equal(reportProblem(urls), 'inputs[0] has urls that are not strings');
});
