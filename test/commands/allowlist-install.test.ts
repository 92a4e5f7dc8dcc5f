/**
 * Installed the way users install it (`npm pack`, then `npm install` of the tarball),
 * `seedaudit allowlist add` writes the working directory's allowlist.json and never the
 * allowlist shipped inside the package.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { corpusDir, repoRoot } from '../helpers.js';

const npm = spawnSync('npm', ['--version'], { encoding: 'utf8' });

t.test('an installed seedaudit adds to ./allowlist.json and leaves its shipped allowlist byte for byte', { skip: npm.status === 0 ? false : 'npm is not available' }, async (t) => {
  t.ok(existsSync(path.join(repoRoot, 'dist', 'cli.js')), 'dist/ is built (npm pack runs no build; npm test builds first)');
  const tmp = mkdtempSync(path.join(tmpdir(), 'seedaudit-install-'));
  const pack = spawnSync('npm', ['pack', '--pack-destination', tmp, '--json'], { cwd: repoRoot, encoding: 'utf8' });
  t.equal(pack.status, 0, pack.stderr);
  const tarball = path.join(tmp, (JSON.parse(pack.stdout) as { filename: string }[])[0].filename);
  const prefix = path.join(tmp, 'prefix');
  mkdirSync(prefix);
  const install = spawnSync(
    'npm',
    ['install', '--prefix', prefix, tarball, '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  t.equal(install.status, 0, install.stderr);
  const bin = path.join(prefix, 'node_modules', '.bin', 'seedaudit');
  const shipped = path.join(prefix, 'node_modules', 'seedaudit', 'allowlist.json');
  const before = readFileSync(shipped);
  t.same(before, readFileSync(path.join(repoRoot, 'allowlist.json')), 'the package ships the repository allowlist');

  const cwd = mkdtempSync(path.join(tmpdir(), 'seedaudit-user-'));
  const run = (args: string[]) => {
    const r = spawnSync(bin, args, { cwd, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const scan = run(['scan', '--from-json', path.join(corpusDir, 'nixpkgs-2024', 'rustc.json.gz'), '--format', 'json', '--output', 'r.json']);
  t.equal(scan.code, 1, `the rust tarball is not allowlisted yet: ${scan.err}`);
  const name = 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz';

  const toShipped = run(['allowlist', 'add', '--from-report', 'r.json', name, '--reason', 'x', '--allowlist', shipped]);
  t.equal(toShipped.code, 2, 'refuses the shipped allowlist');
  t.match(toShipped.err, /^seedaudit: allowlist add: .* is the allowlist shipped with seedaudit, which is read-only;.*\n$/);

  t.notOk(existsSync(path.join(cwd, 'allowlist.json')));
  const add = run(['allowlist', 'add', '--from-report', 'r.json', name, '--reason', 'upstream bootstrap compiler, reviewed']);
  t.equal(add.code, 0, add.err);
  const mine = path.join(cwd, 'allowlist.json');
  t.match(add.err, `created ${mine}`);
  t.same(readFileSync(shipped), before, 'the shipped allowlist is byte for byte unchanged');
  const doc = JSON.parse(readFileSync(mine, 'utf8'));
  t.match(doc, { version: 1, seeds: [{ name, hash: /^sha256-/, reason: 'upstream bootstrap compiler, reviewed' }] });
  t.equal(doc.seeds.length, 1);
  t.equal(run(['allowlist', 'check']).code, 0, 'the installed check reads the new file (the schema ships too)');
});
