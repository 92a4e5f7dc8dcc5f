/**
 * Per-rule fixtures, as syft keeps one for each binary classifier: every rule names at
 * least one input it must match (taken from real nixpkgs downloads where the rule is about
 * downloads) and at least one look-alike it must not match. test/classify/rules.test.ts
 * fails when a rule has none.
 */
import type { InputSpec } from './graph-builder.js';

const tgz = { format: 'tar.gz', members: 40 };
export const RULE_FIXTURES: Record<string, { match: InputSpec[]; noMatch: InputSpec[] }> = {
  'prebuilt.contents-executable': {
    match: [
      { name: 'sneaky-1.0.tar.gz', url: 'https://example.org/sneaky-1.0.tar.gz', contents: { ...tgz, byKind: { elf: 1 }, binaryCount: 1, binaries: [{ member: 'sneaky-1.0/bin/tool', kind: 'elf' }] } },
      { name: 'xz-5.6.1.tar.gz', url: 'https://github.com/tukaani-project/xz/releases/download/v5.6.1/xz-5.6.1.tar.gz', contents: { ...tgz, byKind: { object: 1 }, binaryCount: 1, binaries: [{ member: 'xz-5.6.1/tests/files/bad-3-corrupt_lzma2.o', kind: 'object' }] } },
    ],
    noMatch: [
      { name: 'hello-2.12.1.tar.gz', url: 'mirror://gnu/hello/hello-2.12.1.tar.gz', contents: tgz },
      { name: 'gradle-wrapper.tar.gz', url: 'https://example.org/w.tar.gz', contents: { ...tgz, byKind: { jar: 1 }, binaryCount: 1 } },
    ],
  },
  'prebuilt.contents-bytecode': {
    match: [{ name: 'source', url: 'https://github.com/foo/app/archive/v1.tar.gz', contents: { ...tgz, byKind: { jar: 1 }, binaryCount: 1, binaries: [{ member: 'gradle/wrapper/gradle-wrapper.jar', kind: 'jar' }] } }],
    noMatch: [{ name: 'source', url: 'https://github.com/foo/app/archive/v1.tar.gz', contents: tgz }],
  },
  'prebuilt.platform-in-name': {
    match: [
      { name: 'terraform_1.8.0_linux_amd64.zip', url: 'https://releases.hashicorp.com/terraform/1.8.0/terraform_1.8.0_linux_amd64.zip' },
      { name: 'gcc-arm-none-eabi-10.3-2021.10-x86_64-linux.tar.bz2', url: 'https://developer.arm.com/-/media/Files/downloads/gnu-rm/10.3-2021.10/gcc-arm-none-eabi-10.3-2021.10-x86_64-linux.tar.bz2' },
      { name: 'source', url: 'https://github.com/gohugoio/hugo/releases/download/v0.125.0/hugo_0.125.0_linux-amd64.tar.gz' },
      { name: 'zig-linux-x86_64-0.12.0.tar.xz', url: 'https://ziglang.org/download/0.12.0/zig-linux-x86_64-0.12.0.tar.xz' },
    ],
    noMatch: [
      { name: 'linux-6.8.tar.xz', url: 'https://cdn.kernel.org/pub/linux/kernel/v6.x/linux-6.8.tar.xz' },
      { name: 'binutils-2.42.tar.bz2', url: 'mirror://gnu/binutils/binutils-2.42.tar.bz2' },
      { name: 'syslinux-6.03.tar.xz', url: 'mirror://kernel/linux/utils/boot/syslinux/syslinux-6.03.tar.xz' },
    ],
  },
  'prebuilt.arch-in-name': {
    match: [{ name: 'tool-1.0-x86_64.tar.gz', url: 'https://example.org/tool-1.0-x86_64.tar.gz' }, { name: 'yq_amd64', url: 'https://example.org/v4/yq_amd64' }],
    noMatch: [
      { name: 'x86info-1.31.tar.gz', url: 'https://github.com/kernelslacker/x86info/archive/1.31.tar.gz' },
      { name: 'arm-trusted-firmware-2.10.tar.gz', url: 'https://github.com/ARM-software/arm-trusted-firmware/archive/v2.10.tar.gz' },
    ],
  },
  'prebuilt.distro-in-name': {
    match: [{ name: 'mongodb-ubuntu2204-7.0.8.tgz', url: 'https://fastdl.mongodb.org/linux/mongodb-ubuntu2204-7.0.8.tgz' }],
    noMatch: [{ name: 'debianutils-5.17.tar.gz', url: 'https://salsa.debian.org/debian/debianutils/-/archive/debian/5.17/debianutils-debian-5.17.tar.gz' }],
  },
  'prebuilt.platform-in-url-path': {
    match: [{ name: 'kubectl', url: 'https://dl.k8s.io/release/v1.30.0/bin/linux/amd64/kubectl' }],
    noMatch: [{ name: 'linux-6.8.tar.xz', url: 'https://cdn.kernel.org/pub/linux/kernel/v6.x/linux-6.8.tar.xz' }],
  },
  'prebuilt.os-in-release-asset': {
    match: [{ name: 'tool-1.0-linux.tar.gz', url: 'https://github.com/acme/tool/releases/download/v1.0/tool-1.0-linux.tar.gz' }],
    noMatch: [
      { name: 'jq-1.7.1.tar.gz', url: 'https://github.com/jqlang/jq/releases/download/jq-1.7.1/jq-1.7.1.tar.gz' },
      { name: 'tool-1.0-linux.tar.gz', url: 'https://example.org/src/tool-1.0-linux.tar.gz' },
    ],
  },
  'prebuilt.binary-format': {
    match: [
      { name: 'NVIDIA-Linux-x86_64-550.78.run', url: 'https://download.nvidia.com/XFree86/Linux-x86_64/550.78/NVIDIA-Linux-x86_64-550.78.run' },
      { name: 'Oracle_VM_VirtualBox_Extension_Pack-7.0.14.vbox-extpack', url: 'https://download.virtualbox.org/virtualbox/7.0.14/Oracle_VM_VirtualBox_Extension_Pack-7.0.14.vbox-extpack' },
      { name: 'plantuml-1.2024.4.jar', url: 'https://github.com/plantuml/plantuml/releases/download/v1.2024.4/plantuml-1.2024.4.jar' },
    ],
    noMatch: [{ name: 'jarjar-1.4.tar.gz', url: 'https://example.org/jarjar-1.4.tar.gz' }],
  },
  'prebuilt.platform-wheel': {
    match: [{ name: 'numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', url: 'https://files.pythonhosted.org/packages/numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl' }],
    noMatch: [{ name: 'six-1.16.0-py2.py3-none-any.whl', url: 'https://files.pythonhosted.org/packages/six-1.16.0-py2.py3-none-any.whl' }],
  },
  'prebuilt.distro-package-with-arch': {
    match: [{ name: 'slack-desktop-4.38.125-amd64.deb', url: 'https://downloads.slack-edge.com/desktop-releases/linux/x64/4.38.125/slack-desktop-4.38.125-amd64.deb' }],
    noMatch: [{ name: 'fonts-noto_20201225-1_all.deb', url: 'http://deb.debian.org/debian/pool/main/f/fonts-noto/fonts-noto_20201225-1_all.deb' }],
  },
  'prebuilt.firmware': {
    match: [{ name: 'brcmfmac43455-sdio.bin', url: 'https://example.org/firmware/brcm/firmware-brcmfmac43455-sdio.bin' }],
    noMatch: [
      { name: 'fwupd-1.9.16.tar.xz', url: 'https://github.com/fwupd/fwupd/releases/download/1.9.16/fwupd-1.9.16.tar.xz' },
      { name: 'arm-trusted-firmware-2.10.tar.gz', url: 'https://github.com/ARM-software/arm-trusted-firmware/archive/v2.10.tar.gz' },
    ],
  },
  'prebuilt.bindist-name': {
    match: [
      { name: 'apache-maven-3.9.6-bin.tar.gz', url: 'mirror://apache/maven/maven-3/3.9.6/binaries/apache-maven-3.9.6-bin.tar.gz' },
      { name: 'foo-1.2-binary.tar.bz2', url: 'https://example.org/foo-1.2-binary.tar.bz2' },
      { name: 'foo_bin.tar.gz', url: 'https://example.org/foo_bin.tar.gz' },
    ],
    noMatch: [
      { name: 'binaryen-117.tar.gz', url: 'https://github.com/WebAssembly/binaryen/archive/version_117.tar.gz' },
      { name: 'bingrep-0.11.0.tar.gz', url: 'https://github.com/m4b/bingrep/archive/v0.11.0.tar.gz' },
    ],
  },
  'prebuilt.binary-dist-dir': {
    match: [{ name: 'apache-ant-1.10.14-bin.tar.bz2', url: 'mirror://apache/ant/binaries/apache-ant-1.10.14-bin.tar.bz2' }],
    noMatch: [{ name: 'apache-ant-1.10.14-src.tar.bz2', url: 'mirror://apache/ant/source/apache-ant-1.10.14-src.tar.bz2' }],
  },
  'prebuilt.unpacked-with-autopatchelf': {
    match: [{ name: 'OpenJDK17U-jdk_x64_linux_hotspot_17.0.7_7.tar.gz', url: 'https://github.com/adoptium/temurin17-binaries/releases/download/jdk-17.0.7%2B7/OpenJDK17U-jdk_x64_linux_hotspot_17.0.7_7.tar.gz', consumer: { pname: 'temurin-bin', native: ['auto-patchelf-hook', 'make-shell-wrapper-hook'] } }],
    noMatch: [{ name: 'source', url: 'https://github.com/jqlang/jq/archive/jq-1.7.1.tar.gz', consumer: { pname: 'jq', native: ['autoreconf-hook'] } }],
  },
  'prebuilt.unpacked-as-package': {
    match: [{ name: 'obsidian_1.5.12_amd64.deb', url: 'https://github.com/obsidianmd/obsidian-releases/releases/download/v1.5.12/obsidian_1.5.12_amd64.deb', consumer: { pname: 'obsidian', env: { unpackPhase: 'dpkg-deb --fsys-tarfile $src | tar -x --no-same-permissions', dontBuild: '1' } } }],
    noMatch: [{ name: 'dpkg_1.22.6.tar.xz', url: 'mirror://debian/pool/main/d/dpkg/dpkg_1.22.6.tar.xz', consumer: { pname: 'dpkg', native: ['perl-5.38.2'] } }],
  },
  'prebuilt.unpack-tool': {
    match: [{ name: 'zoom_x86_64.pkg.tar.xz', url: 'https://zoom.us/client/6.0.2/zoom_x86_64.pkg.tar.xz', consumer: { pname: 'zoom', native: ['dpkg-1.22.6'] } }],
    noMatch: [{ name: 'tool-1.0.tar.gz', url: 'https://example.org/tool-1.0.tar.gz', consumer: { pname: 'tool', native: ['cmake-3.29.2'] } }],
  },
  'prebuilt.installed-without-build': {
    match: [{ name: 'source', url: 'https://github.com/intel/ivsc-firmware/archive/abc.tar.gz', consumer: { pname: 'ivsc-firmware', env: { dontBuild: '1', installPhase: 'mkdir -p $out/lib/firmware; cp -r firmware/* $out/lib/firmware' } } }],
    noMatch: [{ name: 'hello-2.12.1.tar.gz', url: 'mirror://gnu/hello/hello-2.12.1.tar.gz', consumer: { pname: 'hello' } }],
  },
  'prebuilt.patched-not-compiled': {
    match: [{ name: 'app-1.0.tar.gz', url: 'https://example.org/app-1.0.tar.gz', consumer: { pname: 'app', env: { installPhase: 'cp -r . $out\npatchelf --set-interpreter $(cat $NIX_CC/nix-support/dynamic-linker) $out/bin/app' } } }],
    noMatch: [{ name: 'app-1.0.tar.gz', url: 'https://example.org/app-1.0.tar.gz', consumer: { pname: 'app', native: ['cmake-3.29.2'], env: { postInstall: 'wrapProgram $out/bin/app --prefix PATH : x' } } }],
  },
  'prebuilt.bin-pname': {
    match: [{ name: 'vault_1.16.2_linux_amd64.zip', url: 'https://releases.hashicorp.com/vault/1.16.2/vault_1.16.2_linux_amd64.zip', consumer: { pname: 'vault-bin' } }],
    noMatch: [{ name: 'source', url: 'https://github.com/m4b/bingrep/archive/v0.11.0.tar.gz', consumer: { pname: 'bingrep' } }],
  },
  'prebuilt.installs-firmware': {
    match: [{ name: 'source', url: 'https://github.com/LibreELEC/dvb-firmware/archive/1.4.2.tar.gz', consumer: { pname: 'libreelec-dvb-firmware', env: { dontBuild: '1', installPhase: 'mkdir -p $out/lib\ncp -rv firmware $out/lib/firmware' } } }],
    noMatch: [{ name: 'fwupd-1.9.16.tar.xz', url: 'https://github.com/fwupd/fwupd/releases/download/1.9.16/fwupd-1.9.16.tar.xz', consumer: { pname: 'fwupd', native: ['meson-1.4.0', 'ninja-1.11.1'], env: { postInstall: 'ls $out/lib/firmware || true' } } }],
  },
  'prebuilt.executable-download': {
    match: [{ name: 'hex0-seed', url: 'https://example.org/tool', env: { executable: '1' } }],
    noMatch: [
      { name: 'config.guess', url: 'https://example.org/config.guess', env: { executable: '1' } },
      { name: 'tool', url: 'https://example.org/tool' },
    ],
  },
  'seed.known-hash': {
    match: [
      { name: 'busybox', url: 'http://tarballs.nixos.org/stdenv/x86_64-unknown-linux-gnu/82b583ba2ba2e5706b35dbe23f31362e62be2a9d/busybox', hash: 'sha256-QrTEnQTBM1Y/qV9odq8irZkQSD9uOMbs2Q5NgCvKCNQ=', env: { executable: '1' } },
      // nixpkgs minimal-bootstrap's x86_64 seed (hex0.nix, bootstrap-seeds cedec6b8), as seeds/stage0.json cites it
      { name: 'hex0-seed', url: 'https://github.com/oriansj/bootstrap-seeds/raw/cedec6b8066d1db229b6c77d42d120a23c6980ed/POSIX/AMD64/hex0-seed', hash: 'sha256-DCzZduYrix9yOeJoem/Jhz/WDzAss7UWwjZbkXJq6Ms=', env: { executable: '1', outputHashMode: 'recursive' } },
    ],
    noMatch: [
      { name: 'busybox', url: 'http://tarballs.nixos.org/stdenv/x86_64-unknown-linux-gnu/82b583ba2ba2e5706b35dbe23f31362e62be2a9d/busybox', env: { executable: '1' } },
      // hex0 rebuilt by the seed from hex0_x86.hex0 and pinned to the seed's own hash: built here, not downloaded
      { name: 'hex0-1.6.0', builtHere: true, hash: 'sha256-QU3RPGy51W7M2xnfFY1IqruKzusrSLU+L190ztN6JW8=', env: { outputHashMode: 'recursive' } },
    ],
  },
  'seed.nixpkgs-bootstrap-files': {
    match: [
      { name: 'bootstrap-tools.tar.xz', url: 'http://tarballs.nixos.org/stdenv/x86_64-unknown-linux-gnu/82b583ba2ba2e5706b35dbe23f31362e62be2a9d/bootstrap-tools.tar.xz' },
      { name: 'busybox', url: 'http://tarballs.nixos.org/stdenv-linux/riscv64/160cedc144aced7a35a91440b46b74ffacd52682/busybox', env: { executable: '1' } },
      { name: 'unpack', url: 'http://tarballs.nixos.org/stdenv/x86_64-unknown-freebsd/b92edf1104c47016385e85c87c2d953cf5cd2f98/unpack.nar.xz', env: { outputHashMode: 'recursive' } },
      { name: 'bootstrap-tools.tar.xz', url: 'https://wdtz.org/files/xmz441m69qrlfdw47l2k10zf87fsya6r-stdenv-bootstrap-tools-armv6l-unknown-linux-musleabihf/on-server/bootstrap-tools.tar.xz' },
    ],
    noMatch: [
      { name: 'bootstrap-tools.tar.xz', url: 'https://example.org/mirror/bootstrap-tools.tar.xz' },
      // a registered hash: seed.known-hash speaks for it
      { name: 'busybox', url: 'http://tarballs.nixos.org/stdenv-linux/riscv64/160cedc144aced7a35a91440b46b74ffacd52682/busybox', hash: 'sha256-OGO96QUzs2n5pGipn/V87AxzUY9OWKZl417nE8HdZIE=', env: { executable: '1' } },
      { name: 'patchelf-0.18.0.tar.bz2', url: 'http://tarballs.nixos.org/stdenv/x86_64-unknown-linux-gnu/82b583ba2ba2e5706b35dbe23f31362e62be2a9d/patchelf-0.18.0.tar.bz2' },
    ],
  },
  'seed.stage0-posix': {
    match: [
      { name: 'hex0-seed', url: 'https://github.com/oriansj/bootstrap-seeds/raw/b1263ff14a17835f4d12539226208c426ced4fba/POSIX/x86/hex0-seed', env: { executable: '1' } },
      { name: 'kaem-optional-seed', url: 'https://raw.githubusercontent.com/oriansj/bootstrap-seeds/cedec6b8066d1db229b6c77d42d120a23c6980ed/POSIX/riscv64/kaem-optional-seed', env: { executable: '1' } },
    ],
    noMatch: [
      { name: 'hex0-seed', url: 'https://example.org/hex0-seed', env: { executable: '1' } },
      { name: 'hex0-seed', url: 'https://github.com/oriansj/bootstrap-seeds/raw/cedec6b8066d1db229b6c77d42d120a23c6980ed/POSIX/AMD64/hex0-seed', hash: 'sha256-DCzZduYrix9yOeJoem/Jhz/WDzAss7UWwjZbkXJq6Ms=', env: { executable: '1' } },
      { name: 'hex0_AMD64.hex0', url: 'https://github.com/oriansj/bootstrap-seeds/raw/cedec6b8066d1db229b6c77d42d120a23c6980ed/POSIX/AMD64/hex0_AMD64.hex0' },
    ],
  },
  'seed.guix-bootstrap-binaries': {
    match: [{ name: 'guile-static-stripped-2.2.4-x86_64-linux.tar.xz', kind: 'input-src' }, { name: 'mes-minimal-stripped-0.19-i686-linux.tar.xz', url: 'https://alpha.gnu.org/gnu/guix/bootstrap/i686-linux/20181020/mes-minimal-stripped-0.19-i686-linux.tar.xz' }],
    noMatch: [
      { name: 'guile-3.0.9.tar.xz', url: 'mirror://gnu/guile/guile-3.0.9.tar.xz' },
      { name: 'mes-minimal-stripped-0.19-i686-linux.tar.xz', url: 'https://alpha.gnu.org/gnu/guix/bootstrap/i686-linux/20181020/mes-minimal-stripped-0.19-i686-linux.tar.xz', hash: 'sha256-MGU+GxfHA/SocMeiIZ0LipUqU7ZAxkN2U6obhQyd80w=' },
    ],
  },
  'seed.guix-bootstrap-tarball': {
    // gnu/packages/bootstrap.scm: (bootstrap-guile-url-path system) under %bootstrap-base-urls
    match: [{ name: 'guile-2.0.9.tar.xz', url: ['https://alpha.gnu.org/gnu/guix/bootstrap/x86_64-linux/20131110/guile-2.0.9.tar.xz', 'http://flashner.co.il/guix/bootstrap/x86_64-linux/20131110/guile-2.0.9.tar.xz'] }],
    noMatch: [
      { name: 'guile-2.0.9.tar.xz', url: 'mirror://gnu/guile/guile-2.0.9.tar.xz' },
      { name: 'guix-1.4.0.tar.xz', url: 'https://ftp.gnu.org/gnu/guix/guix-1.4.0.tar.xz' },
    ],
  },
  'seed.guix-static-binary': {
    // Guix's raw-build adds bootstrap/<system>/bash, mkdir, tar, xz to the store and runs them for guile-bootstrap
    match: [{ name: 'bash', kind: 'input-src', consumer: { name: 'guile-bootstrap-2.0', stdenv: false } }, { name: 'xz', kind: 'input-src', consumer: { name: 'binutils-bootstrap-0', stdenv: false } }],
    noMatch: [{ name: 'bash', kind: 'input-src', consumer: { name: 'hello-2.12', stdenv: false } }, { name: 'bash', kind: 'input-src' }],
  },
  'source.stage0-posix-sources': {
    // nixpkgs minimal-bootstrap/stage0-posix/bootstrap-sources.nix: recursive hash, no URL, the builder an error message
    match: [{ name: 'stage0-posix-1.9.1-source', hash: 'sha256-UNoyb2teqH26VM7YoOcazyqZ0AlDae045aWc31ZHFdw=', env: { outputHashMode: 'recursive' } }],
    noMatch: [
      { name: 'stage0-posix-1.9.1-source', env: { outputHashMode: 'recursive' } },
      { name: 'stage0-posix-1.9.1-source', hash: 'sha256-UNoyb2teqH26VM7YoOcazyqZ0AlDae045aWc31ZHFdw=', url: 'https://example.org/stage0-posix.nar' },
    ],
  },
  'unknown.stage0-posix-sources-unregistered': {
    match: [{ name: 'stage0-posix-1.9.2-source', env: { outputHashMode: 'recursive' } }],
    noMatch: [
      { name: 'stage0-posix-1.6.0-source', hash: 'sha256-epUaShjKiAd749ICvc6rS6WhUkS8R4heKuPdwUjEtsQ=', env: { outputHashMode: 'recursive' } },
      { name: 'stage0-posix-1.9.2-source.tar.gz', url: 'https://github.com/oriansj/stage0-posix/releases/download/Release_1.9.2/stage0-posix-1.9.2.tar.gz' },
    ],
  },
  'source.src-archive-name': {
    match: [{ name: 'rustc-1.77.1-src.tar.gz', url: 'https://static.rust-lang.org/dist/rustc-1.77.1-src.tar.gz' }, { name: 'go1.22.2.src.tar.gz', url: 'https://go.dev/dl/go1.22.2.src.tar.gz' }],
    noMatch: [{ name: 'source', url: 'https://example.org/dl/tool_1.0_linux_amd64.zip' }],
  },
  'source.patch': {
    match: [{ name: 'CVE-2024-1234.patch', url: 'https://github.com/foo/bar/commit/0123456789abcdef0123456789abcdef01234567.patch' }],
    noMatch: [{ name: 'patchelf-0.18.0.tar.bz2', url: 'https://github.com/NixOS/patchelf/releases/download/0.18.0/patchelf-0.18.0.tar.bz2' }],
  },
  'source.vcs-archive': {
    match: [{ name: 'source', url: 'https://github.com/WebAssembly/binaryen/archive/version_117.tar.gz' }, { name: 'source', url: 'https://gitlab.com/api/v4/projects/foo%2Fbar/repository/archive.tar.gz?sha=v1.0' }],
    noMatch: [{ name: 'source', url: 'https://github.com/foo/bar/releases/download/v1.0/bar-linux-amd64.tar.gz' }],
  },
  'source.git-checkout': {
    match: [{ name: 'source', url: 'https://git.savannah.gnu.org/git/gnulib.git', env: { rev: 'a8b7c6d5', fetchSubmodules: '' } }],
    noMatch: [{ name: 'gnulib-20240101.tar.gz', url: 'https://example.org/gnulib-20240101.tar.gz' }],
  },
  'source.versioned-archive': {
    match: [{ name: 'zlib-1.3.1.tar.gz', url: 'https://zlib.net/zlib-1.3.1.tar.gz' }],
    noMatch: [{ name: 'tool_linux64.tar.gz', url: 'https://example.org/tool_linux64.tar.gz' }],
  },
  'source.source-mirror': {
    match: [{ name: 'hello-2.12.1.tar.gz', url: 'mirror://gnu/hello/hello-2.12.1.tar.gz' }],
    noMatch: [
      { name: 'apache-maven-3.9.6-bin.tar.gz', url: 'mirror://apache/maven/maven-3/3.9.6/binaries/apache-maven-3.9.6-bin.tar.gz' },
      { name: 'ant-contrib-1.0b3-bin.tar.bz2', url: 'mirror://sourceforge/ant-contrib/ant-contrib-1.0b3-bin.tar.bz2' },
    ],
  },
  'source.source-registry': {
    match: [{ name: 'requests-2.31.0.tar.gz', url: 'https://files.pythonhosted.org/packages/source/r/requests/requests-2.31.0.tar.gz' }, { name: 'cargo-hack-0.6.28.tar.gz', url: 'https://crates.io/api/v1/crates/cargo-hack/0.6.28/download' }],
    noMatch: [{ name: 'numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl', url: 'https://files.pythonhosted.org/packages/cp311/n/numpy/numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl' }],
  },
  'source.text-file': {
    match: [{ name: 'builder.sh', kind: 'input-src' }, { name: 'iconv.c', url: 'https://git.alpinelinux.org/aports/plain/main/musl/iconv.c' }],
    noMatch: [{ name: 'tool', kind: 'input-src' }],
  },
  'source.gnu-patch-release': {
    match: [{ name: 'bash52-026', url: 'mirror://gnu/bash/bash-5.2-patches/bash52-026' }],
    noMatch: [{ name: 'bash-5.2.tar.gz', url: 'mirror://gnu/bash/bash-5.2.tar.gz' }],
  },
  'source.config-scripts': {
    match: [{ name: 'config.guess-948ae97', url: 'https://git.savannah.gnu.org/cgit/config.git/plain/config.guess?id=948ae97ca5703224bd3eada06b7a69f40dd15a02' }],
    noMatch: [{ name: 'config-1.0.tar.gz', url: 'https://example.org/config-1.0.tar.gz' }],
  },
  'source.built-in-graph': {
    match: [{ name: 'hex0-1.6.0', builtHere: true, env: { outputHashMode: 'recursive' } }],
    noMatch: [{ name: 'node-modules', env: { outputHashMode: 'recursive', impureEnvVars: 'http_proxy https_proxy' } }],
  },
  'source.consumer-builds': {
    match: [
      { name: 'hello-2.12.1.tar.gz', url: 'mirror://gnu/hello/hello-2.12.1.tar.gz', consumer: { pname: 'hello' } },
      { name: 'source', url: 'https://github.com/WebAssembly/binaryen/archive/version_117.tar.gz', consumer: { pname: 'binaryen', native: ['cmake-3.29.2', 'python3-3.11.9'] } },
      { name: 'make-4.4.1.tar.gz', kind: 'input-src', consumer: { name: 'gnumake-4.4.1', stdenv: false, as: 'script', env: { buildCommand: 'cd make-4.4.1\nbash ./configure --prefix=$out\nmake\nmake install' } } },
    ],
    noMatch: [{ name: 'app-1.0-x86_64.tar.gz', url: 'https://example.org/app-1.0-x86_64.tar.gz', consumer: { pname: 'app', env: { dontBuild: '1', installPhase: 'cp -r . $out' } } }],
  },
  'source.consumer-patch': {
    match: [{ name: 'fix-build.patch', url: 'https://example.org/fix', consumer: { pname: 'hello', as: 'patch' } }],
    noMatch: [{ name: 'hello-2.12.1.tar.gz', url: 'mirror://gnu/hello/hello-2.12.1.tar.gz', consumer: { pname: 'hello' } }],
  },
  'source.contents-no-binaries': {
    match: [{ name: 'source', url: 'https://github.com/foo/bar/archive/v1.tar.gz', contents: tgz }],
    noMatch: [
      { name: 'source', url: 'https://github.com/foo/bar/archive/v1.tar.gz', contents: { ...tgz, error: 'xz: unexpected end of input' } },
      { name: 'source', url: 'https://github.com/foo/bar/archive/v1.tar.gz', contents: { ...tgz, byKind: { pyc: 2 }, binaryCount: 2 } },
    ],
  },
  'source.expression-file': {
    match: [{ name: 'default-builder.sh', kind: 'input-src' }],
    noMatch: [{ name: 'default-builder.sh', url: 'https://example.org/default-builder.sh' }],
  },
  'unknown.host-builder': {
    match: [{ name: '/bin/sh', kind: 'builder', consumer: { as: 'none' } }],
    noMatch: [{ name: 'bash-5.2.tar.gz', url: 'mirror://gnu/bash/bash-5.2.tar.gz' }],
  },
  'unknown.distro-package': {
    match: [{ name: 'fortify-headers.tar.gz', url: 'https://dl-cdn.alpinelinux.org/alpine/v3.18/main/x86_64/fortify-headers-1.1-r3.apk' }],
    noMatch: [{ name: 'debhelper_13.15.tar.xz', url: 'mirror://debian/pool/main/d/debhelper/debhelper_13.15.tar.xz' }],
  },
  'unknown.pure-wheel': {
    match: [{ name: 'six-1.16.0-py2.py3-none-any.whl', url: 'https://files.pythonhosted.org/packages/six-1.16.0-py2.py3-none-any.whl' }],
    noMatch: [{ name: 'numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', url: 'https://files.pythonhosted.org/packages/numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl' }],
  },
  'unknown.network-fetch': {
    match: [
      { name: 'app-1.0-npm-deps', env: { outputHashMode: 'recursive', impureEnvVars: 'http_proxy https_proxy ftp_proxy all_proxy no_proxy' } },
      { name: 'app-1.0-go-modules', env: { outputHashMode: 'recursive', SSL_CERT_FILE: '/nix/store/x-nss-cacert/etc/ssl/certs/ca-bundle.crt' } },
    ],
    noMatch: [{ name: 'hex0-1.6.0', builtHere: true, env: { outputHashMode: 'recursive' } }],
  },
  'unknown.opaque-fixed-output': {
    match: [{ name: 'stage0-posix-1.6.0-source', env: { outputHashMode: 'recursive' } }],
    noMatch: [{ name: 'hex0-1.6.0', builtHere: true, env: { outputHashMode: 'recursive' } }],
  },
  'unknown.contents-unreadable': {
    match: [{ name: 'weird-1.0.tar.gz', url: 'https://example.org/weird-1.0.tar.gz', contents: { ...tgz, error: 'zip member 3: compression method 12 (bzip2) not supported' } }],
    noMatch: [{ name: 'weird-1.0.tar.gz', url: 'https://example.org/weird-1.0.tar.gz', contents: tgz }],
  },
};
RULE_FIXTURES['prebuilt.firmware-package'] = {
  match: [{ name: 'source', url: 'https://github.com/LibreElec/dvb-firmware/archive/1.5.0.tar.gz', consumer: { pname: 'libreelec-dvb-firmware', env: { installPhase: 'mkdir -p $out/lib\ncp -rv firmware $out/lib' } } }],
  noMatch: [{ name: 'source', url: 'https://github.com/pop-os/firmware-manager/archive/0.1.5.tar.gz', consumer: { pname: 'firmware-manager', native: ['cargo-1.77.1', 'pkg-config-wrapper-0.29.2'] } }],
};
RULE_FIXTURES['prebuilt.jvm-bytecode-installed'] = {
  match: [
    { name: 'metabase.jar', url: 'https://downloads.metabase.com/v0.57.2/metabase.jar', consumer: { pname: 'metabase', env: { dontUnpack: '1', installPhase: 'runHook preInstall\nmakeWrapper /nix/store/00000000000000000000000000000000-openjdk-21/bin/java $out/bin/metabase --add-flags "-jar $src"\nrunHook postInstall\n' } } },
  ],
  noMatch: [
    { name: 'source', url: 'https://github.com/jenkinsci/jenkins/archive/jenkins-2.528.tar.gz', consumer: { pname: 'jenkins', native: ['maven-3.9.9'], env: { installPhase: 'install -Dm644 war/target/jenkins.war $out/webapps/jenkins.war' } } },
  ],
};
