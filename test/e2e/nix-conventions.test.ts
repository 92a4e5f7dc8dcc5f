/**
 * Nix conventions and declared-vs-detected provenance with real Nix (issue 12): installables
 * `drv^out`, `drv^*`, `drv!out`; `-E EXPR`; `-A` reading ./default.nix; SARIF locations inside
 * the repository from `-f file.nix -A attr` (line from meta.position); a package declaring
 * fromSource that unpacks a prebuilt tarball disagrees, one declaring binaryNativeCode that
 * downloads it agrees; --meta FILE from nix-env; a result link that is a symlink loop.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseReport, runCli } from './cli-run.js';
import { fixturesDir, makeTarball, noNixReason, tarballArgs, tempDir } from './nix-fixture.js';
import { sarifValidator } from '../report/fixtures/sarif-schema.js';

const execFileP = promisify(execFile);
const provenanceNix = path.join(fixturesDir, 'provenance.nix');

t.test('with real Nix', { skip: noNixReason() ?? false }, async (t) => {
  const dir = await tempDir('conventions');
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const tb = await makeTarball(dir);
  const args = tarballArgs(tb);
  // a repository: the expression and its build script copied in
  const repo = path.join(dir, 'repo');
  await fs.mkdir(path.join(repo, 'nix'), { recursive: true });
  await fs.copyFile(provenanceNix, path.join(repo, 'nix', 'provenance.nix'));
  await fs.copyFile(path.join(fixturesDir, 'provenance-build.sh'), path.join(repo, 'nix', 'provenance-build.sh'));
  const nixFile = path.join(repo, 'nix', 'provenance.nix');
  const lineOf = async (needle: string) => (await fs.readFile(nixFile, 'utf8')).split('\n').findIndex((l) => l.includes(needle)) + 1;

  t.test('declared fromSource but unpacks a prebuilt tarball: a disagreement; binaryNativeCode: agrees', async (t) => {
    const r = await runCli(['scan', '-f', 'nix/provenance.nix', '-A', 'claimsSource', '-A', 'honestBinary', '-A', 'claimsBinary', ...args, '--no-inspect', '--json'], repo);
    const rep = parseReport(t, r);
    const by = new Map((rep.provenance?.checks ?? []).map((c) => [c.attr, c]));
    t.match(by.get('claimsSource'), { declared: ['fromSource'], declaredFrom: 'expression', verdict: 'disagrees', finding: 'declared-source-downloads-binary', detail: /declares fromSource but downloads the binary mytool-1\.0-x86_64-linux\.tar\.gz/ });
    t.match(by.get('honestBinary'), { declared: ['binaryNativeCode'], verdict: 'agrees', finding: null });
    t.match(by.get('claimsBinary'), { declared: ['binaryNativeCode'], verdict: 'disagrees', finding: 'declared-binary-no-binary-input' });
    t.equal(rep.provenance?.disagreements, 2);
    t.equal(rep.gate.counts.byKind.provenance, 0, 'not gate items without --fail-on provenance');
    // the roots carry their position: meta.position, as nixpkgs' mkDerivation sets it
    const root = rep.roots.find((x) => x.attr === 'claimsSource');
    t.same(root?.position, { file: nixFile, line: await lineOf('name = "claims-source-1.0"'), from: 'meta.position' });

    // --fail-on provenance: the disagreements fail the gate, on top of the binary policy
    const allow = path.join(dir, 'allow.json');
    await fs.writeFile(allow, JSON.stringify({ version: 1, seeds: [{ name: 'mytool', hash: tb.sri, reason: 'test' }] }));
    const pass = await runCli(['scan', '-f', 'nix/provenance.nix', '-A', 'honestBinary', ...args, '--no-inspect', '--allowlist', allow, '--fail-on', 'provenance', '--json'], repo);
    t.equal(pass.code, 0, `agreeing package, allowlisted binary: passes ${pass.stderr}`);
    const fail = await runCli(['scan', '-f', 'nix/provenance.nix', '-A', 'claimsSource', ...args, '--no-inspect', '--allowlist', allow, '--fail-on', 'provenance', '--json'], repo);
    t.equal(fail.code, 1, 'a disagreement fails under --fail-on provenance');
    const frep = parseReport(t, fail);
    t.match(frep.gate.counts, { byKind: { provenance: 1 }, failing: 1 });
    t.equal(frep.gate.failures.length, 1);
    // the same disagreement in the baseline is accepted
    const base = path.join(dir, 'base.json');
    await fs.writeFile(base, fail.stdout);
    const again = await runCli(['scan', '-f', 'nix/provenance.nix', '-A', 'claimsSource', ...args, '--no-inspect', '--allowlist', allow, '--fail-on', 'provenance', '--baseline', base, '-q'], repo);
    t.equal(again.code, 0, 'accepted by the baseline');
    // the text report says it
    const text = await runCli(['scan', '-f', 'nix/provenance.nix', '-A', 'claimsSource', ...args, '--no-inspect', '--allowlist', allow], repo);
    t.match(text.stdout, /Declared vs detected provenance: 1 package checked, 1 disagrees/);
    t.match(text.stdout, /disagrees\s+claims-source-1\.0 declares fromSource but downloads the binary/);
  });

  t.test('SARIF from -f file.nix -A attr: results inside the repository, line from meta.position', async (t) => {
    const r = await runCli(['scan', '-f', 'nix/provenance.nix', '-A', 'claimsSource', ...args, '--no-inspect', '--format', 'sarif'], repo);
    t.equal(r.code, 1, r.stderr);
    const log = JSON.parse(r.stdout);
    t.ok(sarifValidator()(log), 'valid SARIF 2.1.0');
    const results = log.runs[0].results as { ruleId: string; level: string; locations: { physicalLocation?: { artifactLocation: { uri: string; uriBaseId: string }; region?: { startLine: number } }; logicalLocations: { fullyQualifiedName?: string }[] }[] }[];
    t.ok(results.length >= 2, 'the prebuilt tarball and the provenance disagreement');
    for (const res of results) {
      const loc = res.locations[0]!;
      t.same(loc.physicalLocation?.artifactLocation, { uri: 'nix/provenance.nix', uriBaseId: '%SRCROOT%' }, `${res.ruleId}: relative to the repository`);
      t.equal(loc.physicalLocation?.region?.startLine, await lineOf('name = "claims-source-1.0"'), `${res.ruleId}: the meta.position line`);
      t.match(loc.logicalLocations[0]?.fullyQualifiedName, /^\/nix\/store\//, 'the store path is the logical location');
    }
    t.ok(results.some((x) => x.ruleId === 'provenance.disagreement' && x.level === 'warning'), 'the disagreement, as a warning when not gated');
    t.equal(log.runs[0].originalUriBaseIds['%SRCROOT%'].uri, `file://${repo}/`);
    // --sarif-root elsewhere: a file outside the root is never a location
    const other = await runCli(['scan', '-f', 'nix/provenance.nix', '-A', 'claimsSource', ...args, '--no-inspect', '--format', 'sarif', '--sarif-root', dir], repo);
    const uris = (JSON.parse(other.stdout).runs[0].results as typeof results).map((x) => x.locations[0]!.physicalLocation?.artifactLocation.uri);
    t.same([...new Set(uris)], ['repo/nix/provenance.nix'], 'relative to --sarif-root');
    // a plain derivation without meta: the attribute's own line
    const u = JSON.parse((await runCli(['scan', '-f', 'nix/provenance.nix', '-A', 'undeclared', ...args, '--no-inspect', '--format', 'sarif'], repo)).stdout);
    t.equal(u.runs[0].results[0].locations[0].physicalLocation.region.startLine, await lineOf('undeclared = derivation'));
  });

  t.test('--meta FILE: nix-env -qaP --json --meta covers packages that are not roots', async (t) => {
    const { stdout } = await execFileP('nix-env', ['-f', nixFile, '-qaP', '--json', '--meta', '--drv-path', ...args]);
    const meta = path.join(dir, 'meta.json');
    await fs.writeFile(meta, stdout);
    // scan the .drv directly (no expression evaluated): the declarations come from the file
    const { stdout: drv } = await execFileP('nix-instantiate', [nixFile, '-A', 'claimsSource', ...args]);
    const r = await runCli(['scan', drv.trim(), '--meta', meta, '--no-inspect', '--json'], repo);
    const rep = parseReport(t, r);
    t.match(rep.provenance?.checks, [{ declaredFrom: 'meta-file', verdict: 'disagrees', finding: 'declared-source-downloads-binary' }]);
  });

  t.test('installables: drv^out, drv^*, drv!out; a missing output is an error', async (t) => {
    const { stdout } = await execFileP('nix-instantiate', [nixFile, '-A', 'honestBinary', ...args]);
    const drv = stdout.trim();
    for (const form of [`${drv}^out`, `${drv}^*`, `${drv}!out`]) {
      const r = await runCli(['scan', form, '--no-inspect', '--json'], repo);
      const rep = parseReport(t, r);
      t.same(rep.roots.map((x) => x.drv), [drv], `${form}: the derivation`);
    }
    const bad = await runCli(['scan', `${drv}^bogus`, '--no-inspect'], repo);
    t.equal(bad.code, 2);
    t.match(bad.stderr, /has no output 'bogus' \(outputs: out\)/);
  });

  t.test('-E EXPR, and -A without -f reads ./default.nix', async (t) => {
    const expr = `(import ./nix/provenance.nix { url = "${tb.url}"; sha256 = "${tb.sha256}"; }).honestBinary`;
    const e = parseReport(t, await runCli(['scan', '-E', expr, '--no-inspect', '--json'], repo));
    t.match(e.roots, [{ name: 'honest-binary-1.0' }]);
    t.match(e.provenance?.checks, [{ verdict: 'agrees' }], 'meta evaluated from the expression too');
    const ea = parseReport(t, await runCli(['scan', '-E', 'import ./nix/provenance.nix', '-A', 'claimsSource', ...args, '--no-inspect', '--json'], repo));
    t.match(ea.roots, [{ name: 'claims-source-1.0', attr: 'claimsSource' }], '-E with -A and --argstr');
    await fs.writeFile(path.join(repo, 'default.nix'), 'import ./nix/provenance.nix\n');
    const d = parseReport(t, await runCli(['scan', '-A', 'claimsBinary', ...args, '--no-inspect', '--json'], repo));
    t.match(d.roots, [{ name: 'claims-binary-1.0' }], './default.nix read, as nix-build does');
    t.match(d.graph.detail, /nix-instantiate \S*\/repo\/default\.nix -A claimsBinary/);
  });

  t.test('a result link that is a symlink loop', async (t) => {
    await fs.symlink('result-b', path.join(repo, 'result'));
    await fs.symlink('result', path.join(repo, 'result-b'));
    const r = await runCli(['scan', 'result'], repo);
    t.equal(r.code, 2);
    t.match(r.stderr, /^seedaudit: result is a symlink loop \(too many levels of symbolic links\)/);
    t.notMatch(r.stderr, /not in the Nix store/);
  });
});
