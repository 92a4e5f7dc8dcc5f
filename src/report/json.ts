import type { ScanReport } from '../model/report.js';

/** The JSON report: the ScanReport as is, stable key order, two-space indent. */
export const renderJson = (r: ScanReport): string => JSON.stringify(r, null, 2) + '\n';

