/**
 * The seed registry (seeds/*.json): the bootstrap seeds seedaudit knows, each with the public
 * file it was read from (repository, path, commit). It is the one source of truth for
 *
 *  - the hash lists of rules/seeds.json (which hashes `seed.known-hash` recognises, which ones the
 *    shape rules stand down for),
 *  - the seed entries of the shipped allowlist.json (entries marked `shipped`),
 *  - `seedaudit allowlist import` (entries for chosen systems or targets),
 *  - the size of a seed in the trust base when the store does not have it.
 *
 * `npm run seeds:generate` writes the generated files; a test fails when they are out of date.
 * Validation is the JSON Schema rules/schema/seeds.schema.json plus what a schema cannot say:
 * a hash written in another form (`hashAsWritten`) must decode to the entry's SRI hash, ids and
 * hashes are unique across the registry.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { parseHash, toSRI } from '../graph/hash.js';
import { PACKAGE_ROOT } from '../version.js';

export const REGISTRY_DIR = fileURLToPath(new URL('seeds/', PACKAGE_ROOT));
export const REGISTRY_SCHEMA = fileURLToPath(new URL('rules/schema/seeds.schema.json', PACKAGE_ROOT));
/** The generated files, relative to the package root. */
export const SEED_RULES_FILE = fileURLToPath(new URL('rules/seeds.json', PACKAGE_ROOT));
/** Review date written into every generated allowlist entry. */
export const SHIPPED_EXPIRES = '2027-06-30';

export type SeedKind = 'nixpkgs-bootstrap-files' | 'stage0-seed' | 'stage0-posix-source' | 'guix-bootstrap-binary';

export interface SeedSource {
  project: 'nixpkgs' | 'aux-core' | 'aux-foundation' | 'stage0' | 'live-bootstrap' | 'guix';
  repo: string;
  file: string;
  commit: string;
  hashAsWritten?: string;
  note?: string;
}

export interface SeedEntry {
  id: string;
  name: string;
  kind: SeedKind;
  role: string;
  binary: boolean;
  hash: string;
  hashMode: 'flat' | 'recursive';
  size?: number;
  flatSha256?: string;
  system?: string;
  target?: string;
  urls: string[];
  status: 'current' | 'superseded' | 'unknown';
  shipped: boolean;
  sources: SeedSource[];
  build?: { nixpkgsRevision?: string; hydraBuild?: string; time?: string };
  note?: string;
  /** the registry file it came from (basename) */
  file: string;
}

export interface Registry {
  entries: SeedEntry[];
  byHash: Map<string, SeedEntry>;
}

type Validator = ((doc: unknown) => boolean) & { errors?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] | null };
let validator: Validator | undefined;
function schemaValidator(): Validator {
  if (!validator) {
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    validator = new Ajv({ allErrors: false, strict: true }).compile(JSON.parse(readFileSync(REGISTRY_SCHEMA, 'utf8')) as object) as Validator;
  }
  return validator;
}

/** The registry's files in name order. */
export const registryFiles = (dir = REGISTRY_DIR): string[] =>
  readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(dir, f));

/**
 * Read the registry. With `validate`, every file is checked against the schema and the entries
 * against each other (the generator and the tests do this; a scan only looks up sizes).
 */
export function loadRegistry(dir = REGISTRY_DIR, opts: { validate?: boolean } = {}): Registry {
  const entries: SeedEntry[] = [];
  const byHash = new Map<string, SeedEntry>();
  const ids = new Set<string>();
  for (const file of registryFiles(dir)) {
    const base = path.basename(file);
    let doc: { entries: Omit<SeedEntry, 'file'>[] };
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
    } catch (e) {
      throw new InputError(`seed registry ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
    if (opts.validate) {
      const v = schemaValidator();
      if (!v(doc)) {
        const e = v.errors![0];
        throw new InputError(`seed registry ${base}: ${e.instancePath || '(top level)'}: ${e.message ?? 'invalid'}${e.params?.additionalProperty ? ` '${String(e.params.additionalProperty)}'` : ''}`);
      }
    }
    for (const raw of doc.entries) {
      const entry: SeedEntry = { ...raw, file: base };
      if (opts.validate) {
        const where = `seed registry ${base}: ${entry.id}`;
        if (ids.has(entry.id)) throw new InputError(`${where}: id listed twice`);
        if (toSRI(parseHash(entry.hash, 'sha256')) !== entry.hash) throw new InputError(`${where}: hash is not a normalised SRI sha256`);
        if (byHash.has(entry.hash)) throw new InputError(`${where}: hash ${entry.hash} is also entry ${byHash.get(entry.hash)!.id}; give one entry all its sources`);
        for (const s of entry.sources)
          if (s.hashAsWritten !== undefined && toSRI(parseHash(s.hashAsWritten, 'sha256')) !== entry.hash)
            throw new InputError(`${where}: ${s.repo} ${s.file} writes ${s.hashAsWritten}, which is not ${entry.hash}`);
        if (!entry.binary && entry.shipped) throw new InputError(`${where}: a source bundle (binary: false) cannot be shipped in the allowlist`);
      }
      ids.add(entry.id);
      if (!byHash.has(entry.hash)) byHash.set(entry.hash, entry);
      entries.push(entry);
    }
  }
  return { entries, byHash };
}

let cached: Registry | undefined;
/** The shipped registry, read once (no schema check: the package's own data, checked by the tests). */
export function shippedRegistry(): Registry {
  cached ??= loadRegistry();
  return cached;
}

const short = (c: string) => c.slice(0, 12);

/** "NixOS/nixpkgs pkgs/…/x86_64-unknown-linux-gnu.nix at 50d6aae3fe0d" for every source. */
export const citation = (e: SeedEntry): string =>
  e.sources.map((s) => `${s.repo} ${s.file} at ${short(s.commit)}`).join('; ');

const KIND_TEXT: Record<SeedKind, string> = {
  'nixpkgs-bootstrap-files': 'nixpkgs stdenv bootstrap seed',
  'stage0-seed': 'stage0-posix hand-written seed',
  'stage0-posix-source': 'stage0-posix source bundle',
  'guix-bootstrap-binary': 'Guix bootstrap binary',
};

/** The reason an allowlist entry generated from the registry gives: what it is, where it came from. */
export function reasonFor(e: SeedEntry): string {
  const what = `${KIND_TEXT[e.kind]} (${e.role}${e.target ? `, ${e.target}` : ''}${e.system && e.system !== e.target ? ` / ${e.system}` : ''})`;
  const build = e.build?.nixpkgsRevision
    ? `, built by nixpkgs revision ${e.build.nixpkgsRevision}${e.build.time ? ` (${e.build.time})` : ''}`
    : '';
  const size = e.size !== undefined ? `, ${e.size} bytes` : '';
  return `${what}${build}${size}; hash published in ${citation(e)}`;
}

/** An allowlist entry (the keys the allowlist schema accepts) for a registry entry. */
export function allowlistEntryFor(e: SeedEntry, expires: string | null): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    name: e.name,
    hash: e.hash,
    reason: reasonFor(e),
    urls: e.urls,
    origin: `seedaudit seed registry seeds/${e.file}, entry ${e.id}`,
  };
  if (expires) entry.expires = expires;
  return entry;
}

/** The text of the shipped allowlist.json: every `shipped` registry entry. */
export function shippedAllowlistText(reg: Registry): string {
  const doc = {
    version: 1,
    about:
      'Binaries seedaudit accepts by default: the bootstrap seeds marked `shipped` in the seed registry (seeds/*.json), each with the public file its hash was copied from. Generated by `npm run seeds:generate`: edit the registry, not this file. Matched by hash only. Review each entry before its expiry date.',
    seeds: reg.entries.filter((e) => e.shipped && e.binary).map((e) => allowlistEntryFor(e, SHIPPED_EXPIRES)),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

interface RuleDoc {
  about?: string;
  rules: { id: string; match: { hash?: string[] }; unless?: { hash?: string[] } }[];
}

/**
 * rules/seeds.json with its hash lists filled from the registry: `seed.known-hash` recognises
 * every binary seed; each shape rule stands down for the hashes of its own kind; the
 * stage0-posix source rules take the source bundles' hashes.
 */
export function seedRulesText(reg: Registry, currentText: string): string {
  const doc = JSON.parse(currentText) as RuleDoc;
  const hashes = (pred: (e: SeedEntry) => boolean) => [...new Set(reg.entries.filter(pred).map((e) => e.hash))];
  const binary = hashes((e) => e.binary);
  const ofKind = (k: SeedKind) => hashes((e) => e.kind === k);
  const lists: Record<string, { match?: string[]; unless?: string[] }> = {
    'seed.known-hash': { match: binary },
    'seed.nixpkgs-bootstrap-files': { unless: ofKind('nixpkgs-bootstrap-files') },
    'seed.stage0-posix': { unless: ofKind('stage0-seed') },
    'seed.guix-bootstrap-binaries': { unless: ofKind('guix-bootstrap-binary') },
    'seed.guix-bootstrap-tarball': { unless: ofKind('guix-bootstrap-binary') },
    'source.stage0-posix-sources': { match: ofKind('stage0-posix-source') },
    'unknown.stage0-posix-sources-unregistered': { unless: ofKind('stage0-posix-source') },
  };
  for (const [id, l] of Object.entries(lists)) {
    const rule = doc.rules.find((r) => r.id === id);
    if (!rule) throw new InputError(`rules/seeds.json has no rule ${id} to fill from the registry`);
    if (l.match) rule.match.hash = l.match;
    if (l.unless) rule.unless = { ...(rule.unless ?? {}), hash: l.unless };
  }
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Entries for `allowlist import`: binaries of the chosen systems/targets (all with `all`). */
export function selectEntries(
  reg: Registry,
  opts: { systems: string[]; targets: string[]; all: boolean; superseded: boolean },
): SeedEntry[] {
  return reg.entries.filter(
    (e) =>
      e.binary &&
      (opts.superseded || e.status !== 'superseded') &&
      (opts.all || (e.system !== undefined && opts.systems.includes(e.system)) || (e.target !== undefined && opts.targets.includes(e.target))),
  );
}
