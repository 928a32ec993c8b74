/**
 * Conformance: a held lease. Heartbeats keep it past its lease seconds; `LEASE_GONE` makes the
 * SDK check out again (`renewed`) or, with no seat left, report `lost` and keep trying; close()
 * and the end of stdin give every seat back.
 */
import assert from 'node:assert/strict';
import { holdSeat, recordingProxy, sameServer } from './support/http.js';
import { SHORT_LEASE } from './support/servers.js';
import { conformance, eventually, type ScenarioContext, sleep } from './support/suite.js';

const LIFETIMES = 3;

async function heartbeats(ctx: ScenarioContext): Promise<void> {
  const server = await ctx.server({ licenses: [{ features: ['asr=2'] }] });
  const driver = await ctx.open(ctx.conf({ servers: [server.address] }));
  const g = await driver.ok('checkout', { feature: 'asr' });
  const before = await server.heartbeatsOk();

  // Held for several lease lifetimes: without heartbeats it would lapse after the first.
  const holdMs = LIFETIMES * SHORT_LEASE.leaseSeconds * 1000 + 1000;
  const started = Date.now();
  while (Date.now() - started < holdMs) {
    await sleep(2_000);
    const ids = (await server.leases('asr')).map((l) => l.leaseId);
    assert.deepEqual(ids, [g.leaseId], `the server still holds the lease after ${Date.now() - started} ms`);
  }
  const seen = await driver.ok('lease', { lease: g.lease });
  assert.equal(seen.leaseId, g.leaseId, 'the same lease, not a new one');
  assert.equal(seen.held, true);
  assert.deepEqual(driver.events, [], 'nothing was lost or renewed');
  // Heartbeats come at least every half lease time.
  const beats = (await server.heartbeatsOk()) - before;
  const atLeast = Math.floor(holdMs / ((SHORT_LEASE.leaseSeconds * 1000) / 2)) - 1;
  assert.ok(beats >= atLeast, `${beats} heartbeats in ${holdMs} ms; at least ${atLeast} expected`);
}

async function renewedAfterRevoke(ctx: ScenarioContext): Promise<void> {
  const server = await ctx.server({ licenses: [{ features: ['asr=2'] }] });
  const driver = await ctx.open(ctx.conf({ servers: [server.address] }));
  const g = await driver.ok('checkout', { feature: 'asr', count: 2 });
  await server.revoke(g.leaseId as string);

  const e = await driver.waitForEvent((ev) => ev.event === 'renewed', 'renewed event', 15_000);
  assert.equal(e.lease, g.lease);
  assert.equal(e.previousLeaseId, g.leaseId);
  assert.equal(e.reason, 'REVOKED_BY_ADMIN');
  assert.ok(sameServer(e.server, server.clientUrl));
  assert.equal(typeof e.leaseId, 'string');
  assert.notEqual(e.leaseId, g.leaseId, 'a new lease');
  const now = await driver.ok('lease', { lease: g.lease });
  assert.equal(now.leaseId, e.leaseId, 'the handle names the new lease');
  assert.equal(now.held, true);
  const held = await server.leases('asr');
  assert.deepEqual(
    held.map((l) => [l.leaseId, l.count]),
    [[e.leaseId, 2]],
    'the server holds the new lease, of the same count',
  );

  await driver.ok('release', { lease: g.lease });
  assert.ok(await eventually(async () => (await server.inUse('asr')) === 0, 10_000), 'the new lease is released');
}

async function lostThenRenewed(ctx: ScenarioContext): Promise<void> {
  const server = await ctx.server({ licenses: [{ features: ['asr=1'] }] });
  // The driver talks to the server through a proxy that can hold its requests back, so that
  // another client surely takes the seat before the driver hears its lease is gone.
  const proxy = await recordingProxy(server.clientUrl);
  const driver = await ctx.open(ctx.conf({ servers: [proxy.address] }));
  const g = await driver.ok('checkout', { feature: 'asr' });

  proxy.hold();
  await server.revoke(g.leaseId as string);
  const other = await holdSeat(server.clientUrl, 'asr'); // another client takes the seat
  proxy.release();

  const lost = await driver.waitForEvent((ev) => ev.event === 'lost', 'lost event', 15_000);
  assert.equal(lost.lease, g.lease);
  assert.equal(lost.code, 'NO_SEATS');
  assert.equal(lost.reason, 'REVOKED_BY_ADMIN');
  assert.equal(typeof lost.message, 'string');
  assert.equal((await driver.ok('lease', { lease: g.lease })).held, false, 'no seat is held for it now');

  // The SDK keeps trying: once the seat is free again, it has it.
  const mark = driver.events.length;
  assert.equal(await other.release(), 204);
  const renewed = await driver.waitForEvent((ev) => ev.event === 'renewed', 'renewed event', 15_000, mark);
  assert.equal(renewed.lease, g.lease);
  assert.equal(renewed.previousLeaseId, g.leaseId);
  assert.equal(renewed.reason, 'REVOKED_BY_ADMIN', 'why the lease went away in the first place');
  const now = await driver.ok('lease', { lease: g.lease });
  assert.deepEqual([now.leaseId, now.held], [renewed.leaseId, true]);
  assert.deepEqual(
    (await server.leases('asr')).map((l) => l.leaseId),
    [renewed.leaseId],
  );
}

async function closeReleases(ctx: ScenarioContext): Promise<void> {
  const server = await ctx.server({ licenses: [{ features: ['asr=5', 'tts=3'] }] });
  const conf = ctx.conf({ servers: [server.address], cachePeriod: 60 });
  const driver = await ctx.open(conf);
  const a = await driver.ok('checkout', { feature: 'asr' });
  await driver.ok('checkout', { feature: 'asr', count: 2 });
  await driver.ok('checkout', { feature: 'tts' });
  await driver.ok('release', { lease: a.lease }); // into the release cache
  assert.equal(await server.inUse('asr'), 3, 'the released seat is kept by the cache');
  assert.equal(await server.inUse('tts'), 1);
  await driver.ok('close');
  assert.equal(await server.inUse('asr'), 0, 'close() gave back held and cached seats before answering');
  assert.equal(await server.inUse('tts'), 0);

  // The end of stdin closes the client too, and the driver exits 0.
  const second = await ctx.open(conf);
  await second.ok('checkout', { feature: 'asr', count: 2 });
  assert.equal(await server.inUse('asr'), 2);
  const exit = await second.closeStdin();
  assert.deepEqual(exit, { code: 0, signal: null }, `the driver exits 0 at the end of stdin:\n${second.stderr()}`);
  assert.equal(await server.inUse('asr'), 0, 'its seats were given back before it exited');
}

conformance('held leases', [
  {
    name: `heartbeats keep a lease for ${LIFETIMES} lease lifetimes`,
    timeoutMs: 180_000,
    run: heartbeats,
  },
  { name: "an admin's release is LEASE_GONE: checked out again, renewed", run: renewedAfterRevoke },
  { name: 'no seat left after LEASE_GONE: lost, then renewed once a seat frees', run: lostThenRenewed },
  { name: 'close() and the end of stdin release held and cached seats', run: closeReleases },
]);
