/**
 * Class `aterm`: `.drv` trees under `--store-root`, with damaged bytes, missing inputs,
 * cycles and self-references, symlinks (out of the store root, to devices, in loops),
 * FIFOs and directories where a .drv should be, hostile names, huge and deeply nested files.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { STORE, randomGraph, storePath, toAterm, type Graph } from './graph.js';
import { scanStoreArgs, storeDirOf, writeStore } from './store.js';
import { NASTY, type GenContext, type Generator, type InputClass } from './context.js';
import type { Expect, FuzzCase, RunResult, Violation } from './runner.js';

type Case = Omit<FuzzCase, 'cls' | 'kind' | 'seed' | 'cwd'>;

function setup(ctx: GenContext): { graph: Graph; root: string; storeRoot: string; nonRoot: () => string } {
  const { graph, root } = randomGraph(ctx.rng);
  const storeRoot = path.join(ctx.dir, 'root');
  return { graph, root, storeRoot, nonRoot: () => ctx.rng.pick(Object.keys(graph).filter((k) => k !== root)) };
}

const countsAll = (n: number) => (r: RunResult): Violation[] => {
  if (r.code === 2 || !r.stdout.trimStart().startsWith('{')) return [];
  const rep = JSON.parse(r.stdout) as { summary?: { derivations?: number } };
  return rep.summary?.derivations === n ? [] : [{ name: 'lost-derivations', detail: `report counts ${rep.summary?.derivations} derivations, the tree has ${n}` }];
};

function mk(ctx: GenContext, storeRoot: string, root: string, expect: Expect, why: string, extra: Partial<Case> = {}): Case {
  const format = ctx.rng.chance(0.35) ? 'text' : 'json';
  const flags = ['--format', format, ...(ctx.rng.chance(0.7) ? ['--no-inspect'] : [])];
  return { args: scanStoreArgs(storeRoot, root, ctx.shared.emptyAllowlist, flags), expect, why, textStdout: format === 'text', ...extra };
}

const fileOf = (storeRoot: string, p: string) => path.join(storeRoot, p);

const kinds: Record<string, Generator> = {
  valid: (ctx) => {
    const { graph, root, storeRoot } = setup(ctx);
    writeStore(storeRoot, graph);
    const n = Object.keys(graph).length;
    return mk(ctx, storeRoot, root, 'read', `well-formed tree of ${n} .drv files`, { check: countsAll(n) });
  },
  'byte-mutation': (ctx) => {
    const { graph, root, storeRoot } = setup(ctx);
    writeStore(storeRoot, graph);
    const victim = ctx.rng.pick(Object.keys(graph));
    const b = readFileSync(fileOf(storeRoot, victim));
    const edits: string[] = [];
    let out = Buffer.from(b);
    for (let i = ctx.rng.range(1, 4); i > 0; i--) {
      const at = ctx.rng.int(out.length);
      const op = ctx.rng.pick(['flip', 'set', 'insert', 'delete']);
      if (op === 'flip') out[at] ^= 1 << ctx.rng.int(8);
      else if (op === 'set') out[at] = ctx.rng.pick([0x22, 0x5c, 0x28, 0x29, 0x5b, 0x5d, 0x2c, 0, 0xff, ctx.rng.int(256)]);
      else if (op === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.from([ctx.rng.pick([0x22, 0x5c, 0x2c, 0x28, 0x5b])]), out.subarray(at)]);
      else out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
      edits.push(`${op}@${at}`);
    }
    writeFileSync(fileOf(storeRoot, victim), out);
    return mk(ctx, storeRoot, root, 'any', `${victim === root ? 'root' : victim.slice(-30)}: ${edits.join(' ')}`);
  },
  'truncated-drv': (ctx) => {
    const { graph, root, storeRoot } = setup(ctx);
    writeStore(storeRoot, graph);
    const victim = ctx.rng.pick(Object.keys(graph));
    const b = readFileSync(fileOf(storeRoot, victim));
    const cut = ctx.rng.int(b.length);
    writeFileSync(fileOf(storeRoot, victim), b.subarray(0, cut));
    return mk(ctx, storeRoot, root, 'error', `${victim.slice(-30)} cut at ${cut} of ${b.length}`);
  },
  'missing-input': (ctx) => {
    const { graph, root, storeRoot, nonRoot } = setup(ctx);
    writeStore(storeRoot, graph);
    const victim = nonRoot();
    rmSync(fileOf(storeRoot, victim));
    return mk(ctx, storeRoot, root, 'error', `${victim.slice(-30)} deleted from the store`);
  },
  'self-reference': (ctx) => {
    const { graph, root, storeRoot } = setup(ctx);
    const a = ctx.rng.pick(Object.keys(graph));
    graph[a].inputDrvs[a] = ['out'];
    writeStore(storeRoot, graph);
    return mk(ctx, storeRoot, root, 'error', `${a.slice(-30)} lists itself in inputDrvs`);
  },
  cycle: (ctx) => {
    const { graph, root, storeRoot, nonRoot } = setup(ctx);
    const a = nonRoot();
    graph[a].inputDrvs[root] = ['out'];
    writeStore(storeRoot, graph);
    return mk(ctx, storeRoot, root, 'error', `${a.slice(-30)} depends on the root, which depends on it`);
  },
  'symlink-outside': (ctx) => {
    const { graph, root, storeRoot, nonRoot } = setup(ctx);
    writeStore(storeRoot, graph);
    const victim = ctx.rng.chance(0.3) ? root : nonRoot();
    const outside = path.join(ctx.dir, 'outside');
    mkdirSync(outside);
    const real = path.join(outside, path.basename(victim));
    renameSync(fileOf(storeRoot, victim), real);
    const abs = ctx.rng.chance(0.5);
    symlinkSync(abs ? real : path.relative(path.dirname(fileOf(storeRoot, victim)), real), fileOf(storeRoot, victim));
    return mk(ctx, storeRoot, root, 'error', `${victim === root ? 'the root' : victim.slice(-30)} is a ${abs ? 'absolute' : 'relative'} symlink to a valid .drv outside the store root`);
  },
  'symlink-device': (ctx) => {
    const { graph, root, storeRoot, nonRoot } = setup(ctx);
    writeStore(storeRoot, graph);
    const victim = nonRoot();
    const dev = ctx.rng.pick(['/dev/zero', '/dev/urandom', '/dev/null', '/proc/self/mem', '/etc/passwd']);
    rmSync(fileOf(storeRoot, victim));
    symlinkSync(dev, fileOf(storeRoot, victim));
    return mk(ctx, storeRoot, root, 'error', `${victim.slice(-30)} is a symlink to ${dev}`);
  },
  'symlink-loop': (ctx) => {
    const { graph, root, storeRoot, nonRoot } = setup(ctx);
    writeStore(storeRoot, graph);
    const victim = nonRoot();
    rmSync(fileOf(storeRoot, victim));
    const other = fileOf(storeRoot, storePath(ctx.rng, 'loop.drv'));
    symlinkSync(other, fileOf(storeRoot, victim));
    symlinkSync(fileOf(storeRoot, victim), other);
    return mk(ctx, storeRoot, root, 'error', `${victim.slice(-30)} is a symlink loop`);
  },
  'fifo-drv': (ctx) => {
    const { graph, root, storeRoot, nonRoot } = setup(ctx);
    writeStore(storeRoot, graph);
    const victim = ctx.rng.chance(0.25) ? root : nonRoot();
    rmSync(fileOf(storeRoot, victim));
    execFileSync('mkfifo', [fileOf(storeRoot, victim)]);
    return mk(ctx, storeRoot, root, 'error', `${victim === root ? 'the root' : victim.slice(-30)} is a FIFO nobody writes to`, { timeoutMs: 6_000 });
  },
  'dir-drv': (ctx) => {
    const { graph, root, storeRoot, nonRoot } = setup(ctx);
    writeStore(storeRoot, graph);
    const victim = nonRoot();
    rmSync(fileOf(storeRoot, victim));
    mkdirSync(fileOf(storeRoot, victim));
    return mk(ctx, storeRoot, root, 'error', `${victim.slice(-30)} is a directory`);
  },
  'control-chars': (ctx) => {
    const { graph, root, storeRoot, nonRoot } = setup(ctx);
    const nasty = ctx.rng.pick(NASTY);
    const where = ctx.rng.pick(['name', 'url', 'host-builder', 'missing-input', 'output-name']);
    // Nix never writes such a derivation or output name: refusing it (exit 2) is as right as reading it
    let expect: Expect = where === 'name' || where === 'output-name' ? 'any' : 'read';
    if (where === 'name') graph[nonRoot()].env.name = `pkg-${nasty}`;
    else if (where === 'url') {
      const k = Object.keys(graph).find((p) => graph[p].env.url) ?? root;
      graph[k].env.url = graph[k].env.urls = `https://example.org/${nasty}/x-linux-x86_64.tar.gz`;
    } else if (where === 'host-builder') graph[root].builder = `/usr/bin/${nasty}`;
    else if (where === 'output-name') {
      const d = graph[root];
      d.outputs[`dev${nasty}`] = { path: storePath(ctx.rng, 'root-1.0-dev') };
    } else {
      graph[root].inputDrvs[`${STORE}/${'3'.repeat(32)}-evil-${nasty}.drv`] = ['out'];
      expect = 'error';
    }
    writeStore(storeRoot, graph);
    return mk(ctx, storeRoot, root, expect, `${JSON.stringify(nasty)} in ${where}`);
  },
  'huge-drv': (ctx) => {
    const { graph, root, storeRoot, nonRoot } = setup(ctx);
    const mib = ctx.rng.pick(ctx.shared.long ? [4, 16, 32] : [2, 4, 8]);
    const victim = nonRoot();
    graph[victim].env.buildPhase = '\u0000HUGE';
    writeStore(storeRoot, graph);
    // written as ATerm bytes directly (escapes included): no huge strings in the harness
    const filler = ctx.rng.pick(['a', '\\\\\\"', 'x86_64-linux ', '\\n']);
    const text = readFileSync(fileOf(storeRoot, victim), 'latin1');
    const [before, after] = text.split('\u0000HUGE');
    writeFileSync(fileOf(storeRoot, victim), Buffer.concat([Buffer.from(before, 'latin1'), Buffer.alloc(mib * 1024 * 1024 - (mib * 1024 * 1024) % filler.length, filler), Buffer.from(after, 'latin1')]));
    return mk(ctx, storeRoot, root, 'read', `a ${mib} MiB buildPhase of ${JSON.stringify(filler)} (as written in the .drv)`);
  },
  'dyn-nested': (ctx) => {
    const { graph, root, storeRoot, nonRoot } = setup(ctx);
    writeStore(storeRoot, graph);
    const dep = nonRoot();
    const depth = ctx.rng.pick([3, 63, 64, 65, 5000]);
    let node = '["out"]';
    for (let i = 0; i < depth; i++) node = `(["out"],[("out",${node})])`;
    const text = toAterm(graph[root]).replace('Derive(', 'DrvWithVersion("xp-dyn-drv",').replace(`("${dep}",["out"])`, `("${dep}",${node})`);
    writeFileSync(fileOf(storeRoot, root), text);
    return mk(ctx, storeRoot, root, 'any', `DrvWithVersion with dynamic input outputs nested ${depth} deep`);
  },
  'wrong-store-dir': (ctx) => {
    const { graph, root, storeRoot } = setup(ctx);
    writeStore(storeRoot, graph);
    const dirs = ['/gnu/store', '/nix/store/', 'relative/store', '/'];
    const sd = ctx.rng.pick(dirs);
    const c = mk(ctx, storeRoot, root, 'error', `--store-dir ${sd} for a /nix/store tree`);
    return { ...c, args: [...c.args, '--store-dir', sd], expect: sd === '/nix/store/' ? 'read' : 'error' };
  },
};

export const atermClass: InputClass = { name: 'aterm', weight: 20, kinds, caps: { 'huge-drv': 3 } };
void storeDirOf;
