/** Running the built CLI as a user does, and reading its JSON report, for the end-to-end tests. */
import type { Test } from 'tap';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ScanReport } from '../../src/model/report.js';
import { repoRoot } from '../helpers.js';

export const cli = path.join(repoRoot, 'dist', 'cli.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node dist/cli.js ARGS` in `cwd`, output captured. */
export const runCli = (args: string[], cwd = repoRoot): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

/** The JSON report on stdout; a test failure naming stderr when it is not JSON. */
export const parseReport = (t: Test, r: Run): ScanReport => {
  try {
    return JSON.parse(r.stdout) as ScanReport;
  } catch (e) {
    t.fail(`stdout is not JSON (${(e as Error).message}); stderr: ${r.stderr}`);
    throw e;
  }
};
