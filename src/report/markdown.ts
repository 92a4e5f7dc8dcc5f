/**
 * Markdown for pull-request comments and GitHub step summaries: a verdict line, the binaries
 * that fail the gate with the reason, and the full binary table folded in `<details>`.
 *
 * Graph text (names, hashes, URLs, evidence, via steps) is always written as a code span:
 * inside one, GitHub parses no emphasis, HTML, link, autolink, @mention or #reference, so a
 * derivation named `@org/team` or `<img src=…>` notifies nobody and loads nothing. The
 * allowlist reason is the only free text written as prose, escaped.
 */
import type { ElfFinding, ReportInput, ScanReport } from '../model/report.js';
import { escapeMarkdown, markdownCode } from './escape.js';
import { gateItemsOf } from '../model/gate.js';
import { coverageLine, failingSummary, gateCountsLine, headline, provenanceLine, provenanceRows } from './headline.js';

export interface MarkdownOptions {
  /**
   * at most this many rows in the folded table; GitHub rejects comments over 65536
   * characters, so a huge closure is cut with a note rather than not posted at all
   */
  maxRows?: number;
}

const code = (s: string): string => (s === '' ? '*(empty)*' : markdownCode(s, true));

const allowText = (i: ReportInput): string => {
  const a = i.allowlist;
  if (i.allowlisted && a) return `allowlisted (${code(a.name)}${a.expires ? `, expires ${code(a.expires)}` : ''})`;
  if (a?.expired) return `**allowlist entry ${code(a.name)} expired ${code(a.expires ?? '')}**`;
  if (i.gate === 'baseline') return 'in baseline, not allowlisted';
  return '**not allowlisted**';
};

/** root → first step → … → last two steps: enough to see where it enters and what pulls it in */
const shortVia = (via: string[]): string => {
  const shown = via.length > 5 ? [via[0] as string, via[1] as string, '…', ...via.slice(-2)] : via;
  return shown.map((v) => (v === '…' ? '…' : code(v))).join(' → ');
};

const firstEvidence = (ev: { rule: string; detail: string }[]): string =>
  ev[0] ? `${code(ev[0].rule)} ${code(ev[0].detail)}` : 'no evidence recorded';

const failingRow = (i: ReportInput): string =>
  `| ${code(i.name)} | ${escapeMarkdown(i.class)} | ${i.hash ? code(i.hash) : '—'} | ${allowText(i)}<br>${firstEvidence(i.evidence)}<br>via ${shortVia(i.via)} |`;

const elfLine = (f: ElfFinding): string =>
  `- ${code(f.path)} in ${code(f.storePath)}: ${code(f.provenance)}${f.evidence[0] ? `, ${firstEvidence(f.evidence)}` : ''}`;

export const renderMarkdown = (report: ScanReport, opts: MarkdownOptions = {}): string => {
  const maxRows = opts.maxRows ?? 200;
  const g = report.gate;
  const s = report.summary;
  const binaries = report.inputs.filter((i) => i.binary);
  const failing = report.inputs.filter((i) => i.gate === 'fail');
  const elfFailing = report.elf.filter((f) => f.gate === 'fail');
  const out: string[] = [];

  const verdict = g.passed ? '✅ **seedaudit: pass**' : '❌ **seedaudit: gate failed**';
  const failOn = `(fail-on ${code(g.failOn)})`;
  const reason = g.passed ? `no binary fails the gate ${failOn}` : `${failingSummary(report)} ${failOn}`;
  // the answer to the question first, then the verdict
  out.push(headline(report, code), '');
  const gaps = coverageLine(report, code);
  if (gaps) out.push(`⚠️ ${gaps}`, '');
  out.push(`${verdict}: ${reason}`, '');
  out.push(
    `Roots: ${report.roots.map((r) => code(r.name)).join(', ') || 'none'} · ` +
      `${s.source} source, ${s.seed} seed, ${s.prebuilt} prebuilt, ${s.unknown} unknown · ` +
      `allowlist ${code(report.allowlist.file)} (${report.allowlist.entries} entries)` +
      (g.baseline ? ` · baseline ${code(g.baseline)}` : ''),
    '',
    `Gate: ${gateCountsLine(report)}`,
    '',
  );

  if (failing.length) {
    out.push(`**Failing inputs (${failing.length})**`, '', '| Input | Class | Hash | Why |', '| --- | --- | --- | --- |');
    out.push(...failing.map(failingRow), '');
  }
  if (elfFailing.length) {
    out.push(`**Failing ELF files (${elfFailing.length})**`, '', ...elfFailing.map(elfLine), '');
  }
  const uninspected = gateItemsOf(report).items.filter((i) => i.kind === 'uninspected' && i.status === 'fail');
  if (uninspected.length) {
    out.push(`**Failing uninspected outputs (${uninspected.length})**`, '', ...uninspected.map((i) => `- ${code(i.name)}: ${code(i.reason)}`), '');
  }

  const prov = provenanceLine(report);
  if (prov) {
    const shown = provenanceRows(report).filter((p) => p.verdict !== 'agrees');
    out.push(`**${escapeMarkdown(prov)}**`, '');
    if (shown.length) {
      out.push('| Package | Declared | Verdict | Detail |', '| --- | --- | --- | --- |');
      for (const p of shown)
        out.push(`| ${code(p.attr ?? p.name)} | ${p.declared.map((d) => code(d)).join(', ') || '—'} | ${escapeMarkdown(p.verdict)} | ${code(p.detail)} |`);
      out.push('');
    }
  }

  // A blank line after <summary> lets GitHub render the table inside the HTML block.
  out.push(`<details><summary>All binary inputs (${binaries.length})</summary>`, '');
  if (binaries.length === 0) {
    out.push('No binary inputs.', '');
  } else {
    out.push('| Class | Binary | Gate | Allowlist | Hash | URLs | Via |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const i of binaries.slice(0, maxRows)) {
      const reason = i.allowlist ? `<br>${escapeMarkdown(i.allowlist.reason)}` : '';
      out.push(
        `| ${escapeMarkdown(i.class)} | ${code(i.name)} | ${escapeMarkdown(i.gate)} | ${allowText(i)}${reason} | ${i.hash ? code(i.hash) : '—'} | ` +
          `${i.urls.map(code).join('<br>') || '—'} | ${shortVia(i.via)} |`,
      );
    }
    if (binaries.length > maxRows) out.push('', `*${binaries.length - maxRows} more not shown; see the JSON or HTML report.*`);
    out.push('');
  }
  out.push('</details>', '');
  return out.join('\n');
};
