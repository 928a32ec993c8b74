/**
 * Conformance: the release cache of `LICENSE_CACHE_PERIOD`. A released seat stays held on the
 * server, still heartbeating, for the period; a checkout of the same feature and count gets the
 * same lease back; a checkout of another count does not; after the period the seat is released.
 */
import assert from 'node:assert/strict';
import { SHORT_LEASE } from './support/servers.js';
import { conformance, type ScenarioContext, sleep } from './support/suite.js';

/**
 * Longer than a lease lifetime, so a cached seat is only still there if it was heartbeaten, with
 * room to spare for the checkout that takes it back on a loaded machine.
 */
const CACHE_SECONDS = SHORT_LEASE.leaseSeconds + 9;

async function releaseCache(ctx: ScenarioContext): Promise<void> {
  const server = await ctx.server({ licenses: [{ features: ['asr=5'] }] });
  const driver = await ctx.open(ctx.conf({ servers: [server.address], cachePeriod: CACHE_SECONDS }));
  const ids = async () => (await server.leases('asr')).map((l) => l.leaseId).sort();

  const first = await driver.ok('checkout', { feature: 'asr' });
  await driver.ok('release', { lease: first.lease });
  assert.equal((await driver.ok('lease', { lease: first.lease })).released, true);
  assert.deepEqual(await ids(), [first.leaseId], 'the released seat is still held on the server');

  // Another count is another key: a new lease, not the cached one.
  const pair = await driver.ok('checkout', { feature: 'asr', count: 2 });
  assert.notEqual(pair.leaseId, first.leaseId);

  // Past one lease lifetime the cached seat is still there: it kept heartbeating.
  await sleep((SHORT_LEASE.leaseSeconds + 1) * 1000);
  assert.deepEqual(await ids(), [first.leaseId, pair.leaseId].sort(), 'the cached seat outlived its lease time');

  const again = await driver.ok('checkout', { feature: 'asr' });
  assert.equal(again.leaseId, first.leaseId, 'the same lease comes back from the cache');
  assert.equal((await driver.ok('lease', { lease: again.lease })).held, true);

  // Released again: kept for the period, then given back for good. Watched until it goes, it is
  // never gone before the period has passed since the release was asked for (however slow the
  // machine, that cannot come early).
  const askedAt = Date.now();
  await driver.ok('release', { lease: again.lease });
  for (;;) {
    const present = (await ids()).includes(first.leaseId as string);
    const since = Date.now() - askedAt;
    if (!present) {
      assert.ok(
        since >= CACHE_SECONDS * 1000,
        `released ${since} ms after release, before the period of ${CACHE_SECONDS} s`,
      );
      break;
    }
    assert.ok(since < (CACHE_SECONDS + 10) * 1000, `still held ${since} ms after release, 10 s past the period`);
    await sleep(250);
  }
  assert.deepEqual(await ids(), [pair.leaseId], 'the lease still held by the app is untouched');
  assert.equal(driver.events.length, 0, `no events: ${JSON.stringify(driver.events)}`);
}

conformance('release cache', [
  {
    name: 'LICENSE_CACHE_PERIOD keeps a released seat for the same checkout, then releases it',
    timeoutMs: 180_000,
    run: releaseCache,
  },
]);
