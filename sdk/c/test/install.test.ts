/**
 * The C library as a user gets it: `cmake --install` into a prefix, then the example program
 * compiled against it with pkg-config (shared, and statically), run against a real License Server.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanup, features, tempDir } from '../../../packages/cli/test/support.js';
import { C_DIR, type LicensedServer, licensedServer, PLAIN, sh, shOk, writeConf } from './harness.js';

after(cleanup);

/** The functions tessera.h declares. */
function declaredFunctions(): string[] {
  const header = readFileSync(join(C_DIR, 'include/tessera/tessera.h'), 'utf8');
  return [...header.matchAll(/^TESSERA_API [^;]*?\b(tessera_\w+)\(/gm)].map((m) => m[1]!).sort();
}

describe('C library: install and build against it', () => {
  let prefix: string;
  let lic: LicensedServer;
  let conf: string;
  const env = () => ({ ...process.env, PKG_CONFIG_PATH: join(prefix, 'lib/pkgconfig') });
  const pkgConfig = (...args: string[]) =>
    shOk('pkg-config', [...args, 'tessera'], { env: env() })
      .trim()
      .split(/\s+/);

  before(async () => {
    const work = tempDir('tessera-c-install-');
    prefix = join(work, 'prefix');
    shOk('cmake', ['--install', PLAIN, '--prefix', prefix]);
    lic = await licensedServer(['asr=3']);
    conf = writeConf(work, lic.address);
  });

  test('installs the header, a versioned shared library, a static one and tessera.pc', () => {
    for (const f of [
      'include/tessera/tessera.h',
      'lib/libtessera.so.0.1.0',
      'lib/libtessera.a',
      'lib/pkgconfig/tessera.pc',
    ]) {
      assert.ok(existsSync(join(prefix, f)), `${f} is installed`);
    }
    assert.equal(readlinkSync(join(prefix, 'lib/libtessera.so.0')), 'libtessera.so.0.1.0');
    assert.equal(readlinkSync(join(prefix, 'lib/libtessera.so')), 'libtessera.so.0');
    assert.match(shOk('readelf', ['-d', join(prefix, 'lib/libtessera.so.0.1.0')]), /SONAME.*\[libtessera\.so\.0\]/);
    assert.equal(shOk('pkg-config', ['--modversion', 'tessera'], { env: env() }).trim(), '0.1.0');
  });

  test('the shared library exports exactly the functions tessera.h declares', () => {
    const exported = shOk('nm', ['-D', '--defined-only', join(prefix, 'lib/libtessera.so.0.1.0')])
      .split('\n')
      .filter((l) => / T /.test(l))
      .map((l) => l.split(' ').pop()!)
      .sort();
    const declared = declaredFunctions();
    assert.ok(declared.length >= 25, `found ${declared.length} declarations`);
    assert.deepEqual(exported, declared);
  });

  test('the example, built with pkg-config against the shared library, takes a seat and gives it back', async () => {
    const exe = join(prefix, 'example-shared');
    shOk('cc', [
      join(C_DIR, 'examples/checkout.c'),
      ...pkgConfig('--cflags', '--libs'),
      `-Wl,-rpath,${prefix}/lib`,
      '-o',
      exe,
    ]);
    assert.match(shOk('readelf', ['-d', exe]), /NEEDED.*\[libtessera\.so\.0\]/);
    const r = sh(exe, [conf, 'asr', '2']);
    assert.equal(r.status, 0, `exit ${r.status}: ${r.stdout}${r.stderr}`);
    assert.match(
      r.stdout,
      new RegExp(`^checked out 2 seat\\(s\\) of asr: lease \\S+ from http://${lic.address}\\nreleased\\n$`),
    );
    assert.equal((await features(lic.server.clientUrl)).features[0]?.inUse, 0);
  });

  test('the example, linked with the static library, takes a seat, and prints denials clearly', async () => {
    const exe = join(prefix, 'example-static');
    const archive = join(prefix, 'lib/libtessera.a');
    const libs = pkgConfig('--static', '--libs').map((a) => (a === '-ltessera' ? archive : a));
    shOk('cc', [join(C_DIR, 'examples/checkout.c'), ...pkgConfig('--cflags'), ...libs, '-o', exe]);
    assert.doesNotMatch(shOk('readelf', ['-d', exe]), /libtessera/, 'nothing of libtessera is loaded at run time');
    const r = sh(exe, [conf, 'asr']);
    assert.equal(r.status, 0, `exit ${r.status}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^checked out 1 seat\(s\) of asr: /);

    const denied = sh(exe, [conf, 'asr', '4']);
    assert.equal(denied.status, 2);
    assert.match(
      denied.stderr,
      /^all seats of asr are in use; try again later\nno license for asr: NO_SEATS: http:\/\/\S+: /,
    );
    const unknown = sh(exe, [conf, 'tts']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no license for tts: UNKNOWN_FEATURE: /);
    const missing = sh(exe, [join(prefix, 'nope.conf'), 'asr']);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, `CONFIG_ERROR: ${join(prefix, 'nope.conf')}: cannot read: no such file\n`);
    assert.equal((await features(lic.server.clientUrl)).features[0]?.inUse, 0);
  });
});
