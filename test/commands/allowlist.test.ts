import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appendEntry, checkAllowlist } from '../../src/commands/allowlist.js';
import { corpusDir, repoRoot } from '../helpers.js';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'seedaudit-allow-'));
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: tmp, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const report = path.join(tmp, 'rustc.json');
run(['scan', '--from-json', path.join(corpusDir, 'nixpkgs-2024', 'rustc.json.gz'), '--format', 'json', '--output', report]);

t.test('add appends the input with its normalised hash and URLs, keeping the formatting', async (t) => {
  const file = path.join(tmp, 'allow.json');
  const original = readFileSync(path.join(repoRoot, 'allowlist.json'), 'utf8');
  writeFileSync(file, original);
  t.equal(run(['scan', '--from-json', path.join(corpusDir, 'nixpkgs-2024', 'rustc.json.gz'), '--allowlist', file, '-q']).code, 1);

  const noReason = run(['allowlist', 'add', '--from-report', report, 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz', '--allowlist', file]);
  t.equal(noReason.code, 2);
  t.match(noReason.err, /--reason is required/);
  t.equal(readFileSync(file, 'utf8'), original, 'file untouched when refused');

  const r = run(['allowlist', 'add', '--from-report', report, 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz', '--reason', 'upstream bootstrap compiler, reviewed', '--expires', '2027-01-31', '--allowlist', file]);
  t.equal(r.code, 0, r.err);
  const after = readFileSync(file, 'utf8');
  t.ok(after.startsWith(original.slice(0, original.lastIndexOf('}\n    }') + 1)), 'existing entries kept byte for byte');
  const doc = JSON.parse(after);
  const added = doc.seeds[doc.seeds.length - 1];
  t.match(added, { name: 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz', hash: /^sha256-/, reason: 'upstream bootstrap compiler, reviewed', expires: '2027-01-31', urls: ['https://static.rust-lang.org/dist/rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz'] });
  t.equal(run(['scan', '--from-json', path.join(corpusDir, 'nixpkgs-2024', 'rustc.json.gz'), '--allowlist', file, '-q']).code, 0, 'now the gate passes');
  const again = run(['allowlist', 'add', '--from-report', report, 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz', '--reason', 'x', '--allowlist', file]);
  t.equal(again.code, 2);
  t.match(again.err, /already allowlisted/);
  t.equal(run(['allowlist', 'add', '--from-report', report, 'no-such-input', '--reason', 'x', '--allowlist', file]).code, 2);
});

t.test('appendEntry keeps tabs, handles an empty list', async (t) => {
  const tabbed = '{\n\t"version": 1,\n\t"seeds": []\n}\n';
  const out = appendEntry(tabbed, { name: 'a', hash: 'h', reason: 'r' });
  t.equal(out, '{\n\t"version": 1,\n\t"seeds": [\n\t\t{\n\t\t\t"name": "a",\n\t\t\t"hash": "h",\n\t\t\t"reason": "r"\n\t\t}\n\t]\n}\n');
  const twice = appendEntry(out, { name: 'b', hash: 'h2', reason: 'r' });
  t.same(JSON.parse(twice).seeds.map((s: { name: string }) => s.name), ['a', 'b']);
  // a "seeds" string inside a value does not confuse the scanner
  const tricky = '{"about": "the \\"seeds\\": [] list", "version": 1, "seeds": [{"name": "x", "hash": "h", "reason": "r"}]}';
  t.same(JSON.parse(appendEntry(tricky, { name: 'y', hash: 'h3', reason: 'r' })).seeds.length, 2);
});

t.test('check reports expired, malformed, duplicate and unused entries', async (t) => {
  const busy = 'sha256-QrTEnQTBM1Y/qV9odq8irZkQSD9uOMbs2Q5NgCvKCNQ=';
  const text = JSON.stringify({
    version: 1,
    seeds: [
      { name: 'busybox', hash: busy, reason: 'seed', expires: '2020-01-01' },
      { name: 'dup', hash: Buffer.from(busy.slice(7), 'base64').toString('hex'), reason: 'same hash in base-16' },
      { name: 'bad', hash: 'sha256-xyz', reason: 'r' },
      { name: 'unused', hash: 'sha256-' + Buffer.alloc(32, 7).toString('base64'), reason: 'r' },
      { name: 'noreason', hash: 'sha256-' + Buffer.alloc(32, 9).toString('base64') },
    ],
  });
  const rep = JSON.parse(readFileSync(report, 'utf8'));
  const problems = checkAllowlist(text, 'a.json', '2026-11-21', [rep]);
  const find = (entry: string, re: RegExp) => problems.some((p) => p.entry.includes(entry) && re.test(p.message));
  t.ok(find('busybox', /expired on 2020-01-01/));
  t.ok(find('dup', /duplicate hash/));
  t.ok(find('bad', /malformed hash/));
  t.ok(find('unused', /unused entry/));
  t.ok(find('noreason', /'reason' is missing/));
  t.notOk(problems.some((p) => p.entry.includes('busybox') && /unused/.test(p.message)), 'busybox is used by the rustc graph');
  const file = path.join(tmp, 'check.json');
  writeFileSync(file, text);
  const r = run(['allowlist', 'check', '--allowlist', file, '--report', report]);
  t.equal(r.code, 1);
  t.match(r.out, /5 entries, 4 errors, 2 warnings/);
  t.equal(run(['allowlist', 'check', '--allowlist', path.join(repoRoot, 'allowlist.json'), '--today', '2026-11-21']).code, 0);
  t.equal(run(['allowlist', 'frob']).code, 2);
});

t.test('an input source seed (Guix) is allowlisted by store path, read with --store-root/--store-dir', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'seedaudit-guix-'));
  const store = path.join(root, 'gnu', 'store');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(store, { recursive: true });
  const drv = `/gnu/store/${'a'.repeat(32)}-hello-2.12.drv`;
  const seed = `/gnu/store/${'d'.repeat(32)}-guile-static-stripped-2.0.9-x86_64-linux.tar.xz`;
  writeFileSync(
    path.join(root, drv),
    `Derive([("out","/gnu/store/${'b'.repeat(32)}-hello-2.12","","")],[],["/gnu/store/${'c'.repeat(32)}-hello-2.12.tar.gz","${seed}"],"x86_64-linux","/gnu/store/${'f'.repeat(32)}-guile-3.0/bin/guile",[],[("name","hello-2.12")])`,
  );
  const file = path.join(root, 'allow.json');
  writeFileSync(file, '{\n  "version": 1,\n  "seeds": []\n}\n');
  const rep = path.join(root, 'r.json');
  const scan = () => run(['scan', '--store-root', root, '--store-dir', '/gnu/store', drv, '--allowlist', file, '--format', 'json', '--output', rep]);
  t.equal(scan().code, 1);
  const r = JSON.parse(readFileSync(rep, 'utf8'));
  t.match(r.inputs.find((i: { path: string }) => i.path === seed), { class: 'seed', kind: 'input-src', hash: null, allowlisted: false });
  t.equal(r.graph.kind, 'aterm');
  const add = run(['allowlist', 'add', '--from-report', rep, 'guile-static-stripped-2.0.9-x86_64-linux.tar.xz', '--reason', 'Guix bootstrap Guile', '--allowlist', file]);
  t.equal(add.code, 0, add.err);
  t.equal(JSON.parse(readFileSync(file, 'utf8')).seeds[0].storePath, seed);
  t.equal(scan().code, 0, 'allowlisted by store path');
});
