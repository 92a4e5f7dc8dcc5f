/**
 * elfy as an independent oracle: the product's reader decodes headers itself (one small read,
 * then targeted reads, for speed), so every ELF file under /usr/bin is also parsed whole by the
 * `elfy` package and the facts both can state must agree: class, byte order, file type, the
 * interpreter (PT_INTERP), whether a symbol table is present, whether a build-id note section
 * exists, and the `.comment` strings. /usr/bin is stripped and has no `.comment`, so files gcc
 * builds here (unstripped, static, shared, relocatable) are added to the list. elfy throws on some files (no section headers, unknown
 * tables): those are counted and skipped, never silently compared.
 */
import t from 'tap';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readElfFactsSync, isElf } from '../../../src/inspect/elf/index.js';

interface ElfyProgram { type: string | undefined; data?: Buffer }
interface ElfySection { name: string; type: string | number; data?: Buffer }
interface ElfyFile { class: number; endian: string; type: string; body: { programs: ElfyProgram[]; sections: ElfySection[] } }
const elfy = createRequire(import.meta.url)('elfy') as { parse(buf: Buffer): ElfyFile };

const DIR = '/usr/bin';
const MAX_FILES = 400;

const files: string[] = [];
for (const name of readdirSync(DIR).sort()) {
  const p = `${DIR}/${name}`;
  try {
    const st = statSync(p);
    if (!st.isFile() || st.size > 64 * 1024 * 1024) continue;
    const buf = readFileSync(p);
    if (isElf(buf)) files.push(p);
  } catch {
    /* unreadable: not ours to judge here */
  }
  if (files.length >= MAX_FILES) break;
}

// Unstripped files with a .comment, a symbol table and a build-id: what /usr/bin lacks.
const GCC = '/usr/bin/gcc';
const built: string[] = [];
const buildDir = mkdtempSync(path.join(tmpdir(), 'seedaudit-elfy-oracle-'));
t.teardown(() => rmSync(buildDir, { recursive: true, force: true }));
if (existsSync(GCC)) {
  const src = path.join(buildDir, 'x.c');
  writeFileSync(src, '#include <stdio.h>\nint f(int x) { return x + 1; }\nint main(void) { printf("%d\\n", f(1)); return 0; }\n');
  for (const [name, flags] of [
    ['plain', ['-O1', '-Wl,--build-id']],
    ['static', ['-static']],
    ['shared.so', ['-shared', '-fPIC']],
    ['object.o', ['-c']],
    ['nopie', ['-no-pie', '-g']],
  ] as const) {
    const out = path.join(buildDir, name);
    if (spawnSync(GCC, [...flags, '-o', out, src]).status === 0) built.push(out);
  }
}

const cString = (b: Buffer): string => {
  const z = b.indexOf(0);
  return b.subarray(0, z < 0 ? b.length : z).toString('latin1');
};

t.test('the header reader agrees with elfy on /usr/bin', async (t) => {
  t.ok(files.length >= 50, `found ${files.length} ELF files under ${DIR}`);
  if (existsSync(GCC)) t.equal(built.length, 5, 'gcc built the five unstripped variants');
  let compared = 0;
  let withComment = 0;
  let skipped = 0;
  const mismatches: string[] = [];
  for (const p of [...built, ...files]) {
    let ref: ElfyFile;
    try {
      ref = elfy.parse(readFileSync(p));
    } catch {
      skipped++;
      continue;
    }
    const ours = readElfFactsSync(p);
    const expect = (what: string, a: unknown, b: unknown) => {
      if (JSON.stringify(a) !== JSON.stringify(b)) mismatches.push(`${p}: ${what}: ours ${JSON.stringify(a)}, elfy ${JSON.stringify(b)}`);
    };
    expect('class', ours.class, `ELF${ref.class}`);
    expect('endian', ours.endian, ref.endian === 'lsb' ? 'little' : 'big');
    expect('type', ours.type, ref.type.toUpperCase());
    const interp = ref.body.programs.find((ph) => ph.type === 'interp');
    expect('interpreter', ours.interpreter, interp?.data ? cString(interp.data) : null);
    const names = new Set(ref.body.sections.map((s) => s.name));
    expect('stripped', ours.stripped, !names.has('.symtab'));
    if (names.has('.note.gnu.build-id')) expect('has build-id', ours.buildId !== null, true);
    const comment = ref.body.sections.find((s) => s.name === '.comment');
    if (comment?.data) {
      const strings = comment.data.toString('latin1').split('\0').filter((s) => s.length > 0);
      expect('comment', [...new Set(ours.comment)].sort(), [...new Set(strings)].sort());
      withComment++;
    }
    compared++;
  }
  t.same(mismatches, [], `${compared} files compared, ${skipped} that elfy cannot parse skipped`);
  t.ok(compared >= 50, `compared ${compared} files`);
  if (existsSync(GCC)) t.ok(withComment >= 5, `${withComment} files with a .comment section compared`);
});
