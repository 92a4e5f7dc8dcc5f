import t from 'tap';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderHtml, type HtmlInputData } from '../../src/report/html.js';
import type { ReportInput, ScanReport } from '../../src/model/report.js';
import { artifactsDir } from '../helpers.js';
import { haveChromium, withPage } from './fixtures/browser.js';
import { HOSTILE, makeHostileReport, makeReport, regate } from './fixture.js';

const write = async (name: string, html: string): Promise<string> => {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, name);
  await writeFile(file, html);
  return file;
};

/** The input list's embedded data, and every text in it by number (store paths spelt out). */
const inputData = (html: string): { data: HtmlInputData; texts: string[] } => {
  const raw = /<script type="application\/json" id="seedaudit-inputs">([^]*?)<\/script>/.exec(html)?.[1] ?? '';
  const data = JSON.parse(raw) as HtmlInputData;
  const texts = [...data.strings, ...data.paths.map(([hash, rest]) => `${data.storeDir}/${hash}-${data.strings[rest]}`)];
  return { data, texts };
};

/**
 * A report the size of a whole-nixpkgs scan: the fixture's seeds, prebuilt and unknown inputs,
 * then `n` more inputs, one in 80 unknown and the rest source, every one with its own store
 * path. Far down the list sit a source input with a unique name (`needle`) and one whose name,
 * URL, evidence and chain are hostile (`late`).
 */
const makeLargeReport = (n: number): { report: ScanReport; needle: number; late: number } => {
  const r = makeReport();
  const S = '/nix/store/';
  const extra: ReportInput[] = [];
  const needle = r.inputs.length + n - 100;
  const late = r.inputs.length + n - 10;
  for (let k = 0; k < n; k++) {
    const at = r.inputs.length + k;
    const hash = `${k.toString(36)}`.padStart(32, 'x');
    const unknown = k % 80 === 7;
    const name = at === needle ? 'needle-in-the-haystack-1.0.tar.gz' : `part-${k % 1000}.patch`;
    const input: ReportInput = {
      id: `${S}${hash}-${name}`,
      name,
      drv: null,
      path: `${S}${hash}-${name}`,
      kind: 'input-src',
      class: unknown ? 'unknown' : 'source',
      hash: null,
      hashMode: null,
      urls: [],
      binary: false,
      allowlisted: false,
      allowlist: null,
      evidence: unknown
        ? [{ rule: 'score.unresolved', detail: 'too little evidence: binary weight 0, source 20 (50 needed)' }]
        : [{ rule: 'source.patch', detail: `a patch: ${name}` }],
      via: ['rustc-wrapper-1.77.2', `package-${k % 500}`, name],
      roots: [r.roots[0]!.drv],
      gate: 'pass',
    };
    if (at === late) {
      Object.assign(input, {
        kind: 'fixed-output',
        name: `late${HOSTILE.script}`,
        drv: `${S}${hash}-late.drv`,
        urls: [`https://evil.example/${HOSTILE.attr}`],
        hash: 'sha256-8Bx4D+wBSnmDdTuyyBmN4bKQSN1cDm6dWqmuWzA/HGM=',
        hashMode: 'flat',
        evidence: [{ rule: 'source.patch', detail: `late ${HOSTILE.endScript}` }],
        via: [`root${HOSTILE.attr}`, `step${HOSTILE.endScript}\u202e`, `late${HOSTILE.script}`],
      });
    }
    extra.push(input);
  }
  r.inputs.push(...extra);
  const count = (c: string): number => r.inputs.filter((i) => i.class === c).length;
  Object.assign(r.summary, { inputs: r.inputs.length, source: count('source'), seed: count('seed'), prebuilt: count('prebuilt'), unknown: count('unknown') });
  return { report: regate(r), needle, late };
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
  t.equal((html.match(/<tr data-index=/g) ?? []).length, 0, 'the list of all inputs is drawn by the script, not in the markup');
  const { data, texts } = inputData(html);
  t.equal(data.inputs.length, report.inputs.length, 'the embedded data has every input');
  t.same(
    data.inputs.map((r) => texts[r[3]]),
    report.inputs.map((i) => i.drv ?? i.path ?? i.id),
    'and each one\'s store path, spelt out again from hash and name',
  );
  t.same(data.inputs.map((r) => texts[r[2]]), report.inputs.map((i) => i.name));
  t.match(html, /<table id="source-summary"/, 'source inputs are summarised in the markup');
  t.match(html, /<tr><td>fixed-output<\/td><td><code class="rule">source\.source-mirror<\/code><\/td><td class="num">1<\/td>/);
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
  const raw = /<script type="application\/json" id="seedaudit-inputs">([^]*?)<\/script>/.exec(html)?.[1] ?? '';
  t.notMatch(raw, /[<>]|\u2028|\u2029/, 'embedded JSON holds no angle brackets or line separators');
  const { data, texts } = inputData(html);
  t.equal(texts[data.inputs[0]![2]], `rust${HOSTILE.script}`, 'and still parses back to the original text');
  t.equal(texts[data.inputs[1]![2]], `busybox${HOSTILE.attr}\\u{2028}\\u{202e}`, 'line separators and bidi overrides as the page shows them');
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

      const visible = () => page.locator('#inputs tbody tr[data-index]').count();
      t.ok(await page.isVisible('#filters'), 'filters shown once the script ran');
      t.equal(await visible(), report.inputs.length);
      t.equal(await page.textContent('#f-count'), `showing ${report.inputs.length} of ${report.inputs.length} inputs`);

      await page.fill('#f-search', 'static.rust-lang');
      t.equal(await visible(), 2, 'search matches URLs (rust tarball and rustc source)');
      await page.fill('#f-search', 'static.rust-lang prebuilt');
      t.equal(await visible(), 1, 'all terms must match');
      t.equal(await page.locator('#inputs tbody tr[data-index] .name').textContent(), 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz');
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
      t.equal(await page.locator('#inputs tbody tr[data-index] .name').textContent(), 'default-builder.sh');
      await page.selectOption('#f-kind', '');

      // a row's details: the whole evidence, chain and allowlist entry
      t.notOk(await page.isVisible('#input-detail'), 'no detail panel before a click');
      await page.fill('#f-search', 'busybox');
      await page.click('#inputs button.name');
      t.ok(await page.isVisible('#input-detail'), 'a click on the name opens its details');
      const detail = (await page.textContent('#input-detail')) ?? '';
      t.match(detail, /bootstrap-stage0-stdenv-linux/, 'the whole via chain');
      t.match(detail, /prebuilt\.executable-download/, 'every piece of evidence, not only the deciding one');
      t.match(detail, /entry nixpkgs-busybox-x86_64: bootstrap shell, review due; expired 2024-01-01/);
      t.match(detail, /sha256-QrTEnQTBM1Y\/qV9odq8irZkQSD9uOMbs2Q5NgCvKCNQ= \(nar\)/, 'hash and hash mode');
      await page.click('#input-detail a[href^="#bin-"]');
      t.match(new URL(page.url()).hash, /^#bin-\d$/, 'a binary links to its full row');
      await page.click('#input-detail button.close');
      t.notOk(await page.isVisible('#input-detail'), 'and closes');
      await page.fill('#f-search', '');

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

  t.test('a 25k-input report: every binary and unknown row at once, the rest on demand', async (t) => {
    const { report, needle, late } = makeLargeReport(25_000);
    const html = renderHtml(report);
    const binaries = report.inputs.filter((i) => i.binary).length;
    const unknowns = report.inputs.filter((i) => i.class === 'unknown').length;
    t.ok(unknowns > 300, `${unknowns} unknown inputs`);
    t.equal((html.match(/<tr id="unk-/g) ?? []).length, unknowns, 'every unknown input has its full row in the markup');
    t.equal((html.match(/<tr id="bin-/g) ?? []).length, binaries, 'and every binary one');
    const markup = html.replace(/<script type="application\/json"[^]*?<\/script>/, '');
    t.notOk(markup.includes('needle-in-the-haystack'), 'a source input is only in the embedded data, not in the markup');
    t.ok(html.includes('needle-in-the-haystack'), 'which has it');
    t.ok(html.length < 5e6, `${(html.length / 1e6).toFixed(1)} MB`);
    const file = await write('report-large.html', html);
    await withPage(file, async ({ page, url, requests, consoleErrors, pageErrors, dialogs }) => {
      t.equal(await page.textContent('#verdict'), 'FAIL');
      t.equal(await page.locator('#binaries tbody tr').count(), binaries, 'binary rows');
      t.equal(await page.locator('#unknowns tbody tr').count(), unknowns, 'every unknown row is in the page');
      t.equal(await page.textContent('#f-count'), `showing ${report.inputs.length} of ${report.inputs.length} inputs`);
      const drawn = await page.locator('#inputs tbody tr[data-index]').count();
      t.ok(drawn > 10 && drawn < 200, `the list draws the rows in view, not all of them (${drawn})`);
      t.equal(await page.locator(`#inputs tr[data-index="${needle}"]`).count(), 0, 'the needle is not drawn yet');

      await page.fill('#f-search', 'needle-in-the-haystack');
      t.equal(await page.textContent('#f-count'), `showing 1 of ${report.inputs.length} inputs`);
      t.equal(await page.locator(`#inputs tr[data-index="${needle}"] button.name`).textContent(), 'needle-in-the-haystack-1.0.tar.gz', 'search finds a source row that was never drawn');
      await page.fill('#f-search', 'package-77 part-');
      const found = Number(/showing (\d+) of/.exec((await page.textContent('#f-count')) ?? '')?.[1]);
      t.equal(found, report.inputs.filter((i) => i.via.includes('package-77')).length, 'every word must match, via chains included');
      await page.fill('#f-search', '');

      // scrolled to the end, the last rows are drawn and the first ones are gone
      await page.locator('#inputs-view').evaluate((v) => { v.scrollTop = v.scrollHeight; });
      await page.waitForSelector(`#inputs tr[data-index="${report.inputs.length - 1}"]`);
      t.equal(await page.locator('#inputs tr[data-index="0"]').count(), 0, 'scrolled away, the first row is gone');
      t.ok((await page.locator('#inputs tbody tr[data-index]').count()) < 200, 'and the list stays small');
      const box = async (sel: string) => (await page.locator(sel).boundingBox())!;
      const view = await box('#inputs-view');
      const last = await box(`#inputs tr[data-index="${report.inputs.length - 1}"]`);
      t.ok(last.y + last.height <= view.y + view.height + 1, 'the last row is in view at the bottom of the list');

      await page.uncheck('input[name=class][value=source]');
      t.equal(await page.textContent('#f-count'), `showing ${report.inputs.length - report.summary.source} of ${report.inputs.length} inputs`, 'class filter');
      await page.check('input[name=class][value=source]');

      // hostile text in a row that only the script draws
      await page.fill('#f-search', 'evil.example');
      const row = page.locator(`#inputs tr[data-index="${late}"]`);
      t.equal(await row.locator('button.name').textContent(), `late${HOSTILE.script}`, 'a hostile name is text in a lazily drawn row');
      t.match((await row.textContent()) ?? '', HOSTILE.attr, 'so is the URL');
      await row.locator('button.name').click();
      const detail = (await page.textContent('#input-detail')) ?? '';
      t.ok(detail.includes(`late ${HOSTILE.endScript}`), 'the evidence in the detail panel');
      t.ok(detail.includes(`step${HOSTILE.endScript}\\u{202e}`), 'the chain, with the bidi override made visible');
      t.equal(await page.locator('img').count(), 0, 'no injected element');
      t.equal(await page.locator('script').count(), 2, 'no injected script element');
      t.same(dialogs, [], 'no alert');
      t.same(consoleErrors, []);
      t.same(pageErrors, []);
      t.same([...new Set(requests)], [url]);
    });
  });

  t.test('without scripts: the verdict, every binary and unknown row, the source summary', async (t) => {
    const { report } = makeLargeReport(2_000);
    const file = await write('report-noscript.html', renderHtml(report));
    await withPage(
      file,
      async ({ page }) => {
        t.equal(await page.textContent('#verdict'), 'FAIL');
        t.match(await page.textContent('#gate-counts'), /^Gate: gate items \d+/);
        t.equal(await page.locator('#binaries tbody tr').count(), report.inputs.filter((i) => i.binary).length);
        t.equal(await page.locator('#unknowns tbody tr').count(), report.inputs.filter((i) => i.class === 'unknown').length);
        t.ok(await page.isVisible('#binaries'), 'binary rows shown');
        t.ok(await page.isVisible('#source-summary'), 'the source summary shown');
        t.match(await page.textContent('#source-summary'), /source\.patch/);
        t.ok(await page.isVisible('#inputs-static-note'), 'a note says where the full list is');
        t.notOk(await page.isVisible('#filters'), 'no dead filter form');
        t.notOk(await page.isVisible('#inputs-view'), 'no empty list');
      },
      { javaScriptEnabled: false },
    );
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
      t.ok((await page.locator('#inputs tbody tr[data-index]').count()) >= 1, 'search works on hostile text');
      t.equal(await page.locator('#binaries tbody tr').count(), 3);
      t.same(dialogs, [], 'no alert');
      t.same(consoleErrors, []);
      t.same(pageErrors, []);
      t.same([...new Set(requests)], [url]);
    });
  });
});
