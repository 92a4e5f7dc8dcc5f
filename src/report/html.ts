/**
 * The HTML report: one self-contained file a reviewer opens from disk or a CI artifact.
 *
 * Threat model: every name, URL, hash and evidence detail comes from the derivation graph,
 * which the audited project (or anything it depends on) controls. So:
 * - all graph text is escaped for its context (element text, attribute, embedded JSON);
 * - a Content-Security-Policy with `default-src 'none'` forbids every fetch, and the one
 *   inline style block and one inline script are allowed by their SHA-256 hash, not by
 *   'unsafe-inline': should an escaping bug ever let markup through, injected `<script>`
 *   elements and `on…=` handlers still do not run;
 * - URLs are shown as text, never as links. They point at the very binaries under review;
 *   a click would download an untrusted file or tell the URL's owner who is reviewing, and
 *   a CSP cannot restrict where a link navigates. Copying the text is a deliberate act.
 * Nothing here loads from the network, so the file also works offline and from file://.
 */
import { createHash } from 'node:crypto';
import type { ElfFinding, InputClass, ReportInput, ScanReport } from '../model/report.js';
import { escapeControl, escapeHtml, jsonForScript } from './escape.js';
import { gateItemsOf } from '../model/gate.js';
import { coverageLine, gateCountPairs, headline, provenanceLine, provenanceRows } from './headline.js';

export interface HtmlOptions {
  /** page title; defaults to "seedaudit report: <root names>" */
  title?: string;
}

/** Escaped text for element content and attribute values, with control characters made visible. */
const h = (s: string | number | null | undefined): string => escapeHtml(escapeControl(String(s ?? '')));

const CLASSES: InputClass[] = ['seed', 'prebuilt', 'unknown', 'source'];
const KINDS = ['fixed-output', 'input-src', 'builder'] as const;

type AllowState = 'allowlisted' | 'expired' | 'not allowlisted' | 'n/a';

/** An input the gate judges: a binary, or an unknown input under --fail-on unknown. */
const isGated = (i: ReportInput, failOn: string): boolean => i.binary || (i.class === 'unknown' && failOn === 'unknown');

const allowState = (i: ReportInput, failOn: string): AllowState => {
  if (i.allowlisted) return 'allowlisted';
  if (i.allowlist?.expired) return 'expired';
  return isGated(i, failOn) ? 'not allowlisted' : 'n/a';
};

const allowCell = (i: ReportInput, failOn: string): string => {
  const state = allowState(i, failOn);
  const badge = `<span class="allow allow-${state.replace(/ /g, '-').replace('/', '')}">${h(state)}</span>`;
  const a = i.allowlist;
  if (!a) return badge;
  const expiry = a.expires ? `${a.expired ? 'expired' : 'expires'} ${h(a.expires)}` : 'no expiry';
  return `${badge}<div class="small">entry <b>${h(a.name)}</b>: ${h(a.reason)}</div><div class="small">${expiry}</div>`;
};

const classBadge = (c: string): string => `<span class="cls cls-${h(c)}">${h(c)}</span>`;

const gateBadge = (g: string): string => `<span class="gate gate-${h(g)}">${h(g)}</span>`;

const urlList = (urls: string[]): string =>
  urls.length === 0
    ? '<div class="muted">no URL</div>'
    : `<ul class="urls">${urls.map((u) => `<li><code>${h(u)}</code></li>`).join('')}</ul>`;

const evidenceList = (ev: { rule: string; detail: string }[]): string =>
  ev.length === 0
    ? '<span class="muted">none</span>'
    : `<ol class="evidence">${ev.map((e) => `<li><code class="rule">${h(e.rule)}</code> ${h(e.detail)}</li>`).join('')}</ol>`;

const viaChain = (via: string[]): string =>
  via.length === 0
    ? '<span class="muted">no chain recorded</span>'
    : `<ol class="via">${via.map((v) => `<li>${h(v)}</li>`).join('')}</ol>`;

const hashCell = (i: ReportInput): string =>
  `<div>${i.hash ? `<code class="hash">${h(i.hash)}</code>${i.hashMode ? ` <span class="small muted">(${h(i.hashMode)})</span>` : ''}` : '<span class="muted">no hash</span>'}</div>`;

// ---------------------------------------------------------------------------------------
// Trust base picture: the `via` chains of the binary inputs merged into a prefix tree.

interface TreeNode {
  label: string;
  children: Map<string, TreeNode>;
  /** set on leaves: the binary input and its row in the binary table */
  binary?: { input: ReportInput; index: number };
  /** set on a node standing for a run of single-child steps that were folded away */
  folded?: string[];
  depth: number;
  y: number;
}

const newNode = (label: string): TreeNode => ({ label, children: new Map(), depth: 0, y: 0 });

const buildTree = (binaries: ReportInput[]): TreeNode => {
  const top = newNode('');
  binaries.forEach((input, index) => {
    const chain = input.via.length > 0 ? input.via : [input.name];
    let node = top;
    for (const step of chain.slice(0, -1)) {
      let next = node.children.get(`n:${step}`);
      if (!next) node.children.set(`n:${step}`, (next = newNode(step)));
      node = next;
    }
    // keyed by id: two binaries of the same name are two leaves, never merged
    const leaf = newNode(chain[chain.length - 1] ?? input.name);
    leaf.binary = { input, index };
    node.children.set(`b:${input.id}`, leaf);
  });
  return top;
};

/**
 * Bootstrap chains are long (a nixpkgs stdenv reaches its seeds through a dozen stages),
 * so a run of four or more single-child steps keeps its first and last step and folds the
 * middle into one node whose tooltip lists what was folded; the binary table keeps the
 * full chain.
 */
const fold = (node: TreeNode): void => {
  for (const [key, child] of [...node.children]) {
    const run: TreeNode[] = [];
    let cur: TreeNode | undefined = child;
    while (cur && !cur.binary && cur.children.size === 1) {
      run.push(cur);
      cur = [...cur.children.values()][0];
    }
    if (run.length >= 4 && cur) {
      const first = run[0] as TreeNode;
      const last = run[run.length - 1] as TreeNode;
      const middle = run.slice(1, -1);
      const folded = newNode(`… ${middle.length} steps`);
      folded.folded = middle.map((n) => n.label);
      folded.children.set('last', last);
      first.children = new Map([['folded', folded]]);
      node.children.set(key, first);
    }
    fold(child);
  }
};

const ROW = 30;
const BOX_H = 22;
/** horizontal gap between columns */
const GAP = 24;
const PAD = 8;
/** labels longer than this are cut (the full text is in the box's tooltip and in the tables) */
const MAX_CHARS = 56;
/**
 * Box width for a label: 8 px per character covers DejaVu Sans / Liberation Sans at 12px
 * (bold included) for the names Nix derivations have; the nested <svg> still clips anything
 * wider, so an estimate that is too small cuts a label instead of spilling out of its box.
 */
const textWidth = (s: string): number => Math.ceil(s.length * 8);
const MIN_BOX = 120;

const truncate = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/**
 * A box label. Truncating by characters cannot know glyph widths (bold, wide letters), so
 * the text also sits in a nested <svg> viewport, which clips whatever would overflow the box.
 */
const label = (x: number, boxWidth: number, text: string): string =>
  `<svg width="${boxWidth - 4}" height="${BOX_H}"><text x="${x}" y="15">${h(text)}</text></svg>`;

const renderTrustSvg = (binaries: ReportInput[]): string => {
  if (binaries.length === 0) return '<p class="muted">No binary inputs: nothing in these closures is trusted as a downloaded binary.</p>';
  const top = buildTree(binaries);
  fold(top);

  // leaves take consecutive rows; a parent sits midway between its first and last child
  let row = 0;
  let maxDepth = 0;
  const nodes: TreeNode[] = [];
  const place = (node: TreeNode, depth: number): void => {
    node.depth = depth;
    nodes.push(node);
    if (node.children.size === 0) {
      node.y = row++ * ROW;
      return;
    }
    maxDepth = Math.max(maxDepth, depth);
    const kids = [...node.children.values()];
    for (const k of kids) place(k, depth + 1);
    node.y = ((kids[0] as TreeNode).y + (kids[kids.length - 1] as TreeNode).y) / 2;
  };
  for (const r of top.children.values()) place(r, 0);

  // every column as wide as its longest label, so no label is cut; all binaries line up in
  // the rightmost column: the trust base reads top to bottom there
  const shown = (n: TreeNode): string => (n.folded ? n.label : truncate(n.label, MAX_CHARS));
  const colW: number[] = Array.from({ length: maxDepth + 1 }, () => MIN_BOX);
  let leafW = MIN_BOX;
  for (const n of nodes) {
    if (n.binary) leafW = Math.max(leafW, textWidth(shown(n)) + 30);
    else colW[n.depth] = Math.max(colW[n.depth] ?? MIN_BOX, textWidth(shown(n)) + 16);
  }
  const colX = colW.reduce<number[]>((xs, w, d) => [...xs, (xs[d] ?? 0) + w + GAP], [0]);
  const leafX = colX[maxDepth + 1] ?? 0;
  const xOf = (n: TreeNode): number => (n.binary ? leafX : (colX[n.depth] ?? 0));
  const boxW = (n: TreeNode): number => (n.binary ? leafW : (colW[n.depth] ?? MIN_BOX));
  const width = leafX + leafW + PAD * 2;
  const height = row * ROW + PAD * 2;

  const edges: string[] = [];
  const boxes: string[] = [];
  const walk = (node: TreeNode): void => {
    for (const child of node.children.values()) {
      const x1 = xOf(node) + boxW(node);
      const y1 = node.y + BOX_H / 2;
      const x2 = xOf(child);
      const y2 = child.y + BOX_H / 2;
      // an S-curve over the first stretch, then straight on to the (possibly far) child
      const c = Math.min(40, x2 - x1);
      edges.push(`<path d="M${x1} ${y1} C${x1 + c / 2} ${y1} ${x1 + c / 2} ${y2} ${x1 + c} ${y2} L${x2} ${y2}"/>`);
      walk(child);
    }
  };
  for (const r of top.children.values()) walk(r);

  for (const n of nodes) {
    const x = xOf(n);
    if (n.binary) {
      const { input, index } = n.binary;
      const state = allowState(input, 'prebuilt');
      const mark = state === 'allowlisted' ? 'ok' : state === 'expired' ? 'expired' : 'bad';
      boxes.push(
        `<a href="#bin-${index}"><g class="node leaf leaf-${h(input.class)}" transform="translate(${x} ${n.y})">` +
          `<title>${h(`${input.name} (${input.class}, ${state})`)}</title>` +
          `<rect width="${leafW}" height="${BOX_H}" rx="4"/>` +
          `<circle class="mark mark-${mark}" cx="11" cy="${BOX_H / 2}" r="5"/>` +
          `${label(22, leafW, shown(n))}</g></a>`,
      );
    } else if (n.folded) {
      boxes.push(
        `<g class="node folded" transform="translate(${x} ${n.y})"><title>${h(n.folded.join(' → '))}</title>` +
          `<rect width="${boxW(n)}" height="${BOX_H}" rx="4"/>${label(8, boxW(n), n.label)}</g>`,
      );
    } else {
      const cls = n.depth === 0 ? 'node root' : 'node';
      boxes.push(
        `<g class="${cls}" transform="translate(${x} ${n.y})"><title>${h(n.label)}</title>` +
          `<rect width="${boxW(n)}" height="${BOX_H}" rx="4"/>${label(8, boxW(n), shown(n))}</g>`,
      );
    }
  }
  return (
    `<div class="svgwrap"><svg xmlns="http://www.w3.org/2000/svg" id="trust-svg" role="img" ` +
    `aria-label="Trust base: from each root to the binaries it trusts" width="${width}" height="${height}" ` +
    `viewBox="${-PAD} ${-PAD} ${width} ${height}"><g class="edges">${edges.join('')}</g>${boxes.join('')}</svg></div>` +
    // the legend is a list of its own, so its last entry cannot run into the sentence after it
    `<ul class="legend" id="trust-legend"><li><span class="lg lg-seed"></span> seed</li><li><span class="lg lg-prebuilt"></span> prebuilt</li>` +
    `<li><span class="dot dot-ok"></span> allowlisted</li><li><span class="dot dot-expired"></span> allowlist entry expired</li>` +
    `<li><span class="dot dot-bad"></span> not allowlisted</li>` +
    (nodes.some((n) => n.folded) ? `<li><span class="lg lg-folded"></span> folded chain steps (hover for names)</li>` : '') +
    `</ul><p class="legend-note">Each binary links to its row below.</p>`
  );
};

// ---------------------------------------------------------------------------------------

/** The detailed table, for binary inputs (`bin-N` rows) and for unknown ones (`unk-N`). */
const detailTable = (tableId: string, rowPrefix: string, inputs: ReportInput[], failOn: string): string => {
  const rows = inputs.map(
    (i, n) =>
      `<tr id="${rowPrefix}-${n}" class="row-${h(i.gate)}"><td>${classBadge(i.class)}</td>` +
      `<td><div class="name">${h(i.name)}</div><div class="small muted">${h(i.kind)}</div>` +
      `<div class="small"><code class="path">${h(i.drv ?? i.path ?? i.id)}</code></div></td>` +
      // an input the gate does not judge gets neither a pass badge nor an allowlist verdict
      `<td>${isGated(i, failOn) ? `${gateBadge(i.gate)}<div>${allowCell(i, failOn)}</div>` : '<span class="gate gate-none">not gated</span><div class="small muted">only with --fail-on unknown</div>'}</td>` +
      `<td>${hashCell(i)}${urlList(i.urls)}</td>` +
      `<td>${evidenceList(i.evidence)}</td><td>${viaChain(i.via)}</td></tr>`,
  );
  return (
    `<table id="${tableId}" class="data detail"><thead><tr><th>Class</th><th>Input</th><th>Gate / allowlist</th>` +
    `<th>Hash and URLs</th><th>Evidence</th><th>Why is it here</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
};

const elfSection = (elf: ElfFinding[]): string => {
  if (elf.length === 0) {
    return '<p id="elf-empty" class="muted">No ELF findings: this report inspected no built files.</p>';
  }
  const rows = elf.map((f) => {
    const facts = [f.class, f.machine, f.type, f.static ? 'static' : f.interpreter ? `interp ${f.interpreter}` : null]
      .filter((x): x is string => Boolean(x))
      .join(', ');
    const by = f.producedBy.name ? `${f.producedBy.name}${f.producedBy.class ? ` (${f.producedBy.class})` : ''}` : 'unknown deriver';
    return (
      `<tr class="row-${h(f.gate)}"><td><code class="path">${h(f.path)}</code><div class="small muted">${h(f.storePath)}</div></td>` +
      `<td>${h(f.provenance)}</td><td>${h(by)}</td><td>${h(facts)}${f.error ? `<div class="small">${h(f.error)}</div>` : ''}</td>` +
      `<td>${evidenceList(f.evidence)}</td><td>${gateBadge(f.gate)}</td></tr>`
    );
  });
  return (
    `<table id="elf" class="data"><thead><tr><th>File</th><th>Provenance</th><th>Produced by</th><th>ELF</th>` +
    `<th>Evidence</th><th>Gate</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
};

const inputsTable = (inputs: ReportInput[], failOn: string): string => {
  const rows = inputs.map(
    (i, n) =>
      `<tr data-index="${n}" data-class="${h(i.class)}" data-kind="${h(i.kind)}" data-allow="${i.allowlisted ? 'yes' : 'no'}">` +
      `<td>${classBadge(i.class)}</td><td>${h(i.kind)}</td><td><div class="name">${h(i.name)}</div>` +
      `<div class="small"><code class="path">${h(i.drv ?? i.path ?? i.id)}</code></div></td>` +
      `<td>${i.hash ? `<code class="hash">${h(i.hash)}</code>` : ''}</td><td>${urlList(i.urls)}</td>` +
      `<td>${i.evidence[0] ? `<code class="rule">${h(i.evidence[0].rule)}</code> ${h(i.evidence[0].detail)}` : ''}</td>` +
      `<td>${h(allowState(i, failOn))}</td></tr>`,
  );
  const classBoxes = CLASSES.map(
    (c) => `<label><input type="checkbox" name="class" value="${c}" checked> ${c}</label>`,
  ).join(' ');
  const kindOptions = KINDS.map((k) => `<option value="${k}">${k}</option>`).join('');
  return (
    `<form id="filters" class="filters" hidden>` +
    `<fieldset><legend>Class</legend>${classBoxes}</fieldset>` +
    `<label>Kind <select id="f-kind"><option value="">any</option>${kindOptions}</select></label>` +
    `<label>Allowlisted <select id="f-allow"><option value="">any</option><option value="yes">yes</option>` +
    `<option value="no">no</option></select></label>` +
    `<label class="grow">Search <input id="f-search" type="search" autocomplete="off" ` +
    `title="every word must occur in the name, id, hash, a URL, the evidence, the via chain or the allowlist entry"></label>` +
    `<output id="f-count" aria-live="polite"></output></form>` +
    `<table id="inputs" class="data"><thead><tr><th>Class</th><th>Kind</th><th>Name</th><th>Hash</th><th>URLs</th>` +
    `<th>Deciding evidence</th><th>Allowlist</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
};

const STYLE = `
:root{--fg:#1d232a;--muted:#5f6b76;--line:#d8dee4;--bg:#fff;--soft:#f5f7f9;
--seed:#b7791f;--seed-bg:#fff4d6;--pre:#c0392b;--pre-bg:#fde4e1;--unk:#546e7a;--unk-bg:#eceff1;--src:#2e7d32;--src-bg:#e6f4e7}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 "DejaVu Sans","Liberation Sans",system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:18px 28px;border-bottom:1px solid var(--line);background:var(--soft)}
header h1{margin:0 0 4px;font-size:20px}
.headline{font-size:16px;font-weight:bold;margin:6px 0}
.coverage{margin:4px 0;padding:4px 8px;border-left:4px solid var(--seed);background:var(--seed-bg)}
main{padding:8px 28px 40px;max-width:1600px}
h2{font-size:17px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
code{font:12px/1.35 "DejaVu Sans Mono","Liberation Mono",monospace;overflow-wrap:anywhere}
.small{font-size:12px}.muted{color:var(--muted)}
.verdict{display:inline-block;padding:3px 12px;border-radius:4px;font-weight:bold;color:#fff;margin-right:10px}
.verdict.pass{background:#2e7d32}.verdict.fail{background:#c0392b}
.meta{margin:6px 0 0;color:var(--muted);font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:110px;background:var(--bg)}
.card b{display:block;font-size:20px}
.card.seed{border-color:var(--seed);background:var(--seed-bg)}.card.prebuilt{border-color:var(--pre);background:var(--pre-bg)}
.card.unknown{border-color:var(--unk);background:var(--unk-bg)}.card.source{border-color:var(--src);background:var(--src-bg)}
table.data{border-collapse:collapse;width:100%;margin:6px 0}
table.data th,table.data td{border:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
table.data th{background:var(--soft);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
table.data td{overflow-wrap:anywhere}
.detail td:nth-child(1){width:86px}.detail td:nth-child(2){width:17%}.detail td:nth-child(3){width:16%}
.detail td:nth-child(4){width:20%}.detail td:nth-child(5){width:29%}
#inputs td:nth-child(1){width:86px}#inputs td:nth-child(2){width:90px}#inputs td:nth-child(3){width:24%}
#inputs td:nth-child(4){width:15%}#inputs td:nth-child(5){width:22%}#inputs td:nth-child(7){width:100px}
tr.row-fail td:first-child{box-shadow:inset 4px 0 0 var(--pre)}
.name{font-weight:bold}
.cls,.gate,.allow{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;border:1px solid;white-space:nowrap;overflow-wrap:normal}
.cls-seed{color:var(--seed);background:var(--seed-bg)}.cls-prebuilt{color:var(--pre);background:var(--pre-bg)}
.cls-unknown{color:var(--unk);background:var(--unk-bg)}.cls-source{color:var(--src);background:var(--src-bg)}
.gate-fail{color:#fff;background:var(--pre);border-color:var(--pre)}.gate-pass{color:var(--src)}.gate-baseline{color:var(--unk)}
.allow{margin-top:4px}.allow-allowlisted{color:var(--src)}.allow-expired{color:#a15c00;background:#fff0d9}
.allow-not-allowlisted{color:var(--pre)}.allow-na{color:var(--muted)}
ul.urls,ol.evidence,ol.via{margin:4px 0 0;padding-left:18px}
ol.via{list-style:none;padding-left:0;margin:0}ol.via li{display:inline}
ol.via li:not(:first-child)::before{content:" → ";color:var(--muted)}
ol.via li:last-child{font-weight:bold}
.rule{background:var(--soft);border:1px solid var(--line);border-radius:3px;padding:0 3px}
.roots{margin:6px 0;padding-left:18px}
.svgwrap{overflow:auto;border:1px solid var(--line);border-radius:6px;padding:10px;background:var(--bg)}
#trust-svg{display:block}
#trust-svg .edges path{fill:none;stroke:#9aa5b1;stroke-width:1.3}
#trust-svg .node rect{fill:#fff;stroke:#9aa5b1}
#trust-svg .node text{font:12px "DejaVu Sans","Liberation Sans",sans-serif;fill:var(--fg)}
#trust-svg .root rect{fill:#263238;stroke:#263238}#trust-svg .root text{fill:#fff;font-weight:bold}
#trust-svg .folded rect{fill:var(--soft);stroke-dasharray:4 3}#trust-svg .folded text{fill:var(--muted)}
#trust-svg .leaf-seed rect{fill:var(--seed-bg);stroke:var(--seed)}
#trust-svg .leaf-prebuilt rect{fill:var(--pre-bg);stroke:var(--pre)}
#trust-svg a:hover rect,#trust-svg a:focus rect{stroke-width:2.5}
.mark-ok{fill:#2e7d32}.mark-expired{fill:#e08a00}.mark-bad{fill:var(--pre)}
.legend{font-size:12px;color:var(--muted);list-style:none;padding:0;margin:8px 0 2px;display:flex;flex-wrap:wrap;gap:4px 16px}
.legend-note{font-size:12px;color:var(--muted);margin:2px 0}
.gate-none{color:var(--muted)}
.lg,.dot{display:inline-block;width:14px;height:10px;border:1px solid;vertical-align:middle;margin-left:6px}
.dot{width:10px;border-radius:50%;border:0}
.lg-seed{background:var(--seed-bg);border-color:var(--seed)}.lg-prebuilt{background:var(--pre-bg);border-color:var(--pre)}
.lg-folded{background:var(--soft);border-style:dashed}
.dot-ok{background:#2e7d32}.dot-expired{background:#e08a00}.dot-bad{background:var(--pre)}
.filters{display:flex;flex-wrap:wrap;gap:10px 18px;align-items:center;margin:8px 0;padding:8px 10px;
border:1px solid var(--line);border-radius:6px;background:var(--soft)}
.filters fieldset{border:0;margin:0;padding:0}.filters legend{float:left;margin-right:8px;font-weight:bold}
.filters .grow{flex:1;min-width:240px;display:flex;gap:6px;align-items:center}
.filters input[type=search]{flex:1;padding:4px 6px;font:inherit}
#f-count{color:var(--muted);font-size:12px}
.failures{margin:6px 0;padding-left:18px}
`;

/**
 * Filtering and search for the full input list. The search text of each row comes from the
 * embedded report (so it covers evidence, via chains and every URL, not only what the
 * cells show); rows are matched to inputs by their data-index.
 */
const SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('seedaudit-report').textContent);
  var rows = Array.prototype.slice.call(document.querySelectorAll('#inputs tbody tr'));
  var hay = data.inputs.map(function (i) {
    var parts = [i.name, i.id, i.drv || '', i.path || '', i.hash || '', i.class, i.kind];
    parts = parts.concat(i.urls, i.via);
    i.evidence.forEach(function (e) { parts.push(e.rule + ' ' + e.detail); });
    if (i.allowlist) parts.push(i.allowlist.name + ' ' + i.allowlist.reason);
    return parts.join('\\n').toLowerCase();
  });
  var form = document.getElementById('filters');
  var search = document.getElementById('f-search');
  var kind = document.getElementById('f-kind');
  var allow = document.getElementById('f-allow');
  var count = document.getElementById('f-count');
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name=class]'));
  function apply() {
    var terms = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var classes = {};
    boxes.forEach(function (b) { classes[b.value] = b.checked; });
    var shown = 0;
    rows.forEach(function (r) {
      var text = hay[Number(r.getAttribute('data-index'))] || '';
      var ok = classes[r.getAttribute('data-class')] !== false &&
        (!kind.value || r.getAttribute('data-kind') === kind.value) &&
        (!allow.value || r.getAttribute('data-allow') === allow.value) &&
        terms.every(function (t) { return text.indexOf(t) !== -1; });
      r.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = 'showing ' + shown + ' of ' + rows.length + ' inputs';
  }
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  form.hidden = false;
  apply();
})();
`;

const cspHash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const renderHtml = (report: ScanReport, opts: HtmlOptions = {}): string => {
  const binaries = report.inputs
    .filter((i) => i.binary)
    .sort((a, b) => rankGate(a) - rankGate(b) || a.class.localeCompare(b.class) || a.name.localeCompare(b.name));
  const unknowns = report.inputs.filter((i) => i.class === 'unknown');
  const title = opts.title ?? `seedaudit report: ${report.roots.map((r) => r.name).join(', ') || 'no roots'}`;
  const s = report.summary;
  const g = report.gate;
  const card = (label: string, value: number, cls = ''): string =>
    `<div class="card ${cls}"><b>${value}</b>${h(label)}</div>`;
  const byId = new Map(report.inputs.map((i) => [i.id, i]));
  const anchors = new Map<string, string>([
    ...binaries.map((b, n): [string, string] => [b.id, `bin-${n}`]),
    ...unknowns.map((u, n): [string, string] => [u.id, `unk-${n}`]),
  ]);
  const { items, counts } = gateItemsOf(report);
  const itemByRef = new Map(items.map((i) => [i.ref, i]));
  const failures = g.failures.map((id) => {
    const input = byId.get(id);
    const anchor = anchors.get(id);
    const item = itemByRef.get(id);
    const label = input ? `${input.name} (${input.class})` : item ? `${item.name} (${item.kind})` : id;
    return `<li>${anchor === undefined ? h(label) : `<a href="#${anchor}">${h(label)}</a>`}</li>`;
  });
  const roots = report.roots.map((r) => {
    const tb = report.trustBase.find((t) => t.root === r.drv);
    const counts = tb ? ` <span class="small muted">${tb.seeds.length} seed, ${tb.prebuilt.length} prebuilt</span>` : '';
    return `<li><b>${h(r.name)}</b> <code class="path small">${h(r.drv)}</code>${counts}</li>`;
  });

  const gapsLine = coverageLine(report, h);
  // built only from constants and base64 hashes, so it needs no attribute escaping
  const csp =
    `default-src 'none'; style-src ${cspHash(STYLE)}; script-src ${cspHash(SCRIPT)}; ` +
    `img-src 'none'; base-uri 'none'; form-action 'none'`;

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${h(title)}</h1>
<p id="headline" class="headline">${headline(report, h)}</p>
${gapsLine ? `<p id="coverage" class="coverage">${gapsLine}</p>` : ''}
<div><span id="verdict" class="verdict ${g.passed ? 'pass' : 'fail'}">${g.passed ? 'PASS' : 'FAIL'}</span>
gate fails on <b>${h(g.failOn)}</b>; ${counts.failing} failing item${counts.failing === 1 ? '' : 's'}${g.baseline ? `; baseline <code>${h(g.baseline)}</code>` : ''}</div>
<p class="meta">${h(report.tool.name)} ${h(report.tool.version)} · generated ${h(report.generatedAt)} · graph ${h(report.graph.kind)} (${h(report.graph.format)}) from <code>${h(report.graph.detail)}</code> · allowlist <code>${h(report.allowlist.file)}</code> (${report.allowlist.entries} entries)</p>
</header>
<main>
<section id="summary">
<h2>Summary</h2>
<ul class="roots">${roots.join('')}</ul>
<div class="cards">${card('derivations', s.derivations)}${card('fixed-output', s.fixedOutput)}${card('inputs', s.inputs)}${card('source', s.source, 'source')}${card('seed', s.seed, 'seed')}${card('prebuilt', s.prebuilt, 'prebuilt')}${card('unknown', s.unknown, 'unknown')}</div>
<p id="gate-counts" class="gate-counts">Gate: ${gateCountPairs(counts).map(([k, v]) => `${h(k)} <b>${v}</b>`).join(' · ')}</p>
${failures.length ? `<div><b>Failing the gate:</b><ul class="failures">${failures.join('')}</ul></div>` : ''}
</section>
<section id="trust">
<h2>Trust base</h2>
${renderTrustSvg(binaries)}
</section>
<section id="binary-inputs">
<h2>Binary inputs (${binaries.length})</h2>
${binaries.length ? detailTable('binaries', 'bin', binaries, g.failOn) : '<p class="muted">No binary inputs.</p>'}
</section>
${unknowns.length ? `<section id="unknown-inputs">
<h2>Unknown inputs (${unknowns.length})</h2>
<p class="muted">No rule could tell source from binary for these; a person has to look.${g.failOn === 'unknown' ? '' : ' They fail the gate only with --fail-on unknown.'}</p>
${detailTable('unknowns', 'unk', unknowns, g.failOn)}
</section>` : ''}
${provenanceSection(report)}<section id="elf-findings">
<h2>ELF findings (${report.elf.length})</h2>
${elfSection(report.elf)}
</section>
<section id="all-inputs">
<h2>All inputs (${report.inputs.length})</h2>
${inputsTable(report.inputs, g.failOn)}
</section>
</main>
<script type="application/json" id="seedaudit-report">${jsonForScript(report)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
};

const provenanceSection = (report: ScanReport): string => {
  const line = provenanceLine(report);
  if (!line || !report.provenance) return '';
  const items = new Map(gateItemsOf(report).items.filter((i) => i.kind === 'provenance').map((i) => [i.ref, i]));
  const rows = provenanceRows(report).map(
    (p) =>
      `<tr class="row-${items.get(p.drv)?.status === 'fail' ? 'fail' : 'pass'} prov-${h(p.verdict)}"><td><div class="name">${h(p.attr ?? p.name)}</div>` +
      `<div class="small"><code class="path">${h(p.drv)}</code></div></td><td>${p.declared.map((d) => `<code>${h(d)}</code>`).join(' ') || '<span class="muted">none</span>'}` +
      `<div class="small muted">${h(p.declaredFrom)}</div></td><td>${h(p.verdict)}</td><td>${h(p.detail)}</td></tr>`,
  );
  return (
    `<section id="provenance"><h2>Declared vs detected provenance</h2><p id="provenance-line">${h(line)}</p>` +
    report.provenance.notes.map((n) => `<p class="small muted">${h(n)}</p>`).join('') +
    (rows.length
      ? `<table id="provenance-checks" class="data"><thead><tr><th>Package</th><th>Declared</th><th>Verdict</th><th>Detail</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
      : '') +
    '</section>\n'
  );
};

/** failing binaries first, then the baseline ones, then those that pass */
const rankGate = (i: ReportInput): number => (i.gate === 'fail' ? 0 : i.gate === 'baseline' ? 1 : 2);
