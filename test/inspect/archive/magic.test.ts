import t from 'tap';
import { classifyMember, isTarHeader, sniffContainer } from '../../../src/inspect/archive/magic.js';
import { classFile, elfHeader, fatMachoFile, machoFile, peFile, pycFile } from './fixtures/index.js';

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');

t.test('ELF: object, shared object, executable', async (t) => {
  t.equal(classifyMember(elfHeader(1), 'x.o'), 'object');
  t.equal(classifyMember(elfHeader(3), 'usr/lib/libfoo.so.1.2'), 'shared-object');
  t.equal(classifyMember(elfHeader(3), 'foo.cpython-311-x86_64-linux-gnu.so'), 'shared-object');
  t.equal(classifyMember(elfHeader(3), 'bin/pie-executable'), 'elf', 'ET_DYN without .so is a PIE executable');
  t.equal(classifyMember(elfHeader(3), 'lib.so.d/tool'), 'elf', 'only the base name counts');
  t.equal(classifyMember(elfHeader(2), 'libnot-really.so'), 'elf', 'ET_EXEC is an executable whatever its name');
  const be = elfHeader(1);
  be[5] = 2; // big-endian: e_type 1 is stored as 00 01
  be.writeUInt16BE(1, 16);
  t.equal(classifyMember(be, 'mips.o'), 'object');
  t.equal(classifyMember(hex('7f454c46'), 'short'), 'elf', 'a truncated header is still ELF');
});

t.test('0xCAFEBABE: Java class or universal Mach-O', async (t) => {
  t.equal(classifyMember(classFile(), 'A.class'), 'java-class');
  t.equal(classifyMember(hex('cafebabe 0003 0045'), 'Java25'), 'java-class', 'minor 3, major 69');
  t.equal(classifyMember(fatMachoFile(), 'tool'), 'mach-o');
  t.equal(classifyMember(hex('cafebabe 0000002c'), 'x'), 'mach-o', '44 architectures is still fat');
  t.equal(classifyMember(hex('cafebabe 00000000'), 'x'), null, 'neither');
  t.equal(classifyMember(hex('cafebabe'), 'x'), null, 'too short to tell');
});

t.test('Mach-O, PE, ar', async (t) => {
  t.equal(classifyMember(machoFile(), 'x'), 'mach-o');
  for (const m of ['feedface', 'feedfacf', 'cefaedfe', 'cafebabf']) t.equal(classifyMember(hex(`${m}00000000`), 'x'), 'mach-o', m);
  t.equal(classifyMember(peFile(), 'a.dll'), 'pe');
  const dos = peFile();
  dos.write('NE', 0x80, 'latin1');
  t.equal(classifyMember(dos, 'old.exe'), null, 'MZ without a PE signature is not PE');
  const far = peFile();
  far.writeUInt32LE(0x10000, 0x3c);
  t.equal(classifyMember(far, 'x.exe'), null, 'e_lfanew past the bytes read');
  t.equal(classifyMember(Buffer.from('MZ is how this text starts'), 'x'), null);
  t.equal(classifyMember(Buffer.from('!<arch>\nfoo'), 'libx.a'), 'static-library');
  t.equal(classifyMember(Buffer.from('!<thin>\nfoo'), 'libx.a'), 'static-library');
});

t.test('pyc by magic, and by name', async (t) => {
  t.equal(classifyMember(pycFile(), 'whatever'), 'pyc');
  t.equal(classifyMember(hex('03f30d0a 00000000'), 'py27'), 'pyc', 'Python 2.7 magic 62211');
  t.equal(classifyMember(Buffer.from('ab\r\ncd\r\n'), 'dos.txt'), null, 'DOS text with \\r\\n at bytes 2-3');
  t.equal(classifyMember(Buffer.from('xx\r\n'), 'future.pyc'), 'pyc', 'unknown magic, .pyc name');
  t.equal(classifyMember(Buffer.alloc(0), 'empty.pyc'), null, 'an empty file is nothing');
});

t.test('nested zips: jar and wheel by name, other zips are not binaries', async (t) => {
  const zip = hex('504b0304 14000000');
  t.equal(classifyMember(zip, 'lib/foo.jar'), 'jar');
  t.equal(classifyMember(zip, 'app.WAR'), 'jar');
  t.equal(classifyMember(zip, 'dist/x-1.0-py3-none-any.whl'), 'wheel');
  t.equal(classifyMember(zip, 'docs.zip'), null);
  t.equal(classifyMember(Buffer.from('text'), 'fake.jar'), null, 'a .jar name without zip bytes');
});

t.test('containers by magic', async (t) => {
  t.equal(sniffContainer(hex('1f8b08')), 'gzip');
  t.equal(sniffContainer(hex('fd377a585a00')), 'xz');
  t.equal(sniffContainer(Buffer.from('BZh91AY')), 'bzip2');
  t.equal(sniffContainer(Buffer.from('BZh0')), null, 'block size digit must be 1-9');
  t.equal(sniffContainer(hex('28b52ffd')), 'zstd');
  t.equal(sniffContainer(Buffer.from('LZIP\x01')), 'lzip');
  t.equal(sniffContainer(hex('1f9d90')), 'compress');
  t.equal(sniffContainer(hex('377abcaf271c0004')), '7z');
  t.equal(sniffContainer(Buffer.from('Rar!\x1a\x07\x00')), 'rar');
  t.equal(sniffContainer(Buffer.from('!<arch>\n')), 'ar');
  t.equal(sniffContainer(Buffer.from('plain text')), null);
});

t.test('tar header checksum', async (t) => {
  const h = Buffer.alloc(512);
  h.write('file.txt', 0);
  h.write('0000000\0', 124);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of h) sum += x;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  t.ok(isTarHeader(h));
  h[0] = 0x46; // 'F': one byte changed, checksum no longer matches
  t.notOk(isTarHeader(h));
  t.notOk(isTarHeader(Buffer.alloc(512)), 'zeros have no checksum field');
  t.notOk(isTarHeader(h.subarray(0, 300)), 'too short');
});
