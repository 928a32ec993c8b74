#!/usr/bin/env node
// Builds the C library for the tests (run by scripts/build-sdks.mjs before `npm test`):
//   sdk/c/.build/asan   Debug, AddressSanitizer + UndefinedBehaviorSanitizer: the library, the C tests,
//                       the conformance driver and the example
//   sdk/c/.build/plain  RelWithDebInfo, no sanitizers: the same plus tessera-bench, for valgrind and the bench
//   sdk/c/build/        links to the programs others run: tessera-conformance-driver (sanitized, so that
//                       the conformance suite sees leaks and undefined behaviour), tessera-bench, tessera-example
// The CMake trees sit in a dot directory because CMake writes files named *.ts into them (timestamps, not
// TypeScript): tsc does not walk into dot directories, and sdk/c/biome.json keeps Biome out.
// Fails loudly, naming the Debian packages, when the toolchain or a library is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const here = dirname(new URL(import.meta.url).pathname);
const PACKAGES = 'cmake gcc pkg-config libcurl4-openssl-dev libcjson-dev';

function fail(message) {
  console.error(`sdk/c/build.mjs: ${message}`);
  process.exit(1);
}

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: here, encoding: 'utf8' });
  if (r.error) fail(`${what}: cannot run ${cmd} (${r.error.message}); install: apt-get install ${PACKAGES}`);
  if (r.status !== 0) fail(`${what} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

for (const [cmd, args] of [
  ['cmake', ['--version']],
  ['cc', ['--version']],
  ['pkg-config', ['--version']],
]) {
  run(cmd, args, `${cmd} --version`);
}
for (const [module, pkg] of [
  ['libcurl', 'libcurl4-openssl-dev'],
  ['libcjson', 'libcjson-dev'],
]) {
  const r = spawnSync('pkg-config', ['--exists', module]);
  if (r.status !== 0) fail(`${module} is missing: apt-get install ${pkg}`);
}

const builds = [
  { dir: '.build/asan', flags: ['-DCMAKE_BUILD_TYPE=Debug', '-DTESSERA_SANITIZE=ON'] },
  { dir: '.build/plain', flags: ['-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DTESSERA_SANITIZE=OFF'] },
];
for (const b of builds) {
  const dir = join(here, b.dir);
  run('cmake', ['-S', here, '-B', dir, '--log-level=WARNING', '-DTESSERA_WERROR=ON', ...b.flags], `configure ${b.dir}`);
  run('cmake', ['--build', dir, '--parallel', '2'], `build ${b.dir}`);
}

const links = {
  'tessera-conformance-driver': '.build/asan/tessera-conformance-driver',
  'tessera-example': '.build/asan/tessera-example',
  'tessera-bench': '.build/plain/tessera-bench',
};
mkdirSync(join(here, 'build'), { recursive: true });
for (const [name, target] of Object.entries(links)) {
  const link = join(here, 'build', name);
  if (!existsSync(join(here, target))) fail(`${target} was not built`);
  if (isLink(link) || existsSync(link)) unlinkSync(link);
  symlinkSync(relative(dirname(link), join(here, target)), link);
}
console.log('sdk/c: built sdk/c/.build/asan (ASan+UBSan) and sdk/c/.build/plain; programs linked in sdk/c/build');

function isLink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
