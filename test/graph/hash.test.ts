import t from 'tap';
import { createHash } from 'node:crypto';
import { parseHash, toSRI, encodeNix32, decodeNix32, normaliseHash } from '../../src/graph/hash.js';
import { InputError } from '../../src/errors.js';

// busybox seed of nixpkgs x86_64 (shared/reference/bootstrap-seeds.json), in every spelling Nix uses
const SRI = 'sha256-QrTEnQTBM1Y/qV9odq8irZkQSD9uOMbs2Q5NgCvKCNQ=';
const bytes = Buffer.from('QrTEnQTBM1Y/qV9odq8irZkQSD9uOMbs2Q5NgCvKCNQ=', 'base64');

t.test('every spelling normalises to the same SRI', async (t) => {
  const hex = bytes.toString('hex');
  const b32 = encodeNix32(bytes);
  t.equal(b32.length, 52);
  for (const s of [SRI, hex, `sha256:${hex}`, b32, `sha256:${b32}`, bytes.toString('base64'), hex.toUpperCase()])
    t.equal(toSRI(parseHash(s)), SRI, s);
});

t.test('nix base-32 matches a value nix-hash printed', async (t) => {
  // `nix-hash --type sha256 --to-base32` of sha256("") — a published constant
  const empty = createHash('sha256').update('').digest();
  t.equal(encodeNix32(empty), '0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73');
  t.same(decodeNix32('0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73', 32), empty);
});

t.test('round trip of base-32 on random hashes of every size', async (t) => {
  for (const size of [16, 20, 32, 64]) {
    for (let i = 0; i < 50; i++) {
      const b = createHash('sha512').update(`${size}/${i}`).digest().subarray(0, size);
      t.same(decodeNix32(encodeNix32(b), size), b);
    }
  }
});

t.test('sha512 and sha1 are recognised by length', async (t) => {
  const s512 = createHash('sha512').update('x').digest();
  t.equal(parseHash(s512.toString('hex')).algo, 'sha512');
  const s1 = createHash('sha1').update('x').digest();
  t.equal(parseHash(s1.toString('hex')).algo, 'sha1');
});

t.test('bad hashes are refused', async (t) => {
  for (const bad of ['', 'sha256-abc', 'nothex', 'sha256:' + 'z'.repeat(64), 'e'.repeat(52), 'sha999-AAAA'])
    t.throws(() => parseHash(bad), undefined, bad);
  t.throws(() => normaliseHash('junk', 'allowlist entry 1'), InputError);
});
