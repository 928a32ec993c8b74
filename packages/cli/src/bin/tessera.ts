#!/usr/bin/env node
/**
 * The `tessera` command. Everything is in ../main.ts; this file only runs it and exits with
 * its code once stdout and stderr have been written out.
 */
import { run } from '../main.js';

// A reader that goes away (`tessera license list | head -1`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const code = await run(process.argv);
process.exitCode = code;
// Exit once the output is flushed: a keep-alive socket or an idle timer must not hold the process.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
