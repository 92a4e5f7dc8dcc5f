/**
 * Seeded, bounded fuzzing of every input seedaudit reads (Nix JSON graphs, ATerm .drv trees,
 * ELF files, archives, allowlists, rule files), each case run as the real CLI in its own
 * process with a timeout and an RSS watchdog, checked against the contract (lib/runner.ts).
 * The seed is printed; SEEDAUDIT_FUZZ_SEED replays a run, SEEDAUDIT_FUZZ_CASE one case.
 * CI mode is bounded (SEEDAUDIT_FUZZ_BUDGET cases, at most SEEDAUDIT_FUZZ_SECONDS); long
 * runs: `npm run fuzz:long` (bench/fuzz-long.mjs). Known-failing classes: known-failures.ts.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { cliPath } from './lib/runner.js';
import { fuzzFromEnv } from './lib/main.js';
import { printable } from './lib/suite.js';
import { KNOWN_FAILING } from './known-failures.js';

t.test('fuzz: every generated input meets the exit-code contract', { timeout: 0 }, async (t) => {
  if (!t.ok(existsSync(cliPath), `${cliPath} exists (run tsc first)`)) return;
  const { summary: s, text } = await fuzzFromEnv(process.env, (l) => process.stderr.write(`${l}\n`));
  process.stderr.write(`${text}\n`);
  t.comment(text);
  for (const cls of Object.keys(s.classes)) t.ok(s.classes[cls].tried > 0, `class ${cls} tried`);
  for (const [key, f] of Object.entries(s.failures)) {
    const msg = printable(`${key} (x${f.count}): ${f.first.why}: ${f.first.violation.detail.slice(0, 400)} [SEEDAUDIT_FUZZ_CASE=${f.first.cls}:${f.first.kind}:${f.first.seed}]`).replace(/\n/g, "\\n");
    if (KNOWN_FAILING[key]) t.pass(msg, { todo: `known failing: ${KNOWN_FAILING[key]}` });
    else t.fail(msg);
  }
  // one assertion whose text is plain ASCII, whatever the cases printed
  t.same(Object.keys(s.failures).filter((k) => !KNOWN_FAILING[k]).sort(), [], 'no failure class outside known-failures.ts');
  for (const key of Object.keys(KNOWN_FAILING))
    if (!s.failures[key]) t.comment(`known-failing ${key} did not fail in this run: remove it from known-failures.ts once it never does`);
});
