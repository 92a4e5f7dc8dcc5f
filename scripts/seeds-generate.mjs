#!/usr/bin/env node
// Writes the files generated from the seed registry (seeds/*.json): the hash lists of
// rules/seeds.json and the shipped allowlist.json. `--check` writes nothing and exits 1 when a
// generated file is out of date (the test suite runs the same comparison).
import { readFileSync, writeFileSync } from 'node:fs';
import { loadRegistry, seedRulesText, shippedAllowlistText, SEED_RULES_FILE } from '../dist/gate/registry.js';
import { SHIPPED_ALLOWLIST } from '../dist/gate/allowlist.js';

const check = process.argv.includes('--check');
const reg = loadRegistry(undefined, { validate: true });
const outputs = [
  [SEED_RULES_FILE, seedRulesText(reg, readFileSync(SEED_RULES_FILE, 'utf8'))],
  [SHIPPED_ALLOWLIST, shippedAllowlistText(reg)],
];
let stale = 0;
for (const [file, text] of outputs) {
  if (readFileSync(file, 'utf8') === text) continue;
  stale++;
  if (check) console.error(`${file} is out of date: run npm run seeds:generate`);
  else writeFileSync(file, text);
}
const shipped = reg.entries.filter((e) => e.shipped).length;
console.log(`seed registry: ${reg.entries.length} entries (${shipped} shipped); ${check ? `${stale} generated file(s) out of date` : `${stale} file(s) written`}`);
process.exit(check && stale ? 1 : 0);
