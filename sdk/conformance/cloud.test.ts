/**
 * Conformance: subscription seats from Cloud licensing nodes. Basic auth with the account's
 * credentials; `NO_SEATS` from one node is final among nodes of the same pool (two nodes on one
 * PostgreSQL database); a lease whose node dies is kept alive by another node of its pool.
 */
import assert from 'node:assert/strict';
import { cloudInUse, subscriptionPool } from './support/cloud.js';
import { holdSeat, recordingProxy, sameServer } from './support/http.js';
import { conformance, eventually, type ScenarioContext } from './support/suite.js';

async function basicAuth(ctx: ScenarioContext): Promise<void> {
  const pool = await subscriptionPool(ctx, { nodes: 1, feature: 'asr', seats: 3 });
  const node = pool.nodes[0]!;
  // The account's own client_property.conf, as the Cloud made it.
  const driver = await ctx.open(ctx.confText(pool.clientConfig));
  const g = await driver.ok('checkout', { feature: 'asr' });
  assert.ok(sameServer(g.server, node.url), `granted by the node, not ${g.server}`);
  assert.equal(g.poolId, pool.poolId, "the customer's pool");
  const f = await driver.ok('features');
  assert.equal(f.poolId, pool.poolId);
  const asr = (f.features as { feature: string; total: number; inUse: number }[]).find((x) => x.feature === 'asr');
  assert.deepEqual([asr?.total, asr?.inUse], [3, 1], `features as the node answers them: ${JSON.stringify(f)}`);

  const wrong = await ctx.open(
    ctx.conf({ servers: [node.address], auth: { username: pool.username, password: `${pool.password}x` } }),
  );
  await wrong.fails('checkout', { feature: 'asr' }, 'UNAUTHORIZED');
  const anonymous = await ctx.open(ctx.conf({ servers: [node.address] }));
  await anonymous.fails('checkout', { feature: 'asr' }, 'UNAUTHORIZED');
  assert.equal(await cloudInUse(node, pool.authorization, 'asr'), 1, 'the refused checkouts took nothing');
}

async function samePoolNoSeats(ctx: ScenarioContext): Promise<void> {
  const pool = await subscriptionPool(ctx, { nodes: 2, feature: 'asr', seats: 1 });
  const [first, second] = pool.nodes as [(typeof pool.nodes)[0], (typeof pool.nodes)[0]];
  await holdSeat(first.url, 'asr', pool.authorization); // another client takes the only seat
  // The second node is reached through a proxy that records what it is asked.
  const proxy = await recordingProxy(second.url);
  const auth = { username: pool.username, password: pool.password };
  const driver = await ctx.open(ctx.conf({ servers: [first.address, proxy.address], auth }));
  await driver.fails('checkout', { feature: 'asr' }, 'NO_SEATS');
  const checkouts = proxy.seen.filter((r) => r.method === 'POST' && r.path === '/v1/leases');
  assert.deepEqual(checkouts, [], 'a node of the same pool was not asked for the seat');

  // The control: through the proxy, the second node does answer (NO_SEATS too: same seats).
  const direct = await ctx.open(ctx.conf({ servers: [proxy.address], auth }));
  await direct.fails('checkout', { feature: 'asr' }, 'NO_SEATS');
  assert.equal(proxy.seen.filter((r) => r.method === 'POST' && r.path === '/v1/leases').length, 1);
}

async function nodeDies(ctx: ScenarioContext): Promise<void> {
  const pool = await subscriptionPool(ctx, { nodes: 2, feature: 'asr', seats: 2 });
  const [first, second] = pool.nodes as [(typeof pool.nodes)[0], (typeof pool.nodes)[0]];
  const auth = { username: pool.username, password: pool.password };
  const driver = await ctx.open(ctx.conf({ servers: [first.address, second.address], auth }));
  const g = await driver.ok('checkout', { feature: 'asr' });
  assert.ok(sameServer(g.server, first.url));

  await first.kill9();
  const moved = await eventually(async () => {
    const seen = await driver.ok('lease', { lease: g.lease });
    return sameServer(seen.server, second.url);
  }, 15_000);
  assert.ok(moved, 'the lease is heartbeaten on the other node of its pool');
  const seen = await driver.ok('lease', { lease: g.lease });
  assert.deepEqual([seen.leaseId, seen.held], [g.leaseId, true], 'the same lease, held');
  assert.deepEqual(driver.events, [], 'the lease was neither lost nor renewed');
  assert.equal(await cloudInUse(second, pool.authorization, 'asr'), 1, 'one seat, not two');
}

/** The rows of a scenario start their Cloud nodes one pool at a time: a row may wait for the others. */
const CLOUD_ROW_TIMEOUT_MS = 300_000;

conformance('Cloud licensing nodes', [
  {
    name: 'Basic auth to a Cloud node: the account is granted, a wrong secret is UNAUTHORIZED',
    timeoutMs: CLOUD_ROW_TIMEOUT_MS,
    run: basicAuth,
  },
  {
    name: 'NO_SEATS from a Cloud node is final among the nodes of its pool (PostgreSQL)',
    timeoutMs: CLOUD_ROW_TIMEOUT_MS,
    run: samePoolNoSeats,
  },
  {
    name: 'a lease whose Cloud node dies is kept by another node of its pool (PostgreSQL)',
    timeoutMs: CLOUD_ROW_TIMEOUT_MS,
    run: nodeDies,
  },
]);
