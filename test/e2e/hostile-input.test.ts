/**
 * Issue 10, graphs and output: inputs that cannot be fully read never pass the gate. Each case
 * runs the built CLI as a user would and checks the contract: exit 2 with one `seedaudit:`
 * line naming the problem (or, for contents, an `unknown` verdict with the evidence), never a
 * hang, a stack trace or a report left behind claiming a pass.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fixedOutputPath } from '../../src/graph/store-path.js';
import { corpusDir } from '../helpers.js';
import { cli } from './cli-run.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'seedaudit-hostile-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

const run = (args: string[], opts: { input?: Buffer; shell?: string } = {}) => {
  const r = opts.shell
    ? spawnSync('bash', ['-c', opts.shell.replaceAll('CLI', `'${process.execPath}' '${cli}'`)], { cwd: tmp, encoding: 'utf8', timeout: 60_000 })
    : spawnSync(process.execPath, [cli, ...args], { cwd: tmp, input: opts.input, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 28 });
  return { code: r.status, out: r.stdout, err: r.stderr, timedOut: r.error !== undefined };
};

/** Exit 2 with exactly one line on stderr, matching `re`, with no control characters. */
const inputError = (t: Test, r: ReturnType<typeof run>, re: RegExp, what: string) => {
  t.notOk(r.timedOut, `${what}: returns`);
  t.equal(r.code, 2, `${what}: exit 2 (stderr: ${r.err.slice(0, 300)})`);
  const lines = r.err.split('\n').filter(Boolean);
  t.equal(lines.length, 1, `${what}: one line`);
  t.match(lines[0] ?? '', /^seedaudit: /, `${what}: names the tool`);
  t.match(lines[0] ?? '', re, `${what}: says why`);
  t.notMatch(r.err, /[\u0000-\u0008\u000b-\u001f\u007f\u001b]/, `${what}: no control characters from the input`);
  t.notMatch(r.err, /internal error|\n\s+at /, `${what}: no crash`);
};

const stdenv = JSON.parse(gunzipSync(readFileSync(path.join(corpusDir, 'nixpkgs-2024', 'stdenv.json.gz'))).toString()) as Record<
  string,
  { inputDrvs: Record<string, string[]>; env: Record<string, unknown>; outputs: Record<string, Record<string, string>> }
>;
const dumpFile = (name: string, doc: unknown): string => {
  const f = path.join(tmp, name);
  writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return f;
};
const copy = () => JSON.parse(JSON.stringify(stdenv)) as typeof stdenv;
const keys = Object.keys(stdenv);
const withInputs = keys.filter((k) => Object.keys(stdenv[k].inputDrvs).length > 0);

t.test('an incomplete graph is an input error, not a smaller graph', async (t) => {
  const g = copy();
  const victim = Object.keys(g[withInputs[0]].inputDrvs)[0];
  delete g[victim];
  inputError(t, run(['scan', '--from-json', dumpFile('partial.json', g)]), /incomplete graph: .* is not in it/, 'a derivation left out');
});

t.test('inputDrvs cycles, and a derivation that is its own input, are input errors', async (t) => {
  const g = copy();
  const a = withInputs[0];
  const b = Object.keys(g[a].inputDrvs)[0];
  g[b].inputDrvs[a] = ['out'];
  inputError(t, run(['scan', '--from-json', dumpFile('cycle.json', g)]), /derivation cycle/, 'a two-derivation cycle');
  const s = copy();
  s[a].inputDrvs[a] = ['out'];
  inputError(t, run(['scan', '--from-json', dumpFile('self.json', s)]), /derivation cycle/, 'a self-reference');
});

t.test('fields of the wrong type are input errors naming the field', async (t) => {
  const g = copy();
  g[keys[0]].env.src = ['not', 'a', 'string'];
  inputError(t, run(['scan', '--from-json', dumpFile('list-env.json', g)]), /env\.src: expected a string, got a list/, 'an env value that is a list');
  const h = copy();
  const fod = keys.find((k) => Object.values(h[k].outputs).some((o) => o.hash))!;
  delete h[fod].outputs.out.hash;
  inputError(t, run(['scan', '--from-json', dumpFile('nohash.json', h)]), /outputs\.out: a floating output .*must not name a path/, 'a fixed output without its hash');
  const o = copy();
  o[keys[0]].outputs = {};
  inputError(t, run(['scan', '--from-json', dumpFile('nooutputs.json', o)]), /has no outputs/, 'outputs set to {}');
});

t.test('size limits: a gzip bomb and endless devices end with a clear error', async (t) => {
  // 200 MiB of white space compress to ~200 KiB: past 64 MiB the 200:1 ratio cap stops it
  const bomb = path.join(tmp, 'bomb.json.gz');
  writeFileSync(bomb, gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20), { level: 9 }));
  inputError(t, run(['scan', '--from-json', bomb]), /decompresses more than 200:1/, 'a gzip bomb');
  inputError(t, run(['scan', '--from-json', '/dev/zero']), /\/dev\/zero: a character device, not a regular file/, '--from-json /dev/zero');
  inputError(t, run([], { shell: 'CLI scan --from-json - < /dev/zero' }), /stdin: not valid derivation JSON at byte 0/, 'stdin from /dev/zero');
  inputError(t, run([], { shell: 'CLI scan --from-json - < /dev/urandom' }), /stdin: /, 'stdin from /dev/urandom');
});

t.test('FIFOs are refused, not waited on', async (t) => {
  const fifo = path.join(tmp, 'fifo');
  spawnSync('mkfifo', [fifo]);
  inputError(t, run(['scan', '--from-json', fifo]), /FIFO/, 'a graph that is a FIFO');
  inputError(t, run(['scan', '--from-json', path.join(corpusDir, 'nixpkgs-2024', 'stdenv.json.gz'), '--allowlist', fifo]), /FIFO/, 'an allowlist that is a FIFO');
  inputError(t, run(['scan', '--from-json', path.join(corpusDir, 'nixpkgs-2024', 'stdenv.json.gz'), '--rules', fifo]), /FIFO/, 'rules that are a FIFO');
  const root = path.join(tmp, 'fifo-root');
  mkdirSync(path.join(root, 'nix/store'), { recursive: true });
  const drv = `/nix/store/${'a'.repeat(32)}-a.drv`;
  spawnSync('mkfifo', [path.join(root, drv)]);
  inputError(t, run(['scan', '--store-root', root, drv]), /FIFO/, 'a .drv that is a FIFO');
});

const H = (c: string) => c.repeat(32);
const aterm = (name: string, outPath: string, extra: { hashAlgo?: string; hash?: string; env?: [string, string][] } = {}) =>
  `Derive([("out","${outPath}","${extra.hashAlgo ?? ''}","${extra.hash ?? ''}")],[],[],"x86_64-linux","/bin/sh",["-c","true"],[${[['name', name], ['out', outPath], ...(extra.env ?? [])].map(([k, v]) => `("${k}","${v}")`).join(',')}])`;

t.test('--store-root is a jail: a .drv symlink out of it is refused', async (t) => {
  const root = path.join(tmp, 'jail');
  mkdirSync(path.join(root, 'nix/store'), { recursive: true });
  const outside = path.join(tmp, 'outside.drv');
  writeFileSync(outside, aterm('a', `/nix/store/${H('b')}-a`));
  const drv = `/nix/store/${H('a')}-a.drv`;
  symlinkSync(outside, path.join(root, drv));
  inputError(t, run(['scan', '--store-root', root, drv]), /outside the store root/, 'a .drv symlink to outside the root');
});

t.test('a fetched path that is a symlink out of the store is a finding, never read through', async (t) => {
  const root = path.join(tmp, 'linkroot');
  mkdirSync(path.join(root, 'nix/store'), { recursive: true });
  const hex = 'f2034994196fd9b9df7d183409e8e205773a53f4ba61e08b01d1eb62f4cfca86';
  const out = fixedOutputPath('flat', 'sha256', Buffer.from(hex, 'hex'), '/nix/store', 'tool-1.0.tar.gz');
  const fod = `/nix/store/${H('c')}-tool-1.0.tar.gz.drv`;
  writeFileSync(path.join(root, fod), aterm('tool-1.0.tar.gz', out, { hashAlgo: 'sha256', hash: hex, env: [['url', 'https://example.org/tool-1.0.tar.gz']] }));
  symlinkSync('/usr/bin', path.join(root, out));
  const user = `/nix/store/${H('d')}-tool-1.0.drv`;
  writeFileSync(
    path.join(root, user),
    `Derive([("out","/nix/store/${H('g')}-tool-1.0","","")],[("${fod}",["out"])],[],"x86_64-linux","/bin/sh",["-c","true"],[("name","tool-1.0"),("out","/nix/store/${H('g')}-tool-1.0"),("src","${out}")])`,
  );
  const r = run(['scan', '--store-root', root, user, '--format', 'json', '--fail-on', 'unknown']);
  t.equal(r.code, 1, `the gate fails (stderr: ${r.err})`);
  const report = JSON.parse(r.out) as { inputs: { name: string; class: string; evidence: { detail: string }[] }[] };
  const input = report.inputs.find((i) => i.name === 'tool-1.0.tar.gz')!;
  t.equal(input.class, 'unknown', 'the symlinked download is unknown');
  t.match(JSON.stringify(input.evidence), /symlink to \\"\/usr\/bin\\", outside the store: not read/, 'and says why');
  t.notMatch(r.out, /usr\/bin\/[a-z]/, 'no file of /usr/bin is listed as its contents');
});

t.test('safe output: escapes, a failing stdout, atomic reports', async (t) => {
  const evil = dumpFile('evil\u001b[31m.json', '{"x": 1}');
  const r = run(['scan', '--from-json', evil]);
  inputError(t, r, /evil\\x1b\[31m\.json/, 'an ANSI escape in a file name is shown escaped');

  const stdenvGz = path.join(corpusDir, 'nixpkgs-2024', 'stdenv.json.gz');
  const report = path.join(tmp, 'full.json');
  const full = run([], { shell: `CLI scan --from-json '${stdenvGz}' --report json:'${report}' > /dev/full` });
  inputError(t, full, /cannot write to stdout: ENOSPC/, 'stdout on a full disk');
  t.notOk(existsSync(report), 'no report is left behind by a run that ended in exit 2');
  t.same(readdirSync(tmp).filter((f) => f.endsWith('.tmp')), [], 'nor a temporary file');

  const ok = run(['scan', '--from-json', stdenvGz, '--report', `json:${report}`, '-q']);
  t.equal(ok.code, 0, ok.err);
  t.equal((JSON.parse(readFileSync(report, 'utf8')) as { gate: { passed: boolean } }).gate.passed, true, 'a run that ends well writes its report');
  const dash = run(['scan', '--from-json', stdenvGz, '--report', 'json:-', '-q']);
  t.equal((JSON.parse(dash.out) as { gate: { passed: boolean } }).gate.passed, true, '--report FMT:- writes to stdout');
  t.notOk(existsSync(path.join(tmp, '-')), 'and no file named -');
});
