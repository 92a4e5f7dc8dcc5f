import t from 'tap';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadRules, loadRuleFile } from '../../src/classify/rules.js';
import { classifyAll, GraphIndex } from '../../src/classify/classify.js';
import { collectInputs } from '../../src/classify/inputs.js';
import type { Derivation, DerivationGraph } from '../../src/model/graph.js';
import { InputError } from '../../src/errors.js';

let n = 0;
const h = () => (n++).toString().padStart(32, '0').replace(/[eotu]/g, '0');

/** A fetchurl derivation as nixpkgs writes it. */
function fetch(name: string, url: string, extra: Record<string, string> = {}): Derivation {
  const hash = 'sha256-' + Buffer.alloc(32, n + 1).toString('base64');
  const out = `/nix/store/${h()}-${name}`;
  return {
    drvPath: `/nix/store/${h()}-${name}.drv`, name, system: 'x86_64-linux', builder: 'builtin:fetchurl', args: [],
    env: { name, url, out, outputHashMode: 'flat', ...extra }, outputs: { out: { path: out, fixed: { method: 'flat', algo: 'sha256', sri: hash } } },
    inputSrcs: [], inputDrvs: {}, structuredAttrs: null,
  };
}

function classify(drvs: Derivation[], extraRules: string[] = []) {
  const root: Derivation = {
    drvPath: `/nix/store/${h()}-root.drv`, name: 'root', system: 'x86_64-linux', builder: '/bin/sh', args: [], env: {},
    outputs: { out: { path: `/nix/store/${h()}-root`, fixed: null } }, inputSrcs: [],
    inputDrvs: Object.fromEntries(drvs.map((d) => [d.drvPath, ['out']])), structuredAttrs: null,
  };
  const graph: DerivationGraph = {
    storeDir: '/nix/store', derivations: new Map([root, ...drvs].map((d) => [d.drvPath, d])), roots: [root.drvPath],
    source: { kind: 'nix-json', format: 'test', detail: 'test' },
  };
  const out = classifyAll(collectInputs(graph), loadRules(extraRules), new GraphIndex(graph));
  return (name: string) => out.find((i) => i.name === name)!;
}

t.test('names must not fool the rules', async (t) => {
  const get = classify([
    fetch('binutils-2.42.tar.bz2', 'mirror://gnu/binutils/binutils-2.42.tar.bz2'),
    fetch('rustc-1.77.1-src.tar.gz', 'https://static.rust-lang.org/dist/rustc-1.77.1-src.tar.gz'),
    fetch('bootstrap-5.3.3.tar.gz', 'https://github.com/twbs/bootstrap/archive/v5.3.3.tar.gz'),
    fetch('linux-6.8.tar.xz', 'https://cdn.kernel.org/pub/linux/kernel/v6.x/linux-6.8.tar.xz'),
    fetch('bootstrap-tools.tar.xz', 'https://example.org/mirror/bootstrap-tools.tar.xz'),
  ]);
  for (const n of ['binutils-2.42.tar.bz2', 'rustc-1.77.1-src.tar.gz', 'bootstrap-5.3.3.tar.gz', 'linux-6.8.tar.xz'])
    t.equal(get(n).class, 'source', `${n}: ${get(n).evidence[0].rule}`);
  // the name alone is not a seed: it must come from tarballs.nixos.org or carry a seed hash
  t.not(get('bootstrap-tools.tar.xz').class, 'seed');
});

t.test('binary downloads are prebuilt, with evidence', async (t) => {
  const get = classify([
    fetch('go1.22.1.linux-amd64.tar.gz', 'https://go.dev/dl/go1.22.1.linux-amd64.tar.gz'),
    fetch('node-v20.12.2-linux-x64.tar.xz', 'https://nodejs.org/dist/v20.12.2/node-v20.12.2-linux-x64.tar.xz'),
    fetch('ghc-9.4.8-x86_64-deb10-linux.tar.xz', 'https://downloads.haskell.org/ghc/9.4.8/ghc-9.4.8-x86_64-deb10-linux.tar.xz'),
    fetch('numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'https://files.pythonhosted.org/packages/numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'),
    fetch('foo_1.0_amd64.deb', 'http://deb.debian.org/debian/pool/main/f/foo/foo_1.0_amd64.deb'),
    fetch('tool.AppImage', 'https://example.org/tool.AppImage'),
    fetch('commons-io-2.15.1.jar', 'https://repo1.maven.org/maven2/commons-io/commons-io/2.15.1/commons-io-2.15.1.jar'),
    fetch('mytool', 'https://example.org/releases/mytool', { executable: '1', outputHashMode: 'recursive' }),
  ]);
  for (const [name, rule] of [
    ['go1.22.1.linux-amd64.tar.gz', 'prebuilt.platform-in-name'],
    ['node-v20.12.2-linux-x64.tar.xz', 'prebuilt.platform-in-name'],
    ['ghc-9.4.8-x86_64-deb10-linux.tar.xz', 'prebuilt.platform-in-name'],
    ['numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'prebuilt.platform-wheel'],
    ['foo_1.0_amd64.deb', 'prebuilt.distro-package-with-arch'],
    ['tool.AppImage', 'prebuilt.binary-format'],
    ['commons-io-2.15.1.jar', 'prebuilt.binary-format'],
    ['mytool', 'prebuilt.executable-download'],
  ]) {
    const i = get(name);
    t.equal(i.class, 'prebuilt', name);
    t.ok(i.evidence.some((e) => e.rule === rule), `${name} carries ${rule}`);
  }
});

t.test('user rules add and replace rules; bad rule files are input errors', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'seedaudit-rules-'));
  mkdirSync(path.join(dir, 'site'));
  writeFileSync(
    path.join(dir, 'site', 'vendor.json'),
    JSON.stringify({
      rules: [
        { id: 'site.acme-blobs', description: 'ACME vendor blobs', verdict: 'prebuilt', weight: 200, match: { url: ['^https://blobs\\.acme\\.example/'] } },
        // silence a built-in rule by id
        { id: 'source.versioned-archive', description: 'off', verdict: 'source', weight: 0, match: { kind: ['fixed-output'] } },
      ],
    }),
  );
  const get = classify(
    [fetch('acme-2.0.tar.gz', 'https://blobs.acme.example/acme-2.0.tar.gz'), fetch('zlib-1.3.1.tar.gz', 'https://zlib.net/zlib-1.3.1.tar.gz')],
    [path.join(dir, 'site')],
  );
  t.equal(get('acme-2.0.tar.gz').class, 'prebuilt');
  t.equal(get('acme-2.0.tar.gz').evidence[0].rule, 'site.acme-blobs');
  t.equal(get('zlib-1.3.1.tar.gz').class, 'unknown', 'with the versioned-archive rule silenced nothing vouches for it');

  const bad = [
    '{"rules": [{"id": "x", "description": "d", "verdict": "maybe", "weight": 1, "match": {}}]}',
    '{"rules": [{"id": "x", "description": "d", "verdict": "source", "weight": 1, "match": {"nmae": ["a"]}}]}',
    '{"rules": [{"id": "x", "description": "d", "verdict": "source", "weight": 1, "match": {"url": ["("]}}]}',
    '{"rules": {}}',
    'not json',
  ];
  bad.forEach((text, i) => {
    const f = path.join(dir, `bad${i}.json`);
    writeFileSync(f, text);
    t.throws(() => loadRuleFile(f), InputError, text);
  });
  t.throws(() => loadRules([path.join(dir, 'missing')]), InputError);
});

t.test('a host builder is an impure input of class unknown', async (t) => {
  const get = classify([]);
  const b = get('/bin/sh');
  t.equal(b.kind, 'builder');
  t.equal(b.class, 'unknown');
  t.equal(b.evidence[0].rule, 'unknown.host-builder');
});
