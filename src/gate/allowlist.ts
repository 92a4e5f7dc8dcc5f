/**
 * The allowlist: binaries a project has decided to trust, matched by an identity derived from
 * their bytes, never by name (which any download can claim). A fixed-output input is matched by
 * its hash; an input source, which has no declared hash, by its store path (whose hash part Nix
 * derives from the contents); an ELF file in a build's outputs by its GNU build-id or the sha256
 * of the file. Every entry needs a reason; an entry past its `expires` date no longer allows,
 * so trust has to be renewed by a person.
 *
 * One validator serves the gate (`scan`), `allowlist check` and `allowlist add`: the JSON Schema
 * in rules/schema/allowlist.schema.json, then what a schema cannot say (hashes that decode,
 * calendar dates, duplicates) in code. `allowlistProblems` lists every error; the gate refuses
 * a file on the first.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { readRegularFileSync } from '../files.js';
import { parseHash, toSRI } from '../graph/hash.js';
import type { AllowlistMatch } from '../model/report.js';
import { PACKAGE_ROOT } from '../version.js';

export interface AllowlistEntry {
  /** its position in the file's `seeds` (0-based) */
  index: number;
  name: string;
  /** normalised SRI hash of a fixed-output input, or null for the other kinds of entry */
  hash: string | null;
  /** the hash as written in the file */
  rawHash: string | null;
  /** an input source's store path (content-addressed), for inputs that have no fixed hash */
  storePath: string | null;
  /** GNU build-id (lowercase hex) of an ELF file in a build's outputs */
  buildId: string | null;
  /** sha256 of an ELF file's bytes, normalised to SRI */
  fileSha256: string | null;
  reason: string;
  /** documentation only */
  urls: string[];
  /** documentation only */
  origin: string | null;
  expires: string | null;
}

export interface Allowlist {
  file: string;
  entries: AllowlistEntry[];
  byHash: Map<string, AllowlistEntry>;
  byPath: Map<string, AllowlistEntry>;
  byBuildId: Map<string, AllowlistEntry>;
  byFileSha256: Map<string, AllowlistEntry>;
}

/** One error of an allowlist: `where` is `entry 2 (rust)`, or null for the top level. */
export interface AllowlistError {
  where: string | null;
  message: string;
}

export const SHIPPED_ALLOWLIST = fileURLToPath(new URL('allowlist.json', PACKAGE_ROOT));
export const ALLOWLIST_SCHEMA = fileURLToPath(new URL('rules/schema/allowlist.schema.json', PACKAGE_ROOT));

const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) &&
  new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
}
type Validator = ((doc: unknown) => boolean) & { errors?: SchemaError[] | null };
let validator: Validator | undefined;

/**
 * The schema validator, compiled on first use. ajv is loaded with a synchronous require so the
 * gate's allowlist parsing stays synchronous for its callers; it still costs nothing until an
 * allowlist is read.
 */
function schemaValidator(): Validator {
  if (!validator) {
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    const schema = JSON.parse(readFileSync(ALLOWLIST_SCHEMA, 'utf8')) as object;
    validator = new Ajv({ allErrors: true, strict: true }).compile(schema) as Validator;
  }
  return validator;
}

/** A string from the file, safe to print on one line. */
const show = (s: string): string => (/[\u0000-\u001f\u007f]/.test(s) ? JSON.stringify(s).slice(1, -1) : s);

const PINS = ['hash', 'storePath', 'buildId', 'fileSha256'] as const;
const MUST: Record<string, string> = {
  name: 'a non-empty string',
  reason: 'a non-empty string: say why this binary is trusted',
  hash: 'a string: a sha256 as SRI, base-16, Nix base-32 or base-64',
  storePath: 'a store path like /nix/store/<32 base-32 characters>-<name>',
  buildId: 'a GNU build-id in lowercase hex (16 to 128 digits, as readelf -n prints it)',
  fileSha256: "the file's sha256 as SRI (sha256-...=) or 64 lowercase hex digits",
  urls: 'a list of strings',
  origin: 'a string',
  expires: 'a date YYYY-MM-DD',
};
/** Keys an earlier format accepted and ignored: say why they went. */
const REMOVED: Record<string, string> = {
  mode: 'the hash already fixes the bytes, whatever the hash mode',
  executable: 'the hash already fixes the bytes, whatever the hash mode',
  system: "a hash names the same bytes on every system, and a fetch's derivation system is often 'builtin'",
};
const unknownKey = (k: string): string =>
  `unknown key '${show(k)}'${REMOVED[k] ? ` (no longer accepted: ${REMOVED[k]}; delete it)` : ''}`;

/** Schema errors, grouped by entry (top level under -1), as one message per problem. */
function schemaErrors(doc: unknown, errors: SchemaError[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const add = (i: number, rank: number, msg: string) => {
    const list = out.get(i) ?? [];
    list.push(`${rank}\u0000${msg}`);
    out.set(i, list);
  };
  const seeds = (doc as { seeds?: unknown[] } | null)?.seeds;
  for (const e of errors) {
    const m = /^\/seeds\/(\d+)(?:\/([^/]+))?/.exec(e.instancePath);
    if (!m) {
      // the top level
      const key = e.instancePath.split('/')[1];
      if (e.instancePath === '' && e.keyword === 'type') add(-1, 0, 'expected an object {"version": 1, "seeds": [...]}');
      else if (e.keyword === 'additionalProperties') add(-1, 1, unknownKey(String(e.params.additionalProperty)));
      else if (e.keyword === 'required')
        add(-1, 2, e.params.missingProperty === 'seeds' ? `'seeds' must be a list` : `'version' is required (1)`);
      else if (key === 'version') add(-1, 2, `unsupported version ${JSON.stringify((doc as { version?: unknown } | null)?.version)} (expected 1)`);
      else if (key === 'seeds') add(-1, 2, `'seeds' must be a list`);
      else add(-1, 3, `'${show(key ?? '')}' must be a string`);
      continue;
    }
    const i = Number(m[1]);
    const key = m[2];
    if (e.schemaPath.includes('/oneOf/')) continue; // the branches; the oneOf error itself says it once
    if ((key === 'name' || key === 'reason') && e.keyword === 'pattern')
      add(i, 2, key === 'reason' ? `'reason' is required: say why this binary is trusted` : `'name' is required`);
    else if (key !== undefined) add(i, 3, `'${show(key)}' must be ${MUST[key] ?? 'valid'}`);
    else if (e.keyword === 'type') add(i, 0, 'is not an object');
    else if (e.keyword === 'additionalProperties') add(i, 1, unknownKey(String(e.params.additionalProperty)));
    else if (e.keyword === 'required') {
      const p = String(e.params.missingProperty);
      add(i, 2, p === 'reason' ? `'reason' is required: say why this binary is trusted` : `'${p}' is required`);
    } else if (e.keyword === 'oneOf') {
      const raw = (seeds?.[i] ?? {}) as Record<string, unknown>;
      const given = PINS.filter((p) => raw[p] !== undefined);
      add(i, 4, given.length === 0
        ? `'hash' is required (or, instead, one of 'storePath', 'buildId', 'fileSha256')`
        : `has ${given.map((g) => `'${g}'`).join(' and ')}: give exactly one of 'hash', 'storePath', 'buildId', 'fileSha256'`);
    } else add(i, 5, `invalid (${e.keyword})`);
  }
  const sorted = new Map<number, string[]>();
  for (const k of [...out.keys()].sort((a, b) => a - b)) {
    const msgs = out.get(k)!.sort((a, b) => Number(a.split('\u0000')[0]) - Number(b.split('\u0000')[0])).map((s) => s.slice(s.indexOf('\u0000') + 1));
    sorted.set(k, [...new Set(msgs)]);
  }
  return sorted;
}

/** `entry 2 (rust)`: how errors and `allowlist check` name an entry. */
export const entryLabel = (e: Pick<AllowlistEntry, 'index' | 'name'>): string => label(e.index, e);

const label = (i: number, raw: unknown): string => {
  const name = (raw as { name?: unknown } | null)?.name;
  return `entry ${i + 1}${typeof name === 'string' && name.trim() ? ` (${show(name)})` : ''}`;
};

/**
 * Every error of an allowlist document, in file order (top level first), and the entries that
 * are valid. The schema first; hashes, dates and duplicates of the entries the schema accepts.
 * An expired entry is not an error here: it is valid and simply no longer allows.
 */
export function allowlistProblems(text: string, file: string, opts: { schema?: boolean } = {}): { errors: AllowlistError[]; allowlist: Allowlist } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`allowlist ${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const allowlist: Allowlist = { file, entries: [], byHash: new Map(), byPath: new Map(), byBuildId: new Map(), byFileSha256: new Map() };
  const errors: AllowlistError[] = [];
  const v = opts.schema === false ? null : schemaValidator();
  const bySchema = !v || v(doc) ? new Map<number, string[]>() : schemaErrors(doc, v.errors ?? []);
  for (const message of bySchema.get(-1) ?? []) errors.push({ where: null, message });
  const seeds = (doc as { seeds?: unknown })?.seeds;
  if (!Array.isArray(seeds)) return { errors, allowlist };
  seeds.forEach((raw, i) => {
    const where = label(i, raw);
    const schema = bySchema.get(i);
    if (schema) {
      for (const message of schema) errors.push({ where, message });
      return;
    }
    const err = (message: string) => errors.push({ where, message });
    const e = raw as Record<string, unknown>;
    const entry: AllowlistEntry = {
      index: i,
      name: e.name as string,
      hash: null,
      rawHash: (e.hash as string | undefined) ?? null,
      storePath: (e.storePath as string | undefined) ?? null,
      buildId: (e.buildId as string | undefined) ?? null,
      fileSha256: null,
      reason: e.reason as string,
      urls: (e.urls as string[] | undefined) ?? [],
      origin: (e.origin as string | undefined) ?? null,
      expires: (e.expires as string | null | undefined) ?? null,
    };
    let ok = true;
    const fail = (message: string) => {
      err(message);
      ok = false;
    };
    if (entry.rawHash !== null)
      try {
        const h = parseHash(entry.rawHash, 'sha256');
        // md5 and sha1 collide on demand: a pin by them would accept a forged binary
        if (h.algo !== 'sha256' && h.algo !== 'sha512') throw new Error(`a ${h.algo} hash cannot pin a binary (collisions can be made); give its sha256 or sha512`);
        entry.hash = toSRI(h);
      } catch (x) {
        fail(`malformed hash: ${show((x as Error).message)}`);
      }
    if (typeof e.fileSha256 === 'string')
      try {
        const h = parseHash(e.fileSha256, 'sha256');
        if (h.algo !== 'sha256') throw new Error(`fileSha256 holds a ${h.algo} hash, not a sha256`);
        entry.fileSha256 = toSRI(h);
      } catch (x) {
        fail(`malformed fileSha256: ${show((x as Error).message)}`);
      }
    if (entry.expires !== null && !isDate(entry.expires)) fail(`'expires' must be a date YYYY-MM-DD (${entry.expires} is not a day)`);
    const unique = (map: Map<string, AllowlistEntry>, key: string | null, what: string) => {
      if (key === null) return;
      const other = map.get(key);
      if (other) fail(`${what} ${key} is listed twice (also for ${show(other.name)})`);
      else if (ok) map.set(key, entry);
    };
    unique(allowlist.byHash, entry.hash, 'hash');
    unique(allowlist.byPath, entry.storePath, 'store path');
    unique(allowlist.byBuildId, entry.buildId, 'build-id');
    unique(allowlist.byFileSha256, entry.fileSha256, 'file sha256');
    if (ok) allowlist.entries.push(entry);
  });
  return { errors, allowlist };
}

/** The allowlist the gate uses; any error is an InputError naming the entry and the key. */
export function parseAllowlist(text: string, file: string, opts: { schema?: boolean } = {}): Allowlist {
  const { errors, allowlist } = allowlistProblems(text, file, opts);
  if (errors.length) {
    const e = errors[0];
    throw new InputError(`allowlist ${file}: ${e.where ? `${e.where}: ` : ''}${e.message}`);
  }
  return allowlist;
}

/** `--allowlist FILE`, else ./allowlist.json in the working directory, else the shipped one. For reading. */
export function resolveAllowlistPath(explicit: string | undefined, cwd: string, exists: (p: string) => boolean): string {
  if (explicit) return path.resolve(cwd, explicit);
  const local = path.join(cwd, 'allowlist.json');
  return exists(local) ? local : SHIPPED_ALLOWLIST;
}

/**
 * The file `allowlist add` writes: `--allowlist FILE`, else ./allowlist.json in the working
 * directory (created when missing). Never the shipped allowlist, which is read-only data.
 */
export function allowlistTarget(explicit: string | undefined, cwd: string): string {
  return explicit ? path.resolve(cwd, explicit) : path.join(cwd, 'allowlist.json');
}

/** Allowlists are hand-edited lists of entries: kilobytes, never gigabytes. */
const MAX_ALLOWLIST_BYTES = 64 * 1024 * 1024;

export function readAllowlistText(file: string): string {
  // a regular file only (a FIFO would block, /dev/zero never ends), bounded in size
  return readRegularFileSync(file, { label: `allowlist ${file}`, maxBytes: MAX_ALLOWLIST_BYTES }).toString('utf8');
}

/** Is `file` the allowlist shipped inside the package (also through a symlink or a hard link)? */
export function isShippedAllowlist(file: string): boolean {
  const shipped = path.resolve(SHIPPED_ALLOWLIST);
  if (path.resolve(file) === shipped) return true;
  try {
    const a = statSync(file);
    const b = statSync(shipped);
    if (a.dev === b.dev && a.ino === b.ino) return true;
  } catch {
    // one of them does not exist: compare where the paths lead
  }
  try {
    return path.join(realpathSync(path.dirname(path.resolve(file))), path.basename(file)) === realpathSync(shipped);
  } catch {
    return false;
  }
}

/**
 * The shipped allowlist is read without the schema validator (loading ajv and compiling the
 * schema costs a scan ~70 ms): it is the package's own data, and a test checks it against the
 * same schema. Every other file gets the full check.
 */
export function loadAllowlist(file: string): Allowlist {
  const shipped = path.resolve(file) === path.resolve(SHIPPED_ALLOWLIST);
  return parseAllowlist(readAllowlistText(file), file, { schema: !shipped });
}

/** An entry allows until the end of its `expires` day (UTC). `today` is YYYY-MM-DD. */
export const isExpired = (entry: AllowlistEntry, today: string): boolean =>
  entry.expires !== null && entry.expires < today;

const matchOf = (e: AllowlistEntry, today: string): AllowlistMatch =>
  ({ name: e.name, reason: e.reason, expires: e.expires, expired: isExpired(e, today) });

/** An allowlist match of an ELF file, and which identity matched. */
export type ElfAllowlistMatch = AllowlistMatch & { match: 'build-id' | 'file-sha256' };

/**
 * The entry for an ELF file found in a build's outputs: by its GNU build-id, then by the
 * sha256 of its bytes (SRI or hex). When both match, an entry that still allows wins; an
 * expired match is returned too (`expired: true`): it then does not allow.
 */
export function allowlistMatchElf(
  allowlist: Allowlist,
  elf: { buildId?: string | null; sha256?: string | null },
  today: string,
): ElfAllowlistMatch | null {
  const byId = elf.buildId && allowlist.byBuildId.size ? allowlist.byBuildId.get(elf.buildId.toLowerCase()) : undefined;
  let bySha: AllowlistEntry | undefined;
  if (elf.sha256 && allowlist.byFileSha256.size)
    try {
      bySha = allowlist.byFileSha256.get(toSRI(parseHash(elf.sha256, 'sha256')));
    } catch {
      bySha = undefined; // not a sha256: matches nothing
    }
  const found = [
    ...(byId ? [{ ...matchOf(byId, today), match: 'build-id' as const }] : []),
    ...(bySha ? [{ ...matchOf(bySha, today), match: 'file-sha256' as const }] : []),
  ];
  return found.find((m) => !m.expired) ?? found[0] ?? null;
}

export const todayUtc = (): string => new Date().toISOString().slice(0, 10);
export { isDate };
