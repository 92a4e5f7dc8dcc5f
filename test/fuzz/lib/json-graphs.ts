/**
 * Class `json`: `--from-json` dumps in every Nix JSON version (2.4-2.17, 2.18-2.31, v3, v4),
 * plain or gzip, from a file or stdin, with structural and byte-level mutations.
 */
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { corpusDir } from '../../helpers.js';
import { JSON_VERSIONS, derivationsOf, randomGraph, storePath, toJsonDoc, type Graph, type JsonVersion } from './graph.js';
import { NASTY, type GenContext, type Generator, type InputClass, type Shared } from './context.js';
import type { Expect, FuzzCase, RunResult, Violation } from './runner.js';
import type { Rng } from './prng.js';

type Json = Record<string, unknown>;
type Case = Omit<FuzzCase, 'cls' | 'kind' | 'seed' | 'cwd'>;

/** Values of every JSON type; a wrong-type mutation picks one of a type the field does not have. */
const WRONG: unknown[] = [42, -1, 1.5, true, false, null, 'str', [], ['x'], [1], {}, { a: 1 }];
const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

interface Emit {
  text: string;
  version: JsonVersion;
  /** how many derivations the graph has (for the valid-case check) */
  count: number;
}

function base(rng: Rng): { graph: Graph; root: string; version: JsonVersion } {
  const { graph, root } = randomGraph(rng);
  return { graph, root, version: rng.pick(JSON_VERSIONS) };
}

/** Deliver the text: a file (plain or gzip) or stdin, and the scan arguments. */
function deliver(ctx: GenContext, text: string | Buffer, opts: { gzip?: boolean; stdin?: boolean } = {}): { args: string[]; stdin?: Buffer; textStdout: boolean } {
  const { rng, dir, shared } = ctx;
  let bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const gz = opts.gzip ?? rng.chance(0.3);
  if (gz && typeof text === 'string') bytes = gzipSync(bytes);
  const viaStdin = opts.stdin ?? rng.chance(0.15);
  const format = rng.chance(0.35) ? 'text' : 'json';
  const common = ['--allowlist', shared.emptyAllowlist, '--no-inspect', '--format', format];
  if (viaStdin) return { args: ['scan', '--from-json', '-', ...common], stdin: bytes, textStdout: format === 'text' };
  const file = path.join(dir, gz ? 'graph.json.gz' : 'graph.json');
  writeFileSync(file, bytes);
  return { args: ['scan', '--from-json', file, ...common], textStdout: format === 'text' };
}

const mk = (ctx: GenContext, text: string | Buffer, expect: Expect, why: string, extra: Partial<Case> & { gzip?: boolean; stdin?: boolean } = {}): Case => {
  const { gzip, stdin, ...rest } = extra;
  return { ...deliver(ctx, text, { gzip, stdin }), expect, why, ...rest };
};

/** The JSON report parses and counts every derivation of the graph. */
const countsAll = (n: number) => (r: RunResult): Violation[] => {
  if (r.code === 2 || !r.stdout.trimStart().startsWith('{')) return [];
  try {
    const rep = JSON.parse(r.stdout) as { summary?: { derivations?: number } };
    return rep.summary?.derivations === n ? [] : [{ name: 'lost-derivations', detail: `report counts ${rep.summary?.derivations} derivations, the graph has ${n}` }];
  } catch (e) {
    return [{ name: 'report-not-json', detail: (e as Error).message }];
  }
};

const emit = (graph: Graph, version: JsonVersion): Emit => ({ text: JSON.stringify(toJsonDoc(graph, version)), version, count: Object.keys(graph).length });

/** Known fields of one derivation object of `version`, as paths from the derivation. */
function fieldPaths(d: Json, version: JsonVersion): (string | number)[][] {
  const out: (string | number)[][] = [['outputs'], ['builder'], ['system'], ['args'], ['env']];
  if (version === 'v4') out.push(['inputs'], ['inputs', 'srcs'], ['inputs', 'drvs']);
  else out.push(['inputSrcs'], ['inputDrvs']);
  if (version !== '2.4') out.push(['name']);
  if (version === 'v3' || version === 'v4') out.push(['version']);
  for (const o of Object.keys(d.outputs as Json)) {
    out.push(['outputs', o]);
    for (const k of Object.keys((d.outputs as Record<string, Json>)[o])) out.push(['outputs', o, k]);
  }
  for (const k of Object.keys(d.env as Json)) out.push(['env', k]);
  (d.args as unknown[]).forEach((_, i) => out.push(['args', i]));
  const srcs = version === 'v4' ? ((d.inputs as Json).srcs as unknown[]) : (d.inputSrcs as unknown[]);
  const drvs = version === 'v4' ? ((d.inputs as Json).drvs as Json) : (d.inputDrvs as Json);
  const at = version === 'v4' ? ['inputs', 'srcs'] : ['inputSrcs'];
  const atD = version === 'v4' ? ['inputs', 'drvs'] : ['inputDrvs'];
  srcs.forEach((_, i) => out.push([...at, i]));
  for (const p of Object.keys(drvs)) {
    out.push([...atD, p]);
    const v = drvs[p];
    if (Array.isArray(v)) v.forEach((_, i) => out.push([...atD, p, i]));
    else {
      out.push([...atD, p, 'outputs'], [...atD, p, 'dynamicOutputs']);
      ((v as Json).outputs as unknown[]).forEach((_, i) => out.push([...atD, p, 'outputs', i]));
    }
  }
  return out;
}

const getAt = (o: unknown, p: (string | number)[]): unknown => p.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)[k], o);
const setAt = (o: unknown, p: (string | number)[], v: unknown): void => {
  const parent = getAt(o, p.slice(0, -1)) as Record<string | number, unknown>;
  parent[p[p.length - 1]] = v;
};

/** Reference `missing` from `d` in the graph model (any JSON version is written from it). */
const addInput = (g: Graph, from: string, missing: string) => (g[from].inputDrvs[missing] = ['out']);

const nonRoot = (g: Graph, root: string, rng: Rng): string => rng.pick(Object.keys(g).filter((k) => k !== root));

/** Bombs are made once per run: many gzip members of a compressed block of spaces. */
function gzipBomb(shared: Shared): string {
  const mib = shared.long ? 1024 : 600; // past V8's longest string (~512 MiB)
  const file = path.join(shared.cacheDir, `json-bomb-${mib}.json.gz`);
  if (!existsSync(file)) {
    const member = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20), { level: 9 });
    writeFileSync(file, Buffer.concat(Array.from({ length: mib / 8 }, () => member)));
  }
  return file;
}

/** Real graphs (Nix 2.8 dumps of nixpkgs and Aux), the small ones: parsed once per run. */
const CORPUS = ['aux-foundation/stage0-hex0.json.gz', 'nixpkgs-2024/stdenv.json.gz', 'nixpkgs-2024/jq.json.gz', 'aux-foundation/stage2-busybox.json.gz'];
const corpusCache = new Map<string, Graph>();
function corpusGraph(rng: Rng): { name: string; graph: Graph } | null {
  const have = CORPUS.filter((f) => existsSync(path.join(corpusDir, f)));
  if (!have.length) return null;
  const name = rng.pick(have);
  let g = corpusCache.get(name);
  if (!g) corpusCache.set(name, (g = JSON.parse(gunzipSync(readFileSync(path.join(corpusDir, name))).toString()) as Graph));
  return { name, graph: structuredClone(g) };
}

const kinds: Record<string, Generator> = {
  corpus: (ctx) => {
    const c = corpusGraph(ctx.rng);
    if (!c) return kinds.valid(ctx);
    const version = ctx.rng.pick(JSON_VERSIONS);
    const e = emit(c.graph, version);
    return mk(ctx, e.text, 'read', `${c.name} re-encoded as ${version} (${e.count} derivations)`, { check: countsAll(e.count) });
  },
  'corpus-mutated': (ctx) => {
    const c = corpusGraph(ctx.rng);
    if (!c) return kinds['dangling-input'](ctx);
    const version = ctx.rng.pick(JSON_VERSIONS);
    const keys = Object.keys(c.graph);
    let what = ctx.rng.pick(['drop-derivation', 'wrong-type', 'self-reference']);
    const doc = what === 'wrong-type' ? toJsonDoc(c.graph, version) : null;
    if (what === 'drop-derivation') {
      const referenced = [...new Set(Object.values(c.graph).flatMap((d) => Object.keys(d.inputDrvs)))];
      delete c.graph[ctx.rng.pick(referenced)];
    } else if (what === 'self-reference') {
      const k = ctx.rng.pick(keys);
      c.graph[k].inputDrvs[k] = ['out'];
    } else {
      const drvs = derivationsOf(doc!);
      const key = ctx.rng.pick(Object.keys(drvs));
      const p = ctx.rng.pick(fieldPaths(drvs[key], version));
      const old = getAt(drvs[key], p);
      const v = ctx.rng.pick(WRONG.filter((x) => typeOf(x) !== typeOf(old)));
      setAt(drvs[key], p, v);
      what += ` (${key.slice(-40)} field ${p.join('.')} (${typeOf(old)}) set to ${JSON.stringify(v)})`;
    }
    return mk(ctx, doc ? JSON.stringify(doc) : emit(c.graph, version).text, 'error', `${c.name} as ${version}: ${what}`);
  },
  valid: (ctx) => {
    const { graph, version } = base(ctx.rng);
    const e = emit(graph, version);
    return mk(ctx, e.text, 'read', `well-formed ${version} graph, ${e.count} derivations`, { check: countsAll(e.count) });
  },
  'valid-gzip-multimember': (ctx) => {
    const { graph, version } = base(ctx.rng);
    const e = emit(graph, version);
    const cut = ctx.rng.int(e.text.length);
    const gz = Buffer.concat([gzipSync(e.text.slice(0, cut)), gzipSync(e.text.slice(cut))]);
    return mk(ctx, gz, 'read', `${version} graph as two gzip members split at ${cut}`, { check: countsAll(e.count) });
  },
  'drop-required': (ctx) => {
    const { graph, root, version } = base(ctx.rng);
    const doc = toJsonDoc(graph, version);
    const key = ctx.rng.pick(Object.keys(derivationsOf(doc)));
    const field = ctx.rng.pick(['outputs', 'builder', 'system']);
    delete derivationsOf(doc)[key][field];
    return mk(ctx, JSON.stringify(doc), 'error', `${version}: '${field}' removed from ${key === storeKey(root, version) ? 'the root' : key}`);
  },
  'drop-optional': (ctx) => {
    const { graph, version } = base(ctx.rng);
    const doc = toJsonDoc(graph, version);
    const key = ctx.rng.pick(Object.keys(derivationsOf(doc)));
    const field = ctx.rng.pick(version === 'v4' ? ['args', 'env', 'name', 'inputs'] : ['args', 'env', 'name', 'inputSrcs', 'inputDrvs']);
    delete derivationsOf(doc)[key][field];
    return mk(ctx, JSON.stringify(doc), 'any', `${version}: '${field}' removed from ${key}`);
  },
  'extra-field': (ctx) => {
    const { graph, version } = base(ctx.rng);
    const doc = toJsonDoc(graph, version);
    const d = derivationsOf(doc)[ctx.rng.pick(Object.keys(derivationsOf(doc)))];
    const where = ctx.rng.pick(['drv', 'output', 'input']);
    const value = ctx.rng.pick(WRONG);
    if (where === 'drv') d[`x-${ctx.rng.int(99)}`] = value;
    else if (where === 'output') ((d.outputs as Record<string, Json>)[Object.keys(d.outputs as Json)[0]] ??= {}).extra = value;
    else d.meta = { description: 'extra', nested: [value] };
    return mk(ctx, JSON.stringify(doc), 'any', `${version}: an unknown field at ${where} level`);
  },
  'wrong-type': (ctx) => {
    const { graph, version } = base(ctx.rng);
    const doc = toJsonDoc(graph, version);
    const drvs = derivationsOf(doc);
    const key = ctx.rng.pick(Object.keys(drvs));
    const p = ctx.rng.pick(fieldPaths(drvs[key], version));
    const old = getAt(drvs[key], p);
    const choices = WRONG.filter((v) => typeOf(v) !== typeOf(old));
    const v = ctx.rng.pick(choices);
    setAt(drvs[key], p, v);
    return mk(ctx, JSON.stringify(doc), 'error', `${version}: ${key.slice(-40)} field ${p.join('.')} (${typeOf(old)}) set to ${JSON.stringify(v)}`);
  },
  'wrong-type-top': (ctx) => {
    const { graph, version } = base(ctx.rng);
    const doc = toJsonDoc(graph, version);
    const bad = ctx.rng.pick<[string, unknown]>([
      ['top-level array', [doc]],
      ['top-level string', 'graph'],
      ['top-level null', null],
      ['empty object', {}],
      ['derivation is a string', 'drv'],
      ['v4 derivations is an array', 'v4arr'],
      ['version 5', 'v5'],
    ]);
    let out: unknown;
    if (bad[1] === 'drv') {
      out = doc;
      const drvs = derivationsOf(doc);
      drvs[ctx.rng.pick(Object.keys(drvs))] = 'not an object' as unknown as Json;
    } else if (bad[1] === 'v4arr') out = { version: 4, derivations: Object.values(derivationsOf(doc)) };
    else if (bad[1] === 'v5') out = { version: 5, derivations: derivationsOf(doc) };
    else out = bad[1];
    return mk(ctx, JSON.stringify(out), 'error', `${version}: ${bad[0]}`);
  },
  'dangling-input': (ctx) => {
    const { graph, root, version } = base(ctx.rng);
    let why: string;
    if (ctx.rng.chance(0.5)) {
      const from = ctx.rng.pick(Object.keys(graph));
      const missing = storePath(ctx.rng, 'missing-1.0.drv');
      addInput(graph, from, missing);
      why = `an input ${missing} that is not in the graph`;
    } else {
      // drop a derivation something depends on
      const victim = nonRoot(graph, root, ctx.rng);
      delete graph[victim];
      why = `derivation ${victim} removed; others still depend on it`;
      // make sure someone still references it
      if (!Object.values(graph).some((d) => victim in d.inputDrvs)) graph[root].inputDrvs[victim] = ['out'];
    }
    return mk(ctx, emit(graph, version).text, 'error', `${version}: ${why}`);
  },
  cycle: (ctx) => {
    const { graph, root, version } = base(ctx.rng);
    const self = ctx.rng.chance(0.4);
    const a = self ? ctx.rng.pick(Object.keys(graph)) : nonRoot(graph, root, ctx.rng);
    graph[a].inputDrvs[self ? a : root] = ['out'];
    return mk(ctx, emit(graph, version).text, 'error', `${version}: ${self ? `${a} depends on itself` : `${a} depends on the root, which depends on it`}`);
  },
  'deep-nesting': (ctx) => {
    const { graph, version } = base(ctx.rng);
    const depth = ctx.rng.pick([1000, 10_000, 100_000, ctx.shared.long ? 1_000_000 : 300_000]);
    const deep = '['.repeat(depth) + ']'.repeat(depth);
    const key = ctx.rng.pick(Object.keys(graph));
    const where = ctx.rng.pick(['__json', 'field']);
    let text: string;
    if (where === '__json') {
      graph[key].env.__json = `{"name":"deep","x":${deep}}`;
      text = emit(graph, version).text;
    } else {
      const doc = toJsonDoc(graph, version);
      derivationsOf(doc)[Object.keys(derivationsOf(doc))[0]].meta = '\u0000DEEP';
      text = JSON.stringify(doc).replace('"\\u0000DEEP"', deep);
    }
    return mk(ctx, text, 'any', `${version}: arrays nested ${depth} deep in ${where === '__json' ? 'env.__json' : 'an extra field'}`);
  },
  'huge-string': (ctx) => {
    const { graph, version } = base(ctx.rng);
    const mib = ctx.rng.pick(ctx.shared.long ? [1, 8, 32] : [1, 4, 8]);
    const key = ctx.rng.pick(Object.keys(graph));
    const field = ctx.rng.pick(['name', 'url', 'buildPhase', 'builder-arg']);
    const big = ctx.rng.pick(['a', 'x86_64-linux-', '/', 'aaaa!', ' ']).repeat(Math.ceil((mib * 1024 * 1024) / 5)).slice(0, mib * 1024 * 1024);
    if (field === 'name') graph[key].env.name = big;
    else if (field === 'url') graph[key].env.url = graph[key].env.urls = `https://example.org/${big}.tar.gz`;
    else if (field === 'buildPhase') graph[key].env.buildPhase = big;
    else graph[key].args.push(big);
    // a name longer than a store path name may be (211 bytes) may be refused; so may a gzipped
    // dump past 16 MiB of one repeated pattern, which compresses over the documented 200:1
    // --max-graph-ratio (real dumps compress 3-8:1); the rest must be read
    const mayBeRefused = field === 'name' || mib > 16;
    return mk(ctx, emit(graph, version).text, mayBeRefused ? 'any' : 'read', `${version}: a ${mib} MiB ${field} on ${key.slice(-30)}`);
  },
  'control-chars-report': (ctx) => {
    const { graph, root, version } = base(ctx.rng);
    const nasty = ctx.rng.pick(NASTY);
    const where = ctx.rng.pick(['name', 'url', 'host-builder', 'drv-key']);
    if (where === 'name') {
      const k = ctx.rng.pick(Object.keys(graph));
      graph[k].env.name = `pkg-${nasty}`;
    } else if (where === 'url') {
      const k = Object.keys(graph).find((p) => graph[p].env.url) ?? root;
      graph[k].env.url = graph[k].env.urls = `https://example.org/${nasty}/x-linux-x86_64.tar.gz`;
    } else if (where === 'host-builder') {
      graph[root].builder = `/usr/bin/${nasty}`;
    } else {
      const newKey = `${storePath(ctx.rng, `evil-${nasty}`)}.drv`;
      const old = nonRoot(graph, root, ctx.rng);
      graph[newKey] = graph[old];
      delete graph[old];
      for (const d of Object.values(graph))
        if (old in d.inputDrvs) {
          d.inputDrvs[newKey] = d.inputDrvs[old];
          delete d.inputDrvs[old];
        }
    }
    return mk(ctx, emit(graph, version).text, 'any', `${version}: ${JSON.stringify(nasty)} in ${where}`);
  },
  'control-chars-error': (ctx) => {
    const { graph, root, version } = base(ctx.rng);
    const nasty = ctx.rng.pick(NASTY);
    const where = ctx.rng.pick(['not-drv-key', 'missing-input', 'hash', 'method', 'version']);
    if (where === 'missing-input') graph[root].inputDrvs[`${storePath(ctx.rng, `evil-${nasty}`)}.drv`] = ['out'];
    else if (where === 'not-drv-key') {
      graph[storePath(ctx.rng, `evil-${nasty}`)] = graph[root];
      delete graph[root];
    }
    const doc = toJsonDoc(graph, version);
    const drvs = derivationsOf(doc);
    const fod = Object.values(drvs).find((d) => (d.env as Json).url)!;
    const out = (fod.outputs as Record<string, Json>).out;
    if (where === 'hash') out.hash = `sha256-${nasty}`;
    else if (where === 'method') {
      out.method = `flat${nasty}`;
      if (version === '2.4') out.hashAlgo = 'sha256';
    } else if (where === 'version') (fod as Json).version = `3${nasty}`;
    return mk(ctx, JSON.stringify(doc), 'error', `${version}: ${JSON.stringify(nasty)} in ${where} (the error message quotes it)`);
  },
  'truncated-json': (ctx) => {
    const { graph, version } = base(ctx.rng);
    const e = emit(graph, version);
    const cut = ctx.rng.range(1, e.text.length - 1);
    return mk(ctx, e.text.slice(0, cut), 'error', `${version}: JSON text cut at ${cut} of ${e.text.length}`);
  },
  'byte-flip': (ctx) => {
    const { graph, version } = base(ctx.rng);
    const b = Buffer.from(emit(graph, version).text);
    const n = ctx.rng.range(1, 4);
    const at: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = ctx.rng.int(b.length);
      b[k] = ctx.rng.chance(0.5) ? b[k] ^ (1 << ctx.rng.int(8)) : ctx.rng.int(256);
      at.push(k);
    }
    return mk(ctx, b, 'any', `${version}: bytes changed at ${at.join(',')}`, { gzip: false });
  },
  'gzip-truncated': (ctx) => {
    const { graph, version } = base(ctx.rng);
    const gz = gzipSync(emit(graph, version).text);
    const cut = ctx.rng.range(2, gz.length - 1);
    return mk(ctx, gz.subarray(0, cut), 'error', `${version}: gzip cut at ${cut} of ${gz.length}`);
  },
  'gzip-corrupt': (ctx) => {
    const { graph, version } = base(ctx.rng);
    const gz = Buffer.from(gzipSync(emit(graph, version).text));
    const what = ctx.rng.pick(['crc', 'isize', 'data', 'trailing-garbage']);
    let out = gz;
    if (what === 'crc') gz[gz.length - 8 + ctx.rng.int(4)] ^= 1 << ctx.rng.int(8);
    else if (what === 'isize') gz[gz.length - 4 + ctx.rng.int(4)] ^= 1 << ctx.rng.int(8);
    else if (what === 'data') gz[ctx.rng.range(10, gz.length - 9)] ^= 1 << ctx.rng.int(8);
    else out = Buffer.concat([gz, Buffer.from('garbage after the gzip member\n')]);
    return mk(ctx, out, 'error', `${version}: gzip with a damaged ${what}`);
  },
  'gzip-bomb': (ctx) => {
    const file = gzipBomb(ctx.shared);
    const format = 'json';
    return {
      args: ['scan', '--from-json', file, '--allowlist', ctx.shared.emptyAllowlist, '--no-inspect', '--format', format],
      expect: 'error',
      why: `gzip of ${ctx.shared.long ? 1024 : 600} MiB of spaces (not a graph, whatever its size)`,
    };
  },
};

const storeKey = (p: string, version: JsonVersion): string => (version === 'v3' || version === 'v4' ? p.replace(/^\/nix\/store\//, '') : p);

export const jsonClass: InputClass = { name: 'json', weight: 30, kinds, caps: { 'gzip-bomb': 1, 'deep-nesting': 4, 'huge-string': 4 } };
