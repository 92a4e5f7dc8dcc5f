/**
 * Facts about one input: everything classification may look at. The facts stage derives
 * them from the graph (names, URLs, fetcher, consumers) and the inspect stage adds what the
 * bytes in the store show (contents). Classification is a pure function of these facts and
 * the rules, so a verdict can be recomputed, explained and tested without a graph.
 */
import type { InputKind } from './report.js';

/** How the input got into the store. */
export type FetcherKind =
  /** a download from one or more URLs (fetchurl, builtin:fetchurl, fetchzip, mirror://) */
  | 'url'
  /** a checkout of a version-control repository (fetchgit, fetchhg, fetchsvn, …) */
  | 'vcs'
  /**
   * a fixed-output derivation with no URL that may use the network (it lists proxy variables
   * in impureEnvVars or takes CA certificates): npm/yarn/Go/cargo/Gradle dependency fetchers,
   * whose output is whatever their script downloaded
   */
  | 'network'
  /** a fixed-output derivation with no URL and no network access, whose builder is built here */
  | 'built-in-graph'
  /** a fixed-output derivation with no URL, no network signal, and a builder not built here */
  | 'opaque'
  /** a path added to the store at evaluation time (a path literal, builtins.fetch*) */
  | 'input-src'
  /** a program outside the store run as a builder (impure) */
  | 'host-builder';

export interface UrlFacts {
  url: string;
  /** scheme without ':' (https, http, ftp, mirror, file) */
  scheme: string;
  /** host, or the mirror name for mirror:// URLs */
  host: string;
  /** decoded path segments before the file name */
  dirs: string[];
  /** last path segment, decoded, no query */
  fileName: string;
}

export type PlatformWordKind = 'os' | 'arch' | 'os-arch' | 'libc' | 'distro';

/** A word naming a target platform, as binary releases are named. */
export interface PlatformWord {
  /** the word as written, e.g. `linux64`, `x86_64`, `alpine3.18` */
  word: string;
  kind: PlatformWordKind;
}

/** The platform words found in one string (a file name or a URL directory path). */
export interface PlatformHit {
  /** `file name` or `URL path` */
  where: 'file name' | 'URL path';
  text: string;
  words: PlatformWord[];
}

/** How one derivation that takes the input uses it. */
export interface ConsumerFacts {
  drv: string;
  name: string;
  pname: string | null;
  /** takes the input as `src` or in `srcs` (else: in the script, patches, PATH, …) */
  asSrc: boolean;
  /** takes it in `patches` */
  asPatch: boolean;
  /** names its store path in its own scripts (builders that unpack by hand, as bootstrap chains do) */
  inScript: boolean;
  /** names of the nativeBuildInputs derivations (hooks and tools) */
  nativeBuildInputs: string[];
  /** dontBuild is set */
  dontBuild: boolean;
  /** a stdenv consumer that overrides installPhase */
  customInstall: boolean;
  /** the consumer's own scripts, one string per phase (buildCommand, script, installPhase, …, the builder's arguments) */
  scripts: string[];
  /** build steps seen: build-system hooks, configure/make/cmake/cc commands, default phases */
  builds: string[];
}

/** What inspection saw inside the input's store path. */
export interface ContentFacts {
  /** tar.gz, zip, directory, elf, file … */
  format: string;
  members: number;
  /** binary member kinds -> count: elf, shared-object, static-library, object, pe, mach-o, class, jar, node, … */
  byKind: Record<string, number>;
  /** binary members in all, also past the listed ones */
  binaryCount: number;
  /** a few binary members with their kind, for evidence */
  binaries: { member: string; kind: string }[];
  /** the reader stopped early (damaged, unsupported): the listing is incomplete */
  error: string | null;
  /** a cap was hit: the listing is incomplete */
  capped: string | null;
}

export interface InputFacts {
  kind: InputKind;
  name: string;
  /** the name and every URL's file name */
  fileNames: string[];
  urls: UrlFacts[];
  platforms: PlatformHit[];
  fetcher: FetcherKind;
  /** the concrete fact behind `fetcher` (builder, impureEnvVars, …) */
  fetcherDetail: string;
  hash: string | null;
  hashMode: string | null;
  /** fetched with `executable = true` */
  executable: boolean;
  /** the derivation that builds this FOD's builder, when it is in the graph */
  builderProducer: { name: string; run: string } | null;
  /** the FOD's own attributes (env), for `env` rules */
  env: Record<string, string>;
  consumers: ConsumerFacts[];
  /** null when the path is not on this machine (or nothing was inspected) */
  contents: ContentFacts | null;
}
