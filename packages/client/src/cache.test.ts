import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { FakeFleet } from './test-support/fake-server.js';
import { Clients, sleep } from './test-support/helpers.js';
import { ManualTimers } from './test-support/manual-timers.js';

const fleet = new FakeFleet();
const clients = new Clients();
afterEach(async () => {
  await clients.closeAll();
  await fleet.stopAll();
});

describe('release cache (LICENSE_CACHE_PERIOD)', () => {
  test('a released lease is reused by a checkout of the same feature and count within the period, without a request', async () => {
    const a = await fleet.start();
    const client = clients.make([a], { cacheSeconds: 30 });
    const first = await client.checkout('asr.engine', { count: 2 });
    assert.ok(first.ok);
    await first.lease.release();
    assert.equal(a.recorded('release').length, 0, 'kept, not released');
    assert.equal(a.inUse('asr.engine'), 2);

    const second = await client.checkout('asr.engine', { count: 2 });
    assert.ok(second.ok);
    assert.equal(second.lease.leaseId, first.lease.leaseId);
    assert.equal(a.recorded('checkout').length, 1, 'no second POST');
    assert.notEqual(second.lease, first.lease, 'a fresh handle');
    assert.ok(second.lease.held);
  });

  test('a cached lease keeps heartbeating', async () => {
    const a = await fleet.start({ heartbeatSeconds: 0.05 });
    const client = clients.make([a], { cacheSeconds: 30 });
    const r = await client.checkout('asr.engine');
    assert.ok(r.ok);
    await r.lease.release();
    const beats = a.recorded('heartbeat').length;
    await a.waitFor(() => a.recorded('heartbeat').length >= beats + 2);
    assert.ok(a.recorded('heartbeat').every((q) => q.leaseId === r.lease.leaseId));
  });

  test('a different feature, count or release date is not served from the cache', async () => {
    const a = await fleet.start({ seats: { 'asr.engine': 10, 'tts.voice': 10 } });
    const client = clients.make([a], { cacheSeconds: 30 });
    const r = await client.checkout('asr.engine');
    assert.ok(r.ok);
    await r.lease.release();
    for (const [feature, opts] of [
      ['asr.engine', { count: 2 }],
      ['tts.voice', {}],
      ['asr.engine', { releaseDate: '2026-01-01' }],
    ] as const) {
      const other = await client.checkout(feature, opts);
      assert.ok(other.ok);
      assert.notEqual(other.lease.leaseId, r.lease.leaseId);
    }
    assert.equal(a.recorded('checkout').length, 4);
  });

  test('the old handle of a reused seat cannot release it', async () => {
    const a = await fleet.start();
    const client = clients.make([a], { cacheSeconds: 30 });
    const first = await client.checkout('asr.engine');
    assert.ok(first.ok);
    await first.lease.release();
    const second = await client.checkout('asr.engine');
    assert.ok(second.ok);
    await first.lease.release();
    assert.ok(second.lease.held);
    assert.equal(a.recorded('release').length, 0);
  });

  test('after the period the cached lease is really released', async () => {
    const a = await fleet.start();
    const timers = new ManualTimers();
    const client = clients.make([a], { cacheSeconds: 30 }, { timers, clock: timers.clock });
    const r = await client.checkout('asr.engine');
    assert.ok(r.ok);
    await r.lease.release();
    timers.advance(29_000);
    await sleep(20);
    assert.equal(a.recorded('release').length, 0, 'still cached at 29 s');
    timers.advance(1_000);
    const del = await a.waitFor((q) => q.route === 'release');
    assert.equal(del.leaseId, r.lease.leaseId);
    assert.equal(a.leases.size, 0);

    const again = await client.checkout('asr.engine');
    assert.ok(again.ok);
    assert.notEqual(again.lease.leaseId, r.lease.leaseId, 'the expired cache entry is not reused');
  });

  test('cache period 0 releases at once', async () => {
    const a = await fleet.start();
    const client = clients.make([a], { cacheSeconds: 0 });
    const r = await client.checkout('asr.engine');
    assert.ok(r.ok);
    await r.lease.release();
    assert.deepEqual(
      a.recorded('release').map((q) => q.leaseId),
      [r.lease.leaseId],
    );
    const again = await client.checkout('asr.engine');
    assert.ok(again.ok);
    assert.equal(a.recorded('checkout').length, 2);
  });

  test('a cached lease the server revokes is dropped, not checked out again', async () => {
    const a = await fleet.start({ heartbeatSeconds: 0.05 });
    const client = clients.make([a], { cacheSeconds: 30 });
    const r = await client.checkout('asr.engine');
    assert.ok(r.ok);
    await r.lease.release();
    const beats = a.recorded('heartbeat').length;
    a.revoke(r.lease.leaseId);
    await a.waitFor(() => a.recorded('heartbeat').length > beats); // answered 410 LEASE_GONE
    await sleep(100);
    assert.equal(a.recorded('heartbeat').length, beats + 1, 'the dropped seat stops heartbeating');
    assert.equal(a.recorded('checkout').length, 1, 'no seat taken for nobody');
    const again = await client.checkout('asr.engine');
    assert.ok(again.ok);
    assert.notEqual(again.lease.leaseId, r.lease.leaseId);
  });

  test('close() releases held and cached leases, stops timers, and later checkouts throw', async () => {
    const a = await fleet.start({ heartbeatSeconds: 0.05 });
    const b = await fleet.start({ heartbeatSeconds: 0.05, seats: { 'tts.voice': 2 } });
    const client = clients.make([a], { cacheSeconds: 30 });
    const other = clients.make([b], { cacheSeconds: 30 });
    const held = await client.checkout('asr.engine');
    const cached = await client.checkout('asr.engine', { count: 2 });
    assert.ok(held.ok && cached.ok);
    await cached.lease.release();
    assert.equal(a.leases.size, 2);

    await client.close();
    assert.equal(a.leases.size, 0);
    assert.deepEqual(
      a
        .recorded('release')
        .map((q) => q.leaseId)
        .sort(),
      [held.lease.leaseId, cached.lease.leaseId].sort(),
    );
    assert.ok(held.lease.released);
    assert.equal(held.lease.held, false);
    await assert.rejects(client.checkout('asr.engine'), /closed/);
    await client.close(); // idempotent

    const beats = a.recorded('heartbeat').length;
    await sleep(150);
    assert.equal(a.recorded('heartbeat').length, beats, 'no heartbeats after close');
    assert.equal(b.leases.size, 0, 'another client is unaffected');
    await other.close();
  });
});
