import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  detectNix,
  formatCommand,
  instantiateFile,
  isFlakeRef,
  resolveToDrvs,
  showDerivationRecursive,
  type NixInfo,
} from '../../src/acquire/nix.js';
import { acquireTargets } from '../../src/acquire/targets.js';
import { InputError } from '../../src/errors.js';
import {
  buildMytool,
  isValidPath,
  makeTarball,
  mytoolNix,
  noNixReason,
  outputOf,
  tarballArgs,
  tempDir,
} from '../e2e/nix-fixture.js';

/** Asserts `p` rejects with an InputError whose message is one line matching `re`. */
const rejectsInput = async (t: Test, p: Promise<unknown>, re: RegExp): Promise<void> => {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  t.ok(e instanceof InputError, `InputError expected, got ${String(e)}`);
  const message = e instanceof Error ? e.message : '';
  t.notMatch(message, /\n/, 'one line');
  t.match(message, re);
};

t.test('version cut-off between show-derivation and derivation show (fake nix)', async (t) => {
  const dir = await tempDir('fakenix');
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const cases: Array<[string, string[]]> = [
    ['nix (Nix) 2.8.0', ['show-derivation']],
    ['nix (Nix) 2.14.1', ['show-derivation']],
    ['nix (Nix) 2.15.0', ['derivation', 'show']],
    ['nix (Nix) 2.24.10', ['derivation', 'show']],
    ['nix (Lix, like Nix) 2.91.1', ['derivation', 'show']],
    ['nix (Determinate Nix 3.6.2) 2.29.0', ['derivation', 'show']],
    ['nix (Nix) 3.0.0pre20250101_abcdef', ['derivation', 'show']],
  ];
  for (const [line, tail] of cases) {
    await fs.writeFile(path.join(dir, 'nix'), `#!/bin/sh\necho '${line}'\n`, { mode: 0o755 });
    const info = await detectNix({ PATH: dir });
    t.same(info.showDerivation.slice(-tail.length), tail, line);
    t.same(info.showDerivation.slice(0, 3), ['nix', '--extra-experimental-features', 'nix-command'], `${line}: feature flag`);
  }
  await fs.writeFile(path.join(dir, 'nix'), `#!/bin/sh\necho 'nix (Nix) 2.10.3'\n`, { mode: 0o755 });
  t.equal((await detectNix({ PATH: dir })).version, '2.10.3');
});

t.test('nix missing: one-line InputError naming the way out', async (t) => {
  const empty = await tempDir('nopath');
  t.teardown(() => fs.rm(empty, { recursive: true, force: true }));
  await rejectsInput(
    t,
    detectNix({ PATH: empty }, { wanted: 'result' }),
    /^nix is not installed.*needed to read result.*--from-json/,
  );
  await rejectsInput(
    t,
    acquireTargets(['result'], { env: { PATH: empty } }),
    /^nix is not installed/,
  );
});

t.test('flake refs are told apart from paths', async (t) => {
  for (const r of ['nixpkgs#hello', '.#pkg', '.#', 'flake:nixpkgs', 'path:/tmp/x', 'github:o/r', 'git+file:///x'])
    t.ok(isFlakeRef(r), r);
  for (const r of ['result', 'result/', './result', '/nix/store/abc-x.drv', '.', 'dir/file.nix'])
    t.notOk(isFlakeRef(r), r);
  t.equal(formatCommand(['nix', 'a b', "it's", 'x#y']), `nix 'a b' 'it'\\''s' x#y`);
});

t.test('argument checks before nix runs', async (t) => {
  await rejectsInput(t, acquireTargets([], {}), /nothing to scan/);
  await rejectsInput(t, acquireTargets([], { attrs: ['x'] }), /-A ATTR needs -f FILE/);
  await rejectsInput(
    t,
    acquireTargets([], { args: [{ kind: 'argstr', name: 'url', value: 'x' }] }),
    /--argstr needs -f FILE/,
  );
  await rejectsInput(t, acquireTargets(['result'], { file: 'x.nix' }), /either TARGETs or -f FILE/);
});

t.test('with real nix', { skip: noNixReason() ?? false }, async (t) => {
  const dir = await tempDir('acquire');
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const nix: NixInfo = await detectNix(process.env, { cwd: dir });
  const [maj, min] = nix.version.split('.').map(Number);
  const modern = maj > 2 || (maj === 2 && min >= 15);
  t.same(nix.showDerivation.slice(3), modern ? ['derivation', 'show'] : ['show-derivation'], `nix ${nix.version}`);

  const tb = await makeTarball(dir);
  const link = path.join(dir, 'result');
  const out = await buildMytool(tb, link);
  t.match(out, /^\/nix\/store\/[a-z0-9]{32}-mytool-1\.0$/);
  const q = spawnSync('nix-store', ['--query', '--deriver', out], { encoding: 'utf8' });
  const drv = q.stdout.trim();
  t.match(drv, /-mytool-1\.0\.drv$/);

  t.test('result link, with and without slash, relative', async (t) => {
    t.same(await resolveToDrvs(nix, [link]), [drv]);
    t.same(await resolveToDrvs(nix, [link + '/']), [drv]);
    t.same(await resolveToDrvs(nix, ['result']), [drv], 'relative to cwd');
    t.same(await resolveToDrvs(nix, [path.join(link, 'bin', 'tool')]), [drv], 'a file inside the output');
  });

  t.test('output path, .drv path, duplicates dropped', async (t) => {
    t.same(await resolveToDrvs(nix, [out]), [drv]);
    t.same(await resolveToDrvs(nix, [drv]), [drv]);
    const trace: string[] = [];
    t.same(await resolveToDrvs(nix, [out, drv, link], trace), [drv]);
    t.ok(trace.some((c) => c === `nix-store --query --deriver ${out}`), 'deriver query recorded');
  });

  t.test('missing and non-store paths', async (t) => {
    await rejectsInput(t, resolveToDrvs(nix, [path.join(dir, 'nope')]), /nope does not exist$/);
    await rejectsInput(
      t,
      resolveToDrvs(nix, ['/nix/store/00000000000000000000000000000000-gone']),
      /-gone does not exist$/,
    );
    await rejectsInput(t, resolveToDrvs(nix, [tb.file]), /is not in the Nix store \(\/nix\/store\)/);
    const dangling = path.join(dir, 'dangling');
    await fs.symlink('/nix/store/00000000000000000000000000000000-gone', dangling);
    await rejectsInput(t, resolveToDrvs(nix, [dangling]), /does not exist/);
  });

  t.test('a store path no derivation built', async (t) => {
    const added = spawnSync('nix-store', ['--add', path.join(dir, 'stage', 'mytool-1.0', 'README')], {
      encoding: 'utf8',
    }).stdout.trim();
    t.match(added, /-README$/);
    await rejectsInput(t, resolveToDrvs(nix, [added]), /^no deriver known for \/nix\/store\/.*-README/);
  });

  t.test('deriver deleted from the store', async (t) => {
    // A second build whose .drv is deleted while its (rooted) output stays, as after a GC
    // with keep-derivations = false: the output's deriver is still recorded.
    const tb2 = await makeTarball(await tempDir('acquire-gc'));
    t.teardown(() => fs.rm(path.dirname(tb2.file), { recursive: true, force: true }));
    const link2 = path.join(dir, 'result-gc');
    const out2 = await buildMytool(tb2, link2);
    const drv2 = spawnSync('nix-store', ['--query', '--deriver', out2], { encoding: 'utf8' }).stdout.trim();
    const del = spawnSync('nix-store', ['--delete', drv2, '--option', 'keep-derivations', 'false'], {
      encoding: 'utf8',
    });
    t.equal(del.status, 0, `nix-store --delete: ${del.stderr}`);
    await rejectsInput(t, resolveToDrvs(nix, [out2]), /was built by .*which is not in the store/);
  });

  t.test('show-derivation --recursive', async (t) => {
    const r = await showDerivationRecursive(nix, [drv]);
    t.equal(r.command, `${nix.showDerivation.join(' ')} --recursive ${drv}`);
    const graph = JSON.parse(r.json) as Record<string, { env: Record<string, string>; builder: string }>;
    const keys = Object.keys(graph).map((k) => path.basename(k));
    t.ok(keys.includes(path.basename(drv)), 'root present');
    const fod = Object.entries(graph).find(([k]) => k.endsWith('-mytool-1.0-x86_64-linux.tar.gz.drv'));
    t.ok(fod, 'the fetchurl derivation is in the closure');
    t.equal(fod?.[1].builder, 'builtin:fetchurl');
    await rejectsInput(t, showDerivationRecursive(nix, []), /no derivations/);
  });

  t.test('-f FILE -A ATTR --argstr: instantiates, builds nothing', async (t) => {
    const fresh = await makeTarball(await tempDir('acquire-inst'));
    t.teardown(() => fs.rm(path.dirname(fresh.file), { recursive: true, force: true }));
    const args = [
      { kind: 'argstr' as const, name: 'url', value: fresh.url },
      { kind: 'argstr' as const, name: 'sha256', value: fresh.sha256 },
    ];
    const r = await instantiateFile(nix, mytoolNix, ['mytool', 'mytool.src'], args);
    t.equal(r.drvs.length, 2);
    t.match(r.drvs[0], /-mytool-1\.0\.drv$/);
    t.match(r.drvs[1], /-mytool-1\.0-x86_64-linux\.tar\.gz\.drv$/);
    t.match(r.command, /^nix-instantiate \S+mytool\.nix -A mytool -A mytool\.src --argstr url file:\/\/\S+ --argstr sha256 [0-9a-f]{64}$/);
    for (const d of r.drvs) t.notOk(isValidPath(outputOf(d)), `${outputOf(d)} was not built`);

    const acq = await acquireTargets([], { file: mytoolNix, attrs: ['mytool'], args, cwd: dir });
    t.same(acq.roots, [r.drvs[0]]);
    t.match(acq.detail, /^nix-instantiate .*; nix --extra-experimental-features nix-command (show-derivation|derivation show) --recursive \/nix\/store\//);
    t.ok(JSON.parse(acq.json), 'graph JSON parses');

    await rejectsInput(
      t,
      instantiateFile(nix, mytoolNix, ['nosuch'], args),
      /^nix-instantiate .* failed: attribute 'nosuch'.* not found/,
    );
    await rejectsInput(t, instantiateFile(nix, path.join(dir, 'none.nix')), /none\.nix does not exist$/);
    await rejectsInput(
      t,
      instantiateFile(nix, mytoolNix, ['mytool'], [{ kind: 'arg', name: '--evil', value: 'x' }]),
      /not a valid Nix argument name/,
    );
  });

  t.test('local flake without inputs, offline', async (t) => {
    const flake = path.join(dir, 'flake');
    await fs.mkdir(flake);
    await fs.writeFile(
      path.join(flake, 'flake.nix'),
      `{
  outputs = { self }: {
    packages.x86_64-linux.default = derivation {
      name = "flaketool-${path.basename(dir)}";
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "echo > $out" ];
    };
  };
}
`,
    );
    const byPath = await resolveToDrvs(nix, [`path:${flake}#default`]);
    t.match(byPath[0], /-flaketool-.*\.drv$/);
    const relative = await resolveToDrvs({ ...nix, cwd: flake }, ['.#default']);
    t.same(relative, byPath, '.#attr from the flake directory');
    t.notOk(isValidPath(outputOf(byPath[0])), 'not built');
    await rejectsInput(
      t,
      resolveToDrvs(nix, [`path:${flake}#nosuch`]),
      /path-info --derivation .*#nosuch failed: /,
    );
  });

  t.test('acquireTargets mixes targets', async (t) => {
    const acq = await acquireTargets([link, drv], { cwd: dir });
    t.same(acq.roots, [drv]);
    t.equal(acq.nixVersion, nix.version);
    t.match(acq.detail, `nix-store --query --deriver ${out}; `);
  });
});
