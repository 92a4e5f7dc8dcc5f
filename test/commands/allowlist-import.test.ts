import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadRegistry, selectEntries } from '../../src/gate/registry.js';
import { readNixpkgsSeeds } from '../../src/gate/nixpkgs-files.js';
import { corpusDir, repoRoot } from '../helpers.js';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'seedaudit-import-'));
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: tmp, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const registry = loadRegistry(undefined, { validate: true });
const seedsOf = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { seeds: { name: string; hash: string; reason: string; origin: string }[] }).seeds;

t.test('import --system round-trips: the file accepts exactly the registry seeds of that system', async (t) => {
  const file = path.join(tmp, 'x86_64.json');
  const r = run(['allowlist', 'import', '--system', 'x86_64-linux', '--allowlist', file]);
  t.equal(r.code, 0, r.err);
  t.match(r.err, /created .*x86_64\.json/);
  const want = selectEntries(registry, { systems: ['x86_64-linux'], targets: [], all: false, superseded: false }).map((e) => e.hash);
  const got = seedsOf(file);
  t.same(got.map((s) => s.hash).sort(), [...want].sort(), 'exactly the current x86_64-linux seeds of the registry');
  t.ok(got.every((s) => /hash published in \S+ \S+ at [0-9a-f]{12}/.test(s.reason) && /^seedaudit seed registry seeds\//.test(s.origin)), 'each with its provenance');
  t.ok(got.some((s) => s.name === 'hex0-seed' && s.hash === 'sha256-DCzZduYrix9yOeJoem/Jhz/WDzAss7UWwjZbkXJq6Ms='), 'the current AMD64 hex0-seed');
  t.notOk(got.some((s) => s.hash === 'sha256-QU3RPGy51W7M2xnfFY1IqruKzusrSLU+L190ztN6JW8='), 'not the i686 hex0-seed');
  // a nixpkgs x86_64 build passes with it, the i686 Aux Foundation chain does not
  const scan = (graph: string) => run(['scan', '--from-json', path.join(corpusDir, graph), '--allowlist', file, '-q']).code;
  t.equal(scan('nixpkgs-2024/jq.json.gz'), 0, 'x86_64 bootstrap-tools and busybox accepted');
  t.equal(scan('aux-foundation/stage0-hex0.json.gz'), 1, 'the i686 hex0-seed is another target');
  const before = readFileSync(file, 'utf8');
  const again = run(['allowlist', 'import', '--system', 'x86_64-linux', '--allowlist', file]);
  t.equal(again.code, 0);
  t.match(again.out, /imported 0 entries .*already there/);
  t.equal(readFileSync(file, 'utf8'), before, 'importing twice changes nothing');
  // Aux Foundation pins the x86 seed of bootstrap-seeds b1263ff1, which nixpkgs has since replaced
  const current = run(['allowlist', 'import', '--target', 'x86', '--project', 'stage0', '--allowlist', file]);
  t.equal(current.code, 0, current.err);
  t.equal(scan('aux-foundation/stage0-hex0.json.gz'), 1, 'the current x86 seeds are not the ones Aux Foundation pins');
  const i686 = run(['allowlist', 'import', '--target', 'x86', '--project', 'stage0', '--include-superseded', '--allowlist', file, '--expires', '2027-01-31']);
  t.equal(i686.code, 0, i686.err);
  t.equal(scan('aux-foundation/stage0-hex0.json.gz'), 0, 'after importing the x86 stage0 seeds, Aux Foundation passes');
  const added = seedsOf(file).slice(got.length);
  t.ok(added.length >= 2 && added.every((s) => s.name === 'hex0-seed' || s.name === 'kaem-optional-seed'), 'only stage0 x86 seeds added');
});

t.test('import refuses the shipped allowlist, unknown systems and no choice at all', async (t) => {
  const shipped = run(['allowlist', 'import', '--all', '--allowlist', path.join(repoRoot, 'allowlist.json')]);
  t.equal(shipped.code, 2);
  t.match(shipped.err, /shipped with seedaudit, which is read-only/);
  const none = run(['allowlist', 'import', '--system', 'vax-linux', '--allowlist', path.join(tmp, 'none.json')]);
  t.equal(none.code, 2);
  t.match(none.err, /no seed for vax-linux \(systems: .*x86_64-linux/);
  t.notOk(existsSync(path.join(tmp, 'none.json')), 'nothing written');
  t.equal(run(['allowlist', 'import', '--allowlist', path.join(tmp, 'none.json')]).code, 2);
  t.equal(run(['allowlist', 'import', '--all', '--system', 'x86_64-linux']).code, 2);
});

t.test('import --nixpkgs reads the bootstrap-files and hex0.nix of a checkout', async (t) => {
  // files of the shape nixpkgs writes them, with the values the registry cites
  const root = path.join(tmp, 'nixpkgs');
  const bf = path.join(root, 'pkgs/stdenv/linux/bootstrap-files');
  const mb = path.join(root, 'pkgs/os-specific/linux/minimal-bootstrap/stage0-posix');
  mkdirSync(bf, { recursive: true });
  mkdirSync(mb, { recursive: true });
  const riscv = registry.entries.filter((e) => e.target === 'riscv64-unknown-linux-gnu' && e.status === 'current');
  const tools = riscv.find((e) => e.role === 'bootstrap-tools')!;
  const busybox = riscv.find((e) => e.role === 'busybox')!;
  writeFileSync(
    path.join(bf, 'riscv64-unknown-linux-gnu.nix'),
    `{\n  # a comment with url = "http://example.org/x";\n  busybox = import <nix/fetchurl.nix> {\n    url = "${busybox.urls[0]}";\n    sha256 = "${busybox.sources[0].hashAsWritten ?? busybox.hash}";\n    executable = true;\n  };\n\n  bootstrapTools = import <nix/fetchurl.nix> {\n    url = ${tools.urls[0]};\n    sha256 = "${tools.hash}";\n  };\n}\n`,
  );
  writeFileSync(
    path.join(mb, 'hex0.nix'),
    `let\n  hash =\n    {\n      "AArch64" = "sha256-XTPsoKeI6wTZAF0UwEJPzuHelWOJe//wXg4HYO0dEJo=";\n      "AMD64" = "sha256-DCzZduYrix9yOeJoem/Jhz/WDzAss7UWwjZbkXJq6Ms=";\n      "x86" = "sha256-DFmSpy4EYoKBSuPQRqtTsUfIUjlg794PnMrEg5stOFY=";\n    }\n    .\${stage0Arch};\n  hex0-seed = import <nix/fetchurl.nix> {\n    inherit hash;\n    executable = true;\n    name = "hex0-seed";\n    url = "https://github.com/oriansj/bootstrap-seeds/raw/cedec6b8066d1db229b6c77d42d120a23c6980ed/POSIX/\${stage0Arch}/hex0-seed";\n  };\nin\n{ }\n`,
  );
  const seeds = readNixpkgsSeeds(root);
  t.same(seeds.map((s) => [s.name, s.system, s.hashMode]), [
    ['busybox', 'riscv64-linux', 'recursive'], ['bootstrap-tools.tar.xz', 'riscv64-linux', 'flat'],
    ['hex0-seed', 'aarch64-linux', 'recursive'], ['hex0-seed', 'x86_64-linux', 'recursive'], ['hex0-seed', 'i686-linux', 'recursive'],
  ]);
  t.ok(seeds.every((s) => registry.byHash.has(s.hash)), 'every hash read is one the registry cites');
  const file = path.join(tmp, 'checkout.json');
  const r = run(['allowlist', 'import', '--nixpkgs', root, '--system', 'x86_64-linux', '--allowlist', file]);
  t.equal(r.code, 0, r.err);
  const got = seedsOf(file);
  t.same(got.map((s) => s.hash), ['sha256-DCzZduYrix9yOeJoem/Jhz/WDzAss7UWwjZbkXJq6Ms='], 'only the x86_64 seed of the checkout');
  t.match(got[0].reason, /pinned by pkgs\/os-specific\/linux\/minimal-bootstrap\/stage0-posix\/hex0\.nix .*also in seedaudit's seed registry: stage0\/AMD64\/hex0-seed/);
  t.equal(run(['allowlist', 'import', '--nixpkgs', tmp, '--allowlist', file]).code, 2, 'not a checkout');
});

const aux = '/tmp/auxcore-seeds';
t.test('every seed a real nixpkgs-like checkout (Aux core, June 2024) pins is in the registry', { skip: existsSync(path.join(aux, 'pkgs/stdenv/linux/bootstrap-files')) ? false : `no Aux core tree at ${aux}` }, async (t) => {
  const seeds = readNixpkgsSeeds(aux);
  t.ok(seeds.length >= 30, `${seeds.length} seeds read`);
  for (const s of seeds) t.ok(registry.byHash.has(s.hash), `${s.file} ${s.attr} ${s.hash} is in the registry`);
});
