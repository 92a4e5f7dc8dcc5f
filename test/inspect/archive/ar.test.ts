import t from 'tap';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspectPath } from '../../../src/inspect/archive/index.js';
import { binariesOf, elfHeader, hasTool, listTree, makeAr, realElf, realSharedObject, run } from './fixtures/index.js';

const root = t.testdir({});

/** The payload of the sample package: what dpkg would unpack. */
const pkgRoot = path.join(root, 'pkg');
for (const [rel, data] of Object.entries({
  'usr/bin/hello': readFileSync(realElf()),
  'usr/lib/libz.so.1': readFileSync(realSharedObject()),
  'usr/share/doc/hello/copyright': Buffer.from('Copyright: nobody\n'),
})) {
  mkdirSync(path.dirname(path.join(pkgRoot, rel)), { recursive: true });
  writeFileSync(path.join(pkgRoot, rel), data);
}
/** "." plus everything below it */
const DATA_ENTRIES = listTree(pkgRoot).length + 1;
const DEB_BINARIES = { 'usr/bin/hello': 'elf', 'usr/lib/libz.so.1': 'shared-object' };

const work = path.join(root, 'work');
mkdirSync(work);
writeFileSync(path.join(work, 'debian-binary'), '2.0\n');
mkdirSync(path.join(work, 'control'));
writeFileSync(path.join(work, 'control', 'control'), 'Package: hello\nVersion: 1.0\nArchitecture: amd64\n');
run('tar', ['-czf', path.join(work, 'control.tar.gz'), '-C', path.join(work, 'control'), '.']);

/** `ar rc` as dpkg-deb lays it out; our own writer where binutils is missing. */
const makeDeb = (out: string, dataName: string): void => {
  if (existsSync(out)) rmSync(out);
  if (hasTool('ar')) {
    run('ar', ['rc', out, 'debian-binary', 'control.tar.gz', dataName], work);
    return;
  }
  const member = (name: string) => ({ name, data: readFileSync(path.join(work, name)) });
  writeFileSync(out, makeAr([member('debian-binary'), member('control.tar.gz'), member(dataName)]));
};

const variants = [
  { name: 'data.tar.xz', flag: '-J', tool: 'xz' },
  { name: 'data.tar.gz', flag: '-z', tool: 'gzip' },
  { name: 'data.tar.zst', flag: '--zstd', tool: 'zstd' },
  { name: 'data.tar.bz2', flag: '-j', tool: 'bzip2' },
  { name: 'data.tar', flag: '', tool: 'tar' },
];

for (const v of variants) {
  t.test(`.deb with ${v.name}: the data tarball is walked`, { skip: hasTool(v.tool) ? false : `${v.tool} is not installed` }, async (t) => {
    run('tar', ['--sort=name', ...(v.flag ? [v.flag] : []), '-cf', path.join(work, v.name), '-C', pkgRoot, '.']);
    const deb = path.join(root, `hello-${v.name}.deb`);
    makeDeb(deb, v.name);
    const l = await inspectPath(deb);
    t.equal(l.error, null);
    t.equal(l.format, 'deb');
    t.equal(l.members, DATA_ENTRIES);
    t.same(binariesOf(l), DEB_BINARIES);
  });
}

t.test('a .deb without data.tar is an error', async (t) => {
  const deb = path.join(root, 'nodata.deb');
  writeFileSync(deb, makeAr([{ name: 'debian-binary', data: Buffer.from('2.0\n') }, { name: 'control.tar.gz', data: readFileSync(path.join(work, 'control.tar.gz')) }]));
  const l = await inspectPath(deb);
  t.equal(l.format, 'deb');
  t.equal(l.error, 'deb: no data.tar member');
});

t.test('a .deb whose data member is not a tar is an error', async (t) => {
  const deb = path.join(root, 'notar.deb');
  writeFileSync(deb, makeAr([{ name: 'debian-binary', data: Buffer.from('2.0\n') }, { name: 'data.tar', data: Buffer.from('not a tar at all\n'.repeat(64)) }]));
  const l = await inspectPath(deb);
  t.equal(l.error, 'deb: data.tar is not a tar');
});

t.test('a static library is itself a binary, and its objects are listed', async (t) => {
  const objs = path.join(root, 'objs');
  mkdirSync(objs);
  // A name over 15 characters needs the GNU long-name table.
  const names = ['a.o', 'a-rather-long-object-name.o', 'notes.txt'];
  writeFileSync(path.join(objs, names[0]), elfHeader(1));
  writeFileSync(path.join(objs, names[1]), elfHeader(1, 301)); // odd size: padding byte
  writeFileSync(path.join(objs, names[2]), 'text\n');
  const lib = path.join(root, 'libdemo.a');
  if (hasTool('ar')) run('ar', ['rc', lib, ...names], objs);
  else writeFileSync(lib, makeAr(names.map((n) => ({ name: n, data: readFileSync(path.join(objs, n)) }))));
  const l = await inspectPath(lib);
  t.equal(l.error, null);
  t.equal(l.format, 'ar');
  t.equal(l.members, 3, 'symbol and name tables are not members');
  t.same(binariesOf(l), { 'libdemo.a': 'static-library', 'a.o': 'object', 'a-rather-long-object-name.o': 'object' });
  t.same(l.byKind, { 'static-library': 1, object: 2 });
});

t.test('a BSD ar with #1/len names', async (t) => {
  const name = 'a-long-bsd-member-name.o';
  const data = elfHeader(1);
  const header = `${`#1/${name.length}`.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(name.length + data.length).padEnd(10)}\`\n`;
  const lib = path.join(root, 'bsd.a');
  writeFileSync(lib, Buffer.concat([Buffer.from('!<arch>\n'), Buffer.from(header, 'latin1'), Buffer.from(name), data]));
  const l = await inspectPath(lib);
  t.equal(l.error, null);
  t.same(binariesOf(l), { 'bsd.a': 'static-library', [name]: 'object' });
});

t.test('a truncated ar keeps the members before the cut', async (t) => {
  const whole = makeAr([
    { name: 'one.o', data: elfHeader(1) },
    { name: 'two.o', data: elfHeader(1, 4000) },
  ]);
  const lib = path.join(root, 'cut.a');
  writeFileSync(lib, whole.subarray(0, whole.length - 100));
  const l = await inspectPath(lib);
  t.equal(l.error, 'ar: unexpected end of data in "two.o"');
  t.same(binariesOf(l), { 'cut.a': 'static-library', 'one.o': 'object' });
});

t.test('maxMembers caps an ar', async (t) => {
  const lib = path.join(root, 'many.a');
  writeFileSync(lib, makeAr(Array.from({ length: 10 }, (_, i) => ({ name: `m${i}.o`, data: elfHeader(1) }))));
  const l = await inspectPath(lib, { maxMembers: 4 });
  t.equal(l.members, 4);
  t.match(l.capped, /^maxMembers: stopped after 4 members; "m4\.o" \(data at offset \d+\) and every entry after it were not read$/);
});
