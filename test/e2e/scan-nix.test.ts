/**
 * End to end with real Nix: build a package that installs a prebuilt binary release, then
 * run the built CLI (dist/cli.js) on the result link and on the expression, and check the
 * verdicts and exit codes a CI job would see.
 */
import t from 'tap';
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers.js';
import { cli, parseReport, runCli } from './cli-run.js';
import type { ReportInput as Input, ScanReport as Report } from '../../src/model/report.js';
import {
  buildMytool,
  isValidPath,
  makeTarball,
  mytoolNix,
  noNixReason,
  outputOf,
  tarballArgs,
  tempDir,
} from './nix-fixture.js';







const TARBALL = 'mytool-1.0-x86_64-linux.tar.gz';
const tarballInput = (rep: Report): Input | undefined =>
  rep.inputs.find((i) => i.kind === 'fixed-output' && i.name === TARBALL);
const shBuilder = (rep: Report): Input | undefined =>
  rep.inputs.find((i) => i.kind === 'builder' && (i.path === '/bin/sh' || i.name === '/bin/sh' || i.name === 'sh'));

const writeAllowlist = async (file: string, seeds: unknown[]): Promise<string> => {
  await fs.writeFile(file, JSON.stringify({ version: 1, seeds }, null, 2));
  return file;
};

t.test('seedaudit scan with real Nix', { skip: noNixReason() ?? false }, async (t) => {
  t.ok(existsSync(cli), `${cli} exists (run tsc first)`);
  const dir = await tempDir('e2e');
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const tb = await makeTarball(dir);
  const link = path.join(dir, 'result');
  const out = await buildMytool(tb, link);
  const emptyAllow = await writeAllowlist(path.join(dir, 'allow-empty.json'), []);
  const allow = await writeAllowlist(path.join(dir, 'allow.json'), [
    { name: 'mytool', hash: tb.sri, reason: 'vendor binary under review', expires: '2099-01-01' },
  ]);

  t.test('built result link, empty allowlist: prebuilt tarball fails the gate', async (t) => {
    const r = await runCli(['scan', link, '--format', 'json', '--allowlist', emptyAllow]);
    t.equal(r.code, 1, `exit 1; stderr: ${r.stderr}`);
    const rep = parseReport(t, r);
    t.equal(rep.schemaVersion, 1);
    t.equal(rep.roots.length, 1);
    t.match(rep.roots[0], { drv: /^\/nix\/store\/[a-z0-9]{32}-mytool-1\.0\.drv$/, name: 'mytool-1.0' });
    t.has(rep.gate, { failOn: 'prebuilt', passed: false });

    const tarball = tarballInput(rep);
    t.ok(tarball, `an input named ${TARBALL}`);
    t.equal(tarball?.class, 'prebuilt');
    t.equal(tarball?.hash, tb.sri, 'SRI hash of the tarball file');
    t.ok(tarball?.urls.includes(tb.url), 'urls carry the file:// URL');
    t.equal(tarball?.allowlisted, false);
    t.ok((tarball?.evidence.length ?? 0) > 0, 'evidence explains the verdict');
    t.match(tarball?.drv ?? '', /-mytool-1\.0-x86_64-linux\.tar\.gz\.drv$/);
    t.equal(tarball?.via[0], 'mytool-1.0', 'via starts at the root');
    t.equal(tarball?.via.at(-1), TARBALL, 'via ends at the input');

    // the tarball, and the ELF file the package copied out of it; not the /bin/sh builder
    const tool = rep.elf.find((e: { path: string }) => e.path.endsWith('/bin/tool'));
    t.match(tool, { provenance: 'from-prebuilt', fromInput: tarball?.id, gate: 'fail' }, 'the output ELF is traced to the tarball');
    t.same(rep.gate.failures, [tarball?.drv, tool?.path], 'the tarball and its ELF fail the gate, not the /bin/sh builder');

    const sh = shBuilder(rep);
    t.ok(sh, 'the /bin/sh builder is an input of kind builder');
    t.equal(sh?.class, 'unknown');

    t.ok(rep.summary.prebuilt >= 1, 'summary counts the prebuilt input');
    t.ok(rep.summary.notAllowlisted >= 1, 'summary counts it as not allowlisted');
    t.ok(rep.summary.fixedOutput >= 1, 'summary counts the fixed output');
  });

  t.test('allowlisted by hash: the gate passes; --fail-on unknown still fails on /bin/sh', async (t) => {
    const r = await runCli(['scan', link, '--format', 'json', '--allowlist', allow]);
    t.equal(r.code, 0, `exit 0; stderr: ${r.stderr}`);
    const rep = parseReport(t, r);
    t.equal(tarballInput(rep)?.allowlisted, true);
    t.equal(tarballInput(rep)?.class, 'prebuilt', 'allowlisting does not change the class');
    t.has(rep.gate, { failOn: 'prebuilt', passed: true });

    const u = await runCli(['scan', link, '--format', 'json', '--allowlist', allow, '--fail-on', 'unknown']);
    t.equal(u.code, 1, `exit 1 under --fail-on unknown; stderr: ${u.stderr}`);
    t.has(parseReport(t, u).gate, { failOn: 'unknown', passed: false });

    const n = await runCli(['scan', link, '--format', 'json', '--allowlist', emptyAllow, '--fail-on', 'never']);
    t.equal(n.code, 0, `exit 0 under --fail-on never; stderr: ${n.stderr}`);
  });

  t.test('same graph from the output path, the .drv, a trailing slash and a relative link', async (t) => {
    const base = await runCli(['scan', link, '--format', 'json', '--allowlist', emptyAllow]);
    const roots = parseReport(t, base).roots.map((r) => r.drv);
    for (const [label, target, cwd] of [
      ['output path', out, repoRoot],
      ['.drv path', roots[0], repoRoot],
      ['trailing slash', `${link}/`, repoRoot],
      ['relative result link', 'result', dir],
    ] as const) {
      const r = await runCli(['scan', target, '--format', 'json', '--allowlist', emptyAllow], cwd);
      t.equal(r.code, 1, `${label}: exit 1; stderr: ${r.stderr}`);
      t.same(parseReport(t, r).roots.map((x) => x.drv), roots, `${label}: same root`);
    }
  });

  t.test('nix show-derivation and the direct .drv reader give the same verdicts', async (t) => {
    const viaNix = await runCli(['scan', link, '--format', 'json', '--allowlist', emptyAllow, '--read-with', 'nix']);
    const direct = await runCli(['scan', link, '--format', 'json', '--allowlist', emptyAllow, '--read-with', 'drv']);
    t.equal(viaNix.code, 1, `--read-with nix: stderr: ${viaNix.stderr}`);
    t.equal(direct.code, 1, `--read-with drv: stderr: ${direct.stderr}`);
    const a = parseReport(t, viaNix);
    const b = parseReport(t, direct);
    t.match(a.graph, { kind: 'nix-command', detail: /(show-derivation|derivation show) --recursive \/nix\/store\/\S+-mytool-1\.0\.drv$/ });
    t.match(b.graph, { kind: 'aterm' });
    const verdicts = (r: Report) => r.inputs.map((i) => [i.kind, i.name, i.class, i.hash]).sort();
    t.same(verdicts(a), verdicts(b));
    t.same(a.summary, b.summary);
  });

  t.test('--output FILE and --format text', async (t) => {
    const file = path.join(dir, 'report.json');
    const r = await runCli(['scan', link, '--format', 'json', '--allowlist', emptyAllow, '--output', file]);
    t.equal(r.code, 1, `stderr: ${r.stderr}`);
    const rep = JSON.parse(await fs.readFile(file, 'utf8')) as Report;
    t.equal(tarballInput(rep)?.class, 'prebuilt', 'report written to the file');

    const text = await runCli(['scan', link, '--format', 'text', '--allowlist', emptyAllow]);
    t.equal(text.code, 1, `stderr: ${text.stderr}`);
    t.match(text.stdout, TARBALL, 'text report names the tarball');
  });

  t.test('bad targets exit 2 with one line on stderr', async (t) => {
    for (const [label, target] of [
      ['missing path', path.join(dir, 'no-such-result')],
      ['path outside the store', tb.file],
    ]) {
      const r = await runCli(['scan', target, '--allowlist', emptyAllow]);
      t.equal(r.code, 2, `${label}: exit 2`);
      t.match(r.stderr, /^seedaudit: .+\n$/, `${label}: one line: ${r.stderr}`);
      t.equal(r.stderr.trim().split('\n').length, 1, `${label}: exactly one line`);
    }
  });

  t.test('-f FILE -A ATTR --argstr: scans the expression without building it', async (t) => {
    const fresh = await makeTarball(await tempDir('e2e-inst'));
    t.teardown(() => fs.rm(path.dirname(fresh.file), { recursive: true, force: true }));
    const r = await runCli([
      'scan', '-f', mytoolNix, '-A', 'mytool', ...tarballArgs(fresh),
      '--format', 'json', '--allowlist', emptyAllow,
    ]);
    t.equal(r.code, 1, `exit 1; stderr: ${r.stderr}`);
    const rep = parseReport(t, r);
    const tarball = tarballInput(rep);
    t.equal(tarball?.class, 'prebuilt');
    t.equal(tarball?.hash, fresh.sri);
    const root = rep.roots[0]?.drv ?? '';
    t.match(root, /-mytool-1\.0\.drv$/);
    // Neither the package nor the tarball it would fetch exists: nothing was built or fetched.
    t.notOk(isValidPath(outputOf(root)), 'package output not built');
    t.ok(tarball?.drv, 'tarball drv known');
    if (tarball?.drv) t.notOk(isValidPath(outputOf(tarball.drv)), 'tarball not fetched');
    t.notOk(existsSync(outputOf(root)), 'no output on disk');
  });

  t.test('local flake reference (path:, no inputs, offline): scanned without building', async (t) => {
    const fresh = await makeTarball(await tempDir('e2e-flake'));
    const flake = path.dirname(fresh.file);
    t.teardown(() => fs.rm(flake, { recursive: true, force: true }));
    await fs.copyFile(mytoolNix, path.join(flake, 'mytool.nix'));
    // Pure flake evaluation has no builtins.currentSystem, so the system is spelled out.
    const system = `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux`;
    await fs.writeFile(
      path.join(flake, 'flake.nix'),
      `{
  outputs = { self }: {
    packages.${system}.default = (import ./mytool.nix {
      url = "${fresh.url}";
      sha256 = "${fresh.sha256}";
      system = "${system}";
    }).mytool;
  };
}
`,
    );
    const r = await runCli(['scan', `path:${flake}#default`, '--format', 'json', '--allowlist', emptyAllow]);
    t.equal(r.code, 1, `exit 1; stderr: ${r.stderr}`);
    const rep = parseReport(t, r);
    t.match(rep.graph.detail, /path-info --derivation path:\S+#default/);
    t.equal(tarballInput(rep)?.hash, fresh.sri);
    t.equal(tarballInput(rep)?.class, 'prebuilt');
    const root = rep.roots[0]?.drv ?? '';
    t.match(root, /-mytool-1\.0\.drv$/);
    t.notOk(isValidPath(outputOf(root)), 'package output not built');
  });
});
