import t from 'tap';
import { createHash } from 'node:crypto';
import { linkSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ALLOWLIST_SCHEMA, SHIPPED_ALLOWLIST, allowlistMatchElf, allowlistProblems, allowlistTarget, isExpired, isShippedAllowlist, loadAllowlist,
  parseAllowlist, resolveAllowlistPath,
} from '../../src/gate/allowlist.js';
import { encodeNix32 } from '../../src/graph/hash.js';
import { InputError } from '../../src/errors.js';
import { referenceDir, repoRoot } from '../helpers.js';

const busybox = 'sha256-QrTEnQTBM1Y/qV9odq8irZkQSD9uOMbs2Q5NgCvKCNQ=';
const bytes = Buffer.from(busybox.slice(7), 'base64');
const entry = (hash: string, extra = {}) =>
  JSON.stringify({ version: 1, seeds: [{ name: 'busybox', hash, reason: 'stdenv seed', ...extra }] });

t.test('hashes in SRI, base-16, Nix base-32 and base-64 all match the same binary', async (t) => {
  for (const h of [busybox, bytes.toString('hex'), encodeNix32(bytes), bytes.toString('base64'), `sha256:${encodeNix32(bytes)}`]) {
    const a = parseAllowlist(entry(h), 'a.json');
    t.ok(a.byHash.has(busybox), h);
  }
});

t.test('the shipped allowlist holds every published seed, with reasons', async (t) => {
  const ref = JSON.parse(readFileSync(path.join(referenceDir, 'bootstrap-seeds.json'), 'utf8')) as { seeds: { hash: string; name: string }[] };
  const a = loadAllowlist(SHIPPED_ALLOWLIST);
  t.equal(SHIPPED_ALLOWLIST, path.join(repoRoot, 'allowlist.json'));
  for (const s of ref.seeds) {
    const e = a.byHash.get(s.hash);
    t.ok(e, `${s.name} ${s.hash}`);
    t.ok(e && e.reason.length > 20, 'has a real reason');
  }
});

t.test('expiry', async (t) => {
  const a = parseAllowlist(entry(busybox, { expires: '2026-06-30' }), 'a.json');
  const e = a.entries[0];
  t.notOk(isExpired(e, '2026-06-30'), 'valid through its last day');
  t.ok(isExpired(e, '2026-07-01'));
});

t.test('malformed allowlists are input errors with one line naming the entry and the key', async (t) => {
  const sp = `/nix/store/${'a'.repeat(32)}-src`;
  const two = (second: Record<string, unknown>) =>
    JSON.stringify({ version: 1, seeds: [{ name: 'busybox', hash: busybox, reason: 'r' }, { name: 'rust', reason: 'r', ...second }] });
  const bad: [string, string | RegExp][] = [
    ['nope', /^allowlist x\.json: not valid JSON/],
    ['[]', 'allowlist x.json: expected an object {"version": 1, "seeds": [...]}'],
    ['null', 'allowlist x.json: expected an object {"version": 1, "seeds": [...]}'],
    ['{"version": 1, "seeds": {}}', "allowlist x.json: 'seeds' must be a list"],
    ['{"version": 2, "seeds": []}', 'allowlist x.json: unsupported version 2 (expected 1)'],
    ['{"version": 1}', "allowlist x.json: 'seeds' must be a list"],
    ['{"version": 1, "seeds": [], "seed": []}', "allowlist x.json: unknown key 'seed'"],
    [entry('sha256-short'), /^allowlist x\.json: entry 1 \(busybox\): malformed hash: /],
    [entry(busybox, { reason: '' }), "allowlist x.json: entry 1 (busybox): 'reason' is required: say why this binary is trusted"],
    [entry(busybox, { reason: 5 }), "allowlist x.json: entry 1 (busybox): 'reason' must be a non-empty string: say why this binary is trusted"],
    [entry(busybox, { expires: '2026-02-30' }), /^allowlist x\.json: entry 1 \(busybox\): 'expires' must be a date YYYY-MM-DD/],
    [entry(busybox, { expires: '30.06.2026' }), "allowlist x.json: entry 1 (busybox): 'expires' must be a date YYYY-MM-DD"],
    [entry(busybox, { expire: '2026-01-01' }), "allowlist x.json: entry 1 (busybox): unknown key 'expire'"],
    [two({ hahs: busybox }), "allowlist x.json: entry 2 (rust): unknown key 'hahs'"],
    [two({ hash: busybox.replace('Q', 'R'), urls: 'https://x' }), "allowlist x.json: entry 2 (rust): 'urls' must be a list of strings"],
    [two({ hash: busybox.replace('Q', 'R'), urls: [1] }), "allowlist x.json: entry 2 (rust): 'urls' must be a list of strings"],
    [two({ hash: busybox.replace('Q', 'R'), mode: 'flat' }), /^allowlist x\.json: entry 2 \(rust\): unknown key 'mode' \(no longer accepted/],
    [two({ hash: busybox.replace('Q', 'R'), executable: true }), /^allowlist x\.json: entry 2 \(rust\): unknown key 'executable'/],
    [two({ hash: busybox.replace('Q', 'R'), system: 'x86_64-linux' }), /^allowlist x\.json: entry 2 \(rust\): unknown key 'system'/],
    [two({ storePath: '/nix/store/short-src' }), "allowlist x.json: entry 2 (rust): 'storePath' must be a store path like /nix/store/<32 base-32 characters>-<name>"],
    [two({ storePath: `/nix/store/${'e'.repeat(32)}-src` }), /'storePath' must be a store path/], // e is not a Nix base-32 digit
    [two({ storePath: `nix/store/${'a'.repeat(32)}-src` }), /'storePath' must be a store path/],
    [two({ hash: busybox.replace('Q', 'R'), storePath: sp }), "allowlist x.json: entry 2 (rust): has 'hash' and 'storePath': give exactly one of 'hash', 'storePath', 'buildId', 'fileSha256'"],
    [two({}), "allowlist x.json: entry 2 (rust): 'hash' is required (or, instead, one of 'storePath', 'buildId', 'fileSha256')"],
    [two({ buildId: 'ABCDEF0123456789ABCD' }), /^allowlist x\.json: entry 2 \(rust\): 'buildId' must be a GNU build-id in lowercase hex/],
    [two({ fileSha256: 'sha256-xyz' }), /^allowlist x\.json: entry 2 \(rust\): 'fileSha256' must be the file's sha256/],
    [JSON.stringify({ version: 1, seeds: [{ name: 'a', hash: busybox, reason: 'r' }, { name: 'b', hash: bytes.toString('hex'), reason: 'r' }] }),
      `allowlist x.json: entry 2 (b): hash ${busybox} is listed twice (also for a)`],
    [JSON.stringify({ version: 1, seeds: [{ name: 'a', buildId: 'ab'.repeat(20), reason: 'r' }, { name: 'b', buildId: 'ab'.repeat(20), reason: 'r' }] }),
      /^allowlist x\.json: entry 2 \(b\): build-id (ab)+ is listed twice \(also for a\)$/],
    [JSON.stringify({ version: 1, seeds: [{ hash: busybox, reason: 'r' }] }), "allowlist x.json: entry 1: 'name' is required"],
    [JSON.stringify({ version: 1, seeds: ['busybox'] }), 'allowlist x.json: entry 1: is not an object'],
    [two({ 'hash\nx': 1, hash: busybox.replace('Q', 'R') }), "allowlist x.json: entry 2 (rust): unknown key 'hash\\nx'"],
  ];
  for (const [text, msg] of bad) {
    let error: unknown;
    try {
      parseAllowlist(text, 'x.json');
    } catch (e) {
      error = e;
    }
    t.type(error, InputError, text);
    const m = (error as Error).message;
    if (typeof msg === 'string') t.equal(m, msg, text);
    else t.match(m, msg, text);
    t.notMatch(m, /\n/, 'one line');
  }
  t.throws(() => loadAllowlist('/nonexistent/allow.json'), { name: 'InputError', message: 'allowlist /nonexistent/allow.json: no such file' });
});

t.test('allowlistProblems lists every error, in file order', async (t) => {
  const text = JSON.stringify({
    version: 1, extra: 1,
    seeds: [{ name: 'a', hahs: busybox, reason: 'r' }, { name: 'b', hash: busybox, reason: 'r' }, { name: 'c', hash: bytes.toString('base64'), reason: 'r', urls: 'u' }],
  });
  const { errors, allowlist } = allowlistProblems(text, 'x.json');
  t.same(errors, [
    { where: null, message: "unknown key 'extra'" },
    { where: 'entry 1 (a)', message: "unknown key 'hahs'" },
    { where: 'entry 1 (a)', message: "'hash' is required (or, instead, one of 'storePath', 'buildId', 'fileSha256')" },
    { where: 'entry 3 (c)', message: "'urls' must be a list of strings" },
  ]);
  t.same(allowlist.entries.map((e) => e.name), ['b'], 'the valid entries are still read');
});

t.test('the shipped allowlist passes the schema and uses no removed key', async (t) => {
  const text = readFileSync(SHIPPED_ALLOWLIST, 'utf8');
  t.same(allowlistProblems(text, SHIPPED_ALLOWLIST).errors, []);
  for (const e of JSON.parse(text).seeds) for (const k of ['system', 'mode', 'executable']) t.notOk(k in e, `${e.name}: ${k}`);
  const schema = JSON.parse(readFileSync(ALLOWLIST_SCHEMA, 'utf8'));
  t.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  t.match(schema.definitions.entry.properties.urls.description, /not a constraint/);
  t.match(schema.definitions.entry.properties.origin.description, /not a constraint/);
});

t.test('ELF files in the outputs are accepted by build-id or by the sha256 of the file', async (t) => {
  const id = '3f0b'.repeat(10);
  const fileHex = createHash('sha256').update('some ELF bytes').digest('hex');
  const fileSri = 'sha256-' + Buffer.from(fileHex, 'hex').toString('base64');
  const other = createHash('sha256').update('other bytes').digest('hex');
  const a = parseAllowlist(JSON.stringify({ version: 1, seeds: [
    { name: 'vendored tool', buildId: id, reason: 'reviewed', expires: '2026-06-30' },
    { name: 'blob', fileSha256: fileHex, reason: 'reviewed' },
    { name: 'blob2', fileSha256: 'sha256-' + Buffer.from(other, 'hex').toString('base64'), reason: 'reviewed' },
  ] }), 'a.json');
  t.equal(a.byFileSha256.get(fileSri)?.name, 'blob', 'hex is normalised to SRI');
  t.same(allowlistMatchElf(a, { buildId: id }, '2026-01-01'), { name: 'vendored tool', reason: 'reviewed', expires: '2026-06-30', expired: false, match: 'build-id' });
  t.match(allowlistMatchElf(a, { buildId: id.toUpperCase(), sha256: null }, '2026-01-01'), { name: 'vendored tool' });
  t.match(allowlistMatchElf(a, { buildId: id }, '2026-07-01'), { name: 'vendored tool', expired: true }, 'an expired entry is returned, marked');
  t.match(allowlistMatchElf(a, { sha256: fileHex }, '2026-01-01'), { name: 'blob', expired: false, match: 'file-sha256' });
  t.match(allowlistMatchElf(a, { sha256: fileSri }, '2026-01-01'), { name: 'blob' }, 'SRI too');
  t.match(allowlistMatchElf(a, { sha256: other }, '2026-01-01'), { name: 'blob2' });
  t.match(allowlistMatchElf(a, { buildId: id, sha256: fileHex }, '2026-07-01'), { name: 'blob', expired: false }, 'an entry that still allows wins over an expired one');
  t.equal(allowlistMatchElf(a, { buildId: 'ab'.repeat(20), sha256: 'not a hash' }, '2026-01-01'), null);
  t.equal(allowlistMatchElf(a, {}, '2026-01-01'), null);
  // ELF entries never match inputs, and input entries never match ELF files
  t.equal(a.byHash.size + a.byPath.size, 0);
  const inputs = parseAllowlist(entry(busybox), 'b.json');
  t.equal(allowlistMatchElf(inputs, { sha256: bytes.toString('hex') }, '2026-01-01'), null, 'a fixed-output hash is not a file hash');
});

t.test('the shipped allowlist is recognised through a symlink or a hard link', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'seedaudit-shipped-'));
  t.ok(isShippedAllowlist(SHIPPED_ALLOWLIST));
  symlinkSync(SHIPPED_ALLOWLIST, path.join(dir, 'sym.json'));
  t.ok(isShippedAllowlist(path.join(dir, 'sym.json')));
  symlinkSync(path.dirname(SHIPPED_ALLOWLIST), path.join(dir, 'pkg'));
  t.ok(isShippedAllowlist(path.join(dir, 'pkg', 'allowlist.json')));
  try {
    linkSync(SHIPPED_ALLOWLIST, path.join(dir, 'hard.json'));
    t.ok(isShippedAllowlist(path.join(dir, 'hard.json')));
  } catch (e) {
    t.comment(`no hard link across file systems here: ${(e as Error).message}`);
  }
  t.notOk(isShippedAllowlist(path.join(dir, 'allowlist.json')));
  t.equal(allowlistTarget(undefined, dir), path.join(dir, 'allowlist.json'), 'add writes ./allowlist.json, never falls back to the shipped one');
  t.equal(allowlistTarget('mine.json', dir), path.join(dir, 'mine.json'));
});

t.test('which allowlist is used', async (t) => {
  t.equal(resolveAllowlistPath('mine.json', '/w', () => true), '/w/mine.json');
  t.equal(resolveAllowlistPath(undefined, '/w', (p) => p === '/w/allowlist.json'), '/w/allowlist.json');
  t.equal(resolveAllowlistPath(undefined, '/w', () => false), SHIPPED_ALLOWLIST);
});

t.test('input sources are pinned by their content-addressed store path', async (t) => {
  const sp = '/gnu/store/dddddddddddddddddddddddddddddddd-guile-static-stripped-2.0.9-x86_64-linux.tar.xz';
  const a = parseAllowlist(JSON.stringify({ version: 1, seeds: [{ name: 'guile seed', storePath: sp, reason: 'Guix bootstrap Guile' }] }), 'a.json');
  t.equal(a.byPath.get(sp)?.name, 'guile seed');
  t.throws(() => parseAllowlist(JSON.stringify({ version: 1, seeds: [{ name: 'x', storePath: 'relative', reason: 'r' }] }), 'a.json'), /storePath/);
  t.throws(() => parseAllowlist(JSON.stringify({ version: 1, seeds: [{ name: 'x', reason: 'r' }] }), 'a.json'), /'hash' is required/);
  t.throws(() => parseAllowlist(JSON.stringify({ version: 1, seeds: [{ name: 'x', storePath: sp, reason: 'r' }, { name: 'y', storePath: sp, reason: 'r' }] }), 'a.json'), /entry 2 \(y\): store path .* is listed twice/);
});
