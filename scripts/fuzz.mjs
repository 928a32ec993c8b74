#!/usr/bin/env node
// `npm run fuzz -- [--cases N] [--seed S] [filter...]`: runs the fuzz suites (test files whose
// path contains "fuzz", or those matching the filters) with as many cases per property as
// asked. `npm test` runs the same files with their small default counts.
//   TESSERA_FUZZ_CASES  cases per property (each suite has its own default for npm test)
//   TESSERA_FUZZ_SEED   fast-check seed, to replay a failure it printed
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
const env = { ...process.env };
const filters = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--cases' || a === '--seed') {
    const v = args[++i];
    if (v === undefined || !/^-?\d+$/.test(v)) {
      console.error(`${a} needs an integer`);
      process.exit(2);
    }
    env[a === '--cases' ? 'TESSERA_FUZZ_CASES' : 'TESSERA_FUZZ_SEED'] = v;
  } else filters.push(a);
}
if (filters.length === 0) filters.push('fuzz');
const child = spawn(process.execPath, [new URL('./test.mjs', import.meta.url).pathname, ...filters], {
  stdio: 'inherit',
  env,
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
