/**
 * The roots of a many-roots scan (`--roots-file FILE`): one per line, either a `.drv` store path
 * or a JSON object as `nix-eval-jobs` prints it (`{"attr": …, "drvPath": …, …}`; an attribute
 * that failed to evaluate is `{"attr": …, "error": …}`). Blank lines and `#` comments are
 * skipped; the two kinds of line may be mixed.
 */
import { InputError } from '../errors.js';
import { readRegularFileSync } from '../files.js';

export interface RootEntry {
  /** the attribute (nix-eval-jobs `attr`, else its `attrPath` joined by dots); null for a bare .drv line */
  attr: string | null;
  /** the .drv store path; null when the attribute failed to evaluate */
  drv: string | null;
  /** nix-eval-jobs' error for the attribute */
  error?: string;
  /** 1-based line in the file */
  line: number;
}

/** 1 GiB: ~10M lines of nix-eval-jobs output, far beyond any package set. */
const MAX_ROOTS_FILE = 1024 ** 3;

const DRV_BASENAME = /^[0-9abcdfghijklmnpqrsvwxyz]{32}-[A-Za-z0-9+\-._?=]+\.drv$/;

export function parseRootsFile(text: string, label: string, storeDir: string): RootEntry[] {
  const out: RootEntry[] = [];
  const lines = text.split('\n');
  const isDrv = (p: string) => p.startsWith(storeDir + '/') && p.indexOf('/', storeDir.length + 1) < 0 && DRV_BASENAME.test(p.slice(storeDir.length + 1));
  const show = (s: string) => JSON.stringify(s.length > 120 ? s.slice(0, 117) + '...' : s);
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).trim();
    if (!line || line.startsWith('#')) continue;
    const at = `${label}:${n + 1}`;
    if (line.startsWith('{')) {
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch (e) {
        throw new InputError(`${at}: not a JSON object (${(e as Error).message})`);
      }
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InputError(`${at}: not a JSON object`);
      const r = o as Record<string, unknown>;
      const attr =
        typeof r.attr === 'string'
          ? r.attr
          : Array.isArray(r.attrPath) && r.attrPath.every((x) => typeof x === 'string')
            ? r.attrPath.join('.')
            : null;
      if (r.error !== undefined && r.error !== null) {
        const error = typeof r.error === 'string' ? r.error : JSON.stringify(r.error);
        out.push({ attr: attr ?? `(line ${n + 1})`, drv: null, error, line: n + 1 });
        continue;
      }
      if (typeof r.drvPath !== 'string') throw new InputError(`${at}: no "drvPath" (a nix-eval-jobs line has "attr" and "drvPath", or "error")`);
      if (!isDrv(r.drvPath)) throw new InputError(`${at}: drvPath ${show(r.drvPath)} is not a derivation in ${storeDir}`);
      out.push({ attr, drv: r.drvPath, line: n + 1 });
      continue;
    }
    if (!isDrv(line)) throw new InputError(`${at}: ${show(line)} is neither a derivation path in ${storeDir} nor a nix-eval-jobs JSON line`);
    out.push({ attr: null, drv: line, line: n + 1 });
  }
  return out;
}

/** Read FILE (a regular file) or, for `-`, standard input. */
export async function readRootsFile(file: string, label: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if (file !== '-') return readRegularFileSync(file, { label, maxBytes: MAX_ROOTS_FILE }).toString('utf8');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stdin) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    size += b.length;
    if (size > MAX_ROOTS_FILE) throw new InputError(`${label}: over the ${MAX_ROOTS_FILE}-byte limit`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The roots to scan: the distinct derivations, in first-seen order. Attributes that failed to
 * evaluate are an input error unless `report` (--eval-errors report) lets them through.
 */
export function rootsOf(entries: RootEntry[], label: string, evalErrors: 'fail' | 'report'): string[] {
  const failed = entries.filter((e) => e.error !== undefined);
  if (failed.length && evalErrors === 'fail') {
    const first = failed[0] as RootEntry;
    const what = (first.error as string).split('\n').find((l) => l.trim())?.trim() ?? '';
    throw new InputError(
      `${label}: ${failed.length} attribute${failed.length === 1 ? '' : 's'} failed to evaluate (first: ${first.attr}, line ${first.line}: ${what.slice(0, 200)}); ` +
        'give --eval-errors report to scan the others and list these in the reports',
    );
  }
  const roots = [...new Set(entries.flatMap((e) => (e.drv ? [e.drv] : [])))];
  if (!roots.length) throw new InputError(`${label}: no roots (a .drv path or a nix-eval-jobs JSON line per line)`);
  return roots;
}
