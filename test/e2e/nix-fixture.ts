/**
 * Real-Nix fixtures shared by the acquire and end-to-end tests: a fake "binary release"
 * tarball, builds of test/e2e/fixtures/mytool.nix, and the Nix options that make those
 * builds work on a bare Debian `nix-bin` (root, no daemon, no network, no nixpkgs).
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../helpers.js';

const execFileP = promisify(execFile);

export const fixturesDir = path.join(repoRoot, 'test', 'e2e', 'fixtures');
export const mytoolNix = path.join(fixturesDir, 'mytool.nix');

/** Why the real-Nix tests cannot run here, or null when `nix` is on PATH. */
export const noNixReason = (): string | null => {
  const r = spawnSync('nix', ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? 'nix is not on PATH' : null;
};

/**
 * Options for nix-build. The cache is unreachable (every build would first spend seconds
 * retrying it), the sandbox would hide the host's /bin tools the fixture builds with, and
 * without Debian's nix-setup-systemd there is no nixbld group: nix.conf may say anything, so
 * the tests say what they need.
 */
export const buildOptions = (): string[] => {
  let group = false;
  try {
    group = /^nixbld:/m.test(readFileSync('/etc/group', 'utf8'));
  } catch {
    group = false;
  }
  return [
    '--option', 'substituters', '',
    '--option', 'sandbox', 'false',
    ...(group ? [] : ['--option', 'build-users-group', '']),
  ];
};

/**
 * A fresh temp dir. World-readable: the builtin fetchurl reads file:// URLs as a nixbld
 * build user, which cannot enter mkdtemp's 0700 directories.
 */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `seedaudit-${prefix}-`));
  await fs.chmod(dir, 0o755);
  return dir;
}

export interface Tarball {
  file: string;
  url: string;
  /** hex, as `--argstr sha256` takes it */
  sha256: string;
  /** `sha256-<base64>`, as reports and allowlists carry it */
  sri: string;
}

/**
 * `mytool-1.0-x86_64-linux.tar.gz`: an ELF executable (a copy of the host's `true`) and a
 * README. The README carries a random nonce so every call gives a new hash, hence new store
 * paths that no earlier build has made valid.
 */
export async function makeTarball(dir: string): Promise<Tarball> {
  const stage = path.join(dir, 'stage');
  const top = path.join(stage, 'mytool-1.0');
  await fs.mkdir(path.join(top, 'bin'), { recursive: true });
  await fs.copyFile('/bin/true', path.join(top, 'bin', 'tool'));
  await fs.chmod(path.join(top, 'bin', 'tool'), 0o755);
  await fs.writeFile(path.join(top, 'README'), `mytool 1.0 prebuilt for x86_64-linux\nnonce ${randomBytes(8).toString('hex')}\n`);
  const file = path.join(dir, 'mytool-1.0-x86_64-linux.tar.gz');
  await execFileP('/bin/tar', ['-C', stage, '-czf', file, 'mytool-1.0']);
  await fs.chmod(file, 0o644);
  const digest = createHash('sha256').update(await fs.readFile(file)).digest();
  return { file, url: `file://${file}`, sha256: digest.toString('hex'), sri: `sha256-${digest.toString('base64')}` };
}

/** `--argstr url … --argstr sha256 …` for mytool.nix. */
export const tarballArgs = (tb: Tarball): string[] => ['--argstr', 'url', tb.url, '--argstr', 'sha256', tb.sha256];

/** Builds mytool.nix's `mytool` with a result link at `outLink`; returns the output path. */
export async function buildMytool(tb: Tarball, outLink: string): Promise<string> {
  const argv = [mytoolNix, '-A', 'mytool', ...tarballArgs(tb), ...buildOptions(), '-o', outLink];
  try {
    const { stdout } = await execFileP('nix-build', argv, { maxBuffer: 16 * 2 ** 20 });
    return stdout.trim().split('\n').pop() ?? '';
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`nix-build ${argv.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

/** True when the store path is registered valid (built or fetched). */
export const isValidPath = (p: string): boolean =>
  spawnSync('nix-store', ['--check-validity', p], { stdio: 'ignore' }).status === 0;

/** Output path a .drv declares for `out`, read with nix-store (independent of seedaudit). */
export const outputOf = (drv: string): string => {
  const r = spawnSync('nix-store', ['--query', '--outputs', drv], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nix-store --query --outputs ${drv}: ${r.stderr}`);
  return r.stdout.trim().split('\n')[0];
};
