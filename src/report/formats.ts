/** One scan, many renderings: every format is a pure function of the JSON report. */
import type { ScanReport } from './schema.js';
import { renderJson } from './json.js';
import { renderText } from './text.js';

export const FORMATS = ['text', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export interface RenderOptions {
  color: boolean;
  verbose?: boolean;
}

export function renderReport(format: Format, report: ScanReport, opts: RenderOptions): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'text':
      return renderText(report, opts);
  }
}
