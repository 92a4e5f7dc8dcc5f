import t from 'tap';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderHtml } from '../../src/report/html.js';
import { artifactsDir } from '../helpers.js';
import { haveChromium, withPage } from './fixtures/browser.js';
import { HOSTILE, makeHostileReport, makeReport } from './fixture.js';

const write = async (name: string, html: string): Promise<string> => {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, name);
  await writeFile(file, html);
  return file;
};

t.test('static structure', async (t) => {
  const report = makeReport();
  const html = renderHtml(report);
  t.match(html, /^<!DOCTYPE html>/);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
  t.match(csp, /default-src 'none'/);
  t.match(csp, /script-src 'sha256-[A-Za-z0-9+/]+=*'/, 'scripts allowed by hash, not unsafe-inline');
  t.notMatch(csp, /unsafe/);
  t.notMatch(html, /\b(?:src|href)="(?:https?:)?\/\//, 'nothing loads from or links to the network');
  t.notMatch(html, /<a [^>]*href="(?!#)/, 'the only links are in-page anchors');
  t.equal((html.match(/<tr id="bin-/g) ?? []).length, 3, 'one binary row per seed/prebuilt input');
  t.equal((html.match(/<tr data-index=/g) ?? []).length, report.inputs.length);
  t.equal((html.match(/<tr id="unk-/g) ?? []).length, 1, 'the unknown input gets its own detailed table');
  t.match(html, /They fail the gate only with --fail-on unknown/);
  t.match(html, /<svg[^>]*id="trust-svg"/);
  t.match(html, /… \d+ steps/, 'the long stdenv chain is folded in the picture');
  t.match(html, /id="verdict" class="verdict fail">FAIL/);
  t.match(html, /entry <b>nixpkgs-busybox-x86_64<\/b>/);
  t.match(html, /expired 2024-01-01/);

  report.elf = [];
  report.gate = { ...report.gate, passed: true, failures: [] };
  const empty = renderHtml(report);
  t.match(empty, /id="elf-empty"/, 'empty ELF section says so');
  t.match(empty, /class="verdict pass">PASS/);
});

t.test('no binaries: picture says so', async (t) => {
  const report = makeReport();
  report.inputs = report.inputs.filter((i) => !i.binary);
  const html = renderHtml(report);
  t.notMatch(html, /<svg/);
  t.match(html, /No binary inputs/);
});

t.test('hostile names are escaped in the markup', async (t) => {
  const html = renderHtml(makeHostileReport());
  const scriptBlocks = html.match(/<script\b/g) ?? [];
  t.equal(scriptBlocks.length, 2, 'only the data block and the filter script');
  t.notMatch(html, /<img/i);
  t.notMatch(html, /<script>alert/);
  const data = /<script type="application\/json" id="seedaudit-report">([^]*?)<\/script>/.exec(html)?.[1] ?? '';
  t.notMatch(data, /[<>]|\u2028|\u2029/, 'embedded JSON holds no angle brackets or line separators');
  t.equal(JSON.parse(data).inputs[0].name, `rust${HOSTILE.script}`, 'and still parses back to the original text');
});

/** The text a reader sees in an element's markup: tags dropped, entities of the five kinds decoded. */
const textOf = (html: string): string => html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

t.test('report polish (issue 12): hash and URL cells, trust-base labels and legend, unknown-input badges', async (t) => {
  const report = makeReport();
  // an input with neither hash nor URL (a builder): the two "none" notes must not run together
  const builder = report.inputs.find((i) => i.kind !== 'fixed-output' && !i.hash && i.urls.length === 0)!;
  builder.class = 'unknown';
  builder.binary = false;
  const html = renderHtml(report);
  t.notMatch(textOf(html), /noneno URL/, 'no "noneno URL"');
  const unkRows = [...html.slice(html.indexOf('id="unknowns"')).matchAll(/<tr id="unk-\d+"[^]*?<\/tr>/g)].map((m) => m[0]);
  const unkRow = unkRows.find((r) => r.includes(`>${builder.name}<`)) ?? '';
  t.ok(unkRow, 'the builder has an unknown-input row');
  t.match(textOf(unkRow), /no hash\s*no URL|no hashno URL/, 'the builder row has both notes');
  t.match(unkRow, /<div><span class="muted">no hash<\/span><\/div><div class="muted">no URL<\/div>/, 'each in its own block');

  // an unknown input the gate does not judge: neither a "pass" badge nor "not allowlisted"
  t.notMatch(unkRow, /gate-pass|not allowlisted/, 'unknown input under --fail-on prebuilt: no pass, no allowlist verdict');
  t.match(unkRow, /not gated/);
  const strict = makeReport();
  strict.gate.failOn = 'unknown';
  for (const i of strict.inputs) if (i.class === 'unknown') i.gate = 'fail';
  const strictRow = /<tr id="unk-\d+"[^]*?<\/tr>/.exec(renderHtml(strict).split('id="unknowns"')[1] ?? '')?.[0] ?? '';
  t.match(strictRow, /gate-fail/, 'under --fail-on unknown: the gate verdict');
  t.match(strictRow, /not allowlisted/, 'and the allowlist verdict');

  // trust base: every label written in full, in a box at least as wide as its estimated text
  const svg = /<svg xmlns[^]*?<\/svg><\/div>/.exec(html)?.[0] ?? '';
  const via = new Set(report.inputs.filter((i) => i.binary).flatMap((i) => i.via));
  t.ok(via.has('rustc-bootstrap-1.76.0'), 'the fixture has a long step name');
  const boxes = [...svg.matchAll(/<rect width="(\d+)"[^>]*\/>(?:<circle[^>]*\/>)?<svg width="\d+" height="\d+"><text x="(\d+)" y="15">([^<]*)<\/text>/g)];
  t.ok(boxes.length > 3, `${boxes.length} boxes`);
  for (const [, w, x, label] of boxes) {
    const text = textOf(label!);
    if (!text.startsWith('… ')) t.ok(via.has(text) || report.inputs.some((i) => i.name === text), `label '${text}' is a whole name, not cut`);
    t.ok(Number(x) + text.length * 7.5 <= Number(w), `'${text}' fits its ${w}px box`);
  }
  // the legend is a list, and the sentence after it is its own paragraph
  t.match(html, /<ul class="legend" id="trust-legend">(<li>[^]*?<\/li>)+<\/ul><p class="legend-note">Each binary links to its row below\.<\/p>/);
  t.notMatch(textOf(html), /not allowlisted\s*Each binary/, 'the legend does not run into the next sentence');
});

t.test('in Chromium', { skip: haveChromium() ? false : '/usr/bin/chromium is not installed' }, async (t) => {
  t.test('renders, filters, searches, fetches nothing', async (t) => {
    const report = makeReport();
    const file = await write('report.html', renderHtml(report));
    await withPage(file, async ({ page, url, requests, consoleErrors, pageErrors, dialogs }) => {
      t.ok(await page.isVisible('#summary'), 'summary visible');
      t.equal(await page.textContent('#verdict'), 'FAIL');
      t.equal(await page.locator('#binaries tbody tr').count(), 3, 'binary table rows');
      t.ok(await page.isVisible('#trust-svg'), 'trust picture visible');
      t.equal(await page.locator('#trust-svg a').count(), 3, 'one picture leaf per binary');
      // every label's rendered text fits inside its box (the nested svg would clip it otherwise)
      const overflow = await page.evaluate(() =>
        Array.from(document.querySelectorAll('#trust-svg svg text')).filter((el) => {
          const box = (el.parentNode as SVGSVGElement).width.baseVal.value;
          return (el as SVGTextElement).getComputedTextLength() + Number(el.getAttribute('x')) > box;
        }).map((el) => el.textContent),
      );
      t.same(overflow, [], 'no trust-base label is cut by its box');
      const legend = await page.locator('#trust-legend').boundingBox();
      const note = await page.locator('#trust-legend + .legend-note').boundingBox();
      t.ok(legend && note && note.y >= legend.y + legend.height - 1, 'the sentence after the legend starts below it');
      t.match(await page.textContent('#elf-findings'), /rust-lld/);

      const visible = () => page.locator('#inputs tbody tr:not([hidden])').count();
      t.ok(await page.isVisible('#filters'), 'filters shown once the script ran');
      t.equal(await visible(), report.inputs.length);
      t.equal(await page.textContent('#f-count'), `showing ${report.inputs.length} of ${report.inputs.length} inputs`);

      await page.fill('#f-search', 'static.rust-lang');
      t.equal(await visible(), 2, 'search matches URLs (rust tarball and rustc source)');
      await page.fill('#f-search', 'static.rust-lang prebuilt');
      t.equal(await visible(), 1, 'all terms must match');
      t.equal(await page.locator('#inputs tbody tr:not([hidden]) .name').textContent(), 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz');
      await page.fill('#f-search', 'gcc-wrapper');
      t.equal(await visible(), 3, 'search reaches the via chains');
      await page.fill('#f-search', 'no-such-thing-anywhere');
      t.equal(await visible(), 0);
      await page.fill('#f-search', '');

      await page.uncheck('input[name=class][value=source]');
      t.equal(await visible(), 4, 'class filter hides the source inputs');
      await page.selectOption('#f-allow', 'yes');
      t.equal(await visible(), 1, 'allowlisted filter');
      await page.selectOption('#f-allow', '');
      await page.check('input[name=class][value=source]');
      await page.selectOption('#f-kind', 'input-src');
      t.equal(await visible(), 1, 'kind filter');
      t.equal(await page.locator('#inputs tbody tr:not([hidden]) .name').textContent(), 'default-builder.sh');
      await page.selectOption('#f-kind', '');

      await page.click('#trust-svg a[href="#bin-0"]');
      t.equal(new URL(page.url()).hash, '#bin-0', 'picture leaves link to their row');

      await page.goto(url);
      await mkdir(artifactsDir, { recursive: true });
      await page.screenshot({ path: path.join(artifactsDir, 'report.png') });
      await page.screenshot({ path: path.join(artifactsDir, 'report-full.png'), fullPage: true });

      t.same(consoleErrors, [], 'no console errors (a CSP violation would show here)');
      t.same(pageErrors, []);
      t.same(dialogs, []);
      t.same([...new Set(requests)], [url], 'the only request is the file itself');
    });
  });

  t.test('hostile report shows text literally and runs nothing', async (t) => {
    const file = await write('report-hostile.html', renderHtml(makeHostileReport()));
    await withPage(file, async ({ page, url, requests, consoleErrors, pageErrors, dialogs }) => {
      const body = (await page.textContent('body')) ?? '';
      t.ok(body.includes(`rust${HOSTILE.script}`), 'script tag shown as text');
      t.ok(body.includes(HOSTILE.attr), 'attribute breakout shown as text');
      t.ok(body.includes(HOSTILE.endScript), '</script> shown as text');
      t.ok(body.includes('\\u{202e}'), 'bidi override shown as an escape, not applied');
      t.equal(await page.locator('img').count(), 0, 'no injected element');
      t.equal(await page.locator('script').count(), 2, 'no injected script element');
      t.ok(await page.isVisible('#filters'), 'the page script still ran');
      await page.fill('#f-search', '<script>');
      t.ok((await page.locator('#inputs tbody tr:not([hidden])').count()) >= 1, 'search works on hostile text');
      t.equal(await page.locator('#binaries tbody tr').count(), 3);
      t.same(dialogs, [], 'no alert');
      t.same(consoleErrors, []);
      t.same(pageErrors, []);
      t.same([...new Set(requests)], [url]);
    });
  });
});
