/**
 * One scan, many renderings: every format is a pure function of the JSON report. The
 * renderers are loaded only when asked for, so a JSON-only CI run does not pay for HTML,
 * XML and Markdown code at start-up.
 */
import type { ScanReport } from '../model/report.js';

export const FORMATS = ['text', 'json', 'html', 'junit', 'markdown', 'sarif', 'cyclonedx'] as const;
export type Format = (typeof FORMATS)[number];

export interface RenderOptions {
  color: boolean;
  verbose?: boolean;
  /** descriptions of the rules that were loaded, for SARIF's rule metadata */
  rules?: { id: string; description: string }[];
  /** SARIF: the repository root result locations are relative to (absolute) */
  sarifRoot?: string;
  /** SARIF: a file of the repository (relative to sarifRoot) for results no root position places */
  sarifFallback?: string | null;
}

/**
 * The report as pieces to write one after the other. JSON, the format of large scans, comes in
 * pieces of about 1 MiB (see jsonChunks), so its text is never held whole; the others are one piece.
 */
export async function renderReportChunks(format: Format, report: ScanReport, opts: RenderOptions): Promise<Iterable<string>> {
  if (format === 'json') return (await import('./json.js')).jsonChunks(report);
  return [await renderWhole(format, report, opts)];
}

async function renderWhole(format: Exclude<Format, 'json'>, report: ScanReport, opts: RenderOptions): Promise<string> {
  switch (format) {
    case 'text':
      return (await import('./text.js')).renderText(report, opts);
    case 'html':
      return (await import('./html.js')).renderHtml(report);
    case 'junit':
      return (await import('./junit.js')).renderJunit(report);
    case 'markdown':
      return (await import('./markdown.js')).renderMarkdown(report);
    case 'sarif':
      return (await import('./sarif.js')).renderSarif(report, { rules: opts.rules, root: opts.sarifRoot, fallback: opts.sarifFallback });
    case 'cyclonedx':
      return (await import('./cyclonedx.js')).renderCycloneDx(report);
  }
}
