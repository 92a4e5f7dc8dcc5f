import t from 'tap';
import MarkdownIt from 'markdown-it';
import { renderMarkdown } from '../../src/report/markdown.js';
import { escapeMarkdown, markdownCode } from '../../src/report/escape.js';
import { HOSTILE, RUST_BOOTSTRAP, makeHostileReport, makeReport, regate } from './fixture.js';

// GitHub-like settings: raw HTML allowed (GitHub sanitises it, but would keep <img>) and
// bare URLs turned into links, so escaping is tested against the permissive case.
const md = new MarkdownIt({ html: true, linkify: true });

/** the cells of every body row of every table, as rendered HTML */
const tableRows = (html: string): string[][] =>
  [...html.matchAll(/<tbody>([^]*?)<\/tbody>/g)].flatMap((m) =>
    [...(m[1] ?? '').matchAll(/<tr>([^]*?)<\/tr>/g)].map((r) => [...(r[1] ?? '').matchAll(/<td>([^]*?)<\/td>/g)].map((c) => c[1] ?? '')),
  );

t.test('verdict, failing binaries, folded table', async (t) => {
  const text = renderMarkdown(makeReport());
  const [first, , verdict] = text.split('\n');
  t.equal(
    first,
    'Besides its 2 bootstrap seeds (1 allowlist entry expired, 1 allowlisted; size unknown), this build trusts 2 more binaries: ' +
      '`rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz` (not allowlisted), `lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld` ' +
      '(output ELF file, not allowlisted); 1 input could not be classified.',
    'the headline answers the question first',
  );
  t.match(verdict, /^❌ \*\*seedaudit: gate failed\*\*: 3 gate items fail: 2 binary inputs, 1 output ELF file \(fail-on `prebuilt`\)/);
  t.notMatch(text, /Not everything was inspected/, 'no coverage line when everything was read');
  t.match(text, /\*\*Failing inputs \(2\)\*\*/);
  t.match(text, /<details><summary>All binary inputs \(3\)<\/summary>\n\n\|/);

  const html = md.render(text);
  const rows = tableRows(html);
  t.equal(rows.length, 2 + 3, 'two failing rows, three binary rows');
  t.same(rows.slice(0, 2).map((r) => r.length), [4, 4], 'failing table keeps its 4 columns');
  t.same(rows.slice(2).map((r) => r.length), [7, 7, 7], 'binary table keeps its 7 columns');
  t.match(rows[0]?.[0], `<code>${RUST_BOOTSTRAP.name}</code>`);
  t.match(rows[0]?.[3], '<strong>not allowlisted</strong>');
  t.match(rows[0]?.[3], 'via <code>rustc-wrapper-1.77.2</code> → <code>rustc-1.77.2</code>');
  t.match(rows[1]?.[3], /allowlist entry <code>nixpkgs-busybox-x86_64<\/code> expired <code>2024-01-01<\/code>/);
  t.match(html, /<details><summary>All binary inputs \(3\)<\/summary>\s*<table>/, 'table renders inside <details>');
  t.match(text, /- `lib\/rustlib\/x86_64-unknown-linux-gnu\/bin\/rust-lld` in/);
  t.match(html, /nixpkgs stdenv bootstrap seed, built by Hydra/, 'allowlist reason shown');
});

t.test('passing report', async (t) => {
  const r = makeReport();
  r.inputs = r.inputs.filter((i) => !i.binary);
  r.elf = [];
  regate(r);
  const text = renderMarkdown(r);
  t.equal(text.split('\n')[0], 'This build trusts no binary that was not built from source here; 1 input could not be classified.');
  t.match(text.split('\n')[2], /^✅ \*\*seedaudit: pass\*\*: no binary fails the gate/);
  t.notMatch(text, /Failing/);
  t.match(text, /No binary inputs\./);
});

t.test('row limit', async (t) => {
  const text = renderMarkdown(makeReport(), { maxRows: 1 });
  t.equal(tableRows(md.render(text)).length, 2 + 1);
  t.match(text, /\*2 more not shown/);
});

t.test('hostile names stay text', async (t) => {
  const text = renderMarkdown(makeHostileReport());
  const html = md.render(text);
  t.notMatch(html, /<script|<img|<a /i, 'no tag and no link from graph text');
  t.ok(html.includes('rust&lt;script&gt;alert(1)&lt;/script&gt;'), 'script tag as text');
  t.ok(html.includes(`&quot;'&gt;&lt;img src=x onerror=alert(1)&gt;`), 'attribute breakout as text');
  for (const row of tableRows(html)) t.ok(row.length === 4 || row.length === 7, 'no cell was split by a pipe');
  t.ok(html.includes('| `x` | [a](javascript:alert(1)) **b**'), 'markdown in the allowlist reason is literal');
});

t.test('escape helpers', async (t) => {
  t.equal(markdownCode('a`b'), '``a`b``');
  t.equal(markdownCode('`x'), '`` `x ``');
  t.equal(markdownCode('a|b', true), '`a\\|b`');
  t.equal(markdownCode('a|b'), '`a|b`');
  t.equal(markdownCode('l1\nl2'), '`l1\\x0al2`');
  t.equal(md.renderInline(markdownCode('``` x `')), '<code>``` x `</code>');
  t.equal(md.renderInline(escapeMarkdown('*a* _b_ [c](d) <e> & \\ `f` # ! ~')), '*a* _b_ [c](d) &lt;e&gt; &amp; \\ `f` # ! ~');
});
