/**
 * The terminal report: a summary table, then every binary input with its evidence,
 * allowlist status and "why is it here" chain, then the inputs nobody could classify,
 * then the gate verdict. Colour only on a terminal and never with NO_COLOR.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { ReportInput, ScanReport } from '../model/report.js';
import { escapeControl } from './escape.js';
import { gateItemsOf } from '../model/gate.js';
import { coverageLine, failingSummary, gateCountsLine, headline, provenanceLine, provenanceRows } from './headline.js';

export interface TextOptions {
  color: boolean;
  /** list every input, not only binaries and unknowns */
  verbose?: boolean;
}

// Names and URLs come from the graph: control and bidi characters are made visible so a
// crafted name cannot move the cursor, clear the screen or fake a line of our output.
const clean = escapeControl;

function status(i: ReportInput, c: ChalkInstance): string {
  if (i.allowlisted) return c.green(`allowlisted as '${clean(i.allowlist!.name)}'`);
  if (i.allowlist?.expired) return c.red(`allowlist entry '${clean(i.allowlist.name)}' EXPIRED ${i.allowlist.expires}`);
  if (i.gate === 'baseline') return c.yellow('in baseline');
  if (i.gate === 'fail') return c.red('NOT ALLOWLISTED');
  return c.yellow('not allowlisted');
}

export function renderText(r: ScanReport, opts: TextOptions): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const lines: string[] = [];
  // the answer first: which binaries this build trusts, and what was not looked at
  lines.push(c.bold(headline(r, clean)));
  const gaps = coverageLine(r, clean);
  if (gaps) lines.push(c.yellow(gaps));
  lines.push('');
  lines.push(c.bold(`seedaudit ${r.tool.version}`) + ` — graph: ${clean(r.graph.format)} from ${clean(r.graph.detail)}`);
  for (const root of r.roots) lines.push(`root: ${clean(root.name)}  ${c.dim(clean(root.drv))}`);
  lines.push(`allowlist: ${clean(r.allowlist.file)} (${r.allowlist.entries} entries)`);
  lines.push('');

  const s = r.summary;
  const table = new Table({
    head: ['derivations', 'fixed-output', 'inputs', 'source', 'seed', 'prebuilt', 'unknown'],
    style: { head: opts.color ? ['cyan'] : [], border: opts.color ? ['grey'] : [] },
  });
  table.push([s.derivations, s.fixedOutput, s.inputs, s.source, s.seed, s.prebuilt, s.unknown]);
  lines.push(table.toString());
  lines.push(`Gate: ${gateCountsLine(r)}`);

  const binaries = r.inputs.filter((i) => i.binary);
  lines.push('');
  lines.push(c.bold(`Binary inputs (${binaries.length})`));
  if (binaries.length === 0) lines.push('  none: every input is source or unknown');
  for (const i of binaries) lines.push(...inputBlock(i, c));

  const unknown = r.inputs.filter((i) => i.class === 'unknown');
  if (unknown.length) {
    lines.push('');
    lines.push(c.bold(`Unknown inputs (${unknown.length})`) + c.dim(r.gate.failOn === 'unknown' ? ' — fail the gate under --fail-on unknown' : ' — need a human; --fail-on unknown makes them fail'));
    for (const i of unknown) lines.push(...inputBlock(i, c));
  }

  if (r.elf.length) {
    const flagged = r.elf.filter((e) => e.provenance !== 'built');
    lines.push('');
    lines.push(c.bold(`Output ELF files (${r.elf.length}, ${flagged.length} not built here)`));
    for (const e of flagged) {
      lines.push(`  ${e.gate === 'fail' ? c.red('✗') : c.green('✓')} ${c.bold(e.provenance)} ${clean(e.path)}${e.gate === 'baseline' ? c.yellow('  in baseline') : ''}`);
      lines.push(`      made by   ${clean(e.producedBy.name ?? 'unknown deriver')}${e.producedBy.class ? ` (${e.producedBy.class})` : ''}`);
      if (e.comment?.length) lines.push(`      comment   ${e.comment.map(clean).join(' | ')}`);
      if (e.interpreter) lines.push(`      interp    ${clean(e.interpreter)}`);
      if (e.buildId) lines.push(`      build-id  ${clean(e.buildId)}`);
      if (e.sha256) lines.push(`      sha256    ${clean(e.sha256)}`);
      for (const ev of e.evidence) lines.push(`      ${c.dim(ev.rule)}  ${clean(ev.detail)}`);
    }
  }

  if (opts.verbose) {
    lines.push('');
    lines.push(c.bold(`All inputs (${r.inputs.length})`));
    // the path tells apart inputs of the same name (three build.kaem scripts of three stages)
    for (const i of r.inputs)
      lines.push(`  ${i.class.padEnd(8)} ${i.kind.padEnd(12)} ${clean(i.name)}  ${c.dim(clean(i.drv ?? i.path ?? i.id))}  ${c.dim(i.evidence[0]?.rule ?? '')}`.trimEnd());
  }

  const prov = provenanceLine(r);
  if (prov) {
    lines.push('');
    lines.push(c.bold(prov));
    const items = new Map(gateItemsOf(r).items.filter((g) => g.kind === 'provenance').map((g) => [g.ref, g]));
    for (const p of provenanceRows(r)) {
      const mark = p.verdict === 'disagrees' ? (items.get(p.drv)?.status === 'fail' ? c.red('✗') : c.yellow('!')) : p.verdict === 'agrees' ? c.green('✓') : c.yellow('?');
      lines.push(`  ${mark} ${p.verdict.padEnd(12)} ${clean(p.detail)}${p.attr ? c.dim(`  (${clean(p.attr)})`) : ''}`);
    }
    for (const n of r.provenance!.notes) lines.push(`  ${c.dim(clean(n))}`);
  }

  const uninspected = gateItemsOf(r).items.filter((g) => g.kind === 'uninspected');
  if (uninspected.length) {
    lines.push('');
    lines.push(c.bold(`Uninspected outputs (${uninspected.length})`) + c.dim(' — count as unknown under --fail-on unknown'));
    for (const g of uninspected) lines.push(`  ${g.status === 'fail' ? c.red('✗') : c.green('✓')} ${clean(g.name)}  ${c.dim(clean(g.reason))}`);
  }

  lines.push('');
  const verdict = r.gate.passed ? c.green.bold('PASSED') : c.red.bold('FAILED') + ` — ${failingSummary(r)}`;
  lines.push(`Gate (--fail-on ${r.gate.failOn}${r.gate.baseline ? `, baseline ${clean(r.gate.baseline)}` : ''}): ${verdict}`);
  return lines.join('\n') + '\n';
}

function inputBlock(i: ReportInput, c: ChalkInstance): string[] {
  const mark = i.gate === 'fail' ? c.red('✗') : i.binary ? c.green('✓') : c.yellow('?');
  const cls = i.class === 'prebuilt' ? c.red(i.class.toUpperCase()) : i.class === 'seed' ? c.yellow('SEED') : c.yellow(i.class.toUpperCase());
  const out = [`  ${mark} ${cls} ${c.bold(clean(i.name))}  ${i.binary || i.gate === 'fail' ? status(i, c) : ''}`.trimEnd()];
  if (i.hash) out.push(`      hash      ${i.hash}${i.hashMode ? ` (${i.hashMode})` : ''}`);
  for (const u of i.urls) out.push(`      url       ${clean(u)}`);
  if (i.kind !== 'fixed-output') out.push(`      path      ${clean(i.path ?? '')} (${i.kind})`);
  if (i.allowlist) out.push(`      reason    ${clean(i.allowlist.reason)}${i.allowlist.expires ? ` (expires ${i.allowlist.expires})` : ''}`);
  if (i.via.length) out.push(`      via       ${i.via.map(clean).join(' → ')}`);
  for (const e of i.evidence) out.push(`      ${c.dim(e.rule)}  ${clean(e.detail)}`);
  return out;
}
