import t from 'tap';
import { ANY_PIECE, ARCH, DISTRO, LIBC, OS, OS_ARCH, WEAK_ARCH, platformHits, platformWords } from '../../src/facts/platform.js';
import { platformStrength } from '../../src/classify/classify.js';

t.test('the quick pre-check lets every vocabulary word through', async (t) => {
  for (const w of [...OS, ...ARCH, ...WEAK_ARCH, ...OS_ARCH, ...LIBC, ...DISTRO].filter((x) => !['el', 'fc'].includes(x)))
    t.ok(ANY_PIECE.test(w), w);
});

t.test('release file names name their platform; source names do not', async (t) => {
  const strength = (n: string) => {
    const w = platformWords(n);
    return w.length ? platformStrength(w) : null;
  };
  for (const [name, want] of [
    ['terraform_1.8.0_linux_amd64.zip', 'target'],
    ['go1.22.2.linux-amd64.tar.gz', 'target'],
    ['zig-linux-x86_64-0.12.0.tar.xz', 'target'],
    ['gcc-arm-none-eabi-10.3-2021.10-x86_64-linux.tar.bz2', 'target'],
    ['jdk-21_linux-x64_bin.tar.gz', 'target'],
    ['tool_linux64.tar.gz', 'target'],
    ['app-1.0-win64.zip', 'target'],
    ['foo-1.0-x86-64.tar.gz', 'arch'],
    ['yq_amd64', 'arch'],
    ['mongodb-ubuntu2204-7.0.8.tgz', 'distro'],
    ['ghc-9.4.8-x86_64-deb10-linux.tar.xz', 'target'],
    ['node-v20.12.2-alpine3.18-x64.tar.gz', 'target'],
    ['linux-6.8.tar.xz', null],
    ['binutils-2.42.tar.bz2', null],
    ['syslinux-6.03.tar.xz', null],
    ['x86info-1.31.tar.gz', null],
    ['arm-trusted-firmware-2.10.tar.gz', null],
    ['musl-1.2.5.tar.gz', null],
    ['glibc-2.39.tar.xz', null],
    ['firmware-linux-nonfree-20240101.tar.gz', null],
  ] as const)
    t.equal(strength(name), want, name);
});

t.test('URL directories count only when they are named for a platform', async (t) => {
  t.match(platformHits([], [['distro', 'app', 'stable', 'linux', 'x64', '1.0.160']]), [{ where: 'URL path', words: [{ word: 'linux' }, { word: 'x64' }] }]);
  t.same(platformHits([], [['google', 'aarch64-esr-decoder', 'archive', 'refs', 'tags']]), [], 'a project named for an architecture is not a platform directory');
  t.same(platformHits([], [['pub', 'linux', 'kernel', 'v6.x']]), [], 'an OS directory alone names no release platform');
});
