import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { LicenseClientError } from './errors.js';
import { FakeFleet } from './test-support/fake-server.js';
import { Clients, nextEvent, sleep } from './test-support/helpers.js';

const fleet = new FakeFleet();
const clients = new Clients();
afterEach(async () => {
  await clients.closeAll();
  await fleet.stopAll();
});

/** Fake servers answer with a 50 ms heartbeat period so these tests run in well under a second. */
const FAST = { heartbeatSeconds: 0.05, leaseSeconds: 0.3 };

describe('heartbeats', () => {
  test('heartbeats are sent every heartbeatSeconds for the lease', async () => {
    const a = await fleet.start(FAST);
    const r = await clients.make([a]).checkout('asr.engine');
    assert.ok(r.ok);
    const { leaseId } = r.lease;
    const before = r.lease.expiresAt;
    await a.waitFor((q) => q.route === 'heartbeat' && a.recorded('heartbeat').length >= 3);
    assert.ok(a.recorded('heartbeat').every((q) => q.leaseId === leaseId));
    assert.ok(r.lease.expiresAt >= before, 'expiresAt follows the heartbeat answers');
    assert.equal(r.lease.leaseId, leaseId);
  });

  test('a failed heartbeat is reported as an error event and retried on the next tick', async () => {
    const a = await fleet.start(FAST);
    const r = await clients.make([a]).checkout('asr.engine');
    assert.ok(r.ok);
    const errors: LicenseClientError[] = [];
    r.lease.on('error', (e) => errors.push(e));
    a.script('heartbeat', { status: 500, code: 'INTERNAL' }, 2);
    await a.waitFor(() => a.recorded('heartbeat').length >= 4);
    assert.equal(errors.length, 2);
    assert.match(errors[0]?.message ?? '', /heartbeat of lease .* failed: HTTP 500 INTERNAL/);
    assert.ok(r.lease.held);
    assert.equal(a.recorded('checkout').length, 1, 'no re-checkout while the lease is still within its life');
  });

  test('heartbeat errors with no error listener do not crash the process', async () => {
    const a = await fleet.start(FAST);
    const r = await clients.make([a]).checkout('asr.engine');
    assert.ok(r.ok);
    a.script('heartbeat', { status: 503, code: 'UNAVAILABLE' }, 2);
    await a.waitFor(() => a.recorded('heartbeat').length >= 3);
    assert.ok(r.lease.held);
  });
});

describe('re-checkout', () => {
  test('after LEASE_GONE the SDK checks out again and updates the lease ids in place', async () => {
    const a = await fleet.start(FAST);
    const r = await clients.make([a]).checkout('asr.engine', { count: 2 });
    assert.ok(r.ok);
    const { lease } = r;
    const oldId = lease.leaseId;
    const renewed = nextEvent(lease, 'renewed');
    a.revoke(oldId, 'SEATS_REDUCED');
    const e = await renewed;
    assert.equal(e.previousLeaseId, oldId);
    assert.equal(e.reason, 'SEATS_REDUCED');
    assert.notEqual(lease.leaseId, oldId);
    assert.equal(e.leaseId, lease.leaseId);
    assert.equal(lease.count, 2);
    assert.ok(a.leases.has(lease.leaseId));
    assert.ok(lease.held);
    const again = a.recorded('checkout')[1]?.body as { feature: string; count: number };
    assert.deepEqual([again.feature, again.count], ['asr.engine', 2]);
    // Heartbeats continue for the new id.
    await a.waitFor((q) => q.route === 'heartbeat' && q.leaseId === lease.leaseId);
  });

  test('re-checkout after LEASE_GONE follows the failover rules to another pool', async () => {
    const a = await fleet.start({ ...FAST, poolId: 'p1' });
    const b = await fleet.start({ ...FAST, poolId: 'p2' });
    const r = await clients.make([a, b]).checkout('asr.engine');
    assert.ok(r.ok);
    assert.equal(r.lease.server, a.url);
    const renewed = nextEvent(r.lease, 'renewed');
    a.setSeats('asr.engine', 0);
    a.revoke(r.lease.leaseId, 'LICENSE_UNINSTALLED');
    const e = await renewed;
    assert.equal(e.server, b.url);
    assert.equal(r.lease.server, b.url);
    assert.equal(r.lease.poolId, 'p2');
  });

  test('when re-checkout is refused the lease emits lost, keeps trying, and emits renewed once a seat frees', async () => {
    const a = await fleet.start(FAST);
    const r = await clients.make([a]).checkout('asr.engine');
    assert.ok(r.ok);
    const lost = nextEvent(r.lease, 'lost');
    a.setSeats('asr.engine', 0);
    a.revoke(r.lease.leaseId, 'SEATS_REDUCED');
    const e = await lost;
    assert.equal(e.code, 'NO_SEATS');
    assert.equal(e.reason, 'SEATS_REDUCED');
    assert.equal(r.lease.held, false);

    const renewed = nextEvent(r.lease, 'renewed');
    a.setSeats('asr.engine', 1);
    await renewed;
    assert.ok(r.lease.held);
    assert.ok(a.leases.has(r.lease.leaseId));
  });

  test('a server unreachable past the lease expiry is given up and the seat checked out elsewhere', async () => {
    const a = await fleet.start({ ...FAST, poolId: 'shared' });
    const b = await fleet.start({ ...FAST, poolId: 'shared' });
    const r = await clients.make([a, b]).checkout('asr.engine');
    assert.ok(r.ok);
    const errors: LicenseClientError[] = [];
    r.lease.on('error', (err) => errors.push(err));
    const renewed = nextEvent(r.lease, 'renewed');
    const started = performance.now();
    await a.stop();
    const e = await renewed;
    assert.ok(performance.now() - started >= 250, 'not before the lease had lapsed');
    assert.equal(e.reason, 'UNREACHABLE');
    assert.equal(r.lease.server, b.url);
    assert.ok(errors.length >= 2, 'heartbeats were retried before giving up');
    assert.match(errors[0]?.message ?? '', /connection refused/);
  });
});

describe('heartbeat failover within a pool', () => {
  test('a heartbeat its server cannot answer moves to a server of the same pool that holds the lease', async () => {
    const a = await fleet.start({ ...FAST, poolId: 'cloud' });
    const b = await fleet.start({ ...FAST, poolId: 'cloud' });
    const r = await clients.make([a, b]).checkout('asr.engine');
    assert.ok(r.ok);
    const { leaseId } = r.lease;
    // Cloud nodes on one database: the other node knows every lease of the pool.
    b.leases.set(leaseId, a.leases.get(leaseId)!);
    const renewed: unknown[] = [];
    r.lease.on('renewed', (e) => renewed.push(e));
    await a.stop();
    await b.waitFor((q) => q.route === 'heartbeat' && q.leaseId === leaseId && b.recorded('heartbeat').length >= 2);
    assert.equal(r.lease.server, b.url);
    assert.equal(r.lease.leaseId, leaseId, 'the same lease, not a new checkout');
    assert.ok(r.lease.held);
    assert.deepEqual(renewed, []);
    assert.equal(b.recorded('checkout').length, 0);
    await r.lease.release();
    assert.equal(b.recorded('release')[0]?.leaseId, leaseId, 'released where it is kept now');
  });

  test('a release its server cannot take goes to a server of the same pool', async () => {
    const a = await fleet.start({ ...FAST, poolId: 'cloud' });
    const b = await fleet.start({ ...FAST, poolId: 'cloud' });
    const r = await clients.make([a, b]).checkout('asr.engine');
    assert.ok(r.ok);
    const { leaseId } = r.lease;
    b.leases.set(leaseId, a.leases.get(leaseId)!);
    a.always('release', { status: 503, code: 'UNAVAILABLE' });
    await r.lease.release();
    assert.equal(b.recorded('release')[0]?.leaseId, leaseId);
    assert.equal(b.leases.has(leaseId), false);
  });

  test('servers of other pools are not asked to keep a lease', async () => {
    const a = await fleet.start({ ...FAST, poolId: 'pool-a' });
    const b = await fleet.start({ ...FAST, poolId: 'pool-b' });
    const r = await clients.make([a, b]).checkout('asr.engine');
    assert.ok(r.ok);
    a.always('heartbeat', { status: 503, code: 'UNAVAILABLE' });
    await a.waitFor(() => a.recorded('heartbeat').length >= 3);
    assert.equal(b.recorded('heartbeat').length, 0);
    assert.equal(r.lease.server, a.url);
  });
});

describe('release', () => {
  test('release sends DELETE and stops heartbeats', async () => {
    const a = await fleet.start(FAST);
    const r = await clients.make([a]).checkout('asr.engine');
    assert.ok(r.ok);
    const { leaseId } = r.lease;
    await r.lease.release();
    assert.deepEqual(
      a.recorded('release').map((q) => q.leaseId),
      [leaseId],
    );
    assert.equal(a.leases.size, 0);
    assert.ok(r.lease.released);
    assert.equal(r.lease.held, false);
    assert.equal(r.lease.leaseId, leaseId, 'a released lease still says what it was');
    const beats = a.recorded('heartbeat').length;
    await sleep(150);
    assert.equal(a.recorded('heartbeat').length, beats);
    await r.lease.release();
    assert.equal(a.recorded('release').length, 1, 'releasing twice sends one DELETE');
  });

  test('release does not reject when the server is gone', async () => {
    const a = await fleet.start(FAST);
    const r = await clients.make([a]).checkout('asr.engine');
    assert.ok(r.ok);
    await a.stop();
    await r.lease.release();
    assert.ok(r.lease.released);
  });

  test('a lease released during its re-checkout gives the new seat back', async () => {
    const a = await fleet.start(FAST);
    let gate: Promise<void> | undefined;
    let open = () => {};
    const slowCheckouts: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST' && String(input).endsWith('/v1/leases') && gate) await gate;
      return res;
    };
    const r = await clients.make([a], {}, { fetch: slowCheckouts }).checkout('asr.engine');
    assert.ok(r.ok);
    gate = new Promise((resolve) => {
      open = resolve;
    });
    a.revoke(r.lease.leaseId);
    await a.waitFor(() => a.recorded('checkout').length === 2);
    const released = r.lease.release();
    open();
    await released;
    assert.equal(a.leases.size, 0, 'the seat granted by the re-checkout was released');
  });
});
