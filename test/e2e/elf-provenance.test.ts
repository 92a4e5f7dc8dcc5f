/**
 * End to end with real Nix: a binary compiled with the host's (Debian's) gcc is shipped in a
 * tarball named like a source release; a derivation copies it into $out/bin. seedaudit must
 * look at the bytes: the tarball holds an ELF file (so it is not source), the output's ELF
 * file names Debian's GCC and the host loader, it came from that tarball, and the gate fails
 * until the tarball's hash is allowlisted.
 */
import t from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../helpers.js';
import { buildOptions, fixturesDir, noNixReason, tempDir } from './nix-fixture.js';

const execFileP = promisify(execFile);
const cli = path.join(repoRoot, 'dist', 'cli.js');
const noGcc = spawnSync('gcc', ['--version']).status === 0 ? null : 'gcc is not installed';
const skip = noNixReason() ?? noGcc;

t.test('an ELF file from a vendored tarball is traced to it', { skip: skip ?? false }, async (t) => {
  const dir = await tempDir('elf-e2e');
  const top = path.join(dir, 'stage', 'hello-1.0');
  await fs.mkdir(path.join(top, 'bin'), { recursive: true });
  await fs.writeFile(path.join(dir, 'hello.c'), `#include <stdio.h>\nint main(void){puts("hello ${Date.now()}");return 0;}\n`);
  await execFileP('gcc', ['-O2', '-o', path.join(top, 'bin', 'hello'), path.join(dir, 'hello.c')]);
  await fs.writeFile(path.join(top, 'README'), 'hello 1.0\n');
  const tarball = path.join(dir, 'hello-1.0.tar.gz');
  await execFileP('/bin/tar', ['-C', path.join(dir, 'stage'), '-czf', tarball, 'hello-1.0']);
  await fs.chmod(tarball, 0o644);
  const digest = createHash('sha256').update(await fs.readFile(tarball)).digest();
  const sri = `sha256-${digest.toString('base64')}`;

  const result = path.join(dir, 'result');
  await execFileP('nix-build', [
    path.join(fixturesDir, 'vendored.nix'), '-A', 'pkg', '--argstr', 'url', `file://${tarball}`, '--argstr', 'sha256', digest.toString('hex'),
    ...buildOptions(), '-o', result,
  ]);

  const empty = path.join(dir, 'empty-allowlist.json');
  await fs.writeFile(empty, JSON.stringify({ version: 1, seeds: [] }));
  const scan = (allowlist: string) =>
    spawnSync(process.execPath, [cli, 'scan', result, '--format', 'json', '--allowlist', allowlist], { encoding: 'utf8', maxBuffer: 1 << 26 });

  const r = scan(empty);
  t.equal(r.status, 1, r.stderr);
  const rep = JSON.parse(r.stdout);
  const tb = rep.inputs.find((i: { name: string }) => i.name === 'hello-1.0.tar.gz');
  t.equal(tb.class, 'prebuilt', 'a "source" tarball with an ELF inside is a binary: bytes beat names');
  t.equal(tb.evidence[0].rule, 'prebuilt.contents-executable');
  t.match(tb.evidence[0].detail, /hello-1\.0\/bin\/hello: ELF executable/);

  const out = rep.elf.find((e: { path: string }) => e.path.endsWith('/bin/hello'));
  t.ok(out, 'the output ELF file is listed');
  t.ok(out.comment.some((c: string) => /^GCC: \(Debian /.test(c)), `comment names Debian's GCC: ${out.comment}`);
  t.equal(out.interpreter, '/lib64/ld-linux-x86-64.so.2');
  t.ok(['from-prebuilt', 'foreign-toolchain'].includes(out.provenance), out.provenance);
  t.equal(out.provenance, 'from-prebuilt', 'the tarball it was copied from decided');
  t.equal(out.fromInput, tb.id);
  t.ok(out.evidence.some((e: { rule: string }) => e.rule === 'inspect.foreign-compiler'), 'the foreign compiler is evidence too');
  t.ok(out.evidence.some((e: { rule: string }) => e.rule === 'inspect.host-interpreter'));
  t.equal(out.gate, 'fail');
  t.same(rep.gate.failures, [tb.id, out.path], 'the tarball and the ELF file copied from it both fail');
  t.match(out.producedBy, { name: 'hello-1.0', class: 'built' });

  const text = spawnSync(process.execPath, [cli, 'scan', result, '--allowlist', empty], { encoding: 'utf8' });
  t.match(text.stdout, /from-prebuilt .*\/bin\/hello/);
  t.match(text.stdout, /comment\s+GCC: \(Debian/);

  const allow = path.join(dir, 'allow.json');
  await fs.writeFile(allow, JSON.stringify({ version: 1, seeds: [{ name: 'hello tarball', hash: sri, reason: 'reviewed vendored build' }] }));
  const ok = scan(allow);
  t.equal(ok.status, 0, ok.stdout.slice(-2000));
  t.equal(JSON.parse(ok.stdout).elf.find((e: { path: string }) => e.path.endsWith('/bin/hello')).gate, 'pass');
});
