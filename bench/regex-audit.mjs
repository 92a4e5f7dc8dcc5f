#!/usr/bin/env node
/**
 * Worst-case cost of every built-in rule pattern on hostile text, at the lengths the facts
 * stage lets through (names ≤ 211 characters, file names ≤ 255, URLs ≤ 4096, src/facts/url.ts)
 * and at 20,000 characters (what an unbounded text would cost). Each pattern is run, as the
 * engine runs it (flags i/m), over strings made of repeats of characters rules look for; the
 * figure is the slowest, as a ratio to one pass of a trivial pattern (/[!]/, which must look at every character) over the same
 * string measured in the same run. A ratio that grows with the length is a super-linear
 * pattern: it is safe only while its text stays bounded.
 *   node bench/regex-audit.mjs [top=10]
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const rulesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'rules');
const patterns = [];
/** the match keys whose values are regular expressions (rules/schema/rules.schema.json) */
const REGEX_KEYS = new Set(['name', 'url', 'urlPath', 'host', 'fileName', 'nameOrUrl', 'nativeBuildInputs', 'pname', 'scripts']);
const walk = (o, where, key = '') => {
  if (Array.isArray(o)) {
    if (REGEX_KEYS.has(key)) for (const s of o) if (typeof s === 'string') patterns.push([where, s]);
    for (const x of o) if (x && typeof x === 'object') walk(x, where);
  } else if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) walk(v, `${where}.${k}`, k === 'env' ? 'env' : k);
  else if (typeof o === 'string' && key === 'env') patterns.push([where, o]);
};
for (const f of readdirSync(rulesDir).filter((f) => f.endsWith('.json')))
  for (const r of JSON.parse(readFileSync(path.join(rulesDir, f), 'utf8')).rules) {
    walk(r.match ?? {}, r.id);
    if (r.unless) walk(r.unless, `${r.id}.unless`);
  }

const pieces = ['-1', 'a', '/', '.', ' ', '-', '_', 'x86_64-linux-', 'http://a/', '\n', '1.', '-v1', 'a-', '.tar', 'bin/', 'cp -r ', '$out/', '-1.'];
const time = (re, s, reps) => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) re.test(s);
  return Number(process.hrtime.bigint() - t) / reps;
};
const top = Number(process.argv[2] ?? 10);
for (const len of [255, 4096, 20000]) {
  const rows = [];
  for (const [where, p] of patterns) {
    let re;
    try {
      re = new RegExp(p, 'im');
    } catch {
      continue;
    }
    let worst = 0;
    for (const piece of pieces) {
      const s = piece.repeat(Math.ceil(len / piece.length)).slice(0, len) + '!';
      const reps = len > 5000 ? 3 : 30;
      const ratio = time(re, s, reps) / time(/[!]/, s, reps);
      if (ratio > worst) worst = ratio;
    }
    rows.push([worst, where]);
  }
  rows.sort((a, b) => b[0] - a[0]);
  console.log(`\n${len} characters: slowest patterns, ×(one /[!]/ pass over the same text)`);
  for (const [r, w] of rows.slice(0, top)) console.log(`  ${r.toFixed(1).padStart(9)}×  ${w}`);
}
