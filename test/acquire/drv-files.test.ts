import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { isDrvPath, readDrvGraph } from '../../src/acquire/drv-files.js';
import { InputError } from '../../src/errors.js';
import { isFixedOutput, type Derivation } from '../../src/model/graph.js';
import { parseNixJson } from '../../src/graph/nix-json.js';
import { fixedOutputPath } from '../../src/graph/store-path.js';
import { corpusDir } from '../helpers.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'seedaudit-drv-files-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

/** Plain, order-normalised data, so JSON-built and ATerm-built derivations compare field by field. */
const plain = (d: Derivation) => ({
  drvPath: d.drvPath,
  name: d.name,
  system: d.system,
  builder: d.builder,
  args: [...d.args],
  env: Object.fromEntries(Object.entries(d.env)),
  outputs: Object.fromEntries(
    Object.entries(d.outputs)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([n, o]) => [n, { path: o.path, fixed: o.fixed && { ...o.fixed } }]),
  ),
  inputSrcs: [...d.inputSrcs],
  inputDrvs: Object.fromEntries(
    Object.entries(d.inputDrvs)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([p, outs]) => [p, [...outs].sort()]),
  ),
  dynamicInputs: d.dynamicInputs ?? [],
  structuredAttrs: d.structuredAttrs,
});

/** Expected graph facts written beside the corpus. */
const expected: Record<string, { root: string[]; derivations: number; fixedOutput: number }> = JSON.parse(
  readFileSync(path.join(corpusDir, 'expected.json'), 'utf8'),
);

t.test('the .drv files of the corpus read to exactly the graphs Nix printed as JSON', async (t) => {
  let graphs = 0;
  let fixedSeen = 0;
  for (const set of ['nixpkgs-2024', 'aux-foundation']) {
    const root = path.join(scratch, set);
    mkdirSync(root);
    execFileSync('tar', ['-xzf', path.join(corpusDir, set, 'drvs.tar.gz'), '-C', root]);
    const jsons = readdirSync(path.join(corpusDir, set)).filter((f) => f.endsWith('.json.gz'));
    for (const f of jsons) {
      const key = `${set}/${f}`;
      // The 2.4-2.17 JSON read by the production reader (src/graph/nix-json.ts).
      const want = parseNixJson(gunzipSync(readFileSync(path.join(corpusDir, set, f))).toString('utf8'), key);
      t.same(want.roots, expected[key].root, `${key}: one root, as expected.json says`);

      const got = await readDrvGraph(want.roots, { storeRoot: root });
      t.same(got.roots, want.roots, `${key}: roots`);
      t.same(got.source, { kind: 'aterm', format: 'aterm', detail: root }, `${key}: source`);
      t.equal(got.storeDir, '/nix/store');
      t.same([...got.derivations.keys()].sort(), [...want.derivations.keys()].sort(), `${key}: the same derivations`);
      t.equal(got.derivations.size, expected[key].derivations, `${key}: derivation count`);
      const fods = [...got.derivations.values()].filter(isFixedOutput);
      // expected.json counts fixed-output derivations by name: one fetch reached through
      // several derivations (e.g. fetchurl with different mirror lists) counts once.
      t.equal(new Set(fods.map((d) => d.name)).size, expected[key].fixedOutput, `${key}: fixed-output count`);
      fixedSeen += fods.length;

      const differ: string[] = [];
      for (const [p, w] of want.derivations) {
        const g = got.derivations.get(p);
        if (!g || !isDeepStrictEqual(plain(g), plain(w))) differ.push(p);
      }
      if (differ.length > 0)
        t.same(plain(got.derivations.get(differ[0])!), plain(want.derivations.get(differ[0])!), differ[0]);
      t.same(differ, [], `${key}: all ${want.derivations.size} derivations equal, field by field`);
      graphs++;
    }
  }
  t.equal(graphs, 16, 'every JSON graph of the corpus was compared');
  t.ok(fixedSeen > 100, `fixed-output paths verified against their hashes (${fixedSeen} in all)`);
});

t.test('the graph is the same on every run, whatever order reads finish in', async (t) => {
  const root = path.join(scratch, 'nixpkgs-2024');
  const nix = '/nix/store/v8h7pkzhpscvbq807754cvfjamw3i49a-nix-2.18.2.drv';
  const a = await readDrvGraph([nix], { storeRoot: root });
  const b = await readDrvGraph([nix, nix], { storeRoot: root });
  t.same([...b.derivations.keys()], [...a.derivations.keys()]);
  t.same(b.roots, [nix], 'a repeated root is listed once');
  t.equal([...a.derivations.keys()][0], nix, 'roots first');
});

// ---- small hand-written stores ----

const ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';
const nix32 = (bytes: Buffer) => {
  let bits = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) bits = (bits << 8n) | BigInt(bytes[i]);
  let s = '';
  for (let n = Math.ceil((bytes.length * 8) / 5) - 1; n >= 0; n--) s += ALPHABET[Number((bits >> BigInt(n * 5)) & 31n)];
  return s;
};
/** Guix's `fixed-output-path` for a flat sha256 file (guix/derivations.scm), independent of src/. */
function guixFlatPath(store: string, name: string, hex: string): string {
  const tag = createHash('sha256').update(`fixed:out:sha256:${hex}:`).digest('hex');
  const h = createHash('sha256').update(`output:out:sha256:${tag}:${store}:${name}`).digest();
  const c = Buffer.alloc(20);
  h.forEach((b, i) => (c[i % 20] ^= b));
  return `${store}/${nix32(c)}-${name}`;
}

/** A fresh directory standing in for `/`, with the given store files. */
function store(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(scratch, 'store-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(path.join(root, path.dirname(p)), { recursive: true });
    writeFileSync(path.join(root, p), text);
  }
  return root;
}

async function rejectsInput(t: Test, p: Promise<unknown>, re: RegExp, msg: string) {
  try {
    await p;
    t.fail(`${msg}: no error`);
  } catch (e) {
    t.type(e, InputError, `${msg}: InputError`);
    t.match((e as Error).message, re, `${msg}: message`);
    t.notMatch((e as Error).message, /\n/, `${msg}: one line`);
  }
}

const H = (c: string) => c.repeat(32);

t.test('Guix: a /gnu/store graph read with storeDir /gnu/store', async (t) => {
  const g = '/gnu/store';
  const hex = createHash('sha256').update('hello-2.12.1.tar.gz').digest('hex');
  const tarball = guixFlatPath(g, 'hello-2.12.1.tar.gz', hex);
  const fod = `${g}/${H('1')}-hello-2.12.1.tar.gz.drv`;
  const hello = `${g}/${H('2')}-hello-2.12.1.drv`;
  const files = {
    [fod]:
      `Derive([("out","${tarball}","sha256","${hex}")],[],[],"x86_64-linux","builtin:download",[],` +
      `[("content-addressed-mirrors","${g}/${H('3')}-content-addressed-mirrors"),("impureEnvVars","http_proxy https_proxy"),` +
      `("out","${tarball}"),("preferLocalBuild","1"),("url","(\\"https://ftpmirror.gnu.org/gnu/hello/hello-2.12.1.tar.gz\\")")])`,
    [hello]:
      `Derive([("out","${g}/${H('4')}-hello-2.12.1","","")],[("${fod}",["out"])],` +
      `["${g}/${H('5')}-module-import-compiled","${g}/${H('6')}-hello-2.12.1-builder"],"x86_64-linux",` +
      `"${g}/${H('7')}-guile-3.0.9/bin/guile",["--no-auto-compile","-L","${g}/${H('8')}-module-import","${g}/${H('6')}-hello-2.12.1-builder"],` +
      `[("out","${g}/${H('4')}-hello-2.12.1")])`,
  };
  const root = store(files);
  const graph = await readDrvGraph([hello], { storeRoot: root, storeDir: g });
  t.equal(graph.storeDir, g);
  t.same([...graph.derivations.keys()], [hello, fod]);
  t.same(graph.source, { kind: 'aterm', format: 'aterm', detail: root });
  const f = graph.derivations.get(fod)!;
  t.same(f.outputs.out, {
    path: tarball,
    fixed: { method: 'flat', algo: 'sha256', sri: `sha256-${Buffer.from(hex, 'hex').toString('base64')}` },
  });
  t.equal(f.name, 'hello-2.12.1.tar.gz', 'name from the path when env has none');
  t.equal(f.env.url, '("https://ftpmirror.gnu.org/gnu/hello/hello-2.12.1.tar.gz")', 'escaped quotes');
  t.same(graph.derivations.get(hello)!.inputDrvs, { [fod]: ['out'] });

  // The trailing slash a user may type does not matter.
  t.equal((await readDrvGraph([hello], { storeRoot: root, storeDir: g + '/' })).derivations.size, 2);
  await rejectsInput(
    t,
    readDrvGraph([hello], { storeRoot: root }),
    /not a derivation in the store directory \/nix\/store/,
    'default storeDir',
  );
  await rejectsInput(
    t,
    readDrvGraph([hello], { storeRoot: root, storeDir: 'gnu/store' }),
    /not an absolute path/,
    'relative storeDir',
  );
});

t.test('a missing input names itself and who needs it', async (t) => {
  const a = `/nix/store/${H('a')}-a.drv`;
  const b = `/nix/store/${H('b')}-b.drv`;
  const c = `/nix/store/${H('c')}-c.drv`;
  const drv = (deps: string[]) => `Derive([],[${deps.map((d) => `("${d}",["out"])`).join(',')}],[],"s","b",[],[])`;
  const root = store({ [a]: drv([b]), [b]: drv([c]) });
  await rejectsInput(
    t,
    readDrvGraph([a], { storeRoot: root }),
    new RegExp(`^${c} \\(read from ${root}${c}\\): no such file; it is an input of ${b.replaceAll('.', '\\.')}$`),
    'missing input',
  );
  await rejectsInput(t, readDrvGraph([c], { storeRoot: root }), /no such file \(root derivation\)/, 'missing root');
  await rejectsInput(t, readDrvGraph([], { storeRoot: root }), /no derivations given/, 'no roots');
  await rejectsInput(
    t,
    readDrvGraph(['/nix/store/x.json'], { storeRoot: root }),
    /not a derivation in the store directory/,
    'not a .drv',
  );
});

t.test('an input path with a newline is named on one line', async (t) => {
  const a = `/nix/store/${H('a')}-a.drv`;
  const root = store({ [a]: `Derive([],[("/nix/store/${H('b')}-b\\n.drv",["out"])],[],"s","b",[],[])` });
  await rejectsInput(
    t,
    readDrvGraph([a], { storeRoot: root }),
    /input derivation ".*-b\\n\.drv" is not a store path/,
    'newline',
  );
});

t.test('a parse error in an input names the file that was read', async (t) => {
  const a = `/nix/store/${H('a')}-a.drv`;
  const b = `/nix/store/${H('b')}-b.drv`;
  const root = store({ [a]: `Derive([],[("${b}",["out"])],[],"s","b",[],[])`, [b]: 'Derive([],[' });
  await rejectsInput(
    t,
    readDrvGraph([a], { storeRoot: root }),
    new RegExp(`^${root}${b}: malformed derivation at byte 11 \\(end of file\\)`),
    'parse error',
  );
});

t.test('unreadable files are InputErrors', async (t) => {
  const a = `/nix/store/${H('a')}-a.drv`;
  const root = store({});
  mkdirSync(path.join(root, a), { recursive: true });
  await rejectsInput(t, readDrvGraph([a], { storeRoot: root }), /a directory, not a regular file/, 'a directory');
});

t.test('shared and even cyclic inputs are read once and terminate', async (t) => {
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => `/nix/store/${H(x)}-${x}.drv`);
  const drv = (deps: string[]) => `Derive([],[${deps.map((x) => `("${x}",["out"])`).join(',')}],[],"s","b",[],[])`;
  // a -> b, c; b -> d; c -> d; d -> a (no real store has a cycle, but a crafted one must not hang us)
  const root = store({ [a]: drv([b, c]), [b]: drv([d]), [c]: drv([d]), [d]: drv([a]) });
  const g = await readDrvGraph([a], { storeRoot: root });
  t.same([...g.derivations.keys()], [a, b, c, d], 'breadth first, each once');
});

t.test('a root may be given as its file under the store root', async (t) => {
  const a = `/nix/store/${H('a')}-a.drv`;
  const root = store({ [a]: 'Derive([],[],[],"s","b",[],[])' });
  const g = await readDrvGraph([path.join(root, a)], { storeRoot: root });
  t.same(g.roots, [a]);
  t.same([...g.derivations.keys()], [a]);
});

t.test('reading without a store root reads the store paths themselves', async (t) => {
  // The scratch directory stands in for a store directory here.
  const dir = mkdtempSync(path.join(scratch, 'direct-'));
  const a = `${dir}/${H('a')}-a.drv`;
  writeFileSync(a, 'Derive([],[],[],"s","b",[],[])');
  const g = await readDrvGraph([a], { storeDir: dir });
  t.same(g.roots, [a]);
  t.same(g.source.detail, dir);
});

t.test('isDrvPath', async (t) => {
  const yes = [
    '/nix/store/v8h7pkzhpscvbq807754cvfjamw3i49a-nix-2.18.2.drv',
    '/gnu/store/v8h7pkzhpscvbq807754cvfjamw3i49a-hello-2.12.1.drv',
    'v8h7pkzhpscvbq807754cvfjamw3i49a-a+b_c?d=e.drv',
  ];
  const no = [
    '/nix/store/v8h7pkzhpscvbq807754cvfjamw3i49a-nix-2.18.2',
    '/nix/store/v8h7pkzhpscvbq807754cvfjamw3i49a-nix.json',
    '/nix/store/short-nix.drv',
    '/nix/store/e8h7pkzhpscvbq807754cvfjamw3i49a-nix.drv', // 'e' is not in Nix's base-32
    '/nix/store/v8h7pkzhpscvbq807754cvfjamw3i49a-.drv',
    'nix.drv',
    '',
  ];
  for (const p of yes) t.ok(isDrvPath(p), p);
  for (const p of no) t.notOk(isDrvPath(p), JSON.stringify(p));
});

t.test('a .drv that is a symlink inside the store root is read (the careful way); one that leaves the root is not', async (t) => {
  const [a, b] = ['a', 'b'].map((x) => `/nix/store/${H(x)}-${x}.drv`);
  const root = store({ [a]: `Derive([],[("${b}",["out"])],[],"s","b",[],[])`, '/elsewhere/b.drv': 'Derive([],[],[],"s","b",[],[("pname","b")])' });
  symlinkSync('../../elsewhere/b.drv', path.join(root, b));
  const g = await readDrvGraph([a], { storeRoot: root });
  t.same([...g.derivations.keys()], [a, b]);
  t.same({ ...g.derivations.get(b)!.env }, { pname: 'b' });
  const outside = mkdtempSync(path.join(scratch, 'outside-'));
  writeFileSync(path.join(outside, 'b.drv'), 'Derive([],[],[],"s","b",[],[])');
  rmSync(path.join(root, b));
  symlinkSync(path.join(outside, 'b.drv'), path.join(root, b));
  await rejectsInput(t, readDrvGraph([a], { storeRoot: root }), /outside the store root/, 'a symlink out of the root');
});

t.test('lean reading: a download keeps its whole environment, any other derivation the keys facts read', async (t) => {
  const [a, f] = ['a', 'f'].map((x) => `/nix/store/${H(x)}-${x}.drv`);
  const hash = '0'.repeat(64);
  const fixedOut = fixedOutputPath('flat', 'sha256', Buffer.alloc(32), '/nix/store', 'f');
  const root = store({
    [a]: `Derive([("out","/nix/store/${H('p')}-a","","")],[("${f}",["out"])],[],"s","b",["-e","x"],[("name","a"),("buildPhase","make \\"all\\"\\n"),("out","/nix/store/${H('p')}-a"),("src","${fixedOut}"),("unused","${'u'.repeat(100)}")])`,
    [f]: `Derive([("out","${fixedOut}","sha256","${hash}")],[],[],"s","builtin:fetchurl",[],[("name","f"),("url","https://example.org/f"),("anything","kept")])`,
  });
  const g = await readDrvGraph([a], { storeRoot: root });
  const da = g.derivations.get(a)!;
  const df = g.derivations.get(f)!;
  t.same({ ...da.env }, { buildPhase: 'make "all"\n', src: fixedOut }, 'only kept keys, escapes decoded');
  t.equal(da.leanEnv, true);
  t.equal(da.name, 'a');
  t.same({ ...df.env }, { name: 'f', url: 'https://example.org/f', anything: 'kept' }, 'a download keeps everything');
  t.equal(df.leanEnv, undefined);
  t.equal(df.outputs.out.path, fixedOut);
  t.equal(da.inputDrvs[f], g.derivations.get(a)!.inputDrvs[f]);
});
