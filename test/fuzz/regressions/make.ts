/**
 * Writes the minimal reproducers under test/fuzz/regressions/<name>/ (inputs, case.json and
 * NOTE.md), one per distinct contract violation the fuzz suite found. Run once; the files are
 * committed. `case.json`: args ({dir} is the case's copy), setup steps the files cannot hold
 * (FIFOs, symlinks, bombs), the expectation, and what was observed when it was written.
 *   node --import=./node_modules/@tapjs/typescript/dist/esm/import.mjs test/fuzz/regressions/make.ts
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildElf } from '../../inspect/elf/builder.js';
import { builtDrv, fetchDrv, toAterm, toJsonDoc, type Drv } from '../lib/graph.js';
import { Rng } from '../lib/prng.js';
import { compress, compressFile, makeTar, makeZip, tarHeader, writeZeros } from '../lib/archive-writers.js';
import type { Expect } from '../lib/runner.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const S = '/nix/store';
const h = (c: string) => c.repeat(32);

interface Setup {
  fifo?: string[];
  symlink?: [string, string][];
  gzipBomb?: { file: string; mib: number };
}
interface Spec {
  name: string;
  args: string[];
  expect: Expect;
  setup?: Setup;
  timeoutMs?: number;
  /** an extra check on the JSON report: 'archive-input' = the input holding the ELF is never source */
  check?: 'archive-input';
  files: Record<string, string | Buffer>;
  /** what the suite's failure class is, and what happened on the code of the day */
  fuzzClass: string;
  observed: string;
  expected: string;
}

const drv = (name: string, deps: string[] = [], srcs: string[] = [], outs = ['out']): [string, Drv] => builtDrv(new Rng(name.length * 7919 + name.charCodeAt(0)), name, deps, srcs, outs);
const json2 = (g: Record<string, Drv>) => JSON.stringify(g, null, 1);
const allow = '{"version":1,"seeds":[]}';
const base = ['scan', '--allowlist', '{dir}/allow.json'];
const elf = buildElf({ interp: '/lib64/ld-linux-x86-64.so.2', needed: ['libc.so.6'] }).buf;
/** An input source holding an ELF: its class must be prebuilt, or unknown with evidence (check 'archive-input'). */
const archiveCase = (file: string, bytes: Buffer): Pick<Spec, 'args' | 'files' | 'check'> => {
  const src = `${S}/${h('a')}-${file}`;
  const [root, d] = drv('root-1.0', [], [src]);
  return {
    args: [...base, '--store-root', '{dir}/root', root, '--format', 'json'],
    files: { 'allow.json': allow, [`root${root}`]: toAterm(d), [`root${src}`]: bytes, [`root${d.outputs.out.path}/share/doc/README`]: 'hello\n' },
    check: 'archive-input',
  };
};

const [leaf, leafD] = drv('leaf-1.0');
const [mid, midD] = drv('mid-1.0', [leaf]);
const [root0, root0D] = drv('root-1.0', [mid]);

const specs: Spec[] = [
  {
    name: 'json-dangling-input',
    fuzzClass: 'json/dangling-input:not-refused',
    args: [...base, '--no-inspect', '--format', 'json', '--from-json', '{dir}/graph.json'],
    expect: 'error',
    files: { 'allow.json': allow, 'graph.json': json2({ [root0]: root0D, [leaf]: leafD }) },
    observed: 'exit 0: the graph is read without mid-1.0.drv, which root-1.0.drv lists in inputDrvs; the report counts 2 derivations',
    expected: 'exit 2: seedaudit: …: mid-1.0.drv, an input of root-1.0.drv, is not in the graph',
  },
  {
    name: 'json-cycle',
    fuzzClass: 'json/cycle:not-refused',
    args: [...base, '--no-inspect', '--format', 'json', '--from-json', '{dir}/graph.json'],
    expect: 'error',
    files: { 'allow.json': allow, 'graph.json': json2({ [root0]: root0D, [mid]: { ...midD, inputDrvs: { [leaf]: ['out'], [root0]: ['out'] } }, [leaf]: { ...leafD, inputDrvs: { [leaf]: ['out'] } } }) },
    observed: 'exit 0: root-1.0 -> mid-1.0 -> root-1.0 and leaf-1.0 -> leaf-1.0 are read as a graph (no roots are found by findRoots either)',
    expected: 'exit 2: a derivation graph with a cycle cannot be a Nix graph',
  },
  {
    name: 'json-wrong-type',
    fuzzClass: 'json/wrong-type:not-refused',
    args: [...base, '--no-inspect', '--format', 'json', '--from-json', '{dir}/graph.json'],
    expect: 'error',
    files: { 'allow.json': allow, 'graph.json': json2({ [leaf]: { ...leafD, env: { ...leafD.env, url: 42, urls: { a: 1 } } as unknown as Record<string, string> } }) },
    observed: 'exit 0: env values of the wrong type (url: 42, urls: {"a":1}) are taken as they are (env is cast to Record<string,string>); other fields seen: outputs.*.method null, inputDrvs.*.dynamicOutputs not an object',
    expected: 'exit 2 naming the field: a value of the wrong JSON type in a field Nix defines',
  },
  {
    name: 'json-gzip-bomb',
    fuzzClass: 'json/gzip-bomb:internal-error, json/gzip-bomb:memory',
    args: [...base, '--no-inspect', '--format', 'json', '--from-json', '{dir}/bomb.json.gz'],
    expect: 'error',
    setup: { gzipBomb: { file: 'bomb.json.gz', mib: 600 } },
    timeoutMs: 30_000,
    files: { 'allow.json': allow },
    observed: 'exit 2 with "seedaudit: internal error: Cannot create a string longer than 0x1fffffe8 characters", peak RSS ~1.3 GiB (gunzipSync without a limit, then toString)',
    expected: 'exit 2 with a one-line size error, peak RSS bounded (decompression stops at a limit)',
  },
  {
    name: 'aterm-cycle',
    fuzzClass: 'aterm/cycle:not-refused, aterm/self-reference:not-refused',
    args: [...base, '--no-inspect', '--format', 'json', '--store-root', '{dir}/root', root0],
    expect: 'error',
    files: { 'allow.json': allow, [`root${root0}`]: toAterm(root0D), [`root${mid}`]: toAterm({ ...midD, inputDrvs: { [leaf]: ['out'], [root0]: ['out'] } }), [`root${leaf}`]: toAterm({ ...leafD, inputDrvs: { [leaf]: ['out'] } }) },
    observed: 'exit 0: root -> mid -> root and leaf -> leaf are read as a graph',
    expected: 'exit 2: a cycle (or a derivation that is its own input) is not a derivation graph',
  },
  {
    name: 'aterm-symlink-outside-store-root',
    fuzzClass: 'aterm/symlink-outside:not-refused',
    args: [...base, '--no-inspect', '--format', 'json', '--store-root', '{dir}/root', root0],
    expect: 'error',
    setup: { symlink: [[`../../../outside/${path.basename(mid)}`, `root${mid}`]] },
    files: { 'allow.json': allow, [`root${root0}`]: toAterm(root0D), [`outside/${path.basename(mid)}`]: toAterm(midD), [`root${leaf}`]: toAterm(leafD) },
    observed: 'exit 0: mid-1.0.drv is read through a symlink that leaves --store-root (../../../outside/…)',
    expected: 'exit 2: a .drv under --store-root that resolves outside it is refused (store-root jail)',
  },
  {
    name: 'aterm-drv-is-dev-zero',
    fuzzClass: 'aterm/symlink-device:memory (and :timeout)',
    args: [...base, '--no-inspect', '--format', 'json', '--store-root', '{dir}/root', root0],
    expect: 'error',
    timeoutMs: 8000,
    setup: { symlink: [['/dev/zero', `root${mid}`]] },
    files: { 'allow.json': allow, [`root${root0}`]: toAterm(root0D) },
    observed: 'no exit: readFileSync of /dev/zero grows until the RSS watchdog kills it (>1.5 GiB)',
    expected: 'exit 2 at once: not a regular file inside the store root',
  },
  {
    name: 'aterm-drv-is-fifo',
    fuzzClass: 'aterm/fifo-drv:timeout',
    args: [...base, '--no-inspect', '--format', 'json', '--store-root', '{dir}/root', root0],
    expect: 'error',
    timeoutMs: 6000,
    setup: { fifo: [`root${mid}`] },
    files: { 'allow.json': allow, [`root${root0}`]: toAterm(root0D) },
    observed: 'hangs: readFileSync blocks on a FIFO nobody writes to',
    expected: 'exit 2 at once: not a regular file',
  },
  {
    name: 'aterm-bidi-in-error',
    fuzzClass: 'aterm/control-chars:control-chars-stderr',
    args: [...base, '--no-inspect', '--format', 'json', '--store-root', '{dir}/root', root0],
    expect: 'error',
    files: { 'allow.json': allow, [`root${root0}`]: toAterm({ ...root0D, inputDrvs: { [`${S}/${h('3')}-evil-\u202eexe.txt\u001b[31m.drv`]: ['out'] } }) },
    observed: 'exit 2, but oneLine() escapes only C0 and DEL: U+202E (and C1 controls) from the .drv reach stderr raw (the ESC is escaped)',
    expected: 'exit 2 with every control, C1 and bidi character escaped, as report/escape.ts does',
  },
  {
    name: 'json-escape-in-error',
    fuzzClass: 'json/control-chars-error:control-chars-stderr',
    args: [...base, '--no-inspect', '--format', 'json', '--from-json', '{dir}/graph.json'],
    expect: 'error',
    files: { 'allow.json': allow, 'graph.json': JSON.stringify({ [`${S}/${h('4')}-evil-\u001b]0;pwned\u0007\u001b[31mred`]: leafD }) },
    observed: "exit 2 with the key's ESC/BEL bytes raw on stderr (\"key '…' is not a .drv path\"; the same for an unknown hash method, a bad hash)",
    expected: 'exit 2 with the control characters escaped',
  },
  {
    name: 'allowlist-dev-zero',
    fuzzClass: 'allowlist/special:memory, allowlist/special:timeout',
    args: ['scan', '--allowlist', '/dev/zero', '--no-inspect', '--from-json', '{dir}/graph.json'],
    expect: 'error',
    timeoutMs: 8000,
    files: { 'graph.json': json2({ [leaf]: leafD }) },
    observed: 'no exit: readFileSync(/dev/zero) until the RSS watchdog kills it',
    expected: 'exit 2 at once: the allowlist is not a regular file',
  },
  {
    name: 'allowlist-fifo',
    fuzzClass: 'allowlist/special:timeout',
    args: ['scan', '--allowlist', '{dir}/allow.json', '--no-inspect', '--from-json', '{dir}/graph.json'],
    expect: 'error',
    timeoutMs: 6000,
    setup: { fifo: ['allow.json'] },
    files: { 'graph.json': json2({ [leaf]: leafD }) },
    observed: 'hangs on a FIFO nobody writes to',
    expected: 'exit 2 at once (or read it when a writer is there; never hang)',
  },
  {
    name: 'rules-fifo',
    fuzzClass: 'rules/special:internal-error',
    args: [...base, '--no-inspect', '--from-json', '{dir}/graph.json', '--rules', '{dir}/rules.json'],
    expect: 'error',
    timeoutMs: 6000,
    setup: { fifo: ['rules.json'] },
    files: { 'allow.json': allow, 'graph.json': json2({ [leaf]: leafD }) },
    observed: "exit 2 with \"seedaudit: internal error: ENOTDIR: not a directory, scandir '…/rules.json'\" (not a file, so read as a folder); /dev/zero the same; /dev/zero inside a rules folder: unbounded memory",
    expected: 'exit 2 with one plain line: the rules path is not a regular file or folder',
  },
  {
    name: 'rules-catastrophic-regex',
    fuzzClass: 'rules/catastrophic-regex:timeout',
    args: [...base, '--no-inspect', '--from-json', '{dir}/graph.json', '--rules', '{dir}/rules.json'],
    expect: 'any',
    timeoutMs: 6000,
    files: {
      'allow.json': allow,
      'graph.json': json2(Object.fromEntries([fetchDrv(new Rng(1), 'a'.repeat(34) + '!', Buffer.from('x'))])),
      'rules.json': JSON.stringify({ rules: [{ id: 'site.redos', description: 'exponential backtracking', verdict: 'prebuilt', weight: 50, match: { name: ['^(a+)+$'] } }] }),
    },
    observed: 'no exit within the timeout: /^(a+)+$/i backtracks exponentially on the 35-character name of a download',
    expected: 'exit 0/1/2 within seconds: refuse such patterns (exit 2) or run them with a linear-time engine or a budget',
  },
  {
    name: 'rules-control-chars-in-error',
    fuzzClass: 'rules/control-chars:control-chars-stderr',
    args: [...base, '--no-inspect', '--from-json', '{dir}/graph.json', '--rules', '{dir}/rules.json'],
    expect: 'error',
    files: {
      'allow.json': allow,
      'graph.json': json2({ [leaf]: leafD }),
      'rules.json': JSON.stringify({ rules: [{ id: 'evil\u001b]0;pwned\u0007', description: 'x', verdict: 'nope', weight: 1, match: {} }] }),
    },
    observed: 'exit 2 with the rule id\'s ESC/BEL raw on stderr ("rule 1 (evil…) at /id: must match pattern"); unknown keys the same',
    expected: 'exit 2 with the control characters escaped',
  },
  {
    name: 'allowlist-bidi-in-error',
    fuzzClass: 'allowlist/control-chars:control-chars-stderr',
    args: ['scan', '--allowlist', '{dir}/allow.json', '--no-inspect', '--from-json', '{dir}/graph.json'],
    expect: 'error',
    files: {
      'graph.json': json2({ [leaf]: leafD }),
      'allow.json': JSON.stringify({ version: 1, seeds: [{ name: 'x', hash: `sha256-${Buffer.alloc(32).toString('base64')}`, reason: 'r', 'key\u202eevil\u009b': 1 }] }),
    },
    observed: 'exit 2 with U+202E and the C1 CSI (U+009B) of an unknown key raw on stderr (C0 controls are escaped)',
    expected: 'exit 2 with bidi and C1 characters escaped too',
  },
  {
    name: 'allowlist-md5-hash',
    fuzzClass: 'allowlist/bad-value:not-refused',
    args: ['scan', '--allowlist', '{dir}/allow.json', '--no-inspect', '--from-json', '{dir}/graph.json'],
    expect: 'error',
    files: {
      'graph.json': json2({ [leaf]: leafD }),
      'allow.json': JSON.stringify({ version: 1, seeds: [{ name: 'x', hash: `md5-${Buffer.alloc(16, 1).toString('base64')}`, reason: 'r' }] }),
    },
    observed: 'exit 0: an md5 SRI hash is accepted as an allowlist pin (README and the schema message say a sha256)',
    expected: 'exit 2: hash must be a sha256 (or the README says which algorithms are accepted)',
  },
  {
    name: 'archive-zip-method-zstd',
    fuzzClass: 'archive/zip-method:silent-pass',
    ...archiveCase('pkg-1.0.zip', makeZip([
      { name: 'pkg-1.0/README', data: Buffer.from('hello\n'), method: 8 },
      { name: 'pkg-1.0/bin/tool', data: compress('zstd', elf), method: 93 },
    ]).buf),
    expect: 'read',
    observed: 'exit 0: the ELF member (method 93, zstd) is skipped without a trace; the input is source ("a complete listing with no binary"). The fuzz run saw the same for methods 9 (deflate64), 12 (bzip2), 14 (lzma), 95 (xz) and 99 (AES)',
    expected: 'the member is read (prebuilt), or the listing is incomplete and the input unknown with evidence (exit 1 under --fail-on unknown); never source',
  },
  {
    name: 'archive-tar-pax-sparse',
    fuzzClass: 'archive/sparse-tar:silent-pass',
    ...archiveCase('pkg-1.0.tar', makeTar([{ name: 'pkg-1.0/README', data: Buffer.from('hello\n') }, { name: 'pkg-1.0/bin/tool', data: elf, sparse: 'pax' }]).buf),
    expect: 'read',
    observed: 'exit 0: the PAX 1.0 sparse member starts with its sparse map ("1\\n0\\n…"), so the ELF behind it is never seen; the input is source',
    expected: 'sparse members are read (the map skipped: prebuilt) or the listing is incomplete (unknown); never source',
  },
  {
    name: 'archive-tar-damaged-first-header',
    fuzzClass: 'archive/bit-flip:silent-pass',
    ...archiveCase('pkg-1.0.tar', (() => {
      const t = makeTar([{ name: 'pkg-1.0/README', data: Buffer.from('hello\n') }, { name: 'pkg-1.0/bin/tool', data: elf }]).buf;
      t[141] ^= 1; // the first header's mtime: its checksum no longer holds
      return t;
    })()),
    expect: 'read',
    observed: 'exit 0: a tar (ustar magic) whose first header checksum fails is listed as one plain non-binary file; the ELF member is never seen (GNU tar: "This does not look like a tar archive", exit 2)',
    expected: 'a damaged tar is an incomplete listing (unknown), not a plain non-binary file; never source',
  },
  {
    name: 'archive-bzip2-bomb',
    fuzzClass: 'archive/bomb:memory',
    ...archiveCase('pkg-1.0.tar.bz2', compress('bzip2', Buffer.concat([tarHeader('pkg-1.0/zeros', 32 * 1024 * 1024), Buffer.alloc(32 * 1024 * 1024), makeTar([{ name: 'pkg-1.0/bin/tool', data: elf }]).buf]))),
    expect: 'read',
    timeoutMs: 60_000,
    observed: 'exit 1, but peak RSS ~1.1 GiB for a 32 MiB member (the bzip2 stream is buffered, not streamed); a larger one runs out of memory',
    expected: 'prebuilt (exit 1) with bounded memory (a few tens of MiB whatever the size)',
  },
  {
    name: 'archive-zip-local-header-mismatch',
    fuzzClass: 'archive/bogus-size:silent-pass',
    ...archiveCase('pkg-1.0.zip', (() => {
      const z = makeZip([{ name: 'pkg-1.0/README', data: Buffer.from('hello\n'), method: 0 }, { name: 'pkg-1.0/bin/tool', data: elf, method: 0 }]);
      z.buf.writeUInt16LE(0, z.members[1].header + 26); // the ELF's local header: name length 0 (the central directory says 16)
      return z.buf;
    })()),
    expect: 'read',
    observed: "exit 0: the member's data is read from the offset the local header's name length gives (its name bytes, then the ELF), so the ELF is not seen; the mismatch with the central directory goes unnoticed and the input is source",
    expected: 'a local header that disagrees with the central directory makes the listing incomplete (unknown); never source',
  },
  {
    name: 'archive-zstd-bomb',
    fuzzClass: 'archive/bomb:memory',
    ...archiveCase('pkg-1.0.tar.zst', (() => {
      const tmp = path.join(os.tmpdir(), `seedaudit-zstd-bomb-${process.pid}.tar`);
      const fd = openSync(tmp, 'w');
      writeSync(fd, tarHeader('pkg-1.0/zeros', 1024 * 1024 * 1024));
      writeZeros(fd, 1024);
      writeSync(fd, makeTar([{ name: 'pkg-1.0/bin/tool', data: elf }]).buf);
      closeSync(fd);
      compressFile('zstd', tmp, `${tmp}.zst`);
      const out = readFileSync(`${tmp}.zst`);
      rmSync(tmp);
      rmSync(`${tmp}.zst`);
      return out;
    })()),
    expect: 'read',
    timeoutMs: 60_000,
    observed: 'peak RSS ~1.1 GiB for a 1 GiB member (the zstd frame is decompressed whole, not streamed)',
    expected: 'prebuilt (exit 1) with bounded memory',
  },
  {
    name: 'json-wrong-type-internal-error',
    fuzzClass: 'json/wrong-type:internal-error',
    args: [...base, '--no-inspect', '--format', 'json', '--from-json', '{dir}/graph.json'],
    expect: 'error',
    files: (() => {
      const [m, md] = drv('consumer-1.0', [], [`${S}/${h('5')}-hello-2.12.tar.gz`]);
      return { 'allow.json': allow, 'graph.json': json2({ [m]: { ...md, env: { ...md.env, buildPhase: true } as unknown as Record<string, string> } }) };
    })(),
    observed: 'exit 2 with "seedaudit: internal error: text.includes is not a function": a non-string env value reaches the consumer-script facts',
    expected: 'exit 2 naming the field (env.buildPhase is not a string)',
  },
  {
    name: 'archive-tar-truncated-first-header',
    fuzzClass: 'archive/truncate:silent-pass',
    ...archiveCase('pkg-1.0.tar', makeTar([{ name: 'pkg-1.0/bin/tool', data: elf }]).buf.subarray(0, 289)),
    expect: 'read',
    observed: 'exit 0: a tar cut inside its first header (289 of 512 bytes, ustar magic present) is one plain non-binary file; the input is source',
    expected: 'a truncated tar is an incomplete listing (unknown); never source',
  },
  {
    name: 'rules-folder-with-fifo',
    fuzzClass: 'rules/special:timeout (and :memory for a /dev/zero link)',
    args: [...base, '--no-inspect', '--from-json', '{dir}/graph.json', '--rules', '{dir}/rules.d'],
    expect: 'error',
    timeoutMs: 6000,
    setup: { fifo: ['rules.d/b.json'] },
    files: { 'allow.json': allow, 'graph.json': json2({ [leaf]: leafD }), 'rules.d/a.json': JSON.stringify({ rules: [] }) },
    observed: 'hangs: every *.json in the folder is read with readFileSync, b.json is a FIFO nobody writes to (a symlink to /dev/zero there: unbounded memory)',
    expected: 'exit 2 at once: b.json is not a regular file',
  },
  {
    name: 'json-v4-derivation-version',
    fuzzClass: 'json/corpus-mutated:not-refused, json/control-chars-error:not-refused (version)',
    args: [...base, '--no-inspect', '--format', 'json', '--from-json', '{dir}/graph.json'],
    expect: 'error',
    files: (() => {
      const doc = toJsonDoc({ [leaf]: leafD }, 'v4') as { derivations: Record<string, Record<string, unknown>> };
      for (const d of Object.values(doc.derivations)) d.version = [1];
      return { 'allow.json': allow, 'graph.json': JSON.stringify(doc, null, 1) };
    })(),
    observed: 'exit 0 (on main after the issue-10 merge): in a {"version": 4, "derivations": …} document a derivation whose own "version" is [1] (or "3\\u001b[31m…", or any string) is read as v4',
    expected: 'exit 2: a v4 derivation\'s version is 4 (the document-level version is checked; the per-derivation one is not)',
  },
];

for (const s of specs) {
  const dir = path.join(here, s.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [f, content] of Object.entries(s.files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), content);
  }
  const { files: _files, ...rest } = s;
  writeFileSync(path.join(dir, 'case.json'), JSON.stringify(rest, null, 2) + '\n');
  const cmd = `node dist/cli.js ${s.args.map((a) => a.replace('{dir}', `test/fuzz/regressions/${s.name}`)).map((a) => (/[^\w./:=-]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`;
  const setup = [
    ...(s.setup?.fifo ?? []).map((f) => `mkfifo test/fuzz/regressions/${s.name}/${f}`),
    ...(s.setup?.symlink ?? []).map(([t, l]) => `ln -s ${t} test/fuzz/regressions/${s.name}/${l}`),
    ...(s.setup?.gzipBomb ? [`(${s.setup.gzipBomb.mib} MiB of spaces, gzip: made by the regression test; see case.json)`] : []),
  ];
  writeFileSync(
    path.join(dir, 'NOTE.md'),
    `# ${s.name}\n\nFuzz failure class: \`${s.fuzzClass}\`\n\n` +
      (setup.length ? `Setup (the regression test does this in a copy):\n\n    ${setup.join('\n    ')}\n\n` : '') +
      `Command (from the repository root):\n\n    ${cmd}\n\nObserved: ${s.observed}\n\nExpected: ${s.expected}\n`,
  );
}
console.log(`wrote ${specs.length} reproducers`);
