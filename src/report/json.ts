import type { ScanReport } from './schema.js';

/** The JSON report: the ScanReport as is, stable key order, two-space indent. */
export const renderJson = (r: ScanReport): string => JSON.stringify(r, null, 2) + '\n';

/** Read back a saved JSON report (for diff, baseline and allowlist tooling). */
export function isScanReport(v: unknown): v is ScanReport {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Partial<ScanReport>;
  return r.schemaVersion === 1 && Array.isArray(r.inputs) && typeof r.summary === 'object' && typeof r.gate === 'object';
}
