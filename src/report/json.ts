/**
 * The JSON report: the ScanReport as is, stable key order, two-space indent. The same bytes as
 * `JSON.stringify(value, null, 2) + '\n'`, in pieces of about `chunk`
 * characters. A 1M-derivation report is ~330 MB of text: written whole it is held twice (the
 * string and the buffer written), which was a fifth of the scan's peak memory. The report's
 * top levels are walked here and every element below them (an input, a gate item) is
 * stringified alone, so no piece is much larger than one element.
 */
export function* jsonChunks(value: unknown, chunk = 1 << 20): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  for (const piece of pieces(value, 0)) {
    parts.push(piece);
    size += piece.length;
    if (size >= chunk) {
      yield parts.join('');
      parts = [];
      size = 0;
    }
  }
  parts.push('\n');
  yield parts.join('');
}

/** Containers above this depth are walked; deeper ones are stringified whole. */
const WALK_DEPTH = 2;

/** JSON.stringify's pieces for `value` `depth` levels deep, as JSON.stringify(value, null, 2) writes it. */
function* pieces(value: unknown, depth: number): Generator<string> {
  if (depth >= WALK_DEPTH || value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    yield stringifiedAt(value, depth);
    return;
  }
  const indent = '  '.repeat(depth);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return yield '[]';
    yield '[';
    for (let i = 0; i < value.length; i++) {
      yield i ? `,\n${inner}` : `\n${inner}`;
      const v: unknown = value[i];
      // as JSON.stringify: what JSON cannot hold is null inside an array
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') yield 'null';
      else yield* pieces(v, depth + 1);
    }
    return yield `\n${indent}]`;
  }
  let first = true;
  for (const [k, v] of Object.entries(value)) {
    // as JSON.stringify: such properties are left out of an object
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(k)}: `;
    first = false;
    yield* pieces(v, depth + 1);
  }
  yield first ? '{}' : `\n${indent}}`;
}

/**
 * `value` as JSON.stringify(…, null, 2) writes it `depth` levels deep. JSON.stringify indents
 * from column 0, so the value is stringified inside `depth` one-element arrays and their
 * brackets are cut off: its lines then carry the right indent without a second pass over the
 * text (re-indenting each element with a replace was most of the time of writing the report).
 */
function stringifiedAt(value: unknown, depth: number): string {
  if (depth === 0) return JSON.stringify(value, null, 2);
  let wrapped: unknown = value;
  for (let i = 0; i < depth; i++) wrapped = [wrapped];
  const s = JSON.stringify(wrapped, null, 2);
  // "[\n  [\n    " before the value and "\n  ]\n]" after it, at depth 2
  let before = 0;
  for (let i = 1; i <= depth; i++) before += 2 + 2 * i;
  let after = 0;
  for (let i = 0; i < depth; i++) after += 2 + 2 * i;
  return s.slice(before, s.length - after);
}
