import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllowlist, loadAllowlist, SHIPPED_ALLOWLIST, isExpired, resolveAllowlistPath } from '../../src/gate/allowlist.js';
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

t.test('malformed allowlists are input errors with one clear line', async (t) => {
  const bad: [string, RegExp][] = [
    ['nope', /not valid JSON/],
    ['[]', /expected an object/],
    ['{"version": 2, "seeds": []}', /unsupported version/],
    ['{"version": 1}', /'seeds' must be a list/],
    [entry('sha256-short'), /hash/],
    [entry(busybox, { reason: '' }), /'reason' is required/],
    [entry(busybox, { expires: '2026-02-30' }), /'expires' must be a date/],
    [entry(busybox, { expire: '2026-01-01' }), /unknown key 'expire'/],
    [JSON.stringify({ version: 1, seeds: [{ name: 'a', hash: busybox, reason: 'r' }, { name: 'b', hash: bytes.toString('hex'), reason: 'r' }] }), /listed twice/],
  ];
  for (const [text, msg] of bad) {
    t.throws(() => parseAllowlist(text, 'x.json'), { name: 'InputError', message: msg }, text);
  }
  t.throws(() => loadAllowlist('/nonexistent/allow.json'), InputError);
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
});
