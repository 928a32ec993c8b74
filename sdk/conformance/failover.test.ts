/**
 * Conformance: failover across `LICENSE_SERVERS` between License Servers. A server that cannot
 * be reached, or answers 5xx, is passed over, and the one that answered is asked first next
 * time; `NO_SEATS` moves on to a server of another pool, and stays the answer when none has a
 * seat. (Servers of one pool are Cloud nodes: see cloud.test.ts.)
 */
import assert from 'node:assert/strict';
import { closedPort, errorStub, holdSeat, sameServer } from './support/http.js';
import { conformance, type ScenarioContext } from './support/suite.js';

async function unreachable(ctx: ScenarioContext): Promise<void> {
  const down = await closedPort();
  const server = await ctx.server({ licenses: [{ features: ['asr=2'] }] });
  const driver = await ctx.open(ctx.conf({ servers: [down, server.address] }));
  const g = await driver.ok('checkout', { feature: 'asr' });
  assert.ok(sameServer(g.server, server.clientUrl), `granted by the second server, not ${g.server}`);
  assert.deepEqual(
    (await server.leases('asr')).map((l) => l.leaseId),
    [g.leaseId],
  );
}

async function failing(ctx: ScenarioContext): Promise<void> {
  const broken = await errorStub(503, 'UNAVAILABLE', 'the lease could not be stored; nothing was granted');
  const server = await ctx.server({ licenses: [{ features: ['asr=2', 'tts=2'] }] });
  const driver = await ctx.open(ctx.conf({ servers: [broken.address, server.address] }));
  const g = await driver.ok('checkout', { feature: 'asr' });
  assert.ok(sameServer(g.server, server.clientUrl), `granted by the second server, not ${g.server}`);
  const asked = () => broken.seen.filter((r) => r.method === 'POST' && r.path === '/v1/leases').length;
  assert.equal(asked(), 1, 'the failing server was asked first');

  // The server that answered is asked first next time: the failing one is not asked again.
  const again = await driver.ok('checkout', { feature: 'tts' });
  assert.ok(sameServer(again.server, server.clientUrl));
  assert.equal(asked(), 1, 'the server that answered last was asked first');
}

async function otherPool(ctx: ScenarioContext): Promise<void> {
  const [full, spare] = await Promise.all([
    ctx.server({ licenses: [{ features: ['asr=1'] }] }),
    ctx.server({ licenses: [{ features: ['asr=1'] }] }),
  ]);
  assert.notEqual(full.poolId, spare.poolId, 'two License Servers are two pools');
  await holdSeat(full.clientUrl, 'asr'); // another client fills the first server

  const driver = await ctx.open(ctx.conf({ servers: [full.address, spare.address] }));
  const g = await driver.ok('checkout', { feature: 'asr' });
  assert.ok(sameServer(g.server, spare.clientUrl), `granted by the server of the other pool, not ${g.server}`);
  assert.equal(g.poolId, spare.poolId);

  // Now neither pool has a seat: the answer is NO_SEATS (not UNAVAILABLE, not another code).
  await driver.fails('checkout', { feature: 'asr' }, 'NO_SEATS');
  assert.equal(await full.inUse('asr'), 1);
  assert.equal(await spare.inUse('asr'), 1);
}

conformance('failover', [
  { name: 'a server that cannot be reached is passed over', run: unreachable },
  { name: 'a server answering 5xx is passed over; the one that answered is asked first next', run: failing },
  { name: 'NO_SEATS moves on to a server of another pool, and stays NO_SEATS when all are full', run: otherPool },
]);
