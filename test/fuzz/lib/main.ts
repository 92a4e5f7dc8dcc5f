/** One fuzz run with the environment's settings: summary printed and written under test-artifacts/fuzz. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { artifactsDir } from '../../helpers.js';
import { CLASSES } from './classes.js';
import { configFromEnv, writeEmptyAllowlist, type FuzzConfig } from './config.js';
import { formatSummary, runSuite, type Summary } from './suite.js';
import { KNOWN_FAILING } from '../known-failures.js';

export const fuzzOut = path.join(artifactsDir, 'fuzz');

export async function fuzzFromEnv(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<{ cfg: FuzzConfig; summary: Summary; text: string }> {
  mkdirSync(fuzzOut, { recursive: true });
  const cfg = configFromEnv(env, fuzzOut);
  log(`seedaudit fuzz: seed ${cfg.seed} (replay with SEEDAUDIT_FUZZ_SEED=${cfg.seed}), budget ${cfg.budget}, ${cfg.jobs} jobs${cfg.long ? ', long mode' : ''}`);
  const summary = await runSuite(CLASSES, { emptyAllowlist: writeEmptyAllowlist(fuzzOut), long: cfg.long }, { ...cfg, log });
  const text = formatSummary(summary, KNOWN_FAILING);
  writeFileSync(path.join(fuzzOut, 'summary.txt'), `${text}\n`);
  writeFileSync(path.join(fuzzOut, 'summary.json'), JSON.stringify(summary, null, 1));
  return { cfg, summary, text };
}
