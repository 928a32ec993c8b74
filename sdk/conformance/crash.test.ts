/**
 * Conformance: a License Server killed with `kill -9` while a lease is held, and started again
 * on the same port and data dir. The lease is on disk, so the server still has it; the SDK's
 * heartbeats fail while it is down and resume when it is back, on the same lease.
 */
import assert from 'node:assert/strict';
import { conformance, eventually, type ScenarioContext, sleep } from './support/suite.js';

/** Long enough for a restart on a loaded machine to fit inside one lease lifetime. */
const LEASE_SECONDS = 15;

async function killAndRestart(ctx: ScenarioContext): Promise<void> {
  const server = await ctx.server({
    leaseSeconds: LEASE_SECONDS,
    heartbeatSeconds: 1,
    licenses: [{ features: ['asr=2'] }],
  });
  const driver = await ctx.open(ctx.conf({ servers: [server.address] }));
  const g = await driver.ok('checkout', { feature: 'asr' });

  await server.kill9();
  await sleep(2_500); // a few heartbeats fail meanwhile
  await server.restart();

  // The restarted process counts heartbeats from zero: some arrive, for the lease it loaded.
  const resumed = await eventually(async () => (await server.heartbeatsOk()) >= 3, 15_000);
  assert.ok(resumed, 'heartbeats reach the restarted server');
  assert.deepEqual(
    (await server.leases('asr')).map((l) => l.leaseId),
    [g.leaseId],
    'the server kept the lease',
  );
  const seen = await driver.ok('lease', { lease: g.lease });
  assert.equal(seen.leaseId, g.leaseId, 'the SDK holds the same lease');
  assert.equal(seen.held, true);
  assert.deepEqual(driver.events, [], 'the lease was neither lost nor renewed');

  await driver.ok('close');
  assert.equal(await server.inUse('asr'), 0);
}

conformance('a License Server killed and restarted', [
  {
    name: 'a lease held across kill -9 and restart of its License Server stays the same lease',
    timeoutMs: 180_000,
    run: killAndRestart,
  },
]);
