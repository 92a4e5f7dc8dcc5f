/**
 * The minimal reproducers of every contract violation the fuzz suite found
 * (test/fuzz/regressions/<name>/: inputs, case.json, NOTE.md with the command and what was
 * observed), replayed against the same contract. Each fails until its fix lands; a failure
 * class being fixed may be listed in known-failures.ts as `regression/<name>` meanwhile.
 */
import t from 'tap';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { cliPath, runCase, violations, type Expect, type FuzzCase } from './lib/runner.js';
import { KNOWN_FAILING } from './known-failures.js';
import { printable } from './lib/suite.js';
import { classified } from './lib/archives.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'regressions');
const limits = { timeoutMs: 15_000, rssMiB: 512, killRssMiB: 1536 };

interface CaseFile {
  name: string;
  args: string[];
  expect: Expect;
  timeoutMs?: number;
  check?: 'archive-input';
  setup?: { fifo?: string[]; symlink?: [string, string][]; gzipBomb?: { file: string; mib: number } };
  observed: string;
  expected: string;
}

const names = readdirSync(dir).filter((n) => existsSync(path.join(dir, n, 'case.json'))).sort();

t.test('fuzz regressions: each reproducer meets the contract', { timeout: 0 }, async (t) => {
  if (!t.ok(existsSync(cliPath), `${cliPath} exists (run tsc first)`)) return;
  t.ok(names.length > 0, 'reproducers found');
  for (const name of names) {
    const spec = JSON.parse(readFileSync(path.join(dir, name, 'case.json'), 'utf8')) as CaseFile;
    const work = mkdtempSync(path.join(os.tmpdir(), `seedaudit-regression-${name}-`));
    try {
      cpSync(path.join(dir, name), work, { recursive: true });
      for (const f of spec.setup?.fifo ?? []) execFileSync('mkfifo', [path.join(work, f)]);
      for (const [target, link] of spec.setup?.symlink ?? []) symlinkSync(target, path.join(work, link));
      if (spec.setup?.gzipBomb) {
        const member = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20), { level: 9 });
        writeFileSync(path.join(work, spec.setup.gzipBomb.file), Buffer.concat(Array.from({ length: spec.setup.gzipBomb.mib / 8 }, () => member)));
      }
      const c: FuzzCase = {
        cls: 'regression',
        kind: name,
        seed: 0,
        why: spec.observed,
        args: spec.args.map((a) => a.replaceAll('{dir}', work)),
        cwd: work,
        expect: spec.expect,
        timeoutMs: spec.timeoutMs,
        check: spec.check === 'archive-input' ? classified : undefined,
      };
      const r = await runCase(c, limits);
      const vs = violations(c, r, limits);
      const msg = printable(`${name}: ${vs.length ? vs.map((v) => `${v.name}: ${v.detail}`).join('; ').slice(0, 500) : 'meets the contract'} (expected: ${spec.expected}; see test/fuzz/regressions/${name}/NOTE.md)`).replace(/\n/g, "\\n");
      const known = KNOWN_FAILING[`regression/${name}`];
      if (vs.length && known) t.pass(msg, { todo: `known failing: ${known}` });
      else t.equal(vs.length, 0, msg);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
});
