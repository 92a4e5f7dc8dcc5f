/**
 * The CLI as a user and a CI job see it: the built dist/cli.js run as a process.
 * Exit 0 pass, 1 gate failed, 2 usage/input error with ONE line on stderr, no stack trace.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { gzipSync, gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { corpusDir, repoRoot } from '../helpers.js';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'seedaudit-cli-'));
const run = (args: string[], opts: { input?: Buffer | string; env?: Record<string, string>; cwd?: string } = {}) => {
  const r = spawnSync(process.execPath, [cli, ...args], {
    input: opts.input, cwd: opts.cwd ?? tmp, env: { ...process.env, NO_COLOR: '', ...opts.env }, encoding: 'utf8', maxBuffer: 1 << 28,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const rustc = path.join(corpusDir, 'nixpkgs-2024', 'rustc.json.gz');
const stdenv = path.join(corpusDir, 'nixpkgs-2024', 'stdenv.json.gz');

t.test('dist/cli.js is built', async (t) => {
  t.ok(existsSync(cli), 'npm test runs tsc first');
});

t.test('scan a saved graph: gate fails on the rust bootstrap tarball, passes on stdenv', async (t) => {
  const r = run(['scan', '--from-json', rustc]);
  t.equal(r.code, 1);
  t.match(r.out, /PREBUILT rust-1\.76\.0-x86_64-unknown-linux-gnu\.tar\.gz\s+NOT ALLOWLISTED/);
  t.match(r.out, /Gate \(--fail-on prebuilt\): FAILED/);
  t.notMatch(r.out, /\x1b\[/, 'no colour when stdout is not a terminal');
  const s = run(['scan', '--from-json', stdenv]);
  t.equal(s.code, 0, s.err);
  t.match(s.out, /PASSED/);
});

t.test('JSON report follows the documented schema', async (t) => {
  const out = path.join(tmp, 'r.json');
  const r = run(['scan', '--from-json', rustc, '--format', 'json', '--output', out]);
  t.equal(r.code, 1);
  t.equal(r.out, '', 'report went to the file');
  const rep = JSON.parse(readFileSync(out, 'utf8'));
  t.equal(rep.schemaVersion, 1);
  t.same(Object.keys(rep.summary).sort(), ['derivations', 'fixedOutput', 'fixedOutputDerivations', 'fixedOutputPaths', 'inputs', 'notAllowlisted', 'prebuilt', 'seed', 'source', 'unknown'].sort());
  const rust = rep.inputs.find((i: { name: string }) => i.name === 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz');
  t.match(rust, {
    kind: 'fixed-output', class: 'prebuilt', hash: /^sha256-/, urls: ['https://static.rust-lang.org/dist/rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz'],
    allowlisted: false, drv: /\.drv$/, path: /^\/nix\/store\//,
  });
  t.same(rust.via, ['rustc-wrapper-1.77.1', 'rustc-1.77.1', 'cargo-bootstrap-1.76.0', 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz']);
  t.match(rep.gate, { failOn: 'prebuilt', passed: false, failures: [rust.id], baseline: null });
  t.same(Object.keys(rep.gate).sort(), ['baseline', 'counts', 'failOn', 'failures', 'items', 'passed']);
  t.match(rep.gate.counts, { items: 3, byKind: { 'binary-input': 3, 'unknown-input': 0, 'output-elf': 0, uninspected: 0 }, accepted: { allowlist: 2, baseline: 0 }, notAccepted: 1, failing: 1 });
  t.match(rep.gate.items.find((i: { ref: string }) => i.ref === rust.id), { kind: 'binary-input', name: rust.name, status: 'fail', accepted: null });
  t.equal(rep.summary.notAllowlisted, 1, 'the summary and the gate count the same');
  t.match(rep.coverage, { inspected: true, complete: false, outputs: { inspected: 0 } }, 'a dumped graph on a machine without its outputs: coverage says so');
  for (const i of rep.inputs) for (const k of ['name', 'drv', 'path', 'kind', 'class', 'hash', 'urls', 'allowlisted', 'evidence', 'via']) t.ok(k in i, k);
});

t.test('stdin, gzip and --fail-on', async (t) => {
  const text = gunzipSync(readFileSync(stdenv));
  t.equal(run(['scan', '--from-json', '-', '-q'], { input: text }).code, 0);
  t.equal(run(['scan', '--from-json', '-', '-q'], { input: gzipSync(text) }).code, 0);
  t.equal(run(['scan', '--from-json', rustc, '--fail-on', 'never', '-q']).code, 0);
  // rustc's graph has an unknown input (cracklib's word list): --fail-on unknown fails on it too
  const r = run(['scan', '--from-json', rustc, '--fail-on', 'unknown', '--format', 'json']);
  const rep = JSON.parse(r.out);
  t.ok(rep.gate.failures.some((id: string) => rep.inputs.find((i: { id: string; class: string }) => i.id === id).class === 'unknown'));
});

t.test('an allowlist entry lets the binary through; an expired one does not', async (t) => {
  const rep = JSON.parse(run(['scan', '--from-json', rustc, '--format', 'json']).out);
  const rust = rep.inputs.find((i: { name: string }) => i.name.startsWith('rust-1.76.0'));
  const shipped = JSON.parse(readFileSync(path.join(repoRoot, 'allowlist.json'), 'utf8'));
  const write = (expires: string) => {
    const f = path.join(tmp, `allow-${expires}.json`);
    shipped.seeds.push({ name: 'rust bootstrap', hash: rust.hash, reason: 'upstream rustc bootstrap, reviewed', expires });
    writeFileSync(f, JSON.stringify(shipped));
    shipped.seeds.pop();
    return f;
  };
  t.equal(run(['scan', '--from-json', rustc, '--allowlist', write('2099-01-01'), '-q']).code, 0);
  const expired = run(['scan', '--from-json', rustc, '--allowlist', write('2020-01-01')]);
  t.equal(expired.code, 1);
  t.match(expired.out, /EXPIRED 2020-01-01/);
  // ./allowlist.json in the working directory is picked up without --allowlist
  const dir = mkdtempSync(path.join(tmpdir(), 'seedaudit-cwd-'));
  writeFileSync(path.join(dir, 'allowlist.json'), readFileSync(write('2099-01-01')));
  t.equal(run(['scan', '--from-json', rustc, '-q'], { cwd: dir }).code, 0);
});

t.test('bad input: one line on stderr, exit 2, no stack trace', async (t) => {
  const gz = readFileSync(rustc);
  const truncated = path.join(tmp, 'trunc.json.gz');
  writeFileSync(truncated, gz.subarray(0, gz.length >> 1));
  const notJson = path.join(tmp, 'not.json');
  writeFileSync(notJson, 'hello, world');
  const otherShape = path.join(tmp, 'other.json');
  writeFileSync(otherShape, JSON.stringify({ name: 'package.json', version: '1.0.0', dependencies: {} }));
  const badAllow = path.join(tmp, 'bad-allow.json');
  writeFileSync(badAllow, '{"version": 1, "seeds": [{"name": "x", "hash": "sha256-nope", "reason": "r"}]}');
  const cases: [string[], RegExp, Record<string, string>?][] = [
    [['scan', '--from-json', truncated], /cannot decompress: truncated gzip/],
    [['scan', '--from-json', notJson], /not valid derivation JSON at byte 0/],
    [['scan', '--from-json', otherShape], /not a derivation graph|unsupported derivation JSON/],
    [['scan', '--from-json', path.join(tmp, 'missing.json')], /no such file/],
    [['scan', '--from-json', stdenv, '--allowlist', badAllow], /allowlist .*bad-allow\.json/],
    [['scan', '/nix/store/00000000000000000000000000000000-gone.drv'], /no such derivation file/],
    [['scan', path.join(tmp, 'result')], /nix is not installed|does not exist/, { PATH: path.join(tmp, 'empty-path') }],
    [['scan', '--format', 'pdf', '--from-json', stdenv], /must be one of/],
    [['scan', '--bogus'], /unknown option '--bogus'/],
    [['scan'], /nothing to scan/],
    [['frobnicate'], /unknown command/],
  ];
  for (const [args, msg, env] of cases) {
    const r = run(args, { env });
    t.equal(r.code, 2, `${args.join(' ')} exits 2`);
    t.match(r.err, msg, args.join(' '));
    t.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
    t.notMatch(r.err, /\n\s+at /, 'no stack trace');
    t.match(r.err, /^seedaudit: /);
  }
});

t.test('--report writes several formats from one scan', async (t) => {
  const j = path.join(tmp, 'multi.json');
  const txt = path.join(tmp, 'multi.txt');
  const r = run(['scan', '--from-json', stdenv, '--report', `json:${j}`, '--report', `text:${txt}`, '-q']);
  t.equal(r.code, 0);
  t.equal(JSON.parse(readFileSync(j, 'utf8')).schemaVersion, 1);
  t.match(readFileSync(txt, 'utf8'), /Gate/);
  t.equal(run(['scan', '--from-json', stdenv, '--report', 'nope']).code, 2);
});

t.test('--version and --help', async (t) => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  t.equal(run(['--version']).out.trim(), pkg.version);
  t.match(run(['--help']).out, /seedaudit scan/);
});

t.test('reports written to files: the JSON file is the stdout JSON, byte for byte; an unwritable target is one line, exit 2, nothing left behind', async (t) => {
  const dir = mkdtempSync(path.join(tmp, 'out-'));
  const file = path.join(dir, 'r.json');
  const toFile = run(['scan', '--from-json', rustc, '--today', '2026-12-03', '--format', 'json', '--output', file, '--report', `html:${path.join(dir, 'r.html')}`]);
  const toStdout = run(['scan', '--from-json', rustc, '--today', '2026-12-03', '--format', 'json']);
  t.equal(toFile.code, 1);
  t.equal(toStdout.code, 1);
  const strip = (s: string) => s.replace(/"generatedAt": "[^"]*"/, '');
  t.equal(strip(readFileSync(file, 'utf8')), strip(toStdout.out), 'same bytes apart from the time stamp');
  t.same(readdirSync(dir).sort(), ['r.html', 'r.json'], 'no temporary file is left');

  // the parent of the target is a regular file: the write fails after the scan
  const blocker = path.join(dir, 'not-a-dir');
  writeFileSync(blocker, 'x');
  const bad = run(['scan', '--from-json', rustc, '--format', 'json', '--output', path.join(blocker, 'r.json'), '--report', `html:${path.join(dir, 'second.html')}`]);
  t.equal(bad.code, 2);
  t.equal(bad.err.trim().split('\n').length, 1, bad.err);
  t.match(bad.err, /^seedaudit: cannot write .*not-a-dir\/r\.json: a path component is not a directory$/m);
  t.same(readdirSync(dir).sort(), ['not-a-dir', 'r.html', 'r.json'], 'the report written before the failure is removed too: no partial set of reports');
});
