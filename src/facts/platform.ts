/**
 * Platform words: how binary releases name the system they run on. A real vocabulary of
 * operating systems × architectures × C libraries × distributions, as release file names
 * and URL paths spell them (`terraform_1.8.0_linux_amd64.zip`, `go1.22.2.linux-amd64.tar.gz`,
 * `julia-1.10.2-linux-x86_64.tar.gz`, `zig-linux-x86_64-0.12.0.tar.xz`,
 * `gcc-arm-none-eabi-10.3-2021.10-x86_64-linux.tar.bz2`, `jdk-21_linux-x64_bin.tar.gz`,
 * `…-alpine3.18.tar.gz`, `/linux-x86_64/`). Words are matched as whole tokens, so
 * `binutils`, `syslinux` or `linux-6.8` name no platform.
 */
import type { PlatformHit, PlatformWord, PlatformWordKind } from '../model/facts.js';

export const OS = [
  'linux', 'darwin', 'macos', 'macosx', 'osx', 'mac', 'windows', 'win', 'mingw', 'mingw32', 'mingw64', 'cygwin',
  'freebsd', 'openbsd', 'netbsd', 'dragonfly', 'android', 'ios', 'solaris', 'illumos', 'sunos', 'aix',
];
/** Architecture words that name a CPU on their own (`amd64` is never anything else). */
export const ARCH = [
  'x86_64', 'amd64', 'x64', 'i386', 'i486', 'i586', 'i686', 'ia32', 'arm64', 'aarch64', 'armv5tel', 'armv6l',
  'armv6hf', 'armv7l', 'armv7hl', 'armv7', 'armhf', 'armel', 'ppc64le', 'ppc64el', 'powerpc64le', 's390x',
  'riscv64', 'mips64el', 'mipsel', 'loong64', 'loongarch64', 'universal2', 'x86_64h',
];
/** Words that name an architecture only next to an OS word (`arm-trusted-firmware`, `x86info`). */
export const WEAK_ARCH = ['x86', '386', 'arm', 'ppc', 'ppc64', 'mips', 'universal', '32bit', '64bit', '32', '64'];
/** One token naming OS and word size together. */
export const OS_ARCH = [
  'linux64', 'linux32', 'lin64', 'lin32', 'linux86', 'linuxx64', 'linuxamd64', 'linuxarm64', 'win64', 'win32',
  'windows64', 'mac64', 'macos64', 'osx64', 'macarm', 'macintel', 'darwin64', 'freebsd64',
];
export const LIBC = ['gnu', 'musl', 'glibc', 'msvc', 'gnueabihf', 'gnueabi', 'musleabihf', 'musleabi', 'eabihf', 'androideabi', 'uclibc'];
/** Distribution words; with a version glued on (`el8`, `alpine3`, `ubuntu22`) they are enough on their own. */
export const DISTRO = [
  'ubuntu', 'debian', 'deb', 'el', 'rhel', 'centos', 'fedora', 'fc', 'alpine', 'sles', 'suse', 'opensuse', 'rocky',
  'amzn', 'amazonlinux', 'manylinux', 'manylinux1', 'manylinux2010', 'manylinux2014', 'musllinux', 'focal', 'jammy',
  'noble', 'bionic', 'xenial', 'bookworm', 'bullseye', 'buster', 'stretch',
];

const osSet = new Set(OS);
const archSet = new Set(ARCH);
const weakArchSet = new Set(WEAK_ARCH);
const osArchSet = new Set(OS_ARCH);
const libcSet = new Set(LIBC);
const distroSet = new Set(DISTRO);
/** `el7`, `fc39`, `alpine3`, `ubuntu2204`, `deb11`, `centos7`, `manylinux_2_17` pieces */
const DISTRO_VERSION = /^(el|fc|alpine|ubuntu|debian|deb|centos|rhel|sles|amzn|rocky|fedora)[0-9]+$/;
const MANY = /^(manylinux|musllinux)[0-9_]*$/;

/**
 * Tokens of a name: lower case, split at every character that is not a letter or digit,
 * except that `x86_64`/`x86-64` and `x86_64h` stay one word.
 */
export function platformTokens(text: string): string[] {
  const lower = text.toLowerCase().replace(/x86[-_]64/g, 'x86QQ64');
  return lower
    .split(/[^a-z0-9Q]+/)
    .filter(Boolean)
    .map((t) => t.replace(/x86QQ64/g, 'x86_64'));
}

function wordKind(t: string): PlatformWordKind | 'weak-arch' | null {
  if (archSet.has(t)) return 'arch';
  if (osArchSet.has(t)) return 'os-arch';
  if (osSet.has(t)) return 'os';
  if (libcSet.has(t)) return 'libc';
  if (DISTRO_VERSION.test(t) || MANY.test(t)) return 'distro';
  if (weakArchSet.has(t)) return 'weak-arch';
  if (distroSet.has(t)) return 'distro';
  return null;
}

/**
 * The platform words of one string. Weak architecture words (`x86`, `arm`, `64`) count only
 * beside an OS word; bare distribution names (`debian`, `ubuntu`) only beside an OS or
 * architecture word; libc words only beside an architecture (`x86_64-linux-gnu`).
 */
/**
 * Every word above contains one of these pieces: a text without any of them names no
 * platform, and most names (`bash-5.2.tar.gz`) are rejected here without being tokenised.
 */
export const ANY_PIECE =
  /linux|darwin|mac|osx|win|x86|x64|amd64|86|ia32|arm|aarch|ppc|powerpc|s390|riscv|mips|loong|universal|32|64|gnu|musl|msvc|eabi|libc|ubuntu|debian|deb|el[0-9]|rhel|centos|fedora|fc[0-9]|alpine|sles|suse|rocky|amzn|amazon|focal|jammy|noble|bionic|xenial|bookworm|bullseye|buster|stretch|bsd|dragonfly|android|ios|solaris|illumos|sunos|aix|cygwin|mingw/i;

export function platformWords(text: string): PlatformWord[] {
  if (!ANY_PIECE.test(text)) return [];
  const tokens = platformTokens(text);
  const found: { word: string; kind: PlatformWordKind | 'weak-arch' }[] = [];
  for (const t of tokens) {
    const kind = wordKind(t);
    if (kind) found.push({ word: t, kind });
  }
  const has = (k: string) => found.some((f) => f.kind === k);
  const hasOs = has('os') || has('os-arch');
  const hasArch = has('arch') || has('os-arch');
  const out: PlatformWord[] = [];
  for (const f of found) {
    if (f.kind === 'weak-arch') {
      if (hasOs) out.push({ word: f.word, kind: 'arch' });
    } else if (f.kind === 'libc') {
      if (hasArch) out.push({ word: f.word, kind: 'libc' });
    } else if (f.kind === 'distro') {
      if (DISTRO_VERSION.test(f.word) || MANY.test(f.word) || hasOs || hasArch) out.push({ word: f.word, kind: 'distro' });
    } else out.push({ word: f.word, kind: f.kind });
  }
  // an OS word alone (`linux-6.8.tar.xz`, `firmware-linux-nonfree`) names no release platform
  if (out.every((w) => w.kind === 'os')) return [];
  return out;
}

/** A directory whose name is made of platform words (and version numbers) only. */
function isPlatformDirectory(dir: string): boolean {
  const tokens = platformTokens(dir);
  return tokens.length > 0 && tokens.some((t) => wordKind(t) !== null) && tokens.every((t) => wordKind(t) !== null || /^[0-9]+$/.test(t));
}

/**
 * Platform words in the input's file names and in its URLs' directory paths. `dirCache`
 * (one per scan) remembers which directory names are platform directories: thousands of
 * URLs share `pub`, `gnu`, `archive`, `releases`.
 */
export function platformHits(fileNames: string[], urlDirs: string[][], dirCache = new Map<string, boolean>()): PlatformHit[] {
  const hits: PlatformHit[] = [];
  for (const n of fileNames) {
    const words = platformWords(n);
    if (words.length) hits.push({ where: 'file name', text: n, words });
  }
  for (const dirs of urlDirs) {
    // Directories named for a platform (`/linux/x64/`, `/Linux-x86_64/`, `/main/x86_64/`),
    // taken together; a directory with other words in its name (a forge's
    // `/google/aarch64-esr-decoder/archive/`) is a project, not a platform directory.
    const platformDirs = dirs.filter((d) => {
      let yes = dirCache.get(d);
      if (yes === undefined) dirCache.set(d, (yes = isPlatformDirectory(d)));
      return yes;
    });
    if (!platformDirs.length) continue;
    const words = platformWords(platformDirs.join('/'));
    if (words.length) hits.push({ where: 'URL path', text: '/' + dirs.join('/') + '/', words });
  }
  return hits;
}
