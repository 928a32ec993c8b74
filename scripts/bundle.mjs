#!/usr/bin/env node
// Bundles compiled packages that start often into one ES module each, which their package
// exports for running (tests import the TypeScript sources):
//   packages/core/dist/bundle/core.mjs      @tessera/core with jose
//   packages/server/dist/bundle/server.mjs  @tessera/server with fastify, pino, prom-client, ...
//   packages/service-kit/dist/typebox-builders.js  replaces tsc's output: the TypeBox builders
//                                           the route schemas use, without the rest of `typebox`
// Resolving and reading a few hundred small modules was about half of a License Server's cold
// start; one file is read and compiled at once. Kept outside a bundle: better-sqlite3 (a
// native addon) and our own workspace packages, so that a class such as TesseraError is one
// class for every package that imports @tessera/core.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const BUNDLES = [
  { entry: 'packages/core/dist/index.js', out: 'packages/core/dist/bundle/core.mjs' },
  { entry: 'packages/server/dist/index.js', out: 'packages/server/dist/bundle/server.mjs' },
  // From the source, so that a second build (tsc then emits nothing) bundles the same thing again.
  {
    entry: 'packages/service-kit/src/typebox-builders.ts',
    out: 'packages/service-kit/dist/typebox-builders.js',
    overwrites: true,
  },
];

for (const b of BUNDLES) {
  const outfile = `${root}${b.out}`;
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [`${root}${b.entry}`],
    outfile,
    allowOverwrite: b.overwrites === true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3', '@tessera/*'],
    // CommonJS dependencies call require() for Node's built-ins; an ES module has none of its own.
    banner: {
      js: "import { createRequire as __tesseraCreateRequire } from 'node:module';\nconst require = __tesseraCreateRequire(import.meta.url);",
    },
    legalComments: 'linked',
    logLevel: 'warning',
    metafile: true,
  });
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  if (process.argv.includes('--verbose')) console.log(`bundled ${b.out} (${Math.round(bytes / 1024)} KiB)`);
}
