#!/usr/bin/env node
// Bundles the License Server's compiled JavaScript (packages/server/dist) and its third-party
// dependencies into one ES module, packages/server/dist/bundle/server.mjs, which the package
// exports for running (tests import the TypeScript sources). Resolving and reading a few
// hundred small modules was about half of a cold start; one file is read and compiled at once.
// Kept outside the bundle: better-sqlite3 (a native addon) and our own workspace packages, so
// that a class such as TesseraError is one class for the CLI and the server.
import { mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outfile = `${root}packages/server/dist/bundle/server.mjs`;
mkdirSync(`${root}packages/server/dist/bundle`, { recursive: true });

const result = await build({
  entryPoints: [`${root}packages/server/dist/index.js`],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', '@tessera/*'],
  // CommonJS dependencies call require() for Node's built-ins; an ES module has none of its own.
  banner: { js: "import { createRequire as __tesseraCreateRequire } from 'node:module';\nconst require = __tesseraCreateRequire(import.meta.url);" },
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
if (process.argv.includes('--verbose')) console.log(`bundled ${outfile} (${Math.round(bytes / 1024)} KiB)`);
