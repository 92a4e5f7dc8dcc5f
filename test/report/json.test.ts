import t from 'tap';
import { jsonChunks } from '../../src/report/json.js';
import { makeReport } from './fixture.js';

const stringified = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

// a small deterministic generator (no Math.random: a failure must reproduce)
function* values(seed: number, count: number): Generator<unknown> {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31), s / 2 ** 31);
  const leaf = (): unknown => {
    const r = next();
    if (r < 0.1) return null;
    if (r < 0.2) return undefined;
    if (r < 0.3) return Math.floor(next() * 1e6) - 5e5;
    if (r < 0.4) return next() < 0.5;
    if (r < 0.5) return 'a\n"b"\\\u2028\u0000é🙂'.slice(0, Math.floor(next() * 12));
    return `s${Math.floor(next() * 100)}`;
  };
  const make = (depth: number): unknown => {
    if (depth > 5 || next() < 0.3) return leaf();
    const n = Math.floor(next() * 5);
    if (next() < 0.5) return Array.from({ length: n }, () => make(depth + 1));
    return Object.fromEntries(Array.from({ length: n }, (_, i) => [next() < 0.1 ? `k "${i}"\n` : `k${i}`, make(depth + 1)]));
  };
  for (let i = 0; i < count; i++) yield make(0);
}

t.test('JSON report: the bytes of JSON.stringify(report, null, 2), written in pieces', async (t) => {
  const r = makeReport();
  t.equal([...jsonChunks(r)].join(''), stringified(r));
  const pieces = [...jsonChunks(r, 64)];
  t.ok(pieces.length > 10, 'a small chunk size gives many pieces');
  t.equal(pieces.join(''), stringified(r));
  t.ok(pieces.slice(0, -1).every((p) => p.length >= 64), 'pieces are gathered up to the chunk size');
  t.same(JSON.parse(pieces.join('')), JSON.parse(JSON.stringify(r)));
});

t.test('JSON pieces: what JSON.stringify leaves out or writes as null, empty containers, toJSON, odd keys', async (t) => {
  const odd = {
    a: [],
    b: {},
    c: [undefined, () => 1, Symbol('x'), null],
    d: undefined,
    e: () => 1,
    f: new Date(0),
    g: new Map([[1, 2]]),
    'k\n"y"': { z: [[], {}, [1, [2, [3]]]] },
  };
  for (const v of [odd, [], {}, 'top', 7, null, [[[[]]]]]) for (const size of [1, 5, 1 << 20]) t.equal([...jsonChunks(v, size)].join(''), stringified(v));
  let n = 0;
  for (const v of values(20261203, 500)) {
    if (v === undefined) continue; // JSON.stringify(undefined) is not JSON; a report is never undefined
    const got = [...jsonChunks(v, 1 + (n++ % 50))].join('');
    if (got !== stringified(v)) t.fail(`differs for ${JSON.stringify(v)}`);
  }
  t.equal(n, [...values(20261203, 500)].filter((v) => v !== undefined).length, 'every generated value compared');
});
