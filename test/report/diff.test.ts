import t from 'tap';
import { parsePatch } from 'diff';
import { diffReports, renderDiffJson, renderDiffText } from '../../src/report/diff.js';
import type { ReportInput } from '../../src/model/report.js';
import { BOOTSTRAP_TOOLS, BUSYBOX, HELLO_SRC, RUST_BOOTSTRAP, makeReport } from './fixture.js';

/** the fixture again, as a later build: every store hash differs */
const rebuilt = () => {
  const r = makeReport();
  r.generatedAt = '2024-07-01T00:00:00.000Z';
  for (const i of r.inputs) {
    i.id = i.id.replace(/\/nix\/store\/[a-z0-9]{32}-/, '/nix/store/11111111111111111111111111111111-');
    if (i.drv) i.drv = i.id;
  }
  return r;
};
const find = (inputs: ReportInput[], name: string): ReportInput => inputs.find((i) => i.name === name) as ReportInput;

t.test('identical trust base across a rebuild', async (t) => {
  const d = diffReports(makeReport(), rebuilt());
  t.same([d.added, d.removed, d.changed], [[], [], []], 'new drv paths alone change nothing');
  t.equal(d.unchanged, 3);
  t.match(renderDiffText(d), /0 added, 0 removed, 0 changed, 3 unchanged\n\nno change in the binary inputs\n$/);
});

t.test('added, removed, changed, became binary', async (t) => {
  const oldR = makeReport();
  const newR = rebuilt();
  // rust bootstrap bumped: a new name is a new binary
  find(newR.inputs, RUST_BOOTSTRAP.name).name = 'rust-1.77.0-x86_64-unknown-linux-gnu.tar.gz';
  // busybox replaced upstream: same name, new hash and URL
  const bb = find(newR.inputs, BUSYBOX.name);
  bb.hash = 'sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=';
  bb.urls = ['http://tarballs.nixos.org/stdenv/x86_64-unknown-linux-gnu/new/busybox'];
  // a source tarball reclassified as prebuilt
  const hello = find(newR.inputs, HELLO_SRC.name);
  hello.class = 'prebuilt';
  hello.binary = true;
  // bootstrap-tools lost its allowlist entry
  find(newR.inputs, BOOTSTRAP_TOOLS.name).allowlisted = false;

  const d = diffReports(oldR, newR);
  t.same(
    d.added.map((a) => [a.name, a.class, a.previousClass]),
    [
      ['hello-2.12.1.tar.gz', 'prebuilt', 'source'],
      ['rust-1.77.0-x86_64-unknown-linux-gnu.tar.gz', 'prebuilt', null],
    ],
  );
  t.same(d.removed.map((r) => [r.name, r.currentClass]), [[RUST_BOOTSTRAP.name, null]]);
  t.same(
    d.changed.map((c) => [c.name, c.changes]),
    [
      ['bootstrap-tools.tar.xz', ['allowlisted']],
      ['busybox', ['hash', 'urls']],
    ],
  );
  t.equal(d.unchanged, 0);

  const text = renderDiffText(d, { oldLabel: 'old.json', newLabel: 'new.json' });
  t.match(text, /^seedaudit diff: old\.json -> new\.json\nbinary inputs: 2 added, 1 removed, 2 changed, 0 unchanged\n/);
  t.match(text, /\+ prebuilt hello-2\.12\.1\.tar\.gz \(fixed-output, was source\)/);
  t.match(text, /~ busybox \(fixed-output\): hash sha256-QrTE\S+ -> sha256-BBBB\S+; urls /);
  t.match(text, /~ bootstrap-tools\.tar\.xz \(fixed-output\): no longer allowlisted/);

  // the patch part is a real unified diff: parse it back
  const patchText = text.slice(text.indexOf('--- old.json'));
  const [patch] = parsePatch(patchText);
  const lines = patch?.hunks.flatMap((h) => h.lines) ?? [];
  t.equal(lines.filter((l) => l.startsWith('+')).length, 4, 'two added and two changed binaries on the new side');
  t.equal(lines.filter((l) => l.startsWith('-')).length, 3, 'one removed and two changed on the old side');
  t.ok(lines.includes(`-seed busybox [fixed-output] ${BUSYBOX.hash} not-allowlisted ${BUSYBOX.urls[0]}`));

  const json = JSON.parse(renderDiffJson(d));
  t.same(json.added.map((a: { name: string }) => a.name), d.added.map((a) => a.name));
  t.equal(json.old.generatedAt, oldR.generatedAt);
});

t.test('same-named binaries pair by hash, then URL', async (t) => {
  const mk = (hash: string, url: string): ReportInput => ({ ...structuredClone(RUST_BOOTSTRAP), name: 'source', id: `/nix/store/x-${hash}.drv`, hash, urls: [url] });
  const oldR = makeReport();
  const newR = makeReport();
  oldR.inputs = [mk('sha256-A', 'https://a/1'), mk('sha256-B', 'https://b/1')];
  newR.inputs = [mk('sha256-C', 'https://b/1'), mk('sha256-A', 'https://a/1'), mk('sha256-D', 'https://d/1')];
  const d = diffReports(oldR, newR);
  t.equal(d.unchanged, 1, 'A matches A by hash');
  t.same(d.changed.map((c) => [c.old.hash, c.new.hash]), [['sha256-B', 'sha256-C']], 'B pairs with C through the shared URL');
  t.same(d.added.map((a) => a.hash), ['sha256-D']);
  t.same(d.removed, []);
});

t.test('a binary that became source is removed with its new class', async (t) => {
  const newR = rebuilt();
  const rust = find(newR.inputs, RUST_BOOTSTRAP.name);
  rust.class = 'source';
  rust.binary = false;
  const d = diffReports(makeReport(), newR);
  t.same(d.removed.map((r) => [r.name, r.currentClass]), [[RUST_BOOTSTRAP.name, 'source']]);
  t.match(renderDiffText(d), /- prebuilt rust-1\.76\.0\S+ \(fixed-output, now source\)/);
});

t.test('terminal escapes in names are made visible', async (t) => {
  const newR = rebuilt();
  find(newR.inputs, RUST_BOOTSTRAP.name).name = 'evil\u001b[2K\rok';
  const text = renderDiffText(diffReports(makeReport(), newR));
  t.notMatch(text, /\u001b|\r/);
  t.match(text, /evil\\x1b\[2K\\x0dok/);
});
