/**
 * A hand-built ScanReport shaped like a real nixpkgs scan (paths, hashes and URLs are the
 * ones in shared/corpus/nixpkgs-2024): two roots, inputs of every class and kind, one
 * allowlisted seed, one seed whose allowlist entry expired, one prebuilt not allowlisted,
 * an unknown input, via chains and one ELF finding. Renderer tests use it so they do not
 * depend on the scan pipeline; tests on real scans live beside it.
 */
import type { ReportInput, ScanReport } from '../../src/model/report.js';
import { countItems, deriveGateItems } from '../../src/model/gate.js';

const S = '/nix/store/';
export const ROOT_RUSTC = `${S}x9xbkf8rgbvq1m6n6cfcqd4rhg9c0xnz-rustc-wrapper-1.77.2.drv`;
export const ROOT_HELLO = `${S}2q8xg7l6c3pmcmbq7nnx1h8z2bphhd1p-hello-2.12.1.drv`;

const input = (p: Partial<ReportInput> & Pick<ReportInput, 'id' | 'name' | 'class'>): ReportInput => ({
  drv: p.id.endsWith('.drv') ? p.id : null,
  path: null,
  kind: 'fixed-output',
  hash: null,
  hashMode: null,
  urls: [],
  binary: p.class === 'seed' || p.class === 'prebuilt',
  allowlisted: false,
  allowlist: null,
  evidence: [],
  via: [],
  roots: [ROOT_RUSTC, ROOT_HELLO],
  gate: 'pass',
  ...p,
});

const stdenvChain = ['stdenv-linux', 'gcc-wrapper-13.2.0', 'gcc-13.2.0', 'bootstrap-stage4-stdenv-linux', 'bootstrap-stage3-stdenv-linux',
  'bootstrap-stage2-stdenv-linux', 'bootstrap-stage1-stdenv-linux', 'bootstrap-stage0-stdenv-linux', 'bootstrap-tools'];

export const BOOTSTRAP_TOOLS = input({
  id: `${S}xjkydxc0n24mwxp8kh4wn5jq0fppga9k-bootstrap-tools.tar.xz.drv`,
  name: 'bootstrap-tools.tar.xz',
  class: 'seed',
  path: `${S}2pizl7lq4awa7p9bklr8037yh1sca0hg-bootstrap-tools.tar.xz`,
  hash: 'sha256-YQlr088HPoVWBU2jpPhpIMyOyoEDZYDw1y60SGGbUM0=',
  hashMode: 'flat',
  urls: ['http://tarballs.nixos.org/stdenv/x86_64-unknown-linux-gnu/82b583ba2ba2e5706b35dbe23f31362e62be2a9d/bootstrap-tools.tar.xz'],
  allowlisted: true,
  allowlist: { name: 'nixpkgs-bootstrap-tools-x86_64', reason: 'nixpkgs stdenv bootstrap seed, built by Hydra', expires: null, expired: false },
  evidence: [
    { rule: 'seed.known-hash', detail: 'hash matches bootstrap-tools.tar.xz (x86_64-linux) in the seed list' },
    { rule: 'seed.nixpkgs-bootstrap-files', detail: 'nixpkgs stdenv bootstrap file from tarballs.nixos.org/stdenv' },
  ],
  via: ['rustc-wrapper-1.77.2', ...stdenvChain, 'bootstrap-tools.tar.xz'],
});

export const BUSYBOX = input({
  id: `${S}0m4y3j4pnivlhhpr5yqdvlly86p93fwc-busybox.drv`,
  name: 'busybox',
  class: 'seed',
  path: `${S}p9wzypb84a60ymqnhqza17ws0dvlyprg-busybox`,
  hash: 'sha256-QrTEnQTBM1Y/qV9odq8irZkQSD9uOMbs2Q5NgCvKCNQ=',
  hashMode: 'nar',
  urls: ['http://tarballs.nixos.org/stdenv/x86_64-unknown-linux-gnu/82b583ba2ba2e5706b35dbe23f31362e62be2a9d/busybox'],
  allowlist: { name: 'nixpkgs-busybox-x86_64', reason: 'bootstrap shell, review due', expires: '2024-01-01', expired: true },
  evidence: [
    { rule: 'seed.known-hash', detail: 'hash matches busybox (x86_64-linux) in the seed list' },
    { rule: 'prebuilt.executable-download', detail: 'outweighed (prebuilt, weight 50 against 190): fetched with executable = true' },
  ],
  via: ['rustc-wrapper-1.77.2', ...stdenvChain, 'busybox'],
  gate: 'fail',
});

export const RUST_BOOTSTRAP = input({
  id: `${S}njiscg7q157fbri2mv93s0mqh9b4bnj5-rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz.drv`,
  name: 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz',
  class: 'prebuilt',
  path: `${S}84y6gvswc85mvw33p0c1hsz0jx1aa4q1-rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz`,
  hash: 'sha256-nVidIDa1A8xF7MlJktYW+z3uwHTes2ysLPXCEkCPc5k=',
  hashMode: 'flat',
  urls: ['https://static.rust-lang.org/dist/rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz'],
  evidence: [
    { rule: 'prebuilt.platform-in-name', detail: 'name ends in a target triple: x86_64-unknown-linux-gnu.tar.gz' },
    { rule: 'prebuilt.unpacked-with-autopatchelf', detail: 'cargo-bootstrap-1.76.0 takes it as src with auto-patchelf-hook; URL host static.rust-lang.org/dist' },
  ],
  via: ['rustc-wrapper-1.77.2', 'rustc-1.77.2', 'rustc-bootstrap-1.76.0', 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz'],
  roots: [ROOT_RUSTC],
  gate: 'fail',
});

export const FORTIFY = input({
  id: `${S}5kfr1bz4l3fw2s6v4f5sbm9pn5mq5mla-fortify-headers.tar.gz.drv`,
  name: 'fortify-headers.tar.gz',
  class: 'unknown',
  path: `${S}9qk8ldkfmcy2c5v8bwr6k9h7cv9jz3yz-fortify-headers.tar.gz`,
  hash: 'sha256-8Bx4D+wBSnmDdTuyyBmN4bKQSN1cDm6dWqmuWzA/HGM=',
  hashMode: 'flat',
  urls: ['https://dl-cdn.alpinelinux.org/alpine/v3.19/main/x86_64/fortify-headers-1.1-r3.apk'],
  evidence: [{ rule: 'default.no-rule-matched', detail: 'no rule matched the URL dl-cdn.alpinelinux.org/…/fortify-headers-1.1-r3.apk' }],
  via: ['rustc-wrapper-1.77.2', 'stdenv-linux', 'gcc-wrapper-13.2.0', 'fortify-headers-1.1', 'fortify-headers.tar.gz'],
});

export const HELLO_SRC = input({
  id: `${S}7kcsd2ar1w4d1m0j2mz3ylkc6ixh0k8y-hello-2.12.1.tar.gz.drv`,
  name: 'hello-2.12.1.tar.gz',
  class: 'source',
  path: `${S}pa10z4ngm0g83kx9mssrqzz30s84vq7k-hello-2.12.1.tar.gz`,
  hash: 'sha256-jZkUKv2SV28wsM18tCqNxoCZmLxdYH2Idh9RLibH2yA=',
  hashMode: 'flat',
  urls: ['mirror://gnu/hello/hello-2.12.1.tar.gz'],
  evidence: [{ rule: 'source.source-mirror', detail: 'GNU mirror release tarball' }],
  via: ['hello-2.12.1', 'hello-2.12.1.tar.gz'],
  roots: [ROOT_HELLO],
});

export const RUSTC_SRC = input({
  id: `${S}b1w7c0xjv2fzx3xsg2a6lcn1w0fh3yqp-rustc-1.77.2-src.tar.gz.drv`,
  name: 'rustc-1.77.2-src.tar.gz',
  class: 'source',
  hash: 'sha256-wH1wTQ8PPQ3jsHukxFDIGMLgbmjEdJSoVLgy7D4nAAQ=',
  hashMode: 'flat',
  urls: ['https://static.rust-lang.org/dist/rustc-1.77.2-src.tar.gz'],
  evidence: [{ rule: 'source.src-archive-name', detail: 'name ends in -src.tar.gz' }],
  via: ['rustc-wrapper-1.77.2', 'rustc-1.77.2', 'rustc-1.77.2-src.tar.gz'],
  roots: [ROOT_RUSTC],
});

export const BUILDER_SCRIPT = input({
  id: `${S}6xmxl2x7pvzk0gc6w6x7a1r1j7hk1hyr-default-builder.sh`,
  name: 'default-builder.sh',
  class: 'source',
  kind: 'input-src',
  path: `${S}6xmxl2x7pvzk0gc6w6x7a1r1j7hk1hyr-default-builder.sh`,
  evidence: [{ rule: 'source.text-file', detail: 'store source added at evaluation time' }],
  via: ['hello-2.12.1', 'stdenv-linux', 'default-builder.sh'],
});

export const fixtureInputs = (): ReportInput[] =>
  [RUST_BOOTSTRAP, BUSYBOX, BOOTSTRAP_TOOLS, FORTIFY, HELLO_SRC, RUSTC_SRC, BUILDER_SCRIPT].map((i) => structuredClone(i));

/** A fresh copy on every call, so a test may mutate it. */
export const makeReport = (): ScanReport => {
  const inputs = fixtureInputs();
  const count = (c: string): number => inputs.filter((i) => i.class === c).length;
  const r: ScanReport = {
    schemaVersion: 1,
    tool: { name: 'seedaudit', version: '0.1.0' },
    generatedAt: '2024-06-20T12:00:00.000Z',
    graph: { kind: 'nix-json', format: 'nix-json 2.4-2.17', detail: 'rustc.json.gz', storeDir: '/nix/store' },
    roots: [
      { drv: ROOT_RUSTC, name: 'rustc-wrapper-1.77.2' },
      { drv: ROOT_HELLO, name: 'hello-2.12.1' },
    ],
    summary: {
      derivations: 612,
      fixedOutput: 5,
      fixedOutputDerivations: 5,
      fixedOutputPaths: 5,
      inputs: inputs.length,
      source: count('source'),
      seed: count('seed'),
      prebuilt: count('prebuilt'),
      unknown: count('unknown'),
      notAllowlisted: 0, // set below from the gate counts, as the scan does
    },
    inputs,
    trustBase: [
      { root: ROOT_RUSTC, name: 'rustc-wrapper-1.77.2', seeds: [BOOTSTRAP_TOOLS.id, BUSYBOX.id], prebuilt: [RUST_BOOTSTRAP.id] },
      { root: ROOT_HELLO, name: 'hello-2.12.1', seeds: [BOOTSTRAP_TOOLS.id, BUSYBOX.id], prebuilt: [] },
    ],
    elf: [
      {
        path: 'lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld',
        storePath: `${S}yq1yr8g0hwz3kz0m1k0c5k5r1w2j6lz8-rustc-bootstrap-1.76.0`,
        elf: true,
        class: 'ELF64',
        endian: 'little',
        machine: 'x86-64',
        type: 'DYN',
        interpreter: '/lib64/ld-linux-x86-64.so.2',
        needed: ['libc.so.6'],
        producedBy: { drv: `${S}0c5fnnsl9yrl8b2cp1zp3xqfz6k0x8m8-rustc-bootstrap-1.76.0.drv`, name: 'rustc-bootstrap-1.76.0', class: 'built' },
        provenance: 'from-prebuilt',
        evidence: [{ rule: 'elf.from-prebuilt', detail: 'same build-id as a file in rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz' }],
        fromInput: RUST_BOOTSTRAP.id,
        gate: 'fail',
      },
    ],
    allowlist: { file: 'allowlist.json', entries: 4 },
    coverage: {
      inspected: true,
      complete: true,
      outputs: { total: 2, inspected: 2 },
      inputs: { total: 7, read: 7 },
      storePaths: 40,
      closure: 'nix',
      gaps: [],
    },
    gate: {
      failOn: 'prebuilt',
      passed: false,
      failures: [RUST_BOOTSTRAP.id, BUSYBOX.id, 'lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld'],
      baseline: null,
      items: [],
      counts: countItems([]),
    },
  };
  // the gate items as the gate writes them, from the per-input and per-file verdicts above
  r.gate.items = deriveGateItems(r);
  r.gate.counts = countItems(r.gate.items);
  r.summary.notAllowlisted = r.gate.counts.items - r.gate.counts.accepted.allowlist;
  return r;
};

/** Recomputes the gate items and counts after a test changed the per-finding verdicts. */
export const regate = (r: ScanReport): ScanReport => {
  r.gate.items = deriveGateItems(r);
  r.gate.counts = countItems(r.gate.items);
  r.gate.failures = r.gate.items.filter((i) => i.status === 'fail').map((i) => i.ref);
  r.gate.passed = r.gate.failures.length === 0;
  r.summary.notAllowlisted = r.gate.counts.items - r.gate.counts.accepted.allowlist;
  return r;
};

/** Payloads that break out of HTML text, attributes, script elements and XML. */
export const HOSTILE = {
  script: '<script>alert(1)</script>',
  attr: `"'><img src=x onerror=alert(1)>`,
  endScript: '</script><script>alert(2)</script>',
  markdown: '| `x` | [a](javascript:alert(1)) **b**',
};

/**
 * The fixture with attacker-chosen names, URLs, evidence and via steps everywhere the graph
 * reaches into the report.
 */
export const makeHostileReport = (): ScanReport => {
  const r = makeReport();
  const [rust, busybox] = r.inputs as [ReportInput, ReportInput];
  rust.name = `rust${HOSTILE.script}`;
  rust.urls = [`https://evil.example/${HOSTILE.attr}`, `javascript:alert(3)`];
  rust.evidence = [{ rule: 'prebuilt.platform-in-name', detail: `name ${HOSTILE.endScript}` }];
  rust.via = [`root${HOSTILE.attr}`, `step${HOSTILE.endScript}`, rust.name];
  busybox.name = `busybox${HOSTILE.attr}\u2028\u202e`;
  busybox.via = [...busybox.via.slice(0, -1), busybox.name];
  busybox.allowlist = { name: `entry${HOSTILE.script}`, reason: HOSTILE.markdown, expires: '2024-01-01', expired: true };
  const src = r.inputs.find((i) => i.name === 'hello-2.12.1.tar.gz') as ReportInput;
  src.name = `hello${HOSTILE.endScript}\u0000\u001b[31m`;
  r.roots[0] = { drv: r.roots[0]!.drv, name: `rustc${HOSTILE.script}` };
  (r.elf[0] as { path: string }).path = `bin/${HOSTILE.attr}`;
  return r;
};
