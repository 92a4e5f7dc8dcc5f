/**
 * The headline every human-readable format opens with (which binaries this build trusts
 * besides its bootstrap seeds, and the seeds' size) and the coverage line (what inspection
 * could not read), as a reader sees them in text, Markdown and the HTML page's text.
 */
import t from 'tap';
import MarkdownIt from 'markdown-it';
import { renderText } from '../../src/report/text.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderHtml } from '../../src/report/html.js';
import type { ScanReport } from '../../src/model/report.js';
import { BOOTSTRAP_TOOLS, BUSYBOX, HOSTILE, makeReport, regate } from './fixture.js';

const RUST = 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz';

/** The text content of the element with this id, as a browser shows it. */
const htmlText = (html: string, id: string): string | null => {
  const m = new RegExp(`<p id="${id}"[^>]*>([^]*?)</p>`).exec(html);
  if (!m) return null;
  return (m[1] ?? '').replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
};
const mdFirstParagraph = (md: string): string => new MarkdownIt().render(md.split('\n\n')[0] ?? '').replace(/<[^>]+>/g, '').trim();

/** The fixture as the issue describes it: two allowlisted seeds, the rust tarball not allowlisted, no ELF finding. */
const rustcLike = (): ScanReport => {
  const r = makeReport();
  const busybox = r.inputs.find((i) => i.id === BUSYBOX.id)!;
  busybox.allowlisted = true;
  busybox.allowlist = { ...busybox.allowlist!, expired: false, expires: null };
  busybox.gate = 'pass';
  r.elf = [];
  return regate(r);
};

t.test('the headline names the seeds, their size, and every other binary with its standing', async (t) => {
  const r = rustcLike();
  r.inputs.find((i) => i.id === BOOTSTRAP_TOOLS.id)!.size = 30_213_404;
  r.inputs.find((i) => i.id === BUSYBOX.id)!.size = 1_020_648;
  const expected =
    `Besides its 2 bootstrap seeds (allowlisted; 31,234,052 bytes), this build trusts 1 more binary: ${RUST} (not allowlisted); ` +
    '1 input could not be classified.';
  const text = renderText(r, { color: false });
  t.equal(text.split('\n')[0], expected, 'text: first line');
  t.equal(mdFirstParagraph(renderMarkdown(r)), expected, 'Markdown: first paragraph');
  t.equal(htmlText(renderHtml(r), 'headline'), expected, 'HTML: the headline text');
  t.equal(htmlText(renderHtml(r), 'coverage'), null, 'no coverage line when everything was read');
  t.notMatch(text, /Not everything was inspected/);

  // one seed's bytes are not in the store
  delete r.inputs.find((i) => i.id === BUSYBOX.id)!.size;
  t.match(renderText(r, { color: false }).split('\n')[0], /\(allowlisted; at least 30,213,404 bytes, 1 size unknown\)/);
  // none are
  for (const i of r.inputs) i.size = null;
  t.match(renderText(r, { color: false }).split('\n')[0], /^Besides its 2 bootstrap seeds \(allowlisted; size unknown\), this build trusts 1 more binary/);
});

t.test('mixed standings, baseline, output ELF files, and the many-binaries cut', async (t) => {
  const r = makeReport(); // busybox's entry expired; rust-lld came from the rust tarball
  t.equal(
    renderText(r, { color: false }).split('\n')[0],
    `Besides its 2 bootstrap seeds (1 allowlist entry expired, 1 allowlisted; size unknown), this build trusts 2 more binaries: ${RUST} (not allowlisted), ` +
      'lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld (output ELF file, not allowlisted); 1 input could not be classified.',
  );
  r.inputs.find((i) => i.name === RUST)!.gate = 'baseline';
  r.elf[0]!.gate = 'baseline';
  regate(r);
  t.match(renderText(r, { color: false }).split('\n')[0], `this build trusts 2 more binaries: ${RUST} (in the baseline), lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld (output ELF file, in the baseline)`);

  const many = makeReport();
  const rust = many.inputs.find((i) => i.name === RUST)!;
  for (let n = 0; n < 7; n++) many.inputs.push({ ...structuredClone(rust), id: `${rust.id}-${n}`, name: `tool-${n}-linux-amd64.tar.gz` });
  regate(many);
  t.match(renderText(many, { color: false }).split('\n')[0], /this build trusts 9 more binaries: .*, and 4 more; 1 input could not be classified\.$/);
});

t.test('no seeds, no binaries', async (t) => {
  const r = makeReport();
  r.inputs = r.inputs.filter((i) => !i.binary && i.class !== 'unknown');
  r.elf = [];
  regate(r);
  t.equal(renderText(r, { color: false }).split('\n')[0], 'This build trusts no binary that was not built from source here.');
});

t.test('coverage: what was not inspected is said right under the headline', async (t) => {
  const r = rustcLike();
  r.coverage = {
    inspected: true,
    complete: false,
    outputs: { total: 2, inspected: 1 },
    inputs: { total: 7, read: 5 },
    storePaths: 12,
    closure: 'outputs-only',
    gaps: [
      { what: 'output-absent', path: '/nix/store/2q8xg7l6c3pmcmbq7nnx1h8z2bphhd1p-hello-2.12.1', detail: 'not in the store', output: true },
      { what: 'closure-query', path: null, detail: `the runtime-closure query failed (nix-store: ${HOSTILE.script}): only the outputs themselves were read`, output: true },
      { what: 'walk-error', path: '/nix/store/x-a/lib', detail: 'could not read /nix/store/x-a/lib: EACCES', output: true },
      { what: 'file-cap', path: '/nix/store/x-b', detail: 'cap', output: true },
    ],
  };
  const expected =
    'Not everything was inspected: 1 of 2 outputs absent from the store; runtime closure not inspected (the runtime-closure query failed ' +
    `(nix-store: ${HOSTILE.script}): only the outputs themselves were read); 1 store directory could not be read; ` +
    'the file cap was hit (1 store path not fully searched); 2 of 7 inputs absent from the store.';
  const text = renderText(r, { color: false }).split('\n');
  t.equal(text[1], expected, 'text: the line after the headline');
  const md = renderMarkdown(r);
  t.equal(new MarkdownIt().render(md.split('\n\n')[1] ?? '').replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').trim(), `⚠️ ${expected}`, 'Markdown: the paragraph after the headline');
  const html = renderHtml(r);
  t.equal(htmlText(html, 'coverage'), expected, 'HTML: the coverage line');
  t.notMatch(html, /<script>alert/, 'error text is escaped');

  r.coverage = { ...r.coverage, inspected: false, gaps: [] };
  t.equal(renderText(r, { color: false }).split('\n')[1], 'Nothing in the store was inspected (--no-inspect): the verdicts rest on the derivation graph alone.');
});

t.test('a seed the store does not have is sized from the seed registry, and the headline says so', async (t) => {
  const r = rustcLike();
  const tools = r.inputs.find((i) => i.id === BOOTSTRAP_TOOLS.id)!;
  const busybox = r.inputs.find((i) => i.id === BUSYBOX.id)!;
  tools.size = 30_213_404;
  tools.sizeFrom = 'store';
  busybox.size = 229;
  busybox.sizeFrom = 'registry';
  t.match(renderText(r, { color: false }), /Besides its 2 bootstrap seeds \(allowlisted; 30,213,633 bytes, 1 of the sizes from the seed registry\)/);
  tools.size = null;
  tools.sizeFrom = null;
  t.match(renderText(r, { color: false }), /\(allowlisted; at least 229 bytes, size from the seed registry, 1 size unknown\)/);
});
