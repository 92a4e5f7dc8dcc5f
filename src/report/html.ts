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

/** Rows per block of a detail table: each block is laid out only when it comes near the view. */
const CHUNK = 100;

/**
 * The detailed table, for binary inputs (`bin-N` rows) and for unknown ones (`unk-N`). A
 * whole-nixpkgs scan can have thousands of these, every one in the static HTML (they are what
 * a reviewer reads, scripts or not), so the rows come in blocks of {@link CHUNK} tables with
 * the same fixed columns, and the stylesheet's `content-visibility: auto` lets the browser
 * skip laying out the blocks out of view: a report opens at the cost of the first screen.
 */
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
  const head =
    `<thead><tr><th>Class</th><th>Input</th><th>Gate / allowlist</th>` +
    `<th>Hash and URLs</th><th>Evidence</th><th>Why is it here</th></tr></thead>`;
  const blocks: string[] = [];
  for (let n = 0; n < rows.length; n += CHUNK) {
    const part = rows.slice(n, n + CHUNK);
    // the first block is laid out at once; the others as they come near, each with an estimated
    // height (about 120 px a row) until it has been laid out once
    const cls = n === 0 ? 'block' : `block lazy b${Math.ceil(part.length / 10)}`;
    blocks.push(`<div class="${cls}"><table class="data detail">${n === 0 ? head : ''}<tbody>${part.join('')}</tbody></table></div>`);
  }
  return `<div id="${tableId}" class="detail-blocks">${blocks.join('')}</div>`;
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

// ---------------------------------------------------------------------------------------
// The list of all inputs. A whole-nixpkgs scan has tens of thousands of inputs, nearly all of
// them source; laying out one table row per input made a 25k-input report take 20-40 s to
// open. So the static HTML carries what a reviewer must see without scripts (the gate, the
// picture, a full row for every seed, prebuilt and unknown input, and the source inputs
// summarised by kind and deciding rule), and the complete list is drawn by the inline script
// from compact embedded data, only the rows in view (a virtual list of fixed-height rows).

/** Allowlist states in the order the embedded data numbers them. */
const ALLOW_STATES: AllowState[] = ['allowlisted', 'expired', 'not allowlisted', 'n/a'];

/**
 * The embedded data of the input list (`<script type="application/json" id="seedaudit-inputs">`).
 * Every text is stored once, already in the form the page shows (control, line separator and
 * bidi characters made visible, as everywhere else in the report); the script puts it on the
 * page with `textContent` and `setAttribute`, never as markup. Text number N is `strings[N]`
 * for N below `strings.length`, else the store path `paths[N - strings.length]`, written as
 * its hash part and the number of the text after `<hash>-` (`["0a…z", 7]` is
 * `<storeDir>/0a…z-<strings[7]>`): names repeat across a graph, store paths do not, and they
 * are most of the text. Each input is an array (`fields` names the positions); numbers index
 * the texts, `chains`, `classes`, `kinds` or `allow`, and -1 stands for "none".
 */
export interface HtmlInputData {
  format: 'seedaudit-html-inputs/1';
  fields: readonly string[];
  classes: readonly InputClass[];
  kinds: readonly string[];
  allow: readonly AllowState[];
  storeDir: string;
  strings: string[];
  paths: [string, number][];
  /** distinct `via` chains (root first), as text numbers */
  chains: number[][];
  inputs: InputRow[];
}

/**
 * [class, kind, name, ref (drv, else path, else id), other ids, hash, hash mode, urls,
 * evidence (rule, detail, rule, detail, …), via chain, allow state, allowlist entry
 * (name, reason, expires or -1, 1 when expired; empty when none), anchor of its full row above
 * (`bin-N`, `unk-N`) or ""]
 */
type InputRow = [number, number, number, number, number[], number, number, number[], number[], number, number, number[], string];

export const INPUT_FIELDS = ['class', 'kind', 'name', 'ref', 'ids', 'hash', 'hashMode', 'urls', 'evidence', 'via', 'allow', 'entry', 'anchor'] as const;

export const inputData = (inputs: ReportInput[], failOn: string, anchors: Map<string, string>, storeDir: string): HtmlInputData => {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const str = (s: string): number => {
    let n = index.get(s);
    if (n === undefined) {
      n = strings.push(escapeControl(s)) - 1;
      index.set(s, n);
    }
    return n;
  };
  const opt = (s: string | null | undefined): number => (s === null || s === undefined ? -1 : str(s));
  // store paths are numbered after all other texts once those are known: until then a path
  // is -2 - (its place in `paths`)
  const paths: [string, number][] = [];
  const pathIndex = new Map<string, number>();
  const plainDir = storeDir !== '' && escapeControl(storeDir) === storeDir;
  const storePath = new RegExp(`^${storeDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/([0-9a-z]{32})-(.+)$`, 's');
  const pathOrText = (s: string): number => {
    const m = plainDir ? storePath.exec(s) : null;
    if (!m) return str(s);
    let n = pathIndex.get(s);
    if (n === undefined) {
      n = -2 - (paths.push([m[1] as string, str(m[2] as string)]) - 1);
      pathIndex.set(s, n);
    }
    return n;
  };
  const chains: number[][] = [];
  const chainIndex = new Map<string, number>();
  const chain = (via: string[]): number => {
    const key = via.join('\u0000');
    let n = chainIndex.get(key);
    if (n === undefined) {
      n = chains.push(via.map(str)) - 1;
      chainIndex.set(key, n);
    }
    return n;
  };
  const rows = inputs.map((i): InputRow => {
    const ref = i.drv ?? i.path ?? i.id;
    const ids = [...new Set([i.id, i.drv, i.path])].filter((x): x is string => x !== null && x !== ref).map(pathOrText);
    const a = i.allowlist;
    return [
      CLASSES.indexOf(i.class),
      (KINDS as readonly string[]).indexOf(i.kind),
      str(i.name),
      pathOrText(ref),
      ids,
      opt(i.hash),
      opt(i.hashMode),
      i.urls.map(str),
      i.evidence.flatMap((e) => [str(e.rule), str(e.detail)]),
      chain(i.via),
      ALLOW_STATES.indexOf(allowState(i, failOn)),
      a ? [str(a.name), str(a.reason), opt(a.expires), a.expired ? 1 : 0] : [],
      anchors.get(i.id) ?? '',
    ];
  });
  const number = (n: number): number => (n <= -2 ? strings.length + (-2 - n) : n);
  for (const r of rows) {
    r[3] = number(r[3]);
    r[4] = r[4].map(number);
  }
  return {
    format: 'seedaudit-html-inputs/1',
    fields: INPUT_FIELDS,
    classes: CLASSES,
    kinds: KINDS,
    allow: ALLOW_STATES,
    storeDir,
    strings,
    paths,
    chains,
    inputs: rows,
  };
};

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Source inputs by kind and the rule that decided them, with a few names each. */
const sourceSummary = (inputs: ReportInput[]): string => {
  const groups = new Map<string, { kind: string; rule: string; count: number; names: string[] }>();
  for (const i of inputs) {
    if (i.class !== 'source') continue;
    const rule = i.evidence[0]?.rule ?? '';
    const key = `${i.kind}\u0000${rule}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { kind: i.kind, rule, count: 0, names: [] }));
    g.count++;
    if (g.names.length < 3 && !g.names.includes(i.name)) g.names.push(i.name);
  }
  if (groups.size === 0) return '';
  const rows = [...groups.values()]
    .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind) || a.rule.localeCompare(b.rule))
    .map(
      (g) =>
        `<tr><td>${h(g.kind)}</td><td>${g.rule ? `<code class="rule">${h(g.rule)}</code>` : '<span class="muted">no evidence</span>'}</td>` +
        `<td class="num">${fmt(g.count)}</td><td>${g.names.map((n) => `<code>${h(n)}</code>`).join(', ')}${g.count > g.names.length ? ', …' : ''}</td></tr>`,
    );
  return (
    `<table id="source-summary" class="data"><thead><tr><th>Kind</th><th>Deciding rule</th><th>Source inputs</th><th>For example</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`
  );
};

const inputsSection = (inputs: ReportInput[]): string => {
  const count = (c: InputClass): number => inputs.filter((i) => i.class === c).length;
  const sources = count('source');
  const detailed = inputs.length - sources;
  const classBoxes = CLASSES.map(
    (c) => `<label><input type="checkbox" name="class" value="${c}" checked> ${c}</label>`,
  ).join(' ');
  const kindOptions = KINDS.map((k) => `<option value="${k}">${k}</option>`).join('');
  return (
    `<p id="inputs-overview">${fmt(inputs.length)} inputs: ${CLASSES.map((c) => `${fmt(count(c))} ${c}`).join(', ')}. ` +
    [
      detailed ? `The ${fmt(detailed)} seed, prebuilt and unknown inputs have their full rows above` : '',
      sources ? `the source inputs are summarised here by kind and by the rule that decided them` : '',
    ]
      .filter(Boolean)
      .join('; ')
      .replace(/^t/, 'T') +
    `${inputs.length ? '.' : ''}</p>` +
    sourceSummary(inputs) +
    `<p id="inputs-static-note" class="muted">The complete, searchable list of every input is drawn by this page's script ` +
    `from the data embedded in the file; the JSON report (<code>--format json</code>) has the same inputs with every field.</p>` +
    `<form id="filters" class="filters" hidden>` +
    `<fieldset><legend>Class</legend>${classBoxes}</fieldset>` +
    `<label>Kind <select id="f-kind"><option value="">any</option>${kindOptions}</select></label>` +
    `<label>Allowlisted <select id="f-allow"><option value="">any</option><option value="yes">yes</option>` +
    `<option value="no">no</option></select></label>` +
    `<label class="grow">Search <input id="f-search" type="search" autocomplete="off" ` +
    `title="every word must occur in the name, id, hash, a URL, the evidence, the via chain or the allowlist entry"></label>` +
    `<output id="f-count" aria-live="polite"></output></form>` +
    `<div id="inputs-view" class="listview" tabindex="-1" hidden>` +
    `<table id="inputs" class="data list"><colgroup><col class="c-class"><col class="c-kind"><col class="c-name"><col class="c-hash">` +
    `<col class="c-urls"><col class="c-ev"><col class="c-allow"></colgroup>` +
    `<thead><tr><th>Class</th><th>Kind</th><th>Name</th><th>Hash</th><th>URLs</th>` +
    `<th>Deciding evidence</th><th>Allowlist</th></tr></thead>` +
    `<tbody><tr class="pad" aria-hidden="true" hidden><td colspan="7"></td></tr><tr class="pad" aria-hidden="true" hidden><td colspan="7"></td></tr></tbody></table></div>` +
    `<div id="input-detail" class="input-detail" aria-live="polite" hidden></div>`
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
.detail-blocks{margin:6px 0}.detail-blocks table.data{margin:0;table-layout:fixed}
.detail-blocks table.data+table.data,.detail-blocks .block+.block table.data{border-top:0}
.lazy{content-visibility:auto}${Array.from({ length: 10 }, (_, k) => `.lazy.b${k + 1}{contain-intrinsic-size:auto ${(k + 1) * 1200}px}`).join('')}
.detail tr>:nth-child(1){width:86px}.detail tr>:nth-child(2){width:17%}.detail tr>:nth-child(3){width:16%}
.detail tr>:nth-child(4){width:20%}.detail tr>:nth-child(5){width:29%}
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
[hidden]{display:none!important}
td.num{text-align:right;white-space:nowrap}
#source-summary td:nth-child(-n+3){white-space:nowrap}#source-summary code.rule{overflow-wrap:normal}
.listview{max-height:75vh;overflow:auto;border:1px solid var(--line);border-radius:6px;margin:6px 0}
#inputs{table-layout:fixed;margin:0;border-collapse:separate;border-spacing:0}
#inputs th{position:sticky;top:0;z-index:1;border-width:0 0 1px}
#inputs td{border-width:0 0 1px;padding:4px 8px;height:45px;overflow:hidden}
#inputs tr.pad td{padding:0;border:0;height:0}
#inputs .l{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;line-height:18px;height:18px}
#inputs .l.small{font-size:12px}#inputs .path,#inputs .hash,#inputs .rule-line{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:12px}
#inputs col.c-class{width:92px}#inputs col.c-kind{width:112px}#inputs col.c-name{width:24%}#inputs col.c-hash{width:15%}
#inputs col.c-urls{width:20%}#inputs col.c-allow{width:130px}
#inputs button.name{font:inherit;font-weight:bold;color:var(--fg);background:none;border:0;padding:0;cursor:pointer;text-align:left}
#inputs button.name:hover,#inputs button.name:focus{text-decoration:underline}
.input-detail{position:relative;margin:10px 0;padding:10px 14px;border:1px solid var(--line);border-radius:6px;background:var(--soft)}
.input-detail h3{margin:0 70px 8px 0;font-size:15px;overflow-wrap:anywhere}
.input-detail dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}
.input-detail dt{font-weight:bold;color:var(--muted)}.input-detail dd{margin:0;overflow-wrap:anywhere}
.input-detail .close{position:absolute;top:8px;right:10px}
ul.plain{list-style:none;padding:0;margin:0}
.failures{margin:6px 0;padding-left:18px}
`;

/**
 * The input list: a virtual list over the embedded data (see {@link inputData}). Only the rows
 * in view, plus a margin, exist in the document; two padding rows stand for the rest, so
 * opening and filtering cost the same for 500 inputs and for 50,000. Rows have one fixed
 * height (every cell is at most two lines, cut with an ellipsis; the full text is in the
 * cell's tooltip and in the detail panel a click on the name opens).
 *
 * Search: every word must occur in one of an input's texts (name, ids, hash, URLs, evidence,
 * via chain, allowlist entry, class, kind). Texts are stored once, so a word is looked for in
 * each distinct text once, and each input then checks the indices it refers to.
 *
 * Graph text reaches the page only through textContent, createTextNode and setAttribute.
 */
const SCRIPT = `
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('seedaudit-inputs').textContent);
  var S = D.strings.slice(), CHAINS = D.chains, INPUTS = D.inputs;
  D.paths.forEach(function (p) { S.push(D.storeDir + '/' + p[0] + '-' + S[p[1]]); });
  var CLASS = 0, KIND = 1, NAME = 2, REF = 3, IDS = 4, HASH = 5, MODE = 6, URLS = 7, EV = 8, VIA = 9, ALLOW = 10, ENTRY = 11, ANCHOR = 12;
  var OVERSCAN = 15;

  var form = document.getElementById('filters');
  var search = document.getElementById('f-search');
  var kind = document.getElementById('f-kind');
  var allow = document.getElementById('f-allow');
  var count = document.getElementById('f-count');
  var view = document.getElementById('inputs-view');
  var tbody = document.querySelector('#inputs tbody');
  var pads = tbody.querySelectorAll('tr.pad');
  var padTop = pads[0], padBottom = pads[1];
  var detail = document.getElementById('input-detail');
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name=class]'));

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  /** a single line, cut with an ellipsis; the whole text in its tooltip */
  function line(cls, text) {
    var e = el('div', 'l' + (cls ? ' ' + cls : ''), text);
    if (text) e.setAttribute('title', text);
    return e;
  }
  function badge(c) { return el('span', 'cls cls-' + c, c); }

  function row(n) {
    var r = INPUTS[n];
    var c = D.classes[r[CLASS]];
    var tr = el('tr', 'r');
    tr.setAttribute('data-index', String(n));
    tr.setAttribute('data-class', c);
    tr.setAttribute('data-kind', D.kinds[r[KIND]]);
    tr.setAttribute('data-allow', r[ALLOW] === 0 ? 'yes' : 'no');
    var td = el('td'); td.appendChild(badge(c)); tr.appendChild(td);
    td = el('td'); td.appendChild(line('', D.kinds[r[KIND]])); tr.appendChild(td);
    td = el('td');
    var open = el('button', 'name', S[r[NAME]]);
    open.type = 'button';
    open.setAttribute('title', S[r[NAME]] + ' (details)');
    open.setAttribute('data-open', String(n));
    var first = el('div', 'l'); first.appendChild(open); td.appendChild(first);
    td.appendChild(line('small path', S[r[REF]]));
    tr.appendChild(td);
    td = el('td'); td.appendChild(line('hash', r[HASH] < 0 ? '' : S[r[HASH]])); tr.appendChild(td);
    td = el('td');
    var urls = r[URLS];
    td.appendChild(line('', urls.length ? S[urls[0]] : ''));
    if (urls.length > 1) td.appendChild(line('small muted', '+' + (urls.length - 1) + ' more'));
    tr.appendChild(td);
    td = el('td');
    if (r[EV].length) {
      td.appendChild(line('rule-line', S[r[EV][0]]));
      td.appendChild(line('small', S[r[EV][1]]));
    }
    tr.appendChild(td);
    td = el('td'); td.appendChild(line('', D.allow[r[ALLOW]])); tr.appendChild(td);
    return tr;
  }

  // ---- the virtual window
  var shown = [];
  var rowH = 45, measured = false, drawnFrom = -1, drawnTo = -1;
  function draw(force) {
    var top = view.scrollTop, height = view.clientHeight || 600;
    var from = Math.max(0, Math.floor(top / rowH) - OVERSCAN);
    var to = Math.min(shown.length, Math.ceil((top + height) / rowH) + OVERSCAN);
    if (!force && from === drawnFrom && to === drawnTo) return;
    drawnFrom = from; drawnTo = to;
    while (padTop.nextSibling !== padBottom) tbody.removeChild(padTop.nextSibling);
    var frag = document.createDocumentFragment();
    for (var i = from; i < to; i++) frag.appendChild(row(shown[i]));
    tbody.insertBefore(frag, padBottom);
    padTop.hidden = from === 0;
    padTop.firstChild.style.height = from * rowH + 'px';
    padBottom.hidden = to === shown.length;
    padBottom.firstChild.style.height = (shown.length - to) * rowH + 'px';
    if (!measured && to - from > 1) {
      // the height the stylesheet gives a row, as laid out (fonts, zoom)
      var rows = tbody.querySelectorAll('tr.r');
      var h = (rows[rows.length - 1].offsetTop - rows[0].offsetTop) / (rows.length - 1);
      measured = true;
      if (h > 0 && Math.abs(h - rowH) > 0.5) { rowH = h; draw(true); }
    }
  }
  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; draw(false); });
  }
  view.addEventListener('scroll', schedule);
  window.addEventListener('resize', schedule);

  // ---- search and filters
  // all texts lowercased in one string, a newline between them (no search word holds one),
  // and where each text starts: one indexOf pass finds a word in every text
  var all = null, starts = null;
  function index() {
    var lower = S.map(function (s) { return s.toLowerCase(); });
    all = lower.join('\\n');
    starts = new Int32Array(S.length + 1);
    for (var i = 0, at = 0; i < S.length; i++) { starts[i] = at; at += lower[i].length + 1; }
    starts[S.length] = all.length + 1;
  }
  /** the text holding position p of the joined string */
  function textAt(p) {
    var lo = 0, hi = S.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= p) lo = mid; else hi = mid - 1;
    }
    return lo;
  }
  var cache = new Map();
  /** for one search word: which texts and which via chains contain it */
  function hits(word) {
    if (cache.has(word)) return cache.get(word);
    if (!all) index();
    var s = new Uint8Array(S.length);
    for (var p = all.indexOf(word); p !== -1; ) {
      var i = textAt(p);
      s[i] = 1;
      p = all.indexOf(word, starts[i + 1]);
    }
    var c = new Uint8Array(CHAINS.length);
    for (var j = 0; j < CHAINS.length; j++) {
      var ch = CHAINS[j];
      for (var k = 0; k < ch.length; k++) if (s[ch[k]]) { c[j] = 1; break; }
    }
    var h = {
      s: s, c: c,
      cls: D.classes.map(function (x) { return x.indexOf(word) !== -1; }),
      kind: D.kinds.map(function (x) { return x.indexOf(word) !== -1; })
    };
    if (cache.size > 100) cache.clear();
    cache.set(word, h);
    return h;
  }
  function any(list, s) {
    for (var i = 0; i < list.length; i++) if (s[list[i]]) return true;
    return false;
  }
  function has(r, t) {
    var s = t.s;
    return t.cls[r[CLASS]] || t.kind[r[KIND]] || s[r[NAME]] === 1 || s[r[REF]] === 1 || any(r[IDS], s) ||
      (r[HASH] >= 0 && s[r[HASH]] === 1) || any(r[URLS], s) || any(r[EV], s) || t.c[r[VIA]] === 1 ||
      (r[ENTRY].length > 0 && (s[r[ENTRY][0]] === 1 || s[r[ENTRY][1]] === 1));
  }
  var applied = null;
  function apply() {
    var words = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var classes = boxes.map(function (b) { return b.checked; });
    var k = kind.value ? D.kinds.indexOf(kind.value) : -1;
    var a = allow.value;
    // the search box also fires "change" when it loses focus: redrawing then would replace
    // the row under a click that is under way
    var key = JSON.stringify([words, classes, k, a]);
    if (key === applied) return;
    applied = key;
    var terms = words.map(hits);
    var out = [];
    for (var n = 0; n < INPUTS.length; n++) {
      var r = INPUTS[n];
      if (!classes[r[CLASS]] || (k >= 0 && r[KIND] !== k)) continue;
      if (a && (r[ALLOW] === 0 ? 'yes' : 'no') !== a) continue;
      var ok = true;
      for (var t = 0; t < terms.length && ok; t++) ok = has(r, terms[t]);
      if (ok) out.push(n);
    }
    shown = out;
    view.scrollTop = 0;
    draw(true);
    count.textContent = 'showing ' + out.length + ' of ' + INPUTS.length + ' inputs';
  }

  // ---- the detail panel of one input
  function field(dl, term, node) {
    dl.appendChild(el('dt', '', term));
    var dd = el('dd');
    dd.appendChild(node);
    dl.appendChild(dd);
  }
  function list(tag, cls, items) {
    var l = el(tag, cls);
    items.forEach(function (x) { l.appendChild(x instanceof Node ? x : el('li', '', x)); });
    return l;
  }
  function code(cls, text) { return el('code', cls, text); }
  function openDetail(n) {
    var r = INPUTS[n];
    while (detail.firstChild) detail.removeChild(detail.firstChild);
    var head = el('h3');
    head.appendChild(badge(D.classes[r[CLASS]]));
    head.appendChild(document.createTextNode(' ' + S[r[NAME]]));
    detail.appendChild(head);
    if (r[ANCHOR]) {
      var p = el('p', 'small');
      var a = el('a', '', 'its full row above');
      a.setAttribute('href', '#' + r[ANCHOR]);
      p.appendChild(document.createTextNode('Gate verdict and allowlist entry: '));
      p.appendChild(a);
      detail.appendChild(p);
    }
    var dl = el('dl');
    field(dl, 'kind', document.createTextNode(D.kinds[r[KIND]]));
    field(dl, 'store path', list('ul', 'plain', [r[REF]].concat(r[IDS]).map(function (i) { var li = el('li'); li.appendChild(code('path', S[i])); return li; })));
    field(dl, 'hash', r[HASH] < 0 ? el('span', 'muted', 'no hash') : code('hash', S[r[HASH]] + (r[MODE] >= 0 ? ' (' + S[r[MODE]] + ')' : '')));
    field(dl, 'URLs', r[URLS].length ? list('ul', 'urls', r[URLS].map(function (i) { var li = el('li'); li.appendChild(code('', S[i])); return li; })) : el('span', 'muted', 'no URL'));
    var ev = [];
    for (var i = 0; i < r[EV].length; i += 2) {
      var li = el('li');
      li.appendChild(code('rule', S[r[EV][i]]));
      li.appendChild(document.createTextNode(' ' + S[r[EV][i + 1]]));
      ev.push(li);
    }
    field(dl, 'evidence', ev.length ? list('ol', 'evidence', ev) : el('span', 'muted', 'none'));
    var via = CHAINS[r[VIA]];
    field(dl, 'why is it here', via.length ? list('ol', 'via', via.map(function (i) { return S[i]; })) : el('span', 'muted', 'no chain recorded'));
    var e = r[ENTRY];
    var allowText = D.allow[r[ALLOW]];
    if (e.length) allowText += '; entry ' + S[e[0]] + ': ' + S[e[1]] + '; ' + (e[2] < 0 ? 'no expiry' : (e[3] ? 'expired ' : 'expires ') + S[e[2]]);
    field(dl, 'allowlist', document.createTextNode(allowText));
    detail.appendChild(dl);
    var close = el('button', 'close', 'close');
    close.type = 'button';
    close.addEventListener('click', function () { detail.hidden = true; });
    detail.appendChild(close);
    detail.hidden = false;
    detail.scrollIntoView({ block: 'nearest' });
  }
  tbody.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button[data-open]');
    if (b) openDetail(Number(b.getAttribute('data-open')));
  });

  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  document.getElementById('inputs-static-note').hidden = true;
  form.hidden = false;
  view.hidden = false;
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
${inputsSection(report.inputs)}
</section>
</main>
<script type="application/json" id="seedaudit-inputs">${jsonForScript(inputData(report.inputs, g.failOn, anchors, report.graph.storeDir ?? ''))}</script>
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
