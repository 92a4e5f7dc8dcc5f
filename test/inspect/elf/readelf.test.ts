/**
 * Differential test against binutils readelf: for every ELF file under /usr/bin and a
 * deterministic sample of /usr/lib/x86_64-linux-gnu, the interpreter, NEEDED, RPATH,
 * RUNPATH, SONAME and build-id we read must equal what `LC_ALL=C readelf -d -l -n -W`
 * prints. readelf is a test oracle only; the product never runs it.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, readSync, closeSync, readdirSync } from 'node:fs';
import { readElfFactsSync } from '../../../src/inspect/elf/index.js';

const READELF = '/usr/bin/readelf';
const LIB_SAMPLE = 300;
const BATCH = 40;

const startsWithElfMagic = (p: string): boolean => {
  let fd: number | undefined;
  try {
    fd = openSync(p, 'r');
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b.toString('latin1') === '\x7fELF';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
};

/** Regular files (no symlinks) under dir, sorted, recursively. */
function regularFiles(dir: string, out: string[] = []): string[] {
  let ents;
  try {
    ents = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of ents) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) regularFiles(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

interface Oracle {
  interpreter: string | null;
  needed: string[];
  rpath: string[];
  runpath: string[];
  soname: string | null;
  buildId: string | null;
}

const all = (text: string, re: RegExp): string[] => [...text.matchAll(re)].map((m) => m[1]);
const paths = (text: string, re: RegExp): string[] => all(text, re).flatMap((s) => s.split(':'));

function parseReadelf(text: string): Oracle {
  return {
    interpreter: /\[Requesting program interpreter: (.*)\]$/m.exec(text)?.[1] ?? null,
    needed: all(text, /\(NEEDED\)\s+Shared library: \[(.*)\]$/gm),
    rpath: paths(text, /\(RPATH\)\s+Library rpath: \[(.*)\]$/gm),
    runpath: paths(text, /\(RUNPATH\)\s+Library runpath: \[(.*)\]$/gm),
    soname: /\(SONAME\)\s+Library soname: \[(.*)\]$/m.exec(text)?.[1] ?? null,
    buildId: /Build ID: ([0-9a-f]+)/.exec(text)?.[1] ?? null,
  };
}

/** readelf on several files at once: its output has a "File: <path>" heading per file. */
function readelf(files: string[]): Map<string, Oracle> {
  const r = spawnSync(READELF, ['-d', '-l', '-n', '-W', ...files], {
    env: { ...process.env, LC_ALL: 'C' },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const out = new Map<string, Oracle>();
  const parts = r.stdout.split(/^File: (.*)$/m);
  for (let i = 1; i + 1 < parts.length; i += 2) out.set(parts[i], parseReadelf(parts[i + 1]));
  return out;
}

t.test('facts equal readelf on /usr/bin and a sample of /usr/lib/x86_64-linux-gnu', { skip: !existsSync(READELF) && 'no readelf' }, async (t) => {
  const bins = regularFiles('/usr/bin').sort().filter(startsWithElfMagic);
  const libsAll = regularFiles('/usr/lib/x86_64-linux-gnu').sort().filter(startsWithElfMagic);
  const step = Math.max(1, Math.ceil(libsAll.length / LIB_SAMPLE));
  const libs = libsAll.filter((_, i) => i % step === 0);
  const files = [...bins, ...libs];
  t.ok(files.length > 100, `${bins.length} ELF files in /usr/bin, ${libs.length} of ${libsAll.length} in /usr/lib/x86_64-linux-gnu`);

  const oracle = new Map<string, Oracle>();
  for (let i = 0; i < files.length; i += BATCH) {
    // readelf prints the "File:" heading only when given two or more files
    const batch = files.slice(i, i + BATCH);
    if (batch.length === 1) batch.unshift(files[0]);
    for (const [k, v] of readelf(batch)) oracle.set(k, v);
  }
  const ours = files.map(readElfFactsSync);

  const mismatches: string[] = [];
  let compared = 0;
  for (const f of ours) {
    const want = oracle.get(f.path);
    if (!want) {
      mismatches.push(`${f.path}: readelf printed nothing`);
      continue;
    }
    compared++;
    const got: Oracle = {
      interpreter: f.interpreter ?? null,
      needed: f.needed ?? [],
      rpath: f.rpath ?? [],
      runpath: f.runpath ?? [],
      soname: f.soname ?? null,
      buildId: f.buildId ?? null,
    };
    if (f.error) mismatches.push(`${f.path}: error ${f.error}`);
    for (const k of Object.keys(want) as (keyof Oracle)[]) {
      if (JSON.stringify(got[k]) !== JSON.stringify(want[k])) mismatches.push(`${f.path}: ${k} ours ${JSON.stringify(got[k])} readelf ${JSON.stringify(want[k])}`);
    }
  }
  t.same(mismatches.slice(0, 20), [], `${compared} files compared with readelf, ${mismatches.length} mismatches`);
  t.equal(compared, files.length, 'every selected file was compared');
  t.ok(
    ours.some((f) => (f.needed ?? []).length > 0) && ours.some((f) => f.buildId),
    'the sample has NEEDED entries and build-ids (the comparison is not vacuous)',
  );
});
