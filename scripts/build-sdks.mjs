#!/usr/bin/env node
// Builds the SDKs that need a native build before their tests run: every sdk/*/build.mjs, in
// name order. Kept out of `npm run build` so that `npm start` needs no C toolchain.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const sdkDir = join(root, 'sdk');
const builds = existsSync(sdkDir)
  ? readdirSync(sdkDir)
      .sort()
      .map((name) => join(sdkDir, name, 'build.mjs'))
      .filter((p) => existsSync(p))
  : [];

for (const script of builds) {
  const r = spawnSync(process.execPath, [script], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${script} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}
