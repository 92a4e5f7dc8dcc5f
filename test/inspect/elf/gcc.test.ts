/**
 * A freshly compiled C program: the facts a real toolchain leaves (the compiler's .comment
 * string, the interpreter, libc in NEEDED, a build-id, and .symtab since it is not stripped).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readElfFactsSync } from '../../../src/inspect/elf/index.js';

const GCC = '/usr/bin/gcc';

t.test('a program compiled here by gcc', { skip: !existsSync(GCC) && 'gcc is not installed' }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'seedaudit-elf-gcc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'hello.c'), '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n');
  const out = path.join(dir, 'hello');
  const cc = spawnSync(GCC, ['-O1', '-Wl,--build-id', '-o', out, path.join(dir, 'hello.c')], { encoding: 'utf8' });
  t.equal(cc.status, 0, `gcc succeeded ${cc.stderr}`);

  const f = readElfFactsSync(out);
  t.equal(f.error, undefined);
  t.equal(f.interpreter, '/lib64/ld-linux-x86-64.so.2');
  t.ok(f.comment?.some((c) => c.startsWith('GCC: (Debian')), `comment ${JSON.stringify(f.comment)}`);
  t.same(f.needed, ['libc.so.6']);
  t.match(f.buildId, /^[0-9a-f]{40}$/);
  t.equal(f.stripped, false, 'not stripped: .symtab present');
  t.equal(f.static, false);

  const strip = spawnSync('/usr/bin/strip', ['-o', `${out}.stripped`, out]);
  if (strip.status === 0) {
    const s = readElfFactsSync(`${out}.stripped`);
    t.equal(s.stripped, true, 'strip removes .symtab');
    t.same(s.comment, f.comment, 'strip keeps .comment');
  }

  const st = spawnSync(GCC, ['-static', '-o', `${out}.static`, path.join(dir, 'hello.c')]);
  if (st.status === 0) {
    const s = readElfFactsSync(`${out}.static`);
    t.match(s, { interpreter: null, needed: [], static: true }, 'gcc -static');
  }
});
