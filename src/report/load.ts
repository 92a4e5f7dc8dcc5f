/**
 * Reading back a saved JSON report: `diff` compares two, `--baseline` gates against one,
 * `allowlist check/add` take entries from one. Checks what those readers rely on.
 */
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../errors.js';
import { readRegularFileSync } from '../files.js';
import type { Io } from '../io.js';
import type { ScanReport } from '../model/report.js';
import { countItems, deriveGateItems } from '../model/gate.js';

const INPUT_CLASSES = ['source', 'seed', 'prebuilt', 'unknown'];
const INPUT_KINDS = ['fixed-output', 'input-src', 'builder'];

/** The first reason `v` is not a report this version can diff, or null. Checks what the diff reads. */
export const reportProblem = (v: unknown): string | null => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const r = v as Record<string, unknown>;
  const tool = r.tool as { name?: unknown } | undefined;
  if (tool?.name !== 'seedaudit') return 'not a seedaudit report (no tool.name "seedaudit")';
  if (r.schemaVersion !== 1) return `report schemaVersion ${JSON.stringify(r.schemaVersion)} is not supported (expected 1)`;
  if (typeof r.generatedAt !== 'string') return 'generatedAt is missing';
  if (!Array.isArray(r.roots) || r.roots.some((x) => typeof (x as { name?: unknown })?.name !== 'string'))
    return 'roots is not a list of {drv, name}';
  if (!Array.isArray(r.inputs)) return 'inputs is not a list';
  for (const [n, x] of r.inputs.entries()) {
    const i = x as Record<string, unknown>;
    const bad =
      typeof i !== 'object' || i === null ? 'is not an object'
      : typeof i.id !== 'string' ? 'has no id'
      : typeof i.name !== 'string' ? 'has no name'
      : !INPUT_KINDS.includes(i.kind as string) ? `has an unknown kind ${JSON.stringify(i.kind)}`
      : !INPUT_CLASSES.includes(i.class as string) ? `has an unknown class ${JSON.stringify(i.class)}`
      : typeof i.binary !== 'boolean' || typeof i.allowlisted !== 'boolean' ? 'lacks binary/allowlisted flags'
      : !(typeof i.hash === 'string' || i.hash === null) ? 'has a hash that is not a string or null'
      : !Array.isArray(i.urls) || i.urls.some((u) => typeof u !== 'string') ? 'has urls that are not strings'
      : !Array.isArray(i.via) || i.via.some((u) => typeof u !== 'string') ? 'has a via chain that is not strings'
      : null;
    if (bad) return `inputs[${n}] ${bad}`;
  }
  return null;
};

/** Reports are JSON text below V8's string limit. */
const MAX_REPORT_BYTES = 512 * 1024 * 1024 - 64;

/** Reads a saved report (plain or gzip-compressed JSON); any problem is one InputError line naming `what` it was for. */
export const loadReport = (file: string, io: Pick<Io, 'cwd'>, what = 'report'): ScanReport => {
  // a regular file only, bounded before and after decompression
  const bytes = readRegularFileSync(path.resolve(io.cwd, file), { label: `${what}: ${file}`, maxBytes: MAX_REPORT_BYTES });
  let doc: unknown;
  try {
    const text =
      bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes, { maxOutputLength: MAX_REPORT_BYTES }).toString('utf8') : bytes.toString('utf8');
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${what}: ${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const problem = reportProblem(doc);
  if (problem) throw new InputError(`${what}: ${file}: not a seedaudit JSON report: ${problem}`);
  const r = doc as ScanReport;
  // a report written before gate items were recorded: rebuild them from its per-finding verdicts
  if (!Array.isArray(r.elf)) r.elf = [];
  if (typeof r.gate === 'object' && r.gate !== null && !Array.isArray(r.gate.items)) {
    r.gate.items = deriveGateItems(r);
    r.gate.counts = countItems(r.gate.items);
  }
  return r;
};

