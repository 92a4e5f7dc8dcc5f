/**
 * End to end with real Nix: the classifier fails closed. What decides is what an input is,
 * not what it is called:
 *  1. a prebuilt tarball renamed to look like a source release is still prebuilt (its bytes);
 *  2. an ELF file added by a path literal (`tool = ./tool;`) is prebuilt (its bytes);
 *  3. a "source" tarball whose test data hides a compiled object (the xz-utils shape) is
 *     prebuilt, and the report names the member;
 *  4. a fixed-output derivation with no URL that can reach the network (an npm / Go module
 *     fetcher) is unknown, never source.
 * Each case builds (or instantiates) a fixture with nix-build and runs the built CLI
 * (dist/cli.js) the way a CI job would, checking exit codes and the JSON report.
 */
import t, { type Test } from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cli, parseReport, runCli, type Run } from './cli-run.js';
import type { ReportInput as Input, ScanReport as Report } from '../../src/model/report.js';
import { buildOptions, fixturesDir, isValidPath, makeTarball, noNixReason, outputOf, tempDir } from './nix-fixture.js';

const execFileP = promisify(execFile);
const noGcc = (): string | null => (spawnSync('gcc', ['--version']).status === 0 ? null : 'gcc is not installed');






/** `seedaudit scan TARGET --format json` with an empty allowlist (the default gate unless `extra` says otherwise). */
const scan = async (t: Test, target: string, allowlist: string, extra: string[] = []): Promise<{ run: Run; rep: Report }> => {
  const run = await runCli(['scan', target, '--format', 'json', '--allowlist', allowlist, ...extra]);
  return { run, rep: parseReport(t, run) };
};

/** The evidence entry of `rule`, with the whole input in the failure message when it is missing. */
const evidenceOf = (t: Test, input: Input | undefined, rule: string): { rule: string; detail: string } | undefined => {
  const e = input?.evidence.find((x) => x.rule === rule);
  t.ok(e, `evidence ${rule} on ${input?.name}: ${JSON.stringify(input?.evidence, null, 1)}`);
  return e;
};

/**
 * What a reviewer checks of an input whose bytes hold compiled code: prebuilt, decided by the
 * contents rule, the evidence naming what was found, and the gate failing on it (`ref` is the
 * id the gate lists: the .drv of a download, the store path of an input source).
 */
function failsByContents(t: Test, rep: Report, input: Input | undefined, found: RegExp, ref: string | null | undefined): void {
  t.equal(input?.class, 'prebuilt', 'prebuilt by its bytes, whatever its name');
  t.equal(input?.evidence[0]?.rule, 'prebuilt.contents-executable', 'the contents rule decides');
  const e = evidenceOf(t, input, 'prebuilt.contents-executable');
  t.match(e?.detail ?? '', found, `says what it found: ${e?.detail}`);
  t.equal(input?.gate, 'fail');
  t.ok(rep.gate.failures.includes(ref ?? '(none)'), `${input?.name} is among the failures: ${rep.gate.failures}`);
}

/** Run nix-build (or nix-instantiate); returns the last line of stdout (the output or .drv path). */
async function nix(cmd: 'nix-build' | 'nix-instantiate', argv: string[]): Promise<string> {
  const all = cmd === 'nix-build' ? [...argv, ...buildOptions()] : argv;
  try {
    const { stdout } = await execFileP(cmd, all, { maxBuffer: 16 * 2 ** 20 });
    return stdout.trim().split('\n').pop() ?? '';
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${all.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

const sha256Hex = async (file: string): Promise<string> => createHash('sha256').update(await fs.readFile(file)).digest('hex');

t.test('fail closed: bytes decide, network fetchers are unknown (real Nix)', { skip: noNixReason() ?? false }, async (t) => {
  t.ok(existsSync(cli), `${cli} exists (run tsc first)`);
  const dir = await tempDir('fail-closed');
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const empty = path.join(dir, 'allow-empty.json');
  await fs.writeFile(empty, JSON.stringify({ version: 1, seeds: [] }));

  t.test('a prebuilt tarball renamed sneaky-1.0.tar.gz is prebuilt by its contents', async (t) => {
    const sub = path.join(dir, 'sneaky');
    await fs.mkdir(sub);
    await fs.chmod(sub, 0o755);
    const tb = await makeTarball(sub);
    // an innocent name for the fetch and for the file the file:// URL names
    const innocent = path.join(sub, 'sneaky-1.0.tar.gz');
    await fs.copyFile(tb.file, innocent);
    await fs.chmod(innocent, 0o644);
    await fs.rm(tb.file);
    const url = `file://${innocent}`;
    const result = path.join(sub, 'result');
    await nix('nix-build', [
      path.join(fixturesDir, 'vendored.nix'), '-A', 'pkg',
      '--argstr', 'url', url, '--argstr', 'sha256', tb.sha256, '--argstr', 'name', 'sneaky-1.0',
      '-o', result,
    ]);

    const { run, rep } = await scan(t, result, empty);
    t.equal(run.code, 1, `default gate fails: exit 1; stderr: ${run.stderr}`);
    t.has(rep.gate, { failOn: 'prebuilt', passed: false });
    const tarball = rep.inputs.find((i) => i.kind === 'fixed-output');
    t.equal(tarball?.name, 'sneaky-1.0.tar.gz', 'fetched under the innocent name');
    t.same(tarball?.urls, [url], 'from the innocent URL');
    t.equal(tarball?.hash, tb.sri);
    failsByContents(t, rep, tarball, /(sneaky|mytool)-1\.0\/bin\/tool: ELF executable/, tarball?.drv);
  });

  t.test('an ELF file added by a path literal (tool = ./tool;) is prebuilt by its contents', async (t) => {
    const sub = path.join(dir, 'pathlit');
    await fs.mkdir(sub);
    await fs.chmod(sub, 0o755);
    const tool = path.join(sub, 'tool');
    // the host's `true` plus trailing bytes (still an ELF executable): a new store path each run
    await fs.writeFile(tool, Buffer.concat([await fs.readFile('/bin/true'), Buffer.from(`\nnonce ${randomBytes(8).toString('hex')}\n`)]));
    await fs.chmod(tool, 0o755);
    const expr = path.join(sub, 'default.nix');
    await fs.copyFile(path.join(fixturesDir, 'path-tool.nix'), expr);
    await fs.chmod(expr, 0o644);
    const result = path.join(sub, 'result');
    await nix('nix-build', [expr, '-A', 'pkg', '-o', result]);

    const { run, rep } = await scan(t, result, empty);
    t.equal(run.code, 1, `default gate fails: exit 1; stderr: ${run.stderr}`);
    t.has(rep.gate, { failOn: 'prebuilt', passed: false });
    const src = rep.inputs.find((i) => i.kind === 'input-src' && i.name === 'tool');
    t.ok(src, `an input-src named tool among ${rep.inputs.map((i) => `${i.kind}:${i.name}`)}`);
    t.match(src?.path ?? '', /^\/nix\/store\/[a-z0-9]{32}-tool$/);
    failsByContents(t, rep, src, /tool: ELF executable/, src?.path);
  });

  t.test('a "source" tarball with an object file in its test data (xz-utils shape) is prebuilt', { skip: noGcc() ?? false }, async (t) => {
    const sub = path.join(dir, 'xz');
    const top = path.join(sub, 'stage', 'hello-2.0');
    await fs.mkdir(path.join(top, 'tests', 'files'), { recursive: true });
    await fs.chmod(sub, 0o755);
    const nonce = randomBytes(8).toString('hex');
    await fs.writeFile(path.join(top, 'hello.c'), `#include <stdio.h>\nint main(void){puts("hello 2.0 ${nonce}");return 0;}\n`);
    await fs.writeFile(path.join(top, 'Makefile'), 'hello: hello.c\n\t$(CC) -o $@ hello.c\n');
    const payload = path.join(sub, 'payload.c');
    await fs.writeFile(payload, `int payload_${nonce}(int x) { return x * 3 + 1; }\n`);
    await execFileP('gcc', ['-c', '-O2', '-o', path.join(top, 'tests', 'files', 'bad.o'), payload]);
    const tarball = path.join(sub, 'hello-2.0.tar.gz');
    await execFileP('/bin/tar', ['-C', path.join(sub, 'stage'), '-czf', tarball, 'hello-2.0']);
    await fs.chmod(tarball, 0o644);
    const url = `file://${tarball}`;
    const result = path.join(sub, 'result');
    await nix('nix-build', [
      path.join(fixturesDir, 'source-with-object.nix'), '-A', 'pkg',
      '--argstr', 'url', url, '--argstr', 'sha256', await sha256Hex(tarball),
      '-o', result,
    ]);
    t.ok(existsSync(path.join(result, 'share', 'hello', 'hello.c')), 'the build only copied hello.c');

    const { run, rep } = await scan(t, result, empty);
    t.equal(run.code, 1, `default gate fails: exit 1; stderr: ${run.stderr}`);
    t.has(rep.gate, { failOn: 'prebuilt', passed: false });
    const src = rep.inputs.find((i) => i.kind === 'fixed-output' && i.name === 'hello-2.0.tar.gz');
    t.ok(src, `an input named hello-2.0.tar.gz among ${rep.inputs.map((i) => `${i.kind}:${i.name}`)}`);
    failsByContents(t, rep, src, /hello-2\.0\/tests\/files\/bad\.o: ELF relocatable object/, src?.drv);
  });

  t.test('a fixed-output derivation with no URL that can reach the network is unknown, never source', async (t) => {
    const sub = path.join(dir, 'netfod');
    await fs.mkdir(sub);
    await fs.chmod(sub, 0o755);
    const nonce = randomBytes(8).toString('hex');
    // the NAR hash of what the builder writes (`echo "deps $nonce" > $out`: a regular file)
    const same = path.join(sub, 'deps');
    await fs.writeFile(same, `deps ${nonce}\n`);
    await fs.chmod(same, 0o644);
    const narHash = (await execFileP('nix-hash', ['--type', 'sha256', same])).stdout.trim();
    t.match(narHash, /^[0-9a-f]{64}$/, 'nix-hash gave a hex sha256');
    const expr = path.join(fixturesDir, 'network-fod.nix');
    const args = ['--argstr', 'nonce', nonce, '--argstr', 'hash', narHash];
    const drv = await nix('nix-instantiate', [expr, '-A', 'app', ...args]);
    t.match(drv, /^\/nix\/store\/[a-z0-9]{32}-app-1\.0\.drv$/);
    t.notOk(isValidPath(outputOf(drv)), 'nothing was built');

    const fodOf = (rep: Report) => rep.inputs.find((i) => i.kind === 'fixed-output' && i.name === 'app-deps-1.0');
    const checkFod = (t: Test, rep: Report) => {
      const fod = fodOf(rep);
      t.ok(fod, `an input named app-deps-1.0 among ${rep.inputs.map((i) => `${i.kind}:${i.name}`)}`);
      t.same(fod?.urls, [], 'it has no URL');
      t.equal(fod?.class, 'unknown', 'unknown, not source');
      t.not(fod?.class, 'source');
      t.equal(fod?.evidence[0]?.rule, 'unknown.network-fetch', 'the network rule comes first');
      const e = evidenceOf(t, fod, 'unknown.network-fetch');
      t.match(e?.detail ?? '', /impureEnvVars passes http_proxy/, `names the variable: ${e?.detail}`);
      return fod;
    };

    const def = await scan(t, drv, empty);
    t.equal(def.run.code, 0, `default gate (prebuilt) passes: exit 0; stderr: ${def.run.stderr}`);
    t.has(def.rep.gate, { failOn: 'prebuilt', passed: true });
    const fod = checkFod(t, def.rep);
    t.equal(fod?.gate, 'pass', 'unknown passes the default gate');
    t.notOk(fod?.drv && isValidPath(outputOf(fod.drv)), 'the fixed output was not fetched');

    const strict = await scan(t, drv, empty, ['--fail-on', 'unknown']);
    t.equal(strict.run.code, 1, `--fail-on unknown fails: exit 1; stderr: ${strict.run.stderr}`);
    t.has(strict.rep.gate, { failOn: 'unknown', passed: false });
    const sfod = checkFod(t, strict.rep);
    t.equal(sfod?.gate, 'fail');
    t.ok(strict.rep.gate.failures.includes(sfod?.drv ?? '(none)'), `the fetcher is among the failures: ${strict.rep.gate.failures}`);

    // Built, its bytes are plain text (no binary member): the network signal still wins. The
    // build also proves the hash above is the one Nix computes.
    const deps = await nix('nix-build', [expr, '-A', 'deps', ...args, '--no-out-link']);
    t.equal(await fs.readFile(deps, 'utf8'), `deps ${nonce}\n`, 'the fixed output built with that hash');
    const built = await scan(t, drv, empty);
    t.equal(built.run.code, 0, `stderr: ${built.run.stderr}`);
    checkFod(t, built.rep);
  });
});
