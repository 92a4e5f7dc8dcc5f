/**
 * The layering rules in .dependency-cruiser.cjs: src/ has no violations, and the rules do bite
 * (a fixture tree where a report renderer imports classify is rejected by name).
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './helpers.js';

const execFileP = promisify(execFile);
const depcruiseBin = path.join(repoRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const config = path.join(repoRoot, '.dependency-cruiser.cjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}
interface CruiseResult {
  modules: { source: string }[];
  summary: { violations: Violation[]; error: number; warn: number; totalCruised: number };
}

/** Run the depcruise CLI in `cwd` on `src` with the project's config; the JSON cruise result. */
const depcruise = async (cwd: string): Promise<CruiseResult> => {
  const { stdout } = await execFileP(
    process.execPath,
    [depcruiseBin, 'src', '--config', config, '--output-type', 'json', '--progress', 'none'],
    { cwd, maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as CruiseResult;
};

const describe = (v: Violation) => `${v.rule.severity} ${v.rule.name}: ${v.from} -> ${v.to}`;

t.test('src/ respects the layering rules', async (t) => {
  const result = await depcruise(repoRoot);
  const violations = result.summary.violations.map(describe);
  t.same(violations, [], `dependency-cruiser violations in src/ (see .dependency-cruiser.cjs):\n${violations.join('\n')}`);
  // every .ts file under src/ was reached and resolved (the .js specifiers map to .ts sources)
  const srcFiles = (await fs.readdir(path.join(repoRoot, 'src'), { recursive: true }))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `src/${f.split(path.sep).join('/')}`)
    .sort();
  const cruised = result.modules.map((m) => m.source).filter((s) => s.startsWith('src/')).sort();
  t.same(cruised, srcFiles, 'depcruise sees every source file');
});

t.test('the rules bite: a renderer importing classify or inspect is rejected', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'seedaudit-layering-'));
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'fixture', type: 'module', private: true }),
    'tsconfig.json': JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
      include: ['src/**/*.ts'],
    }),
    'src/model/report.ts': `export type Verdict = 'source' | 'seed';\n`,
    'src/classify/classify.ts':
      `import type { Verdict } from '../model/report.js';\nexport const verdictOf = (): Verdict => 'source';\n`,
    'src/inspect/index.ts': `export interface ElfObservation { path: string }\n`,
    // value import of a sibling stage
    'src/report/text.ts':
      `import { verdictOf } from '../classify/classify.js';\nexport const renderText = (): string => verdictOf();\n`,
    // type-only imports count too
    'src/report/json.ts':
      `import type { ElfObservation } from '../inspect/index.js';\nexport const renderJson = (o: ElfObservation[]): string => JSON.stringify(o);\n`,
    // allowed: report -> model, composition -> anything
    'src/report/html.ts':
      `import type { Verdict } from '../model/report.js';\nexport const renderHtml = (v: Verdict): string => v;\n`,
    'src/cli.ts':
      `import { renderText } from './report/text.js';\nimport { renderJson } from './report/json.js';\nimport { renderHtml } from './report/html.js';\nconsole.log(renderText(), renderJson([]), renderHtml('seed'));\n`,
  };
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }

  // the JSON result (which rule, which edge) and the plain CLI run `npm test` does (must fail)
  const [result, exit] = await Promise.all([
    depcruise(dir),
    execFileP(process.execPath, [depcruiseBin, 'src', '--config', config], { cwd: dir }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code?: number; stdout?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? '' }),
    ),
  ]);
  t.same(result.summary.violations.map(describe).sort(), [
    'error report-only-model: src/report/json.ts -> src/inspect/index.ts',
    'error report-only-model: src/report/text.ts -> src/classify/classify.ts',
  ]);
  t.not(exit.code, 0, 'depcruise exits non-zero on a violation');
  t.match(exit.stdout, /report-only-model: src\/report\/text\.ts → src\/classify\/classify\.ts/);
});
