/**
 * Classes `allowlist` and `rules`: the files that widen or change what passes. Wrong types,
 * unknown and missing keys, bad hashes and dates, bad and catastrophic regexes, truncated
 * JSON, hostile names, and special files (FIFOs with and without a writer, /dev/zero, a
 * directory). A file that cannot be fully read and validated is exit 2, never a silent default.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, symlinkSync, writeFileSync, writeSync, constants } from 'node:fs';
import path from 'node:path';
import { fetchDrv, builtDrv, toJsonDoc } from './graph.js';
import { NASTY, type GenContext, type Generator, type InputClass } from './context.js';
import type { Expect, FuzzCase } from './runner.js';

type Case = Omit<FuzzCase, 'cls' | 'kind' | 'seed' | 'cwd'>;
type Json = Record<string, unknown>;

/** A graph with one prebuilt download (named `name`) that the root takes. */
function graphFile(ctx: GenContext, name = 'rust-1.76.0-x86_64-unknown-linux-gnu.tar.gz', env: Record<string, string> = {}): { file: string; hash: string } {
  const [f, fd] = fetchDrv(ctx.rng, name, ctx.rng.bytes(32));
  const [r, rd] = builtDrv(ctx.rng, 'root-1.0', [f], []);
  Object.assign(rd.env, env);
  const file = path.join(ctx.dir, 'graph.json');
  writeFileSync(file, JSON.stringify(toJsonDoc({ [f]: fd, [r]: rd }, '2.4')));
  return { file, hash: fd.env.outputHash };
}

const validEntry = (hash: string): Json => ({ name: 'rust', hash, reason: 'reviewed bootstrap compiler', urls: ['https://example.org/rust.tar.gz'], expires: '2099-12-31' });

const WRONG: unknown[] = [42, true, null, 'str', [], ['x'], {}, { a: 1 }, -1, 1.5];
const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** A FIFO at `p`; with `content`, a writer fills it once the scan opens it for reading. */
function fifo(p: string, content?: string): (() => () => void) | undefined {
  execFileSync('mkfifo', [p]);
  if (content === undefined) return undefined;
  return () => {
    let stopped = false;
    const timer = setInterval(() => {
      if (stopped) return;
      try {
        // O_NONBLOCK write-open fails with ENXIO until a reader has it open
        const fd = openSync(p, constants.O_WRONLY | constants.O_NONBLOCK);
        try {
          writeSync(fd, content);
        } catch {
          // the reader went away
        }
        closeSync(fd);
        stopped = true;
        clearInterval(timer);
      } catch {
        // no reader yet
      }
    }, 20);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  };
}

function special(ctx: GenContext, base: string, valid: string): { path: string; expect: Expect; why: string; during?: () => () => void } {
  const what = ctx.rng.pick(['fifo-no-writer', 'fifo-writer', 'dev-zero', 'dev-urandom', 'directory', 'symlink-fifo', 'empty', 'dev-null']);
  const p = path.join(ctx.dir, `${base}.json`);
  switch (what) {
    case 'fifo-no-writer':
      fifo(p);
      return { path: p, expect: 'error', why: 'a FIFO nobody writes to' };
    case 'fifo-writer':
      return { path: p, expect: 'any', why: 'a FIFO a writer fills with a valid file', during: fifo(p, valid) };
    case 'symlink-fifo':
      fifo(path.join(ctx.dir, 'the-fifo'));
      symlinkSync(path.join(ctx.dir, 'the-fifo'), p);
      return { path: p, expect: 'error', why: 'a symlink to a FIFO nobody writes to' };
    case 'dev-zero':
      return { path: '/dev/zero', expect: 'error', why: '/dev/zero (endless)' };
    case 'dev-urandom':
      return { path: '/dev/urandom', expect: 'error', why: '/dev/urandom (endless)' };
    case 'dev-null':
      return { path: '/dev/null', expect: 'error', why: '/dev/null (empty)' };
    case 'directory':
      mkdirSync(p);
      // --rules takes a folder (an empty one adds no rules); --allowlist does not
      return { path: p, expect: base === 'rules' ? 'read' : 'error', why: 'a directory' };
    default:
      writeFileSync(p, '');
      return { path: p, expect: 'error', why: 'an empty file' };
  }
}

const scanArgs = (graph: string, extra: string[], format = 'json') => ['scan', '--from-json', graph, '--no-inspect', '--format', format, ...extra];

// ---------------------------------------------------------------- allowlist

function allowCase(ctx: GenContext, doc: unknown, expect: Expect, why: string, raw?: string): Case {
  const g = graphFile(ctx);
  const file = path.join(ctx.dir, 'allow.json');
  writeFileSync(file, raw ?? JSON.stringify(doc));
  return { args: scanArgs(g.file, ['--allowlist', file]), expect, why };
}

const allowKinds: Record<string, Generator> = {
  valid: (ctx) => {
    const g = graphFile(ctx);
    const file = path.join(ctx.dir, 'allow.json');
    const accept = ctx.rng.chance(0.5);
    writeFileSync(file, JSON.stringify({ version: 1, seeds: accept ? [validEntry(g.hash)] : [] }));
    return {
      args: scanArgs(g.file, ['--allowlist', file]),
      expect: 'read',
      why: accept ? 'allowlist accepting the prebuilt download' : 'empty allowlist',
      check: (r) => (r.code === (accept ? 0 : 1) ? [] : [{ name: 'wrong-verdict', detail: `expected exit ${accept ? 0 : 1}, got ${r.code}` }]),
    };
  },
  'wrong-type': (ctx) => {
    const doc: Json = { version: 1, seeds: [validEntry('sha256-' + ctx.rng.bytes(32).toString('base64'))] };
    const entry = (doc.seeds as Json[])[0];
    const target = ctx.rng.pick(['version', 'seeds', 'name', 'hash', 'reason', 'urls', 'expires', 'urls[0]', 'seeds[0]']);
    const set = (v: unknown) => {
      if (target === 'version' || target === 'seeds') doc[target] = v;
      else if (target === 'seeds[0]') (doc.seeds as unknown[])[0] = v;
      else if (target === 'urls[0]') (entry.urls as unknown[])[0] = v;
      else entry[target] = v;
    };
    const old = target === 'version' ? 1 : target === 'seeds' ? [] : target === 'seeds[0]' ? {} : target === 'urls' ? [] : 's';
    const v = ctx.rng.pick(WRONG.filter((x) => typeOf(x) !== typeOf(old)));
    set(v);
    return allowCase(ctx, doc, 'error', `allowlist: ${target} = ${JSON.stringify(v)}`);
  },
  'unknown-key': (ctx) => {
    const entry = validEntry('sha256-' + ctx.rng.bytes(32).toString('base64'));
    const where = ctx.rng.pick(['entry', 'top', 'typo']);
    const doc: Json = { version: 1, seeds: [entry] };
    if (where === 'entry') entry[ctx.rng.pick(['system', 'mode', 'executable', 'x'])] = 'x86_64-linux';
    else if (where === 'top') doc.extra = true;
    else {
      entry.hahs = entry.hash;
      delete entry.hash;
    }
    return allowCase(ctx, doc, 'error', `allowlist: unknown key at ${where}`);
  },
  'missing-key': (ctx) => {
    const entry = validEntry('sha256-' + ctx.rng.bytes(32).toString('base64'));
    const k = ctx.rng.pick(['name', 'hash', 'reason', 'version', 'seeds']);
    const doc: Json = { version: 1, seeds: [entry] };
    if (k === 'version' || k === 'seeds') delete doc[k];
    else delete entry[k];
    return allowCase(ctx, doc, 'error', `allowlist: '${k}' missing`);
  },
  'bad-value': (ctx) => {
    const entry = validEntry('sha256-' + ctx.rng.bytes(32).toString('base64'));
    const [k, v] = ctx.rng.pick<[string, string]>([
      ['hash', 'sha256-short'],
      ['hash', 'md5-' + ctx.rng.bytes(16).toString('base64')],
      ['hash', 'z'.repeat(52)],
      ['expires', '2027-02-30'],
      ['expires', 'tomorrow'],
      ['storePath', '/nix/store/short-x'],
      ['buildId', 'XYZ'],
      ['fileSha256', '00'],
    ]);
    if (k === 'storePath' || k === 'buildId' || k === 'fileSha256') delete entry.hash;
    entry[k] = v;
    return allowCase(ctx, { version: 1, seeds: [entry] }, 'error', `allowlist: ${k} = ${JSON.stringify(v)}`);
  },
  'control-chars': (ctx) => {
    const nasty = ctx.rng.pick(NASTY);
    const entry = validEntry('sha256-' + ctx.rng.bytes(32).toString('base64'));
    const where = ctx.rng.pick(['name-with-bad-hash', 'unknown-key', 'reason']);
    if (where === 'name-with-bad-hash') {
      entry.name = `evil${nasty}`;
      entry.hash = `sha256-${nasty}`;
    } else if (where === 'unknown-key') entry[`key${nasty}`] = 1;
    else entry.reason = `ok ${nasty}`;
    return allowCase(ctx, { version: 1, seeds: [entry] }, where === 'reason' ? 'read' : 'error', `allowlist: ${JSON.stringify(nasty)} in ${where}`);
  },
  'broken-json': (ctx) => {
    const text = JSON.stringify({ version: 1, seeds: [validEntry('sha256-' + ctx.rng.bytes(32).toString('base64'))] });
    const what = ctx.rng.pick(['truncated', 'bom', 'trailing-comma', 'nul', 'latin1', 'deep']);
    const raw =
      what === 'truncated'
        ? text.slice(0, ctx.rng.range(1, text.length - 1))
        : what === 'bom'
          ? '\ufeff' + text
          : what === 'trailing-comma'
            ? text.replace(/\]\}$/, ',]}')
            : what === 'nul'
              ? text.replace('"reason"', '"rea\u0000son"')
              : what === 'latin1'
                ? text.replace('reviewed', 're\u00ffviewed')
                : `{"version":1,"seeds":[],"deep":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const expect: Expect = what === 'latin1' ? 'read' : 'error';
    return allowCase(ctx, null, expect, `allowlist: ${what}`, raw);
  },
  special: (ctx) => {
    const g = graphFile(ctx);
    const s = special(ctx, 'allow', JSON.stringify({ version: 1, seeds: [] }));
    return { args: scanArgs(g.file, ['--allowlist', s.path]), expect: s.expect, why: `allowlist: ${s.why}`, during: s.during, timeoutMs: 6_000 };
  },
};

// ---------------------------------------------------------------- rules

const validRule = (): Json => ({ id: 'site.vendor-tool', description: 'our vendor tool', verdict: 'prebuilt', weight: 80, match: { kind: ['fixed-output'], name: ['^vendor-tool-'] } });

function ruleCase(ctx: GenContext, doc: unknown, expect: Expect, why: string, opts: { raw?: string; graphName?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Case {
  const g = graphFile(ctx, opts.graphName, opts.env);
  const file = path.join(ctx.dir, 'rules.json');
  writeFileSync(file, opts.raw ?? JSON.stringify(doc));
  return { args: scanArgs(g.file, ['--allowlist', ctx.shared.emptyAllowlist, '--rules', file]), expect, why, timeoutMs: opts.timeoutMs };
}

const MATCH_REGEX_KEYS = ['name', 'url', 'urlPath', 'host', 'fileName', 'nameOrUrl'];

const ruleKinds: Record<string, Generator> = {
  valid: (ctx) => ruleCase(ctx, { rules: [validRule()] }, 'read', 'a well-formed extra rule'),
  'wrong-type': (ctx) => {
    const rule = validRule();
    const target = ctx.rng.pick(['rules', 'id', 'description', 'verdict', 'weight', 'match', 'decisive', 'unless', 'match.kind', 'match.name', 'match.name[0]', 'match.contents', 'match.env']);
    const doc: Json = { rules: [rule] };
    const oldOf: Record<string, unknown> = { rules: [], id: 's', description: 's', verdict: 's', weight: 1, match: {}, decisive: true, unless: {}, 'match.kind': [], 'match.name': [], 'match.name[0]': 's', 'match.contents': {}, 'match.env': {} };
    const v = ctx.rng.pick(WRONG.filter((x) => typeOf(x) !== typeOf(oldOf[target]) && !(target === 'unless' && Array.isArray(x))));
    const m = rule.match as Json;
    if (target === 'rules') doc.rules = v;
    else if (target === 'match.name[0]') (m.name as unknown[])[0] = v;
    else if (target.startsWith('match.')) m[target.slice(6)] = v;
    else rule[target] = v;
    return ruleCase(ctx, doc, 'error', `rules: ${target} = ${JSON.stringify(v)}`);
  },
  'unknown-key': (ctx) => {
    const rule = validRule();
    const where = ctx.rng.pick(['rule', 'match', 'top', 'consumer']);
    const doc: Json = { rules: [rule] };
    if (where === 'rule') rule.verdit = 'source';
    else if (where === 'match') (rule.match as Json).nmae = ['x'];
    else if (where === 'consumer') (rule.match as Json).consumer = { takes: ['src'], buidls: true };
    else doc.rulez = [];
    return ruleCase(ctx, doc, 'error', `rules: unknown key at ${where}`);
  },
  'bad-value': (ctx) => {
    const rule = validRule();
    const [k, v] = ctx.rng.pick<[string, unknown]>([
      ['verdict', 'sauce'],
      ['weight', -5],
      ['weight', 1e309],
      ['match.kind', ['download']],
      ['match.hashMode', 'sha1'],
      ['match.contents', { kinds: ['elf'], min: -1 }],
      ['match.platform', { where: ['nowhere'] }],
    ]);
    if (k.startsWith('match.')) (rule.match as Json)[k.slice(6)] = v;
    else rule[k] = v;
    return ruleCase(ctx, { rules: [rule] }, 'error', `rules: ${k} = ${JSON.stringify(v)}`);
  },
  'bad-regex': (ctx) => {
    const rule = validRule();
    const key = ctx.rng.pick(MATCH_REGEX_KEYS);
    const re = ctx.rng.pick(['(', '[a-', '*x', 'a{2,1}', '(?<n>a)(?<n>b)', '\\', '(?<=a', '(?<1>a)', 'a**']);
    (rule.match as Json)[key] = [re];
    return ruleCase(ctx, { rules: [rule] }, 'error', `rules: match.${key} = ${JSON.stringify(re)} (not a regex)`);
  },
  'catastrophic-regex': (ctx) => {
    const rule = validRule();
    const [re, victim] = ctx.rng.pick<[string, string]>([
      ['^(a+)+$', 'a'.repeat(34) + '!'],
      ['^(a|aa)+$', 'a'.repeat(60) + '!'],
      ['^(a|a?)+$', 'a'.repeat(34) + '!'],
      ['(x+x+)+y', 'x'.repeat(40)],
      ['^(\\w+\\s?)*$', 'word '.repeat(8) + 'x'.repeat(20) + '!'],
    ]);
    const where = ctx.rng.pick(['name', 'nameOrUrl', 'fileName', 'env', 'consumer.scripts']);
    const m = rule.match as Json;
    delete m.name;
    let env: Record<string, string> = {};
    if (where === 'env') m.env = { buildPhase: re };
    else if (where === 'consumer.scripts') m.consumer = { scripts: [re] };
    else m[where] = [re];
    if (where === 'env' || where === 'consumer.scripts') env = { buildPhase: victim };
    // the download's own env gets the victim too, for env rules on the input's derivation
    return {
      ...ruleCase(ctx, { rules: [rule] }, 'any', `rules: match.${where} = ${JSON.stringify(re)} against ${JSON.stringify(victim.slice(0, 20))}… (${victim.length} chars)`, {
        graphName: where === 'env' || where === 'consumer.scripts' ? undefined : victim,
        env,
        timeoutMs: 6_000,
      }),
    };
  },
  'control-chars': (ctx) => {
    const nasty = ctx.rng.pick(NASTY);
    const rule = validRule();
    const where = ctx.rng.pick(['id-with-bad-verdict', 'unknown-key', 'bad-regex']);
    if (where === 'id-with-bad-verdict') {
      rule.id = `evil${nasty}`;
      rule.verdict = 'nope';
    } else if (where === 'unknown-key') (rule.match as Json)[`k${nasty}`] = 1;
    else (rule.match as Json).name = [`(${nasty}`];
    return ruleCase(ctx, { rules: [rule] }, 'error', `rules: ${JSON.stringify(nasty)} in ${where}`);
  },
  'broken-json': (ctx) => {
    const text = JSON.stringify({ rules: [validRule()] });
    const what = ctx.rng.pick(['truncated', 'bom', 'deep', 'top-array']);
    const raw =
      what === 'truncated'
        ? text.slice(0, ctx.rng.range(1, text.length - 1))
        : what === 'bom'
          ? '\ufeff' + text
          : what === 'top-array'
            ? JSON.stringify([validRule()])
            : `{"rules":[],"x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    return ruleCase(ctx, null, 'error', `rules: ${what}`, { raw });
  },
  special: (ctx) => {
    const g = graphFile(ctx);
    const inDir = ctx.rng.chance(0.4);
    if (inDir) {
      const dir = path.join(ctx.dir, 'rules.d');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ rules: [validRule()] }));
      const what = ctx.rng.pick(['fifo', 'dir', 'dangling-symlink', 'dev-zero-link']);
      const p = path.join(dir, 'b.json');
      if (what === 'fifo') execFileSync('mkfifo', [p]);
      else if (what === 'dir') mkdirSync(p);
      else if (what === 'dangling-symlink') symlinkSync(path.join(ctx.dir, 'nope.json'), p);
      else symlinkSync('/dev/zero', p);
      return { args: scanArgs(g.file, ['--allowlist', ctx.shared.emptyAllowlist, '--rules', dir]), expect: 'error', why: `rules folder holding a ${what} named b.json`, timeoutMs: 6_000 };
    }
    const s = special(ctx, 'rules', JSON.stringify({ rules: [validRule()] }));
    return { args: scanArgs(g.file, ['--allowlist', ctx.shared.emptyAllowlist, '--rules', s.path]), expect: s.expect, why: `rules: ${s.why}`, during: s.during, timeoutMs: 6_000 };
  },
};

export const allowlistClass: InputClass = { name: 'allowlist', weight: 8, kinds: allowKinds };
export const rulesClass: InputClass = { name: 'rules', weight: 8, kinds: ruleKinds, caps: { 'catastrophic-regex': 2 } };
