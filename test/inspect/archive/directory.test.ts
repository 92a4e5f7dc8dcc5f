import t from 'tap';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspectPath } from '../../../src/inspect/archive/index.js';
import { TREE_BINARIES, binariesOf, hasTool, makeTree, run } from './fixtures/index.js';

t.test('a source tree: every entry counted, binaries found, in name order', async (t) => {
  const root = t.testdir({});
  const entries = makeTree(root);
  const l = await inspectPath(root);
  t.equal(l.error, null);
  t.equal(l.capped, null);
  t.equal(l.format, 'directory');
  t.equal(l.members, entries.length);
  t.same(binariesOf(l), TREE_BINARIES);
  // Files of a directory come before its subdirectories' contents, each level by name.
  t.same(
    l.binaries.map((b) => b.member).slice(0, 4),
    ['bin/true', `deep/${'x'.repeat(60)}/${'y'.repeat(60)}/prog`, 'dist/pkg-1.0-py3-none-any.whl', 'java/Hello.class'],
  );
  t.notOk(l.binaries.some((b) => b.member === 'bin/true-link'), 'a symlink to a binary is not opened');
});

t.test('symlink loops and links out of the tree are not followed', async (t) => {
  const root = t.testdir({ a: { b: { 'file.txt': 'x' } } });
  symlinkSync('.', path.join(root, 'self'));
  symlinkSync('../..', path.join(root, 'a', 'b', 'up'));
  symlinkSync('/', path.join(root, 'rootfs'));
  symlinkSync('loop2', path.join(root, 'loop1'));
  symlinkSync('loop1', path.join(root, 'loop2'));
  const l = await inspectPath(root);
  t.equal(l.error, null);
  // a, a/b, a/b/file.txt, a/b/up, self, rootfs, loop1, loop2
  t.equal(l.members, 8);
  t.equal(l.binaryCount, 0);
});

t.test('a FIFO in the tree is counted, never opened', { skip: hasTool('mkfifo') ? false : 'mkfifo is not installed' }, async (t) => {
  const root = t.testdir({ 'readme.txt': 'x' });
  run('mkfifo', [path.join(root, 'pipe')]);
  const l = await inspectPath(root);
  t.equal(l.error, null);
  t.equal(l.members, 2);
  const top = await inspectPath(path.join(root, 'pipe'));
  t.equal(top.error, 'not a regular file or directory');
  t.equal(top.format, 'unknown');
});

t.test('the path given may itself be a symlink to a directory', async (t) => {
  const root = t.testdir({ real: { 'x.pyc': Buffer.from('a70d0d0a00000000', 'hex') } });
  symlinkSync('real', path.join(root, 'link'));
  const l = await inspectPath(path.join(root, 'link'));
  t.equal(l.format, 'directory');
  t.same(binariesOf(l), { 'x.pyc': 'pyc' });
});

t.test('maxMembers caps a directory walk', async (t) => {
  const root = t.testdir({});
  for (let i = 0; i < 30; i++) {
    const d = path.join(root, `d${i}`);
    mkdirSync(d);
    writeFileSync(path.join(d, 'f'), 'x');
  }
  const l = await inspectPath(root, { maxMembers: 10 });
  t.equal(l.members, 10);
  // the top directory's entries come first, in code-unit order: d0 d1 d10 … d17, then d18
  t.equal(l.capped, 'maxMembers: stopped after 10 members; "d18" and every entry after it were not read');
  t.equal(l.error, null);
});

t.test('more binaries than are listed are still counted', async (t) => {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 60; i++) files[`m${String(i).padStart(2, '0')}.pyc`] = Buffer.from('a70d0d0a00000000', 'hex');
  const l = await inspectPath(t.testdir(files));
  t.equal(l.binaryCount, 60);
  t.equal(l.binaries.length, 50);
  t.same(l.byKind, { pyc: 60 });
});
