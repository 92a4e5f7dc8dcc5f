/**
 * The allowlist: binaries a project has decided to trust, matched by hash (never by name,
 * which any download can claim; an input source has no declared hash, so it is matched by its
 * store path, whose hash part Nix derives from the contents),
 * which any download can claim). Every entry needs a reason; an entry past its `expires`
 * date no longer allows, so trust has to be renewed by a person.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { parseHash, toSRI } from '../graph/hash.js';
import { PACKAGE_ROOT } from '../version.js';

export interface AllowlistEntry {
  name: string;
  /** normalised to SRI */
  /** normalised SRI hash, or null for an entry that pins a store path */
  hash: string | null;
  /** the hash as written in the file */
  rawHash: string | null;
  /** an input source's store path (content-addressed), for inputs that have no fixed hash */
  storePath: string | null;
  reason: string;
  urls: string[];
  expires: string | null;
}

export interface Allowlist {
  file: string;
  entries: AllowlistEntry[];
  byHash: Map<string, AllowlistEntry>;
  byPath: Map<string, AllowlistEntry>;
}

const ENTRY_KEYS = new Set(['name', 'hash', 'storePath', 'reason', 'urls', 'expires', 'system', 'mode', 'origin', 'executable']);

const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) &&
  new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

export function parseAllowlist(text: string, file: string): Allowlist {
  const fail = (msg: string): never => {
    throw new InputError(`allowlist ${file}: ${msg}`);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return fail(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('expected an object {"version": 1, "seeds": [...]}');
  const d = doc as Record<string, unknown>;
  if (d.version !== 1) fail(`unsupported version ${JSON.stringify(d.version)} (expected 1)`);
  if (!Array.isArray(d.seeds)) fail(`'seeds' must be a list`);
  for (const k of Object.keys(d)) if (!['version', 'seeds', 'about', '$schema'].includes(k)) fail(`unknown key '${k}'`);
  const entries: AllowlistEntry[] = [];
  const byHash = new Map<string, AllowlistEntry>();
  const byPath = new Map<string, AllowlistEntry>();
  (d.seeds as unknown[]).forEach((raw, i) => {
    const at = `entry ${i + 1}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(`${at} is not an object`);
    const e = raw as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!ENTRY_KEYS.has(k)) fail(`${at}: unknown key '${k}'`);
    if (typeof e.name !== 'string' || !e.name.trim()) fail(`${at}: 'name' is required`);
    const where = `${at} (${e.name as string})`;
    if (typeof e.reason !== 'string' || !e.reason.trim()) fail(`${where}: 'reason' is required: say why this binary is trusted`);
    if (e.storePath !== undefined && (typeof e.storePath !== 'string' || !/^\/.+\/[0-9a-df-np-sv-z]{32}-[^/]+$/.test(e.storePath)))
      fail(`${where}: 'storePath' must be a store path like /nix/store/<hash>-<name>`);
    if (e.hash === undefined && e.storePath === undefined) return fail(`${where}: 'hash' is required`);
    if (e.hash !== undefined && typeof e.hash !== 'string') return fail(`${where}: 'hash' must be a string`);
    let hash: string | null = null;
    if (typeof e.hash === 'string')
      try {
        hash = toSRI(parseHash(e.hash, 'sha256'));
      } catch (err) {
        return fail(`${where}: ${(err as Error).message}`);
      }
    if (e.expires !== undefined && e.expires !== null && (typeof e.expires !== 'string' || !isDate(e.expires)))
      fail(`${where}: 'expires' must be a date YYYY-MM-DD`);
    if (e.urls !== undefined && (!Array.isArray(e.urls) || e.urls.some((u) => typeof u !== 'string')))
      fail(`${where}: 'urls' must be a list of strings`);
    const entry: AllowlistEntry = {
      name: e.name as string,
      hash,
      rawHash: (e.hash as string | undefined) ?? null,
      storePath: (e.storePath as string | undefined) ?? null,
      reason: e.reason as string,
      urls: (e.urls as string[] | undefined) ?? [],
      expires: (e.expires as string | undefined) ?? null,
    };
    if (hash) {
      if (byHash.has(hash)) fail(`${where}: hash ${hash} is listed twice (also for ${byHash.get(hash)!.name})`);
      byHash.set(hash, entry);
    }
    if (entry.storePath) {
      if (byPath.has(entry.storePath)) fail(`${where}: store path ${entry.storePath} is listed twice`);
      byPath.set(entry.storePath, entry);
    }
    entries.push(entry);
  });
  return { file, entries, byHash, byPath };
}

export const SHIPPED_ALLOWLIST = fileURLToPath(new URL('allowlist.json', PACKAGE_ROOT));

/** `--allowlist FILE`, else ./allowlist.json in the working directory, else the shipped one. */
export function resolveAllowlistPath(explicit: string | undefined, cwd: string, exists: (p: string) => boolean): string {
  if (explicit) return path.resolve(cwd, explicit);
  const local = path.join(cwd, 'allowlist.json');
  return exists(local) ? local : SHIPPED_ALLOWLIST;
}

export function loadAllowlist(file: string): Allowlist {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`allowlist ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
  }
  return parseAllowlist(text, file);
}

/** An entry allows until the end of its `expires` day (UTC). `today` is YYYY-MM-DD. */
export const isExpired = (entry: AllowlistEntry, today: string): boolean =>
  entry.expires !== null && entry.expires < today;

export const todayUtc = (): string => new Date().toISOString().slice(0, 10);
export { isDate };
