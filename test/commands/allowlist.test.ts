import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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
  t.ok(find('dup', /hash sha256-\S+ is listed twice \(also for busybox\)/));
  t.ok(find('bad', /malformed hash/));
  t.ok(find('unused', /unused entry/));
  t.ok(find('noreason', /'reason' is required/));
  t.notOk(problems.some((p) => p.entry.includes('busybox') && /unused/.test(p.message)), 'busybox is used by the rustc graph');
  const file = path.join(tmp, 'check.json');
  writeFileSync(file, text);
  const r = run(['allowlist', 'check', '--allowlist', file, '--report', report]);
  t.equal(r.code, 1);
  t.match(r.out, /5 entries, 4 errors, 1 warnings/);
  t.match(r.out, /^error: entry 5 \(noreason\): 'reason' is required: say why this binary is trusted$/m);
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

t.test('allowlist check and scan give the same verdict on a malformed allowlist', async (t) => {
  const graph = path.join(corpusDir, 'aux-foundation', 'stage0-hex0.json.gz');
  const hex0 = 'sha256-QU3RPGy51W7M2xnfFY1IqruKzusrSLU+L190ztN6JW8=';
  const ok = { name: 'hex0-seed', hash: hex0, reason: 'stage0 hand-written seed, reviewed' };
  const other = 'sha256-' + Buffer.alloc(32, 5).toString('base64');
  const sp = `/nix/store/${'a'.repeat(32)}-src`;
  const cases: [string, Record<string, unknown>, string][] = [
    ['unknown key', { name: 'rust', hahs: other, reason: 'r' }, "entry 2 (rust): unknown key 'hahs'"],
    ['bad hash', { name: 'rust', hash: 'sha256-xyz', reason: 'r' }, "entry 2 (rust): malformed hash: 'sha256-xyz' is not a valid SRI sha256 hash"],
    ['bad store path', { name: 'src', storePath: '/nix/store/src', reason: 'r' }, "entry 2 (src): 'storePath' must be a store path like /nix/store/<32 base-32 characters>-<name>"],
    ['urls as a string', { name: 'rust', hash: other, reason: 'r', urls: 'https://x' }, "entry 2 (rust): 'urls' must be a list of strings"],
    ['expires not a day', { name: 'rust', hash: other, reason: 'r', expires: '2026-13-01' }, "entry 2 (rust): 'expires' must be a date YYYY-MM-DD (2026-13-01 is not a day)"],
    ['duplicate hash', { name: 'again', hash: Buffer.from(hex0.slice(7), 'base64').toString('hex'), reason: 'r' }, `entry 2 (again): hash ${hex0} is listed twice (also for hex0-seed)`],
    ['missing reason', { name: 'rust', hash: other }, "entry 2 (rust): 'reason' is required: say why this binary is trusted"],
    ['blank reason', { name: 'rust', hash: other, reason: '  ' }, "entry 2 (rust): 'reason' is required: say why this binary is trusted"],
    ['removed key mode', { name: 'rust', hash: other, reason: 'r', mode: 'flat' }, "entry 2 (rust): unknown key 'mode' (no longer accepted: the hash already fixes the bytes, whatever the hash mode; delete it)"],
    ['removed key executable', { name: 'rust', hash: other, reason: 'r', executable: true }, "entry 2 (rust): unknown key 'executable' (no longer accepted: the hash already fixes the bytes, whatever the hash mode; delete it)"],
    ['removed key system', { name: 'rust', hash: other, reason: 'r', system: 'x86_64-linux' }, /^entry 2 \(rust\): unknown key 'system' \(no longer accepted: /.source],
    ['two identities', { name: 'src', hash: other, storePath: sp, reason: 'r' }, "entry 2 (src): has 'hash' and 'storePath': give exactly one of 'hash', 'storePath', 'buildId', 'fileSha256'"],
    ['no identity', { name: 'rust', reason: 'r' }, "entry 2 (rust): 'hash' is required (or, instead, one of 'storePath', 'buildId', 'fileSha256')"],
    ['build-id in upper case', { name: 'tool', buildId: 'AB'.repeat(20), reason: 'r' }, "entry 2 (tool): 'buildId' must be a GNU build-id in lowercase hex (16 to 128 digits, as readelf -n prints it)"],
  ];
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const [what, second, message] of cases) {
    const file = path.join(tmp, `bad-${what.replace(/ /g, '-')}.json`);
    const text = JSON.stringify({ version: 1, seeds: [ok, second] }, null, 2);
    writeFileSync(file, text);
    const isRe = message.startsWith('^');
    const line = isRe ? message.slice(1) : esc(message);
    const check = run(['allowlist', 'check', '--allowlist', file, '--today', '2026-11-21']);
    t.equal(check.code, 1, `${what}: check finds an error`);
    t.match(check.out, new RegExp(`^error: ${line}`, 'm'), `${what}: check names it`);
    t.match(check.out, /2 entries, [1-9]\d* errors/, what);
    const scan = run(['scan', '--from-json', graph, '--allowlist', file, '--no-inspect']);
    t.equal(scan.code, 2, `${what}: scan refuses the allowlist`);
    t.equal(scan.out, '', `${what}: no report`);
    t.match(scan.err, new RegExp(`^seedaudit: allowlist ${esc(file)}: ${line}${isRe ? '' : '\n$'}`), `${what}: scan names the same entry and key`);
    t.equal(scan.err.trimEnd().split('\n').length, 1, `${what}: one line`);
    t.notMatch(scan.err, /\bat .*\.js:\d+/, 'no stack trace');
    t.equal(readFileSync(file, 'utf8'), text, 'neither writes the file');
  }

  // an expired entry is valid but allows nothing: check says so, scan does not allow it
  const expired = path.join(tmp, 'expired.json');
  writeFileSync(expired, JSON.stringify({ version: 1, seeds: [{ ...ok, expires: '2020-01-01' }] }));
  const check = run(['allowlist', 'check', '--allowlist', expired, '--today', '2026-11-21']);
  t.equal(check.code, 1);
  t.match(check.out, /^error: entry 1 \(hex0-seed\): expired on 2020-01-01: it no longer allows anything$/m);
  const scan = run(['scan', '--from-json', graph, '--allowlist', expired, '--no-inspect', '--format', 'json']);
  t.equal(scan.code, 1, 'the gate fails');
  const seed = JSON.parse(scan.out).inputs.find((i: { name: string }) => i.name === 'hex0-seed');
  t.match(seed, { allowlisted: false, allowlist: { name: 'hex0-seed', expired: true }, gate: 'fail' });

  // and the valid file passes both
  const good = path.join(tmp, 'good.json');
  writeFileSync(good, JSON.stringify({ version: 1, seeds: [ok] }));
  t.equal(run(['allowlist', 'check', '--allowlist', good, '--today', '2026-11-21']).code, 0);
  t.equal(run(['scan', '--from-json', graph, '--allowlist', good, '--no-inspect', '-q']).code, 0);
});

t.test('add without --allowlist creates ./allowlist.json in the working directory, never the shipped one', async (t) => {
  const shipped = readFileSync(path.join(repoRoot, 'allowlist.json'));
  const cwd = mkdtempSync(path.join(tmpdir(), 'seedaudit-cwd-'));
  const inCwd = (args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const name = 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz';
  const r = inCwd(['allowlist', 'add', '--from-report', report, name, '--reason', 'upstream bootstrap compiler, reviewed']);
  t.equal(r.code, 0, r.err);
  const file = path.join(cwd, 'allowlist.json');
  t.equal(r.err, `created ${file}: a new allowlist (scan reads ./allowlist.json in the working directory, or --allowlist FILE)\n`);
  t.match(r.out, new RegExp(`^added '${name.replace(/\./g, '\\.')}' \\(sha256-\\S+\\) to ${file.replace(/\./g, '\\.')}\n$`));
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  t.match(doc, { version: 1, seeds: [{ name, hash: /^sha256-/, reason: 'upstream bootstrap compiler, reviewed' }] });
  t.equal(doc.seeds.length, 1);
  t.same(readFileSync(path.join(repoRoot, 'allowlist.json')), shipped, 'the shipped allowlist is untouched');
  t.equal(inCwd(['allowlist', 'check']).code, 0, 'check reads the new file');
  t.match(inCwd(['allowlist', 'check']).out, new RegExp(`^${file.replace(/\./g, '\\.')}: 1 entries`, 'm'));

  // a second add appends to it, and says nothing about creating
  const second = inCwd(['allowlist', 'add', '--from-report', report, 'busybox', '--reason', 'stdenv seed']);
  t.equal(second.code, 0, second.err);
  t.equal(second.err, '');
  t.equal(JSON.parse(readFileSync(file, 'utf8')).seeds.length, 2);

  // the shipped allowlist is read-only, however it is named
  const link = path.join(cwd, 'linked.json');
  symlinkSync(path.join(repoRoot, 'allowlist.json'), link);
  for (const target of [path.join(repoRoot, 'allowlist.json'), link]) {
    const refused = inCwd(['allowlist', 'add', '--from-report', report, name, '--reason', 'x', '--allowlist', target]);
    t.equal(refused.code, 2, target);
    t.match(refused.err, /^seedaudit: allowlist add: \S+ is the allowlist shipped with seedaudit, which is read-only; give --allowlist FILE or run in a directory with your own allowlist\.json\n$/);
  }
  const inRepo = spawnSync(process.execPath, [cli, 'allowlist', 'add', '--from-report', report, name, '--reason', 'x'], { cwd: repoRoot, encoding: 'utf8' });
  t.equal(inRepo.status, 2, 'in the package directory itself, ./allowlist.json is the shipped file');
  t.match(inRepo.stderr, /is the allowlist shipped with seedaudit/);
  t.same(readFileSync(path.join(repoRoot, 'allowlist.json')), shipped, 'the shipped allowlist is still untouched');

  // an existing ./allowlist.json the gate would refuse is not written to
  const broken = mkdtempSync(path.join(tmpdir(), 'seedaudit-cwd-'));
  const text = '{"version": 1, "seeds": [{"name": "x", "hash": "sha256-xyz", "reason": "r", "mode": "flat"}]}';
  writeFileSync(path.join(broken, 'allowlist.json'), text);
  const b = spawnSync(process.execPath, [cli, 'allowlist', 'add', '--from-report', report, name, '--reason', 'x'], { cwd: broken, encoding: 'utf8' });
  t.equal(b.status, 2);
  t.match(b.stderr, /^seedaudit: allowlist \S+allowlist\.json: entry 1 \(x\): unknown key 'mode'/);
  t.equal(readFileSync(path.join(broken, 'allowlist.json'), 'utf8'), text);
});

t.test('add takes an output ELF file from the report: by build-id, else by the file sha256', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'seedaudit-elf-'));
  const P = (c: string, name: string) => `/nix/store/${c.repeat(32)}-${name}`;
  const vendored = P('a', 'tool-1.0-x86_64-linux');
  const out = P('d', 'tool-1.0');
  const drv = P('f', 'tool-1.0.drv');
  const { mkdirSync, copyFileSync } = await import('node:fs');
  // a vendored prebuilt directory (an input source), and the package output the tool is copied to
  mkdirSync(path.join(root, vendored, 'bin'), { recursive: true });
  copyFileSync('/bin/true', path.join(root, vendored, 'bin', 'tool'));
  mkdirSync(path.join(root, out, 'bin'), { recursive: true });
  copyFileSync('/bin/true', path.join(root, out, 'bin', 'tool'));
  writeFileSync(path.join(root, drv),
    `Derive([("out","${out}","","")],[],["${vendored}"],"x86_64-linux","/bin/sh",[],[("name","tool-1.0"),("out","${out}"),("src","${vendored}")])`);
  const rep = path.join(root, 'r.json');
  const allow = path.join(root, 'allow.json');
  writeFileSync(allow, '{\n  "version": 1,\n  "seeds": []\n}\n');
  const scan = run(['scan', '--store-root', root, drv, '--allowlist', allow, '--format', 'json', '--output', rep]);
  t.equal(scan.code, 1, scan.err);
  const r = JSON.parse(readFileSync(rep, 'utf8'));
  const file = `${out}/bin/tool`;
  const elf = r.elf.find((e: { path: string }) => e.path === file);
  t.ok(elf, 'the output ELF file is in the report');
  t.match(elf.buildId, /^([0-9a-f]{2}){8,}$/, '/bin/true has a GNU build-id');

  const add = run(['allowlist', 'add', '--from-report', rep, file, '--reason', 'vendored tool, reviewed', '--allowlist', allow]);
  t.equal(add.code, 0, add.err);
  t.equal(add.out, `added 'tool-1.0/bin/tool' (${elf.buildId}) to ${allow}\n`);
  const doc = JSON.parse(readFileSync(allow, 'utf8'));
  t.same(doc.seeds, [{ name: 'tool-1.0/bin/tool', buildId: elf.buildId, reason: 'vendored tool, reviewed', origin: file }]);
  const { allowlistMatchElf, loadAllowlist } = await import('../../src/gate/allowlist.js');
  t.match(allowlistMatchElf(loadAllowlist(allow), elf, '2026-11-21'), { name: 'tool-1.0/bin/tool', expired: false, match: 'build-id' });
  const again = run(['allowlist', 'add', '--from-report', rep, file, '--reason', 'x', '--allowlist', allow]);
  t.equal(again.code, 2);
  t.equal(again.err, `seedaudit: allowlist add: ${elf.buildId} is already allowlisted as 'tool-1.0/bin/tool' in ${allow}\n`);
  t.match(run(['allowlist', 'check', '--allowlist', allow, '--report', rep]).out, /1 entries, 0 errors, 0 warnings/, 'check sees the build-id in use');

  // a file without a build-id (stripped of its note) is pinned by the sha256 of its bytes, when the report has it
  const sha = createHash('sha256').update(readFileSync(path.join(root, file))).digest('hex');
  const noId = path.join(root, 'no-build-id.json');
  writeFileSync(noId, JSON.stringify({ ...r, elf: r.elf.map((e: { path: string }) => (e.path === file ? { ...e, buildId: null, sha256: sha } : e)) }));
  const bySha = path.join(root, 'by-sha.json');
  const a2 = run(['allowlist', 'add', '--from-report', noId, file, '--reason', 'vendored tool, reviewed', '--allowlist', bySha]);
  t.equal(a2.code, 0, a2.err);
  t.same(JSON.parse(readFileSync(bySha, 'utf8')).seeds, [{ name: 'tool-1.0/bin/tool', fileSha256: sha, reason: 'vendored tool, reviewed', origin: file }]);
  t.match(allowlistMatchElf(loadAllowlist(bySha), { sha256: sha }, '2026-11-21'), { name: 'tool-1.0/bin/tool', match: 'file-sha256' });
  // neither: nothing to pin it by
  const neither = path.join(root, 'neither.json');
  writeFileSync(neither, JSON.stringify({ ...r, elf: r.elf.map((e: { path: string }) => (e.path === file ? { ...e, buildId: null, sha256: undefined } : e)) }));
  const a3 = run(['allowlist', 'add', '--from-report', neither, file, '--reason', 'x', '--allowlist', path.join(root, 'none.json')]);
  t.equal(a3.code, 2);
  t.equal(a3.err, `seedaudit: allowlist add: ${file} has neither a GNU build-id nor a file sha256 in ${neither}; nothing to pin it by\n`);
  t.notOk(existsSync(path.join(root, 'none.json')), 'nothing written');
  const missing = run(['allowlist', 'add', '--from-report', rep, `${out}/bin/nope`, '--reason', 'x', '--allowlist', allow]);
  t.equal(missing.code, 2);
  t.match(missing.err, /^seedaudit: allowlist add: no input or output ELF file named '\S+\/bin\/nope' in /);
});

t.test('check tells an unused fileSha256 entry from one the report uses', async (t) => {
  const hex = 'ab'.repeat(32);
  const rep = JSON.parse(readFileSync(report, 'utf8'));
  rep.elf = [{ path: '/nix/store/x/bin/a', storePath: '/nix/store/x', sha256: hex, buildId: null }];
  const sri = (h: string) => 'sha256-' + Buffer.from(h, 'hex').toString('base64');
  const text = JSON.stringify({
    version: 1,
    seeds: [
      { name: 'used-file', fileSha256: sri(hex), reason: 'the ELF file in the report' },
      { name: 'stale-file', fileSha256: sri('cd'.repeat(32)), reason: 'no such file any more' },
    ],
  });
  const problems = checkAllowlist(text, 'a.json', '2026-11-21', [rep]);
  t.ok(problems.some((p) => p.entry.includes('stale-file') && /no ELF file in the given report\(s\) has SHA-256 .*unused entry/.test(p.message)));
  t.notOk(problems.some((p) => p.entry.includes('used-file') && /unused/.test(p.message)), 'the matching one is used');
});
