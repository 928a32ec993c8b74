/**
 * Conformance of `tessera lease run`, the way to hold a seat from any language without an SDK:
 * the seat is held (heartbeaten) while the command runs and released when it ends, a denial is
 * one line and exit code 3, signals reach the command, failover follows the SDK's rules.
 * Its own command-line surface is tested in packages/cli/test/lease-run.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cleanup, tempDir } from '../../packages/cli/test/support.js';
import { closedPort, closeHttpHelpers, holdSeat } from './support/http.js';
import { leaseRun, waitingCommand } from './support/lease-run.js';
import { LicensedServer, SHORT_LEASE } from './support/servers.js';
import { sleep } from './support/suite.js';

const servers: LicensedServer[] = [];
after(async () => {
  await Promise.allSettled(servers.map((s) => s.kill9()));
  await closeHttpHelpers();
  await cleanup();
});

async function server(features = ['asr=2']): Promise<LicensedServer> {
  const s = await LicensedServer.start({ licenses: [{ features }] });
  servers.push(s);
  return s;
}

function conf(dir: string, servers_: string[]): string {
  const path = join(dir, 'client_property.conf');
  writeFileSync(path, `[GLOBAL]\nLICENSE_SERVERS = ${servers_.join(';')}\nLICENSE_CACHE_PERIOD = 30\n`);
  return path;
}

describe('tessera lease run', { concurrency: true }, () => {
  test('lease-run: the seat is held while the command runs, past its lease seconds, and released at its end', {
    timeout: 150_000,
  }, async () => {
    const s = await server();
    const dir = tempDir();
    const done = join(dir, 'done');
    const run = leaseRun(['--feature', 'asr', '--conf', conf(dir, [s.address]), ...waitingCommand(done, 7)]);
    await run.waitForStdout(/ready/);
    const [lease] = await s.leases('asr');
    assert.ok(lease, 'a seat is held once the command runs');
    assert.equal(lease.app, basename(process.execPath), "the server shows the command's name");
    const holdMs = 2 * SHORT_LEASE.leaseSeconds * 1000 + 1000;
    for (const started = Date.now(); Date.now() - started < holdMs; ) {
      await sleep(2_000);
      assert.deepEqual(
        (await s.leases('asr')).map((l) => l.leaseId),
        [lease.leaseId],
        'the same lease, still held',
      );
    }
    writeFileSync(done, '');
    const exit = await run.exited;
    assert.deepEqual(exit, { code: 7, signal: null }, `the command's exit status is tessera's\n${run.stderr()}`);
    assert.equal(await s.inUse('asr'), 0, 'the seat was released (the release cache aside) before tessera exited');
    assert.equal(run.stderr(), '', 'nothing to say on stderr');
  });

  test('lease-run: a denial is one line and exit code 3, and the command is not run', {
    timeout: 150_000,
  }, async () => {
    const s = await server(['asr=1']);
    await holdSeat(s.clientUrl, 'asr'); // the only seat
    const dir = tempDir();
    const marker = join(dir, 'ran');
    const run = leaseRun([
      '--feature',
      'asr',
      '--conf',
      conf(dir, [s.address]),
      process.execPath,
      '-e',
      `require('node:fs').writeFileSync(${JSON.stringify(marker)}, '')`,
    ]);
    const exit = await run.exited;
    assert.deepEqual(exit, { code: 3, signal: null });
    const lines = run
      .stderr()
      .split('\n')
      .filter((l) => l !== '');
    assert.equal(lines.length, 1, `one line: ${run.stderr()}`);
    assert.match(lines[0]!, /^tessera: NO_SEATS: \S/);
    assert.equal(existsSync(marker), false, 'the command did not run');
    assert.equal(run.stdout(), '');

    const unknown = leaseRun(['--feature', 'nope', '--conf', conf(dir, [s.address]), 'true']);
    assert.equal((await unknown.exited).code, 3);
    assert.match(unknown.stderr(), /^tessera: UNKNOWN_FEATURE: .*\n$/);
  });

  test('lease-run: SIGTERM and SIGINT reach the command; the seat is released; exit 128+N or its own', {
    timeout: 150_000,
  }, async () => {
    const s = await server();
    const dir = tempDir();
    const path = conf(dir, [s.address]);

    // A command that does not catch SIGTERM dies of it: tessera exits 128+15.
    const plain = leaseRun(['--feature', 'asr', '--conf', path, ...waitingCommand(join(dir, 'never'))]);
    await plain.waitForStdout(/ready/);
    assert.equal(await s.inUse('asr'), 1);
    plain.child.kill('SIGTERM');
    assert.deepEqual(await plain.exited, { code: 143, signal: null }, plain.stderr());
    assert.equal(await s.inUse('asr'), 0, 'released');

    // A command that catches SIGINT ends as it likes: its status is tessera's.
    const caught = join(dir, 'trap');
    const trapping = leaseRun(['--feature', 'asr', '--conf', path, ...waitingCommand(caught, 9, 'SIGINT')]);
    await trapping.waitForStdout(/ready/);
    trapping.child.kill('SIGINT');
    assert.deepEqual(await trapping.exited, { code: 0, signal: null }, trapping.stderr());
    assert.equal(existsSync(`${caught}.caught`), true, 'the command received the SIGINT');
    assert.equal(await s.inUse('asr'), 0, 'released');
  });

  test('lease-run: a server that cannot be reached is passed over', { timeout: 150_000 }, async () => {
    const s = await server();
    const dir = tempDir();
    const done = join(dir, 'done');
    const run = leaseRun([
      '--feature',
      'asr',
      '--conf',
      conf(dir, [await closedPort(), s.address]),
      ...waitingCommand(done),
    ]);
    await run.waitForStdout(/ready/);
    assert.equal(await s.inUse('asr'), 1, 'the second server granted the seat');
    writeFileSync(done, '');
    assert.equal((await run.exited).code, 0);
    assert.equal(await s.inUse('asr'), 0);
  });
});
