# Instantiates every provenance case (cases-*.json) against a nixpkgs-like tree
# (Aux core, June 2024) so that the derivation graph is written by Nix itself.
#
#   nix-instantiate cases.nix --arg pkgsPath /tmp/auxcore          # all consumers (a list)
#   nix-instantiate cases.nix --arg pkgsPath /tmp/auxcore --argstr mode attrs -A vivaldi
#   nix-instantiate --eval --strict --json cases.nix --arg pkgsPath /tmp/auxcore \
#     --argstr mode index                                           # id -> file, src, notes
#
# Nothing here is ever built or fetched; only .drv files are written.
#
# How a case becomes a derivation:
#   * src = the fetcher of the tree called with the case's `args`. Arguments are
#     passed as-is, except for the translations in `argFixes` below (recorded per case
#     in the index under `argNotes`):
#       - fetchFromGitHub `tag` (not accepted by the Aux fetcher, which requires
#         `rev`): dropped and replaced by rev = "refs/tags/<tag>", which is what
#         nixpkgs' fetchFromGitHub does with `tag`.
#       - fetchDebianPatch `patch` without extension: newer nixpkgs appends
#         `extension ? ".patch"`; the Aux fetcher has no `extension`, so ".patch" is
#         appended to `patch` (same URL and name as nixpkgs).
#     Fetchers the Aux tree has as files but does not expose (fetchDebianPatch,
#     fetchFromRepoOrCz) are taken from its pkgs/build-support via callPackage;
#     fetchPypi is the top-level one (python3Packages has none in Aux).
#   * patch cases (fetchpatch, fetchpatch2, fetchDebianPatch, and category "patch"):
#     src = an empty local directory, patches = [ fetched ], as nixpkgs does.
#   * consumer = the case's builder when the tree has it and it instantiates
#     (stdenv/stdenvNoCC/llvmPackages.stdenv .mkDerivation, buildPythonPackage,
#     buildRustPackage, buildPerlPackage, applyPatches, nghttp2.overrideAttrs);
#     otherwise stdenv.mkDerivation (stdenvNoCC for kaem/makeLinuxHeaders) with the
#     same attrs (see `fallbackBuilders`).
#     buildRustPackage needs cargoHash/cargoLock/cargoVendorDir, which the cases do
#     not carry; cargoVendorDir = "vendor" is set so no extra (made-up) cargo-vendor
#     FOD enters the graph.
#   * consumer.attrs are passed verbatim, except `note` (a corpus annotation, not a
#     nixpkgs attribute) and dotted keys like "env.CGO_ENABLED" (set as env.CGO_ENABLED,
#     stringified as mkDerivation requires for env).
#   * nativeBuildInputs = the listed attributes looked up in the tree (python3Packages
#     first for buildPythonPackage, perlPackages first for buildPerlPackage). Names the
#     tree lacks, or whose evaluation aborts in the reduced tree, are stand-in
#     derivations named exactly as nixpkgs names the real one: see `stubNames`.
{ pkgsPath
, casesFiles ? [ ./cases-binary-a.json ./cases-binary-b.json ./cases-source.json ]
, system ? "x86_64-linux"
, mode ? "drvs" # "drvs": list of consumer derivations; "attrs": id -> consumer; "index": id -> metadata
}:
let
  pkgs = import pkgsPath { inherit system; config = { }; overlays = [ ]; };
  inherit (pkgs) lib;

  # --- stand-ins ------------------------------------------------------------------
  # attribute name as used by the cases -> derivation name nixpkgs gives it.
  # Missing in Aux core, or aborting on evaluation there (elfutils, gdb, ps, po4a,
  # qrencode: "Function called without required argument ..."; named after the
  # version in the Aux tree's own package file where it has one).
  stubNames = {
    # hooks
    "autoAddDriverRunpath" = "auto-add-driver-runpath-hook";
    "autoAddOpenGLRunpathHook" = "auto-add-opengl-runpath-hook";
    "markForCudatoolkitRootHook" = "mark-for-cudatoolkit-root-hook";
    "copyDesktopItems" = "copy-desktop-items-hook";
    "copyPkgconfigItems" = "copy-pkgconfig-items-hook";
    "versionCheckHook" = "version-check-hook";
    "writableTmpDirAsHomeHook" = "writable-tmpdir-as-home-hook";
    "wrapGAppsHook3" = "wrap-gapps-hook";
    "wrapGAppsNoGuiHook" = "wrap-gapps-hook";
    "qt6.wrapQtAppsHook" = "wrap-qt6-apps-hook";
    "libsForQt5.wrapQtAppsHook" = "wrap-qt5-apps-hook";
    # tools / packages missing in Aux core
    "dpkg" = "dpkg-1.22.6";
    "squashfsTools" = "squashfs-4.6.1";
    "asar" = "asar-3.2.4";
    "rpmextract" = "rpmextract";
    "less" = "less-668";
    "xdg-utils" = "xdg-utils-1.2.1";
    "strace" = "strace-6.12";
    "patchelfUnstable" = "patchelf-0.18.0-unstable-2024-06-15";
    "mtools" = "mtools-4.0.49";
    "xorriso" = "xorriso-1.5.7-unstable-2023-12-06";
    "syslinux" = "syslinux-unstable-2019-02-07";
    "hostapd" = "hostapd-2.11";
    "shared-mime-info" = "shared-mime-info-2.4";
    "gi-docgen" = "gi-docgen-2025.5";
    "gobject-introspection" = "gobject-introspection-wrapped-1.84.0";
    "vala" = "vala-0.56.18";
    "erlang" = "erlang-27.3.4";
    "ghc" = "ghc-binary-8.10.7";
    "bootPkgs.alex" = "alex-3.5.1.0";
    "bootPkgs.happy" = "happy-1.20.1.1";
    "bootPkgs.hscolour" = "hscolour-1.25";
    "ldcBootstrap" = "ldc-bootstrap-1.40.0";
    "lit" = "python3.12-lit-19.1.7";
    "llvm_19.dev" = "llvm-19.1.7";
    "python3Packages.pefile" = "python3.11-pefile-2024.8.26";
    "kpsewhich-stub" = "kpsewhich";
    "elf-header" = "elf-header";
    # present in Aux core but abort on evaluation there
    "elfutils" = "elfutils-0.191";
    "gdb" = "gdb-14.2";
    "ps" = "procps-3.3.17";
    "po4a" = "perl5.38.2-po4a-0.69";
    "qrencode" = "qrencode-4.1.1";
    # held-out set: present in Aux core but abort on evaluation there (named by attribute)
    "imagemagick" = "imagemagick";
    "pkgsi686Linux.imagemagick" = "imagemagick";
    "jre_headless" = "openjdk-headless";
    "jre'" = "openjdk";
    "util-linux" = "util-linux";
  };
  stub = name: derivation {
    inherit name system;
    builder = "/bin/sh";
    args = [ "-c" "echo > $out" ];
  };
  stubs = lib.mapAttrs (_: stub) stubNames;

  # Aliases the cases use that nixpkgs resolves to another attribute.
  aliases = {
    "pkgconfig" = "pkg-config"; # nixpkgs alias pkgconfig -> pkg-config
    "python" = "python3"; # nodejs.nix is called with python = python3
    "lit.python" = "python3"; # lit's interpreter
  };

  lookupIn = scope: name: lib.attrByPath (lib.splitString "." name) null scope;
  resolveInput = scopes: name:
    if stubs ? ${name} then stubs.${name}
    else if name == "python3.withPackages" then
      pkgs.python3.withPackages (ps: lib.filter (x: x != null)
        (map (n: ps.${n} or null) [ "libfdt" "setuptools" "pyelftools" ]))
    else
      let
        real = aliases.${name} or name;
        found = lib.findFirst (v: v != null) null (map (s: lookupIn s real) scopes);
      in
      # any other attribute the reduced tree lacks: a stand-in named after the attribute
      # (`pkgsi686Linux.dpkg` -> dpkg, `zig.hook` -> zig-hook), recorded as stubbed
      if found == null then stub (genericStubName name)
      else found;
  genericStubName = name:
    lib.replaceStrings [ "." ] [ "-" ] (lib.removePrefix "pkgsi686Linux." name);

  # --- fetchers -------------------------------------------------------------------
  fetchers = {
    inherit (pkgs) fetchurl fetchzip fetchFromGitHub fetchFromGitLab fetchgit fetchpatch;
    fetchpatch2 = pkgs.fetchpatch2 or pkgs.fetchpatch;
    fetchPypi = pkgs.python3Packages.fetchPypi or pkgs.fetchPypi;
    fetchCrate = pkgs.rustPlatform.fetchCrate or pkgs.fetchCrate;
    fetchDebianPatch = pkgs.fetchDebianPatch or
      (pkgs.callPackage (pkgsPath + "/pkgs/build-support/fetchdebianpatch") { });
    fetchFromRepoOrCz = pkgs.fetchFromRepoOrCz or
      (pkgs.callPackage (pkgsPath + "/pkgs/build-support/fetchrepoorcz") { });
  };

  # Returns { args; notes; } with the argument translations needed by Aux fetchers.
  argFixes = c:
    let a = c.args; in
    if c.fetcher == "fetchFromGitHub" && a ? tag then {
      args = removeAttrs a [ "tag" ] // { rev = "refs/tags/${a.tag}"; };
      notes = [ "tag dropped (Aux fetchFromGitHub has no `tag`); rev = \"refs/tags/${a.tag}\" as nixpkgs sets it" ];
    }
    else if c.fetcher == "fetchDebianPatch" && !(lib.hasSuffix ".patch" a.patch || lib.hasSuffix ".diff" a.patch) then {
      args = a // { patch = "${a.patch}.patch"; };
      notes = [ "patch \"${a.patch}\" -> \"${a.patch}.patch\" (nixpkgs' extension ? \".patch\"; Aux fetchDebianPatch has no `extension`)" ];
    }
    else { args = a; notes = [ ]; };

  # --- consumers ------------------------------------------------------------------
  patchFetchers = [ "fetchpatch" "fetchpatch2" "fetchDebianPatch" ];
  isPatchCase = c: lib.elem c.fetcher patchFetchers || (c.category or "") == "patch";

  placeholderSrc = pkgs.emptyDirectory;

  # builder string -> { kind; fallback ? reason }
  builderKind = b:
    if b == "stdenv.mkDerivation" then { kind = "stdenv"; }
    else if b == "stdenvNoCC.mkDerivation" then { kind = "stdenvNoCC"; }
    else if b == "llvmPackages.stdenv.mkDerivation" then { kind = "llvmStdenv"; }
    else if b == "buildPythonPackage" then { kind = "python"; }
    else if b == "rustPlatform.buildRustPackage" then { kind = "rust"; }
    else if b == "buildPerlPackage" then { kind = "perl"; }
    else if b == "applyPatches" then { kind = "applyPatches"; }
    else if b == "nghttp2.overrideAttrs" then { kind = "nghttp2"; }
    else if b == "backendStdenv.mkDerivation" then { kind = "stdenv"; fallback = "cudaPackages.backendStdenv absent in Aux core"; }
    else if b == "buildFHSEnv" then { kind = "stdenv"; fallback = "buildFHSEnv aborts in Aux core (no bubblewrap)"; }
    else if b == "buildGoModule" then { kind = "stdenv"; fallback = "buildGoModule absent in Aux core"; }
    else if b == "simdutf.overrideAttrs" then { kind = "stdenv"; fallback = "simdutf absent in Aux core"; }
    else if lib.hasPrefix "callPackage ./interpreter.nix" b then { kind = "stdenv"; fallback = "lua interpreter.nix not callable standalone; patch applied by a stdenv.mkDerivation"; }
    else if lib.hasPrefix "buildLinux" b then { kind = "stdenv"; fallback = "buildLinux absent in Aux core"; }
    else if b == "kaem.runCommand" then { kind = "stdenvNoCC"; fallback = "minimal-bootstrap (kaem) absent in Aux core"; }
    else if lib.hasPrefix "stdenvNoCC.mkDerivation (makeLinuxHeaders)" b then { kind = "stdenvNoCC"; fallback = "makeLinuxHeaders body reproduced from the case attrs with stdenvNoCC.mkDerivation"; }
    # any other builder (gccStdenv, pkgsi686Linux.stdenv, appimageTools.*, …): stdenv with the same attrs
    else { kind = "stdenv"; fallback = "${b} not reproduced in Aux core: stdenv.mkDerivation with the same attrs"; };

  consumerAttrs = c:
    let
      raw = c.consumer.attrs or { };
      # `src` is the case's own fetch; an attrs.src text like "${src}/x.AppImage" is not evaluable here
      plain = lib.filterAttrs (k: _: k != "note" && k != "src" && !(lib.hasPrefix "env." k)) raw;
      envAttrs = lib.mapAttrs' (k: v: lib.nameValuePair (lib.removePrefix "env." k) (toString v))
        (lib.filterAttrs (k: _: lib.hasPrefix "env." k) raw);
    in
    plain // lib.optionalAttrs (envAttrs != { }) { env = envAttrs; };

  mkCase = file: c:
    let
      fixed = argFixes c;
      src = fetchers.${c.fetcher} fixed.args;
      bk = builderKind c.consumer.builder;
      scopes =
        if bk.kind == "python" then [ pkgs.python3Packages pkgs ]
        else if bk.kind == "perl" then [ pkgs.perlPackages pkgs ]
        else [ pkgs ];
      nbi = map (resolveInput scopes) (c.consumer.nativeBuildInputs or [ ]);
      attrs0 = consumerAttrs c;
      attrs = attrs0
        // lib.optionalAttrs (attrs0 ? build-system) { build-system = map (resolveInput scopes) attrs0.build-system; };
      isPatch = isPatchCase c;
      srcAttrs = if isPatch then { src = placeholderSrc; patches = [ src ]; } else { inherit src; };
      common = { inherit (c) pname version; nativeBuildInputs = nbi; } // srcAttrs // attrs;
      drv =
        if bk.kind == "stdenv" then pkgs.stdenv.mkDerivation common
        else if bk.kind == "stdenvNoCC" then pkgs.stdenvNoCC.mkDerivation common
        else if bk.kind == "llvmStdenv" then pkgs.llvmPackages.stdenv.mkDerivation common
        else if bk.kind == "python" then pkgs.python3Packages.buildPythonPackage common
        else if bk.kind == "rust" then pkgs.rustPlatform.buildRustPackage ({ cargoVendorDir = "vendor"; } // common)
        else if bk.kind == "perl" then pkgs.perlPackages.buildPerlPackage common
        else if bk.kind == "applyPatches" then
          # nixpkgs makes one applyPatches of the src and its patches (edk2); the cases
          # of one group share consumer.attrs.name, so rebuild the group: src = the
          # group's non-patch case, patches = its patch cases, in file order.
          let
            group = lib.filter (x: x.case.consumer.builder == "applyPatches"
              && (x.case.consumer.attrs.name or null) == (attrs.name or null)) all;
            fetchOf = x: fetchers.${x.case.fetcher} (argFixes x.case).args;
            srcs = map fetchOf (lib.filter (x: !(isPatchCase x.case)) group);
          in
          pkgs.applyPatches {
            name = attrs.name or "${c.pname}-${c.version}-src";
            src = if srcs == [ ] then placeholderSrc else lib.head srcs;
            patches = map fetchOf (lib.filter (x: isPatchCase x.case) group);
          }
        else if bk.kind == "nghttp2" then
          pkgs.nghttp2.overrideAttrs (old: { patches = (old.patches or [ ]) ++ [ src ]; })
        else throw "unreachable";
      isStub = n: (resolveInput scopes n).builder or null == "/bin/sh";
      stubbed = lib.filter isStub (c.consumer.nativeBuildInputs or [ ])
        ++ lib.filter isStub (c.consumer.attrs.build-system or [ ]);
      ok = builtins.tryEval (builtins.seq drv.drvPath (builtins.seq src.drvPath true));
    in
    {
      inherit drv src ok;
      meta = {
        inherit file;
        builder = c.consumer.builder;
        builderUsed = bk.kind;
        builderFallback = bk.fallback or null;
        argNotes = fixed.notes;
        droppedAttrs = lib.filter (k: k == "note" || k == "src") (lib.attrNames (c.consumer.attrs or { }));
        stubbedInputs = stubbed;
        isPatch = isPatch;
      };
    };

  readCases = f: map (c: { file = baseNameOf (toString f); case = c; })
    (builtins.fromJSON (builtins.readFile f)).cases;
  all = lib.concatMap readCases casesFiles;
  built = lib.listToAttrs (map (x: lib.nameValuePair x.case.id (mkCase x.file x.case)) all);
  good = lib.filterAttrs (_: r: r.ok.success) built;
  bad = lib.filterAttrs (_: r: !r.ok.success) built;
in
# A list, not an attrset: nix-instantiate skips top-level attribute names that are not
# plain identifiers ("1password-cli", "cudaPackages_12_2.cuda_nvcc", ...).
if mode == "drvs" then map (x: good.${x.case.id}.drv) (lib.filter (x: good ? ${x.case.id}) all)
else if mode == "attrs" then lib.mapAttrs (_: r: r.drv) good
else if mode == "index" then {
  cases = lib.mapAttrs
    (_: r: r.meta // {
      consumer = builtins.unsafeDiscardStringContext r.drv.drvPath;
      src = builtins.unsafeDiscardStringContext r.src.drvPath;
      srcOutputHash = r.src.outputHash or null;
    })
    good;
  skipped = lib.mapAttrs (_: r: { file = r.meta.file; reason = "evaluation failed (see nix-instantiate --show-trace)"; }) bad;
  stubs = stubNames;
}
else throw "mode must be drvs or index"
