/**
 * `scan --roots-file` / `--roots-report` from the command line: nix-eval-jobs lines and .drv
 * paths, errored attributes (an input error unless --eval-errors report), roots missing from the
 * dump, malformed lines, the roots report on stdout or staged into a file, and the .drv reader.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import type { RootLine, ScanReport } from '../../src/model/report.js';
import { corpusDir, repoRoot } from '../helpers.js';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const DUMP = path.join(corpusDir, 'nixpkgs-2024', 'rustc.json.gz');
const skip = !existsSync(cli) ? 'dist/cli.js is not built' : !existsSync(DUMP) ? 'shared corpus is missing' : false;
const tmp = mkdtempSync(path.join(tmpdir(), 'seedaudit-roots-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
const run = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [cli, 'scan', ...args], { cwd: tmp, encoding: 'utf8', maxBuffer: 2 ** 28, ...(input !== undefined ? { input } : {}) });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const jsonl = (text: string): RootLine[] => text.trim().split('\n').map((l) => JSON.parse(l) as RootLine);

t.test('nix-eval-jobs lines over a dump', { skip }, async (t) => {
  const dump = JSON.parse(gunzipSync(readFileSync(DUMP)).toString('utf8')) as Record<string, { env: { name: string } }>;
  const rust = Object.keys(dump).find((k) => k.endsWith('-rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz.drv'))!;
  const rustc = Object.keys(dump).find((k) => /-rustc-1\.77\.1\.drv$/.test(k))!;
  const xz = Object.keys(dump).find((k) => /-xz-5\.4\.6\.drv$/.test(k))!;
  const job = (attr: string, drvPath: string) => JSON.stringify({ attr, attrPath: attr.split('.'), drvPath, name: dump[drvPath]!.env.name, system: 'x86_64-linux', outputs: {} });
  const jobs = path.join(tmp, 'jobs.jsonl');
  const broken = JSON.stringify({ attr: 'broken', attrPath: ['broken'], error: 'error: attribute missing\n       at default.nix:3:1' });
  writeFileSync(jobs, [job('rustc', rustc), job('xz', xz), job('xzAlias', xz), broken, '', '# a comment', rust].join('\n') + '\n');

  const failed = run(['--from-json', DUMP, '--roots-file', 'jobs.jsonl', '--no-inspect', '-q']);
  t.equal(failed.code, 2, 'an errored attribute is an input error by default');
  t.match(failed.err, /^seedaudit: roots file jobs\.jsonl: 1 attribute failed to evaluate \(first: broken, line 4: error: attribute missing\); give --eval-errors report/);
  t.equal(failed.err.trim().split('\n').length, 1, 'one line');

  const ok = run(['--from-json', DUMP, '--roots-file', jobs, '--eval-errors', 'report', '--no-inspect', '--roots-report', 'roots.jsonl', '--format', 'json', '--output', 'report.json']);
  t.equal(ok.code, 1, 'the gate fails: rustc takes the prebuilt rust bootstrap');
  t.match(ok.err, /1 attribute that failed to evaluate was not scanned/);
  const lines = jsonl(readFileSync(path.join(tmp, 'roots.jsonl'), 'utf8'));
  t.same(lines.map((l) => l.attr), ['rustc', 'xz', 'xzAlias', 'broken', null], 'a line per entry, in order, errors included');
  const [lr, lx, la, lb, lrust] = lines as [RootLine, RootLine, RootLine, RootLine, RootLine];
  t.equal(lr.gate, 'fail');
  t.same(lr.prebuilt!.map((i) => i.name), ['rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz']);
  t.same(lr.notAllowlisted, [rust]);
  t.same(lr.counts, { seeds: 2, prebuilt: 1, unknown: lr.unknown!.length, notAllowlisted: 1, failing: 1 });
  t.equal(lx.gate, 'pass');
  t.same(lx.prebuilt, []);
  t.same(lx.seeds!.map((i) => [i.name, i.allowlisted]), [['bootstrap-tools.tar.xz', true], ['busybox', true]]);
  t.same({ ...la, attr: 'xz' }, lx, 'an alias of the same derivation gets the same line');
  t.same(lb, { attr: 'broken', drv: null, name: null, error: 'error: attribute missing\n       at default.nix:3:1' });
  t.same(lrust.prebuilt!.map((i) => i.id), [rust], 'a fixed output as a root holds itself');
  const report = JSON.parse(readFileSync(path.join(tmp, 'report.json'), 'utf8')) as ScanReport;
  t.same(report.roots.map((r) => r.drv), [rustc, xz, rust], 'the distinct roots, in order');
  t.same(report.manyRoots, { roots: 3, entries: 5, inputRoots: 'binary-and-unknown', evalErrors: [{ attr: 'broken', error: 'error: attribute missing\n       at default.nix:3:1' }] });
  t.same(
    report.trustBase.map((b) => b.prebuilt),
    [[rust], [], [rust]],
    'the aggregate trust bases',
  );

  // the roots report on stdout takes stdout alone
  const out = run(['--from-json', DUMP, '--roots-file', '-', '--no-inspect', '--roots-report', '-'], `${xz}\n${rustc}\n`);
  t.equal(out.code, 1);
  t.same(jsonl(out.out).map((l) => [l.attr, l.drv, l.gate]), [[null, xz, 'pass'], [null, rustc, 'fail']], 'plain .drv lines from stdin; JSON lines only on stdout');
  t.equal(run(['--from-json', DUMP, '--roots-file', jobs, '--eval-errors', 'report', '--roots-report', '-', '--json']).code, 2, 'two reports cannot share stdout');
});

t.test('input errors', { skip }, async (t) => {
  const f = (name: string, text: string) => (writeFileSync(path.join(tmp, name), text), name);
  const missing = '/nix/store/00000000000000000000000000000000-nothing-1.0.drv';
  let r = run(['--from-json', DUMP, '--roots-file', f('missing.txt', `${missing}\n`), '--no-inspect', '-q']);
  t.equal(r.code, 2);
  t.match(r.err, new RegExp(`^seedaudit: .*root ${missing} is not in the graph\\n$`));
  r = run(['--from-json', DUMP, '--roots-file', f('bad.txt', `\n${missing}\nhello.drv\n`), '--no-inspect', '-q']);
  t.match(r.err, /^seedaudit: roots file bad\.txt:3: "hello\.drv" is neither a derivation path in \/nix\/store nor a nix-eval-jobs JSON line\n$/);
  r = run(['--from-json', DUMP, '--roots-file', f('nodrv.jsonl', '{"attr": "x"}\n'), '--no-inspect', '-q']);
  t.match(r.err, /^seedaudit: roots file nodrv\.jsonl:1: no "drvPath"/);
  r = run(['--from-json', DUMP, '--roots-file', f('empty.txt', '# nothing\n'), '--no-inspect', '-q']);
  t.match(r.err, /^seedaudit: roots file empty\.txt: no roots/);
  r = run(['--roots-file', 'empty.txt', 'x.drv']);
  t.match(r.err, /^seedaudit: scan: --roots-file cannot be combined with TARGETs/);
  r = run(['--from-json', DUMP, '--eval-errors', 'report']);
  t.match(r.err, /^seedaudit: scan: --eval-errors applies to/);
});

t.test('roots read as .drv files (no dump)', { skip }, async (t) => {
  const store = mkdtempSync(path.join(tmp, 'store-'));
  execFileSync('tar', ['-xzf', path.join(corpusDir, 'nixpkgs-2024', 'drvs.tar.gz'), '-C', store]);
  const dump = JSON.parse(gunzipSync(readFileSync(DUMP)).toString('utf8')) as Record<string, unknown>;
  const pick = [/-xz-5\.4\.6\.drv$/, /-rustc-1\.77\.1\.drv$/, /-zlib-1\.3\.1\.drv$/].map((re) => Object.keys(dump).find((k) => re.test(k))!);
  t.equal(pick.length, 3);
  const r = run(['--store-root', store, '--roots-file', '-', '--no-inspect', '--roots-report', '-'], pick.join('\n'));
  t.equal(r.code, 1, `exit 1 (${r.err})`);
  const lines = jsonl(r.out);
  t.same(lines.map((l) => l.drv), pick);
  t.same(lines.map((l) => l.prebuilt!.length), pick.map((p) => (p.includes('rustc') ? 1 : 0)), 'only rustc takes a prebuilt input');
  const gone = run(['--store-root', store, '--roots-file', '-', '--no-inspect', '-q'], '/nix/store/00000000000000000000000000000000-nothing-1.0.drv\n');
  t.equal(gone.code, 2);
  t.match(gone.err, /no such derivation file \(a root of the roots file\)/);
  t.same(readdirSync(tmp).filter((n) => n.endsWith('.tmp')), [], 'no staged file left');
});
