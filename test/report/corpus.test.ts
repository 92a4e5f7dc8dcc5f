/**
 * Every renderer and the diff on reports of real graphs (shared/corpus/nixpkgs-2024),
 * produced by the built CLI exactly as a user would: `seedaudit scan --from-json … --format json`.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import MarkdownIt from 'markdown-it';
import { diffCommand } from '../../src/commands/diff.js';
import { diffReports, renderDiffText } from '../../src/report/diff.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderSarif } from '../../src/report/sarif.js';
import type { ScanReport } from '../../src/model/report.js';
import type { Io } from '../../src/io.js';
import { artifactsDir, corpusDir, repoRoot } from '../helpers.js';
import { haveChromium, withPage } from './fixtures/browser.js';
import { canValidate, xsdErrors } from './fixtures/junit-schema.js';
import { sarifValidator } from './fixtures/sarif-schema.js';

const CLI = path.join(repoRoot, 'dist', 'cli.js');
const graph = (name: string) => path.join(corpusDir, 'nixpkgs-2024', `${name}.json.gz`);
const RUST = 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz';

const missing = !existsSync(CLI) ? 'dist/cli.js is not built (npx tsc -p .)' : !existsSync(graph('rustc')) ? 'shared corpus is missing' : false;

/** Runs the CLI; resolves to its exit code (the gate's verdict is expected to be non-zero). */
const scan = async (name: string, out: string): Promise<number> => {
  try {
    await promisify(execFile)(process.execPath, [CLI, 'scan', '--from-json', graph(name), '--format', 'json', '--output', out]);
    return 0;
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
};

t.test('real corpus reports', { skip: missing }, async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'seedaudit-corpus-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const files = { rustc: path.join(dir, 'rustc.json'), stdenv: path.join(dir, 'stdenv.json') };
  t.equal(await scan('rustc', files.rustc), 1, 'rustc scan fails the gate (prebuilt rust bootstrap)');
  t.equal(await scan('stdenv', files.stdenv), 0, 'stdenv scan passes');
  const reports: Record<string, ScanReport> = {
    rustc: JSON.parse(await readFile(files.rustc, 'utf8')),
    stdenv: JSON.parse(await readFile(files.stdenv, 'utf8')),
  };
  const validateSarif = sarifValidator();
  const md = new MarkdownIt({ html: true, linkify: true });

  for (const [name, report] of Object.entries(reports)) {
    t.test(name, async (t) => {
      const binaries = report.inputs.filter((i) => i.binary);
      const notAllowlisted = binaries.filter((i) => !i.allowlisted);

      const junit = renderJunit(report);
      if (canValidate) t.equal(await xsdErrors(junit), '', 'JUnit valid against junit-10.xsd');
      const doc = new XMLParser({ ignoreAttributes: false, isArray: (n) => ['testsuite', 'testcase'].includes(n) }).parse(junit).testsuites;
      const failing = (doc.testsuite as { testcase?: { '@_name': string; failure?: unknown }[] }[])
        .flatMap((s) => s.testcase ?? [])
        .filter((c) => c.failure)
        .map((c) => c['@_name']);
      t.same(failing.sort(), notAllowlisted.map((i) => i.name).sort(), 'one failing testcase per non-allowlisted binary');

      const sarif = JSON.parse(renderSarif(report));
      t.ok(validateSarif(sarif), 'SARIF valid', { errors: validateSarif.errors });
      t.equal(sarif.runs[0].results.length, report.gate.failures.length, 'one SARIF result per gate failure');

      const mdText = renderMarkdown(report);
      t.match(mdText.split('\n')[0], /^(Besides its|This build trusts)/, 'markdown opens with the headline');
      t.ok(mdText.split('\n').find((l) => /^[✅❌]/.test(l))?.startsWith(report.gate.passed ? '✅' : '❌'), 'then the verdict');
      const failingInputs = report.inputs.filter((i) => i.gate === 'fail').length;
      const headers = failingInputs ? 2 : 1;
      t.equal((md.render(mdText).match(/<tr>/g) ?? []).length - headers, failingInputs + binaries.length, 'markdown rows: failing table plus binary table');

      const html = renderHtml(report);
      await mkdir(artifactsDir, { recursive: true });
      const htmlFile = path.join(artifactsDir, `report-${name}.html`);
      await writeFile(htmlFile, html);
      if (!haveChromium()) return;
      await withPage(htmlFile, async ({ page, url, requests, consoleErrors, pageErrors }) => {
        t.equal(await page.locator('#binaries tbody tr').count(), binaries.length, 'binary rows');
        t.equal(await page.locator('#trust-svg a').count(), binaries.length, 'one picture leaf per binary');
        t.equal(await page.textContent('#f-count'), `showing ${report.inputs.length} of ${report.inputs.length} inputs`, 'all inputs listed');
        // the list draws the rows in view; scrolled to its end, the last input is there
        await page.locator('#inputs-view').evaluate((v) => { v.scrollTop = v.scrollHeight; });
        await page.waitForSelector(`#inputs tr[data-index="${report.inputs.length - 1}"]`);
        t.equal(await page.locator(`#inputs tr[data-index="${report.inputs.length - 1}"] button.name`).textContent(), report.inputs.at(-1)!.name, 'the last input, scrolled to');
        await page.screenshot({ path: path.join(artifactsDir, `report-${name}.png`) });
        await page.fill('#f-search', 'tarballs.nixos.org');
        t.equal(await page.locator('#inputs tbody tr[data-index]').count(), 2, 'search finds the two bootstrap seeds by URL');
        await page.fill('#f-search', '');
        t.same(consoleErrors, []);
        t.same(pageErrors, []);
        t.same([...new Set(requests)], [url]);
      });
    });
  }

  t.test('diff stdenv -> rustc', async (t) => {
    const d = diffReports(reports.stdenv!, reports.rustc!);
    t.same(d.added.map((a) => a.name), [RUST], 'the rust bootstrap tarball is the added binary');
    t.same(d.removed, []);
    t.same(d.changed, [], 'the stdenv seeds are the same binaries in both');
    t.equal(d.unchanged, 2);
    t.match(renderDiffText(d), `+prebuilt ${RUST} [fixed-output] sha256-`);

    const out: string[] = [];
    const io: Io = { stdout: (s) => out.push(s), stderr: () => {}, isTTY: false, stderrIsTTY: false, env: {}, cwd: dir };
    t.equal(await diffCommand(['stdenv.json', 'rustc.json'], io), 1, 'seedaudit diff exits 1');
    t.equal(await diffCommand(['rustc.json', 'stdenv.json'], io), 0, 'and 0 the other way round');
  });
});
