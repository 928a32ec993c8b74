/**
 * The data-dir lock with real processes: it dies with its holder (kill -9 included), a stale
 * lock file naming some other live process blocks nothing, and two servers still exclude each other.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cleanup, cli, cliJson, startServer, tempDir } from './support.js';

const sleepers: ReturnType<typeof spawn>[] = [];
after(async () => {
  for (const s of sleepers) s.kill('SIGKILL');
  await cleanup();
});

describe('data-dir lock', () => {
  test('a lock file naming a live process that is not a holder refuses neither the CLI nor server start', {
    timeout: 60_000,
  }, async () => {
    const data = join(tempDir(), 'srv');
    await (await startServer(data)).stop();
    // As after a crash whose pid was reused: the lock file names a live process.
    const unrelated = spawn('sleep', ['120'], { stdio: 'ignore' });
    sleepers.push(unrelated);
    writeFileSync(join(data, 'lock'), JSON.stringify({ pid: unrelated.pid, holder: 'tessera server' }));
    const list = await cliJson<{ licenses: unknown[] }>(['license', 'list', '--data', data]);
    assert.deepEqual(list.licenses, []);
    writeFileSync(join(data, 'lock'), JSON.stringify({ pid: unrelated.pid, holder: 'tessera server' }));
    const server = await startServer(data);
    await server.stop();
  });

  test('two servers on one data dir exclude each other; after kill -9 the dir is free at once', {
    timeout: 60_000,
  }, async () => {
    const data = join(tempDir(), 'srv');
    const first = await startServer(data);
    const second = await cli([
      'server',
      'start',
      '--data',
      data,
      '--client-listen',
      '127.0.0.1:0',
      '--admin-listen',
      '127.0.0.1:0',
    ]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`in use by tessera server \\(pid ${first.child.pid}\\).*DATA_DIR_LOCKED`));
    await first.kill9();
    // No server answers now: the CLI opens the data dir itself, and the lock is free.
    const list = await cliJson<{ licenses: unknown[] }>(['license', 'list', '--data', data]);
    assert.deepEqual(list.licenses, []);
    const again = await startServer(data);
    await again.stop();
  });
});
