/**
 * End to end with real Nix, provenance through copies: a prebuilt tarball (an ELF compiled
 * with the host's gcc) is unpacked by one derivation and its binary copied by a second one
 * that takes no binary input of its own. The second one's binary must be traced to the
 * tarball (matched by build-id in the first one's output), fail the gate, and pass once the
 * tarball is allowlisted — without --fail-on never. With the first one's output deleted from
 * the store, the match must come from the tarball itself (the same build-id as its member).
 */
import t from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCli, parseReport } from './cli-run.js';
import { buildOptions, fixturesDir, noNixReason, tempDir } from './nix-fixture.js';

const execFileP = promisify(execFile);
const noGcc = spawnSync('gcc', ['--version']).status === 0 ? null : 'gcc is not installed';
const skip = noNixReason() ?? noGcc;

t.test('a binary copied from a prebuilt tarball through an intermediate derivation is traced to the tarball', { skip: skip ?? false }, async (t) => {
  const dir = await tempDir('copy-chain');
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const top = path.join(dir, 'stage', 'hello-1.0');
  await fs.mkdir(path.join(top, 'bin'), { recursive: true });
  await fs.writeFile(path.join(dir, 'hello.c'), `#include <stdio.h>\nint main(void){puts("hello ${Date.now()}");return 0;}\n`);
  await execFileP('gcc', ['-O2', '-o', path.join(top, 'bin', 'hello'), path.join(dir, 'hello.c')]);
  const tarball = path.join(dir, 'hello-1.0.tar.gz');
  await execFileP('/bin/tar', ['-C', path.join(dir, 'stage'), '-czf', tarball, 'hello-1.0']);
  await fs.chmod(tarball, 0o644);
  const digest = createHash('sha256').update(await fs.readFile(tarball)).digest();
  const result = path.join(dir, 'result');
  await execFileP('nix-build', [
    path.join(fixturesDir, 'copy-chain.nix'), '-A', 'app', '--argstr', 'url', `file://${tarball}`, '--argstr', 'sha256', digest.toString('hex'),
    ...buildOptions(), '-o', result,
  ]);
  const empty = path.join(dir, 'empty.json');
  await fs.writeFile(empty, JSON.stringify({ version: 1, seeds: [] }));

  const r = await runCli(['scan', result, '--allowlist', empty, '--format', 'json'], dir);
  t.equal(r.code, 1, r.stderr);
  const rep = parseReport(t, r);
  const tb = rep.inputs.find((i) => i.name === 'hello-1.0.tar.gz')!;
  t.equal(tb.class, 'prebuilt');
  const hello = rep.elf.find((e) => e.path.endsWith('/bin/hello'))!;
  t.match(hello.producedBy, { name: 'app-1.0', class: 'built' });
  t.equal(hello.provenance, 'from-prebuilt', 'not foreign-toolchain: it came from the tarball');
  t.equal(hello.fromInput, tb.id);
  const ev = hello.evidence.find((e) => e.rule === 'inspect.copied-from-upstream');
  t.ok(ev, 'the evidence says how it was matched');
  t.match(ev?.detail, /^same build-id as bin\/hello in the output of hello-bin-unpacked-1\.0, which takes 'hello-1\.0\.tar\.gz' \(prebuilt\): copied through hello-bin-unpacked-1\.0 into app-1\.0$/);
  t.ok(hello.evidence.some((e) => e.rule === 'inspect.foreign-compiler'), "the host compiler stays evidence");
  t.equal(hello.gate, 'fail');
  t.match(rep.gate.items.find((i) => i.ref === hello.path), { kind: 'output-elf', status: 'fail', reason: "output ELF file from the prebuilt input 'hello-1.0.tar.gz'" });

  const allow = path.join(dir, 'allow.json');
  await fs.writeFile(allow, JSON.stringify({ version: 1, seeds: [{ name: 'hello tarball', hash: `sha256-${digest.toString('base64')}`, reason: 'reviewed vendored build' }] }));
  const ok = await runCli(['scan', result, '--allowlist', allow, '--format', 'json'], dir);
  t.equal(ok.code, 0, `allowlisting the tarball lets the copy through; ${ok.stderr}`);
  t.match(parseReport(t, ok).gate.items.find((i) => i.ref === hello.path), { status: 'allowlist', accepted: { by: 'allowlist', entry: 'hello tarball', match: 'producing-input' } });

  // The intermediate output is gone (garbage-collected, or built elsewhere): nothing upstream
  // in the store holds the binary any more, only the tarball does.
  const unpacked = (await execFileP('nix-build', [
    path.join(fixturesDir, 'copy-chain.nix'), '-A', 'unpack', '--argstr', 'url', `file://${tarball}`, '--argstr', 'sha256', digest.toString('hex'),
    ...buildOptions(), '--no-out-link',
  ])).stdout.trim();
  await execFileP('nix-store', ['--delete', unpacked]);
  t.notOk(await fs.stat(unpacked).catch(() => null), `${unpacked} deleted`);
  const gone = await runCli(['scan', result, '--allowlist', empty, '--format', 'json'], dir);
  t.equal(gone.code, 1, gone.stderr);
  const rep2 = parseReport(t, gone);
  const hello2 = rep2.elf.find((e) => e.path.endsWith('/bin/hello'))!;
  t.equal(hello2.provenance, 'from-prebuilt', 'still traced to the tarball');
  t.equal(hello2.fromInput, rep2.inputs.find((i) => i.name === 'hello-1.0.tar.gz')!.id);
  const ev2 = hello2.evidence.find((e) => e.rule === 'inspect.copied-from-archive');
  t.match(ev2?.detail, /^same build-id as hello-1\.0\/bin\/hello in 'hello-1\.0\.tar\.gz' \(prebuilt\), an input upstream of app-1\.0: /);
  t.equal(hello2.gate, 'fail');
  const ok2 = await runCli(['scan', result, '--allowlist', allow, '--format', 'json'], dir);
  t.equal(ok2.code, 0, `allowlisting the tarball still lets the copy through; ${ok2.stderr}`);
});
