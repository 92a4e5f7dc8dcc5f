/**
 * Issue 10 end to end: a graph whose fetched inputs are hostile archives, scanned through the
 * whole pipeline (scanGraph with the store inspector on a --store-root tree). An archive whose
 * ELF the readers can now reach makes its input prebuilt and fails the gate; an archive that
 * defeats a cap or a reader makes its input unknown — never source — with evidence naming the
 * cap or the member, and the coverage says the listing is incomplete.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { makeInspector } from '../../src/inspect/index.js';
import { scanGraph } from '../../src/scan.js';
import { loadRules } from '../../src/classify/rules.js';
import { parseAllowlist } from '../../src/gate/allowlist.js';
import type { Derivation, DerivationGraph } from '../../src/model/graph.js';
import type { FailOn } from '../../src/model/report.js';
import { hasTool, makeZip, realElf, zerosBeforeElf } from './archive/fixtures/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'seedaudit-hostile-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(path.join(root, 'nix', 'store'), { recursive: true });
const P = (h: string, name: string) => `/nix/store/${h.repeat(32)}-${name}`;
const elf = readFileSync(realElf());
const MiB = 1024 * 1024;

const fetched: { name: string; bytes: Buffer }[] = [
  // 4 GiB of zeros before the ELF, in 4 MB of gzip
  { name: 'data-1.0.tar.gz', bytes: zerosBeforeElf((b) => gzipSync(b), 4 * 1024 * MiB, 16 * MiB, elf) },
  // the same kernel quoted by many entries
  {
    name: 'assets-1.0.zip',
    bytes: (() => {
      const z = makeZip([{ name: 'a', data: Buffer.alloc(8 * MiB) }, { name: 'b', data: Buffer.alloc(8 * MiB) }]);
      const cd = z.readUInt32LE(z.length - 22 + 16);
      z.writeUInt32LE(0, cd + 46 + 1 + 42); // b's central entry points at a's local header
      return z;
    })(),
  },
];
if (hasTool('python3')) {
  const file = path.join(root, 'lzma.zip');
  execFileSync('python3', ['-c', 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_LZMA)\nz.write(sys.argv[2], "tool-1.0/bin/tool")\nz.writestr("tool-1.0/README", "a tool\\n")\nz.close()', file, realElf()]);
  fetched.push({ name: 'tool-1.0.zip', bytes: readFileSync(file) });
}

const fods: Derivation[] = fetched.map((f, i) => {
  const out = P(String.fromCharCode(97 + i), f.name);
  writeFileSync(path.join(root, out), f.bytes);
  return {
    drvPath: P(String.fromCharCode(107 + i), `${f.name}.drv`), name: f.name, system: 'x86_64-linux', builder: 'builtin:fetchurl', args: [],
    env: { url: `https://example.org/${f.name}` },
    outputs: { out: { path: out, fixed: { method: 'flat', algo: 'sha256', sri: 'sha256-' + Buffer.alloc(32, i + 1).toString('base64') } } },
    inputSrcs: [], inputDrvs: {}, structuredAttrs: null,
  };
});
const pkg: Derivation = {
  drvPath: P('z', 'app-1.0.drv'), name: 'app-1.0', system: 'x86_64-linux', builder: '/bin/sh', args: [], env: {},
  outputs: { out: { path: P('y', 'app-1.0'), fixed: null } }, inputSrcs: [],
  inputDrvs: Object.fromEntries(fods.map((d) => [d.drvPath, ['out']])), structuredAttrs: null,
};
const graph = (): DerivationGraph => ({
  storeDir: '/nix/store', derivations: new Map([[pkg.drvPath, pkg], ...fods.map((d) => [d.drvPath, d] as const)]), roots: [pkg.drvPath],
  source: { kind: 'aterm', format: 'aterm', detail: root },
});
const rules = await loadRules();
const scan = (failOn: FailOn) =>
  scanGraph(graph(), {
    rules, allowlist: parseAllowlist('{"version": 1, "seeds": []}', 'a.json'), failOn, today: '2026-12-02',
    inspect: makeInspector({ storeRoot: root }),
  });

t.test('a bomb is unknown with the cap named; overlapping zip entries are unknown with the member named', async (t) => {
  const r = await scan('unknown');
  const bomb = r.inputs.find((i) => i.name === 'data-1.0.tar.gz')!;
  t.equal(bomb.class, 'unknown', 'not source: the listing stopped at a cap');
  const why = bomb.evidence.find((e) => e.rule === 'unknown.contents-unreadable');
  t.match(why?.detail, /: could not read all of tar\.gz: maxRatio: the gzip stream expanded more than 100:1 .*in "zeros" \(header at offset 0\); nothing after it was read$/);
  const zip = r.inputs.find((i) => i.name === 'assets-1.0.zip')!;
  t.equal(zip.class, 'unknown');
  t.match(zip.evidence.find((e) => e.rule === 'unknown.contents-unreadable')?.detail, /: could not read all of zip: zip: member "(a|b)" \(local header at offset 0\): .*overlapping entries \(a zip bomb construction\) are not read$/);

  t.equal(r.coverage.complete, false);
  const gaps = r.coverage.gaps.filter((g) => g.what === 'contents-unreadable');
  t.match(gaps.find((g) => g.path === bomb.path)?.detail, /^listing 'data-1\.0\.tar\.gz' stopped at a cap, not every member was read: maxRatio: /);
  t.match(gaps.find((g) => g.path === zip.path)?.detail, /^listing 'assets-1\.0\.zip' failed: zip: member /);

  t.notOk(r.gate.passed, 'under --fail-on unknown the gate fails on them');
  for (const i of [bomb, zip]) t.ok(r.gate.items.some((g) => g.kind === 'unknown-input' && g.status === 'fail' && g.ref === i.id), `${i.name} is a failing gate item`);
});

t.test('an ELF in an LZMA zip member makes the download prebuilt and fails the default gate', { skip: hasTool('python3') ? false : 'python3 is not installed' }, async (t) => {
  const r = await scan('prebuilt');
  const zip = r.inputs.find((i) => i.name === 'tool-1.0.zip')!;
  t.equal(zip.class, 'prebuilt');
  t.match(zip.evidence[0].detail, /tool-1\.0\/bin\/tool: ELF executable/);
  t.equal(zip.gate, 'fail');
  t.notOk(r.gate.passed);
  for (const name of ['data-1.0.tar.gz', 'assets-1.0.zip']) t.not(r.inputs.find((i) => i.name === name)?.class, 'source', `${name} is never source`);
});

t.test('the archive caps given to the inspector (--max-archive-*) reach the readers', async (t) => {
  const r = await scanGraph(graph(), {
    rules, allowlist: parseAllowlist('{"version": 1, "seeds": []}', 'a.json'), failOn: 'unknown', today: '2026-12-02',
    inspect: makeInspector({ storeRoot: root, archive: { maxMembers: 1 } }),
  });
  const tool = r.inputs.find((i) => i.name === 'tool-1.0.zip');
  if (tool) {
    t.equal(tool.class, 'prebuilt', 'the ELF comes first and is still found');
    t.match(JSON.stringify(tool.evidence), /maxMembers: stopped after 1 members?/, 'and the member cap of 1 is named');
  }
  const defaults = await scan('unknown');
  t.notMatch(JSON.stringify(defaults.inputs.find((i) => i.name === 'tool-1.0.zip')?.evidence ?? []), /maxMembers/, 'the default cap is not hit');
});
