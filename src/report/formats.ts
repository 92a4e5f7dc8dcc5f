/** One scan, many renderings: every format is a pure function of the JSON report. */
import type { ScanReport } from './schema.js';
import { renderJson } from './json.js';
import { renderText } from './text.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';

export const FORMATS = ['text', 'json', 'html', 'junit', 'markdown', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];

export interface RenderOptions {
  color: boolean;
  verbose?: boolean;
  /** descriptions of the rules that were loaded, for SARIF's rule metadata */
  rules?: { id: string; description: string }[];
}

export function renderReport(format: Format, report: ScanReport, opts: RenderOptions): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'text':
      return renderText(report, opts);
    case 'html':
      return renderHtml(report);
    case 'junit':
      return renderJunit(report);
    case 'markdown':
      return renderMarkdown(report);
    case 'sarif':
      return renderSarif(report, { rules: opts.rules });
  }
}
