/**
 * Random corruption of real and hand-made binaries (seeded, so a failure can be replayed):
 * the reader must always return facts for the path, never throw, never hit an internal
 * error (a bug of ours, such as an unchecked Buffer read), and the file readers must agree
 * with the buffer reader on the broken file too.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ElfFacts } from '../../../src/model/report.js';
import { readElfFactsFromBuffer, readElfFactsHashedSync, readElfFactsSync } from '../../../src/inspect/elf/index.js';
import { buildElf, prng } from './builder.js';

const libz = '/usr/lib/x86_64-linux-gnu/libz.so.1';
const targets: { name: string; buf: Buffer; rounds: number }[] = [];
for (const f of ['/usr/bin/true', libz]) {
  if (existsSync(f)) targets.push({ name: f, buf: readFileSync(realpathSync(f)), rounds: 1500 });
}
targets.push({
  name: 'hand-made big-endian',
  buf: buildElf({ endian: 'big', machine: 21, type: 3, interp: '/lib64/ld64.so.2', needed: ['libc.so.6'], runpath: '/a:/b', buildId: 'ab'.repeat(20), comment: ['GCC: (GNU) 13.2.0'], go: { format: 'pointers', version: 'go1.17', modinfo: 'path\tx\n' } }).buf,
  rounds: 800,
});
targets.push({
  name: 'hand-made seed',
  buf: buildElf({ cls: 32, sections: false, code: Buffer.alloc(300, 0x90) }).buf,
  rounds: 800,
});

/** Problems with one result; empty when it is well-formed. */
function problems(f: ElfFacts, name: string): string[] {
  const out: string[] = [];
  if (f === null || typeof f !== 'object') return ['not an object'];
  if (f.path !== name) out.push('wrong path');
  if (typeof f.elf !== 'boolean') out.push('elf not boolean');
  if (f.error !== undefined && /internal error/.test(f.error)) out.push(f.error);
  for (const k of ['needed', 'runpath', 'rpath', 'comment'] as const) {
    const v = f[k];
    if (v !== undefined && !(Array.isArray(v) && v.every((s) => typeof s === 'string'))) out.push(`${k} malformed`);
  }
  if (f.buildId !== undefined && f.buildId !== null && !/^[0-9a-f]*$/.test(f.buildId)) out.push('buildId not hex');
  return out;
}

/** One corruption: a few bytes changed, mostly where the headers and tables are. */
function mutate(buf: Buffer, rnd: () => number): { buf: Buffer; what: string } {
  const out = Buffer.from(buf);
  const pick = (): number => {
    const r = rnd();
    if (r < 0.6) return Math.floor(rnd() * Math.min(out.length, 4096));
    if (r < 0.85) return out.length - 1 - Math.floor(rnd() * Math.min(out.length, 4096));
    return Math.floor(rnd() * out.length);
  };
  const edits: string[] = [];
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const at = pick();
    const r = rnd();
    const v = r < 0.4 ? out[at] ^ (1 << Math.floor(rnd() * 8)) : r < 0.7 ? Math.floor(rnd() * 256) : r < 0.85 ? 0xff : 0;
    out[at] = v;
    edits.push(`${at}=${v}`);
  }
  if (rnd() < 0.1) {
    const len = Math.floor(rnd() * out.length);
    return { buf: out.subarray(0, len), what: `${edits.join(',')} cut ${len}` };
  }
  return { buf: out, what: edits.join(',') };
}

t.test('random corruption never throws and never hits an internal error', async (t) => {
  for (const [ti, target] of targets.entries()) {
    const rnd = prng(0x5eed + ti);
    const bad: string[] = [];
    let broken = 0;
    for (let i = 0; i < target.rounds; i++) {
      const m = mutate(target.buf, rnd);
      let f: ElfFacts;
      try {
        f = readElfFactsFromBuffer(m.buf, target.name);
      } catch (e) {
        bad.push(`round ${i} (${m.what}): threw ${String(e)}`);
        continue;
      }
      if (f.error) broken++;
      for (const p of problems(f, target.name)) bad.push(`round ${i} (${m.what}): ${p}`);
    }
    t.same(bad.slice(0, 10), [], `${target.name}: ${target.rounds} corrupted copies (${broken} reported broken)`);
    t.ok(broken > 0, `${target.name}: some corruptions are noticed`);
  }
});

t.test('on corrupted files the file readers (by ranges, and whole with a hash) agree with the buffer reader', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'seedaudit-elf-mut-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const rnd = prng(42);
  let compared = 0;
  for (const target of targets) {
    for (let i = 0; i < 60; i++) {
      const m = mutate(target.buf, rnd);
      const p = path.join(dir, `m${compared++}`);
      writeFileSync(p, m.buf);
      const fromBuf = readElfFactsFromBuffer(m.buf, p);
      const { sha256, ...h } = readElfFactsHashedSync(p);
      const s = readElfFactsSync(p);
      if (JSON.stringify(h) !== JSON.stringify(fromBuf) || JSON.stringify(s) !== JSON.stringify(fromBuf)) {
        t.fail(`${target.name} (${m.what}): readers disagree`, { hashed: h, sync: s, buffer: fromBuf });
      }
      if (fromBuf.elf && sha256 !== createHash('sha256').update(m.buf).digest('hex')) {
        t.fail(`${target.name} (${m.what}): wrong SHA-256`);
      }
    }
  }
  t.equal(compared, targets.length * 60);
});
