/** The facts stage on graphs shaped as nixpkgs writes them (test/classify/graph-builder.ts). */
import t from 'tap';
import { urlFacts } from '../../src/facts/url.js';
import { factsFor } from '../classify/graph-builder.js';

t.test('URLs are split into scheme, host or mirror, directories and a decoded file name', async (t) => {
  t.same(urlFacts('mirror://gnu/hello/hello-2.12.1.tar.gz'), {
    url: 'mirror://gnu/hello/hello-2.12.1.tar.gz', scheme: 'mirror', host: 'gnu', dirs: ['hello'], fileName: 'hello-2.12.1.tar.gz',
  });
  t.same(urlFacts('https://user@Example.ORG:8443/a/b%20c/file%2B1.zip?x=1#y'), {
    url: 'https://user@Example.ORG:8443/a/b%20c/file%2B1.zip?x=1#y', scheme: 'https', host: 'example.org', dirs: ['a', 'b c'], fileName: 'file+1.zip',
  });
  t.equal(urlFacts('https://example.org/bad%zzname').fileName, 'bad%zzname', 'a malformed escape stays as written');
});

t.test('the fetcher kind says how the input reached the store', async (t) => {
  const kind = (s: Parameters<typeof factsFor>[0]) => {
    const f = factsFor(s);
    return [f.fetcher, f.fetcherDetail];
  };
  t.match(kind({ name: 'hello-2.12.1.tar.gz', url: 'mirror://gnu/hello/hello-2.12.1.tar.gz' }), ['url', /download from mirror:\/\/gnu/]);
  t.match(kind({ name: 'source', url: 'https://git.savannah.gnu.org/git/gnulib.git', env: { rev: 'a8b7c6d5' } }), ['vcs', /at rev 'a8b7c6d5'/]);
  t.match(kind({ name: 'app-npm-deps', env: { impureEnvVars: 'http_proxy https_proxy' } }), ['network', /impureEnvVars passes http_proxy/]);
  t.match(kind({ name: 'app-go-modules', env: { SSL_CERT_FILE: '/etc/ssl/certs/ca.crt' } }), ['network', /SSL_CERT_FILE is set/]);
  t.match(kind({ name: 'hex0-1.6.0', builtHere: true }), ['built-in-graph', /built in this graph by hex0-seed/]);
  t.match(kind({ name: 'stage0-posix-1.6.0-source' }), ['opaque', /not built in this graph/]);
  t.match(kind({ name: 'builder.sh', kind: 'input-src' }), ['input-src', /added to the store at evaluation time/]);
  t.match(kind({ name: '/bin/sh', kind: 'builder', consumer: { as: 'none' } }), ['host-builder', /outside the store/]);
});

t.test('consumer facts: how the input is taken, and whether the consumer builds', async (t) => {
  const [hello] = factsFor({ name: 'hello-2.12.1.tar.gz', url: 'mirror://gnu/hello/hello-2.12.1.tar.gz', consumer: { pname: 'hello', native: ['autoreconf-hook'] } }).consumers;
  t.match(hello, { pname: 'hello', asSrc: true, asPatch: false, nativeBuildInputs: ['autoreconf-hook'], dontBuild: false, customInstall: false });
  t.same(hello.builds, ['autoreconf-hook in nativeBuildInputs', "stdenv's default configure, build and install phases"]);

  const [bin] = factsFor({
    name: 'app.deb', url: 'https://example.org/app_1.0_amd64.deb',
    consumer: { pname: 'app-bin', native: ['auto-patchelf-hook'], env: { dontBuild: '1', installPhase: 'dpkg-deb -x $src $out' } },
  }).consumers;
  t.match(bin, { asSrc: true, dontBuild: true, customInstall: true, builds: [] });
  t.ok(bin.scripts.some((s) => s.includes('dpkg-deb -x')), 'its phases are kept for the rules');

  const [patch] = factsFor({ name: 'fix.patch', url: 'https://example.org/fix.patch', consumer: { pname: 'hello', as: 'patch' } }).consumers;
  t.match(patch, { asSrc: false, asPatch: true });

  const [kaem] = factsFor({
    name: 'make-4.4.1.tar.gz', kind: 'input-src',
    consumer: { name: 'gnumake-4.4.1', stdenv: false, as: 'script', env: { buildCommand: 'cd make-4.4.1\nbash ./configure --prefix=$out\nmake' } },
  }).consumers;
  t.match(kaem, { asSrc: false, inScript: true, builds: ["its script runs './configure'"] });
});

t.test('platform words are facts of the file names and of platform directories', async (t) => {
  const f = factsFor({ name: 'source', url: 'https://dl.example.org/app/linux/x64/1.0/app.tar.gz' });
  t.match(f.platforms, [{ where: 'URL path', words: [{ word: 'linux', kind: 'os' }, { word: 'x64', kind: 'arch' }] }]);
  t.same(f.fileNames, ['source', 'app.tar.gz']);
});
