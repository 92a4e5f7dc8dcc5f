import type { ScanReport } from '../model/report.js';

/** The JSON report: the ScanReport as is, stable key order, two-space indent. */
export const renderJson = (r: ScanReport): string => [...jsonChunks(r)].join('');

/**
 * The same bytes as `JSON.stringify(value, null, 2) + '\n'`, in pieces of about `chunk`
 * characters. A 1M-derivation report is ~330 MB of text: written whole it is held twice (the
 * string and the buffer written), which was a fifth of the scan's peak memory. The report's
 * top levels are walked here and every element below them (an input, a gate item) is
 * stringified alone, so no piece is much larger than one element.
 */
export function* jsonChunks(value: unknown, chunk = 1 << 20): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  const out = function* (s: string): Generator<string> {
    parts.push(s);
    size += s.length;
    if (size >= chunk) {
      yield parts.join('');
      parts = [];
      size = 0;
    }
  };
  for (const piece of pieces(value, '', 0)) yield* out(piece);
  yield* out('\n');
  if (size) yield parts.join('');
}

/** Containers above this depth are walked; deeper ones are stringified whole. */
const WALK_DEPTH = 2;

/** JSON.stringify's pieces for `value` at `indent`, as JSON.stringify(value, null, 2) writes it. */
function* pieces(value: unknown, indent: string, depth: number): Generator<string> {
  if (depth >= WALK_DEPTH || value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    const s = JSON.stringify(value, null, 2);
    // JSON.stringify indents nested lines from column 0: shift them to where this value sits
    yield indent && s.includes('\n') ? s.replace(/\n/g, `\n${indent}`) : s;
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return yield '[]';
    yield '[';
    for (let i = 0; i < value.length; i++) {
      yield i ? `,\n${inner}` : `\n${inner}`;
      const v: unknown = value[i];
      // as JSON.stringify: what JSON cannot hold is null inside an array
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') yield 'null';
      else yield* pieces(v, inner, depth + 1);
    }
    return yield `\n${indent}]`;
  }
  let first = true;
  for (const [k, v] of Object.entries(value)) {
    // as JSON.stringify: such properties are left out of an object
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(k)}: `;
    first = false;
    yield* pieces(v, inner, depth + 1);
  }
  yield first ? '{}' : `\n${indent}}`;
}
