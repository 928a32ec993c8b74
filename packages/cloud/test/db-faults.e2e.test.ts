/**
 * docs/cloud.md: when the database is unreachable, a node answers heartbeats of the leases it
 * holds and refuses new checkouts with 503; it recovers by itself when the database returns.
 * A private PostgreSQL (initdb + pg_ctl on its own port) is stopped under load and started again.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Lease, LicenseClient, parseClientProperties } from '@tessera/client';
import { type PrivatePostgres, startPrivatePostgres } from './support/postgres.js';
import { type CloudNode, cleanup, eventually, spawnCloud } from './support/processes.js';

let pg: PrivatePostgres | undefined;
const clients: LicenseClient[] = [];
after(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await cleanup();
  pg?.destroy();
});

test('the database stops under load: heartbeats go on, checkouts get 503; it starts again and checkouts recover', {
  timeout: 90_000,
}, async (t) => {
  pg = await startPrivatePostgres();
  const node: CloudNode = await spawnCloud({ db: pg.url, leaseSeconds: 12, heartbeatSeconds: 1 });
  const api = node.api;
  await api.featureAdd('asr');
  const customer = await api.customerAdd('Acme');
  const ent = await api.entitlementAdd({ customerId: customer.id, type: 'subscription', feature: 'asr', count: 20 });
  const config = parseClientProperties((await api.accountAdd(customer.id)).clientConfig, 'client_property.conf');
  const client = () => {
    // No release cache: every checkout must reach the node.
    const c = new LicenseClient({ ...config, cacheSeconds: 0 }, { requestTimeoutMs: 3_000 });
    clients.push(c);
    return c;
  };

  const holders: Lease[] = [];
  const events: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await client().checkout('asr');
    assert.ok(r.ok);
    r.lease.on('lost', (e) => events.push(`lost ${e.code}`));
    r.lease.on('renewed', (e) => events.push(`renewed ${e.reason}`));
    r.lease.on('error', (e) => events.push(`heartbeat error ${e.code}`));
    holders.push(r.lease);
  }

  let stop = false;
  /** Each checkout: when it was sent, when it was answered, and the answer. */
  const results: { sent: number; at: number; code: string }[] = [];
  const workers = Array.from({ length: 4 }, async () => {
    const c = client();
    while (!stop) {
      const sent = Date.now();
      const r = await c.checkout('asr');
      results.push({ sent, at: Date.now(), code: r.ok ? 'granted' : r.code });
      if (r.ok) {
        await sleep(20);
        await r.lease.release();
      } else {
        await sleep(50);
      }
    }
  });
  const health = async () => (await api.health()).database;

  try {
    await sleep(1_000);
    assert.ok(
      results.some((r) => r.code === 'granted'),
      'checkouts are granted while the database is up',
    );

    const stoppedAt = Date.now();
    pg.stop();
    t.diagnostic(`database stopped in ${Date.now() - stoppedAt} ms`);
    assert.ok(await eventually(async () => (await health()) === 'down', 3_000), 'the node notices');
    const outageFrom = Date.now();
    await sleep(3_000);
    const during = results.filter((r) => r.sent > outageFrom);
    assert.ok(during.length > 0, 'clients kept asking');
    assert.deepEqual([...new Set(during.map((r) => r.code))], ['UNAVAILABLE'], 'checkouts get 503 while it is away');
    assert.ok(
      holders.every((l) => l.held),
      'held leases are kept alive by heartbeats answered from memory',
    );
    await assert.rejects(api.customerList(), (e: { code?: string }) => e.code === 'UNAVAILABLE');

    const startedAt = Date.now();
    pg.start();
    assert.ok(await eventually(async () => (await health()) === 'up', 10_000), 'the node recovers by itself');
    const recovered = await eventually(() => results.some((r) => r.sent > startedAt && r.code === 'granted'), 10_000);
    assert.ok(recovered, 'checkouts are granted again');
    t.diagnostic(`checkouts granted again ${Date.now() - startedAt} ms after the database started`);
  } finally {
    stop = true;
    await Promise.all(workers);
  }
  assert.deepEqual(events, [], 'no held lease saw an error, a loss or a re-checkout');
  // The heartbeats answered from memory were written: the five held leases still hold their seats.
  assert.equal((await api.entitlementGet(ent.id)).used, 5);
  for (const l of holders) await l.release();
  assert.equal((await api.entitlementGet(ent.id)).used, 0);
});
