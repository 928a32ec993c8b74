#!/usr/bin/env node
// The `tessera` command as npm links it (node_modules/.bin/tessera, or a global install). It is a
// file of the repository, not of the build, so npm can link it at install time, before the build.
try {
  await import('../dist/bin/tessera.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/bin/tessera.js')) throw err;
  process.stderr.write('tessera: the CLI is not built yet; run `npm run build` in the repository first\n');
  process.exit(1);
}
