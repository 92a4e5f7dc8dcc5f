/**
 * How the derivations that take an input use it. nixpkgs packages that repackage a binary
 * are recognisable by how they consume it (no build, unpacking with dpkg/rpm2cpio/
 * unsquashfs, autoPatchelfHook, a `-bin` pname), and packages that build from source by
 * their build steps (a build-system hook, configure/make, stdenv's default phases).
 * Facts only: what the consumer *does* with the input is weighed by the rules.
 */
import { attr, type Derivation } from '../model/graph.js';
import type { ConsumerFacts } from '../model/facts.js';
import type { GraphIndex } from '../graph/index.js';

/** Consumers looked at per input: the bootstrap seeds are taken by hundreds of derivations. */
export const MAX_CONSUMERS = 16;

/** Phases and scripts a consumer may run the input through. */
const SCRIPT_KEYS = [
  'unpackPhase', 'unpackCmd', 'configurePhase', 'buildPhase', 'installPhase', 'postUnpack', 'preInstall',
  'postInstall', 'postFixup', 'preFixup', 'buildCommand', 'script', 'sourceRoot',
  // writeText / writeTextFile: the build script of the next step (bootstrap chains run them with kaem)
  'text', 'contents',
];

/**
 * Build-system hooks and tools in nativeBuildInputs, by derivation name: their presence
 * means the consumer compiles or generates something. A bare compiler is not on the list:
 * stdenv brings one anyway, and binary packages list gcc's libraries for autoPatchelf.
 */
const BUILD_TOOL = new RegExp(
  '^(cmake|meson|ninja|muon|samurai|autoreconf-hook|automake|autoconf|libtool|pkg-config(-wrapper)?|pkgconf(-wrapper)?|' +
    'bison|flex|byacc|gnum4|scons|waf|gn|bazel|qmake|cargo(-build-hook|-setup-hook|-check-hook)?|rustc(-wrapper)?|' +
    'go|yasm|nasm|swig|cython|maturin|(python3\\.[0-9]+-)?(pypa-build-hook|setuptools-build-hook|pip-build-hook|flit-build-hook|meson-build-hook)(\\.sh)?|' +
    'gradle|maven|ant|sbt|dune|ocaml(-findlib)?|ghc|cabal|zig(-hook)?|dotnet-sdk|npm-build-hook|npm-config-hook|yarn-config-hook|pnpm-config-hook|' +
    'xcbuild|premake|gyp|node-gyp|intltool|gettext|help2man|texinfo|doxygen|sphinx|mes|tinycc|gnumake)' +
    '([-_][0-9].*)?$',
);

/** Commands in a consumer's own scripts that compile or configure. */
const BUILD_COMMAND =
  /(^|[\s;&|(`])(\.\/configure|\.\/autogen\.sh|\.\/bootstrap(\.sh)?|make|gmake|cmake|meson|ninja|scons|gcc|cc|c\+\+|g\+\+|clang|tcc|mescc|M2-Mesoplanet|M2-Planet|hex0|hex1|hex2|catm|\$CC|\$\{CC\}|\$CXX|cargo\s+build|go\s+build|python3?\s+setup\.py|perl\s+(Makefile|Build)\.PL|\.\/Build\s+build|dune\s+build|zig\s+build|kaem)(\s|$|;)/m;

/** Builders that are themselves compilers or assemblers (the stage0 chain runs them directly). */
const COMPILER_BUILDER = /^(hex0(-seed)?|hex1|hex2|M0|M1|M2-Planet|M2-Mesoplanet|mescc|mes|tcc|gcc|cc|blood-elf)$/;

const truthy = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== '0' && v !== 'false';

interface ConsumerBase extends Omit<ConsumerFacts, 'asSrc' | 'asPatch' | 'inScript'> {
  src: string[];
  patches: string[];
  /** store paths its scripts name (a set: asked once per input it takes) */
  named: Set<string>;
}

/** Per-consumer facts that do not depend on which input is asked about, computed once. */
export class ConsumerCache {
  private readonly cache = new Map<string, ConsumerBase>();
  constructor(private readonly index: GraphIndex) {}

  base(d: Derivation): ConsumerBase {
    let b = this.cache.get(d.drvPath);
    if (!b) {
      b = describeConsumer(d, this.index);
      this.cache.set(d.drvPath, b);
    }
    return b;
  }

  factsFor(userPath: string, inputPath: string | null): ConsumerFacts | null {
    const d = this.index.graph.derivations.get(userPath);
    if (!d) return null;
    const b = this.base(d);
    return {
      drv: b.drv, name: b.name, pname: b.pname, nativeBuildInputs: b.nativeBuildInputs, dontBuild: b.dontBuild,
      customInstall: b.customInstall, scripts: b.scripts, builds: b.builds,
      asSrc: inputPath !== null && b.src.includes(inputPath),
      asPatch: inputPath !== null && b.patches.includes(inputPath),
      inScript: inputPath !== null && b.named.has(inputPath),
    };
  }
}

/** The store paths a text names (`/nix/store/<hash>-<name>`, up to the next separator). */
function storePathsIn(texts: string[], storeDir: string): Set<string> {
  const out = new Set<string>();
  const re = new RegExp(`${storeDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^\\s"'\`;:/()]+`, 'g');
  for (const text of texts) if (text.includes(storeDir)) for (const m of text.matchAll(re)) out.add(m[0]);
  return out;
}

function describeConsumer(d: Derivation, index: GraphIndex): ConsumerBase {
  const nativeBuildInputs = (attr(d, 'nativeBuildInputs') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((p) => index.producerOf(p)?.name)
    .filter((n): n is string => Boolean(n));
  // the builder's arguments count as its script: `hex0 source/hex0_x86.hex0 $out`
  const scripts: string[] = [];
  for (const k of SCRIPT_KEYS) {
    const v = attr(d, k);
    if (v) scripts.push(v);
  }
  if (d.args.length) scripts.push(d.args.join(' '));
  const isStdenv = attr(d, 'stdenv') !== undefined;
  const dontBuild = truthy(attr(d, 'dontBuild'));
  const customInstall = isStdenv && attr(d, 'installPhase') !== undefined;
  const builds: string[] = [];
  const tool = nativeBuildInputs.find((n) => BUILD_TOOL.test(n));
  if (tool) builds.push(`${tool} in nativeBuildInputs`);
  for (const k of ['configureFlags', 'cmakeFlags', 'mesonFlags']) {
    const v = attr(d, k);
    if (v && v.trim()) {
      builds.push(`${k} set`);
      break;
    }
  }
  if (isStdenv && !dontBuild && !customInstall && attr(d, 'buildPhase') === undefined && attr(d, 'buildCommand') === undefined)
    builds.push("stdenv's default configure, build and install phases");
  const builderName = d.builder.slice(d.builder.lastIndexOf('/') + 1).replace(/^[a-z0-9]{32}-/, '');
  if (COMPILER_BUILDER.test(builderName)) builds.push(`its builder is ${builderName}`);
  if (!dontBuild)
    for (const part of scripts) {
      const m = BUILD_COMMAND.exec(part);
      if (m) {
        builds.push(`its script runs '${m[2]}'`);
        break;
      }
    }
  const pname = attr(d, 'pname') ?? null;
  return {
    drv: d.drvPath,
    name: d.name,
    pname,
    nativeBuildInputs,
    dontBuild,
    customInstall,
    scripts,
    builds,
    named: storePathsIn(scripts, index.graph.storeDir),
    src: [attr(d, 'src'), ...(attr(d, 'srcs')?.split(/\s+/) ?? [])].filter((s): s is string => Boolean(s)),
    patches: (attr(d, 'patches') ?? '').split(/\s+/).filter(Boolean),
  };
}
