/**
 * Member identities (provenance through copies): asked for, the inspector reads ELF members
 * whole and reports their SHA-256 (and what the caller's identify() derives, here a build-id
 * stand-in), in tar.gz, plain tar, zip (stored and deflated) and directories; members over
 * the limit and non-ELF members are not read whole; a plain listing carries no identities.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspectPath, type MemberIdentity } from '../../../src/inspect/archive/index.js';

const ELF = '/usr/bin/true';
const dir = mkdtempSync(path.join(tmpdir(), 'seedaudit-identities-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const tree = path.join(dir, 'pkg');
mkdirSync(path.join(tree, 'bin'), { recursive: true });
copyFileSync(ELF, path.join(tree, 'bin', 'tool'));
writeFileSync(path.join(tree, 'README'), 'not a binary\n');
const sha = createHash('sha256').update(readFileSync(ELF)).digest('hex');
const size = readFileSync(ELF).length;

const identify = (member: string, body: Buffer): MemberIdentity => ({
  member,
  sha256: createHash('sha256').update(body).digest('hex'),
  buildId: `len:${body.length}`,
});
const sh = (cmd: string, args: string[], cwd = dir) => {
  const r = spawnSync(cmd, args, { cwd });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
};
sh('tar', ['-czf', 'pkg.tar.gz', 'pkg']);
sh('tar', ['-cf', 'pkg.tar', 'pkg']);
sh('zip', ['-qr', 'pkg.zip', 'pkg']);
sh('zip', ['-qr0', 'pkg-stored.zip', 'pkg']);

for (const [file, member] of [
  ['pkg.tar.gz', 'pkg/bin/tool'],
  ['pkg.tar', 'pkg/bin/tool'],
  ['pkg.zip', 'pkg/bin/tool'],
  ['pkg-stored.zip', 'pkg/bin/tool'],
  ['pkg', 'bin/tool'],
] as const) {
  t.test(file, async (t) => {
    const p = path.join(dir, file);
    const withIds = await inspectPath(p, {}, { identify, limit: 256 * 1024 ** 2 });
    t.same(withIds.identities, [{ member, sha256: sha, buildId: `len:${size}` }], 'the ELF member, read whole; the README is not');
    const plain = await inspectPath(p);
    t.equal(plain.identities, undefined, 'a listing alone reads heads only');
    t.same({ ...withIds, identities: undefined }, { ...plain, identities: undefined }, 'the listing itself is the same either way');
    const small = await inspectPath(p, {}, { identify, limit: size - 1 });
    t.same(small.identities, [], 'a member over the limit is not read whole');
  });
}
