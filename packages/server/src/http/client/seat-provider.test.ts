import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CheckoutRequest, TesseraError } from '@tessera/core';
import { LOCAL_CLI_ACTOR } from '../../domain/audit.js';
import type { LeaseEngine } from '../../domain/leases/lease-engine.js';
import { licenseFor, startTestServer } from '../../test-support/fixtures.js';
import { LicenseServerSeats, type LicenseServerSeatsOptions } from './seat-provider.js';

// What only a License Server's seats do; the protocol's own cases are in client-api.test.ts.

const REQUEST: CheckoutRequest = { feature: 'asr', client: { id: 'c' } };
type EngineOutcome = Awaited<ReturnType<LeaseEngine['checkout']>>;

/** The provider over an engine that answers `outcome` (or throws it), recording what it was asked. */
function seatsOver(outcome: EngineOutcome | Error, o: Partial<LicenseServerSeatsOptions> = {}) {
  const calls: string[] = [];
  const logged: unknown[] = [];
  const engine = {
    checkout: async () => {
      calls.push('checkout');
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    release: async () => {
      calls.push('release');
      if (outcome instanceof Error) throw outcome;
    },
  } as unknown as LeaseEngine;
  const seats = new LicenseServerSeats({
    engine,
    maxPendingWrites: 10,
    pendingWrites: () => 0,
    log: { error: (obj: unknown) => logged.push(obj) } as LicenseServerSeatsOptions['log'],
    ...o,
  });
  return { seats, calls, logged };
}

const unknownFeature: EngineOutcome = { ok: false, code: 'UNKNOWN_FEATURE', message: 'no installed license has asr' };

describe('the flexible gate of a checkout', () => {
  test('expired flexible seats are taken out before the engine is asked', async () => {
    const order: string[] = [];
    const { seats, calls } = seatsOver(unknownFeature, {
      flexible: { checkExpiry: () => void order.push('checkExpiry'), refusal: () => undefined },
    });
    await seats.checkout(undefined, REQUEST);
    assert.deepEqual([...order, ...calls], ['checkExpiry', 'checkout']);
  });

  test('a feature whose seats come from an expired Sync is refused with SYNC_EXPIRED, not UNKNOWN_FEATURE', async () => {
    const asked: string[] = [];
    const { seats } = seatsOver(unknownFeature, {
      flexible: {
        checkExpiry: () => {},
        refusal: (feature) => {
          asked.push(feature);
          return { code: 'SYNC_EXPIRED', message: `resync for ${feature}` };
        },
      },
    });
    assert.deepEqual(await seats.checkout(undefined, REQUEST), {
      ok: false,
      code: 'SYNC_EXPIRED',
      message: 'resync for asr',
    });
    assert.deepEqual(asked, ['asr']);
  });

  test('other refusals, and UNKNOWN_FEATURE without a flexible reason, pass unchanged', async () => {
    const noSeats: EngineOutcome = { ok: false, code: 'NO_SEATS', message: 'full' };
    const refusal = () => ({ code: 'SYNC_EXPIRED' as const, message: 'never asked' });
    const full = seatsOver(noSeats, { flexible: { checkExpiry: () => {}, refusal } });
    assert.deepEqual(await full.seats.checkout(undefined, REQUEST), noSeats);
    const plain = seatsOver(unknownFeature, { flexible: { checkExpiry: () => {}, refusal: () => undefined } });
    assert.deepEqual(await plain.seats.checkout(undefined, REQUEST), unknownFeature);
    const noFlexible = seatsOver(unknownFeature);
    assert.deepEqual(await noFlexible.seats.checkout(undefined, REQUEST), unknownFeature);
  });
});

describe('checkouts and releases that cannot be stored', () => {
  test('beyond the pending-write cap a checkout is RATE_LIMITED and the engine is not asked', async () => {
    const { seats, calls } = seatsOver(unknownFeature, { pendingWrites: () => 10 });
    const r = await seats.checkout(undefined, REQUEST);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'RATE_LIMITED');
    assert.deepEqual(calls, []);
  });

  test('a full disk is UNAVAILABLE with reason STORAGE_FULL; another write failure is logged', async () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const a = seatsOver(full);
    const r = await a.seats.checkout(undefined, REQUEST);
    assert.ok(!r.ok && r.code === 'UNAVAILABLE' && r.reason === 'STORAGE_FULL', JSON.stringify(r));
    assert.equal(a.logged.length, 0, 'the commit queue logs a full disk once');
    const b = seatsOver(new Error('boom'));
    const r2 = await b.seats.checkout(undefined, REQUEST);
    assert.ok(!r2.ok && r2.code === 'UNAVAILABLE' && r2.reason === undefined, JSON.stringify(r2));
    assert.match(r2.ok ? '' : r2.message, /nothing was granted/);
    assert.equal(b.logged.length, 1);
    await assert.rejects(seatsOver(new TesseraError('CLOCK_TAMPERED')).seats.checkout(undefined, REQUEST), {
      code: 'CLOCK_TAMPERED',
    });
  });

  test('a release that cannot be stored is UNAVAILABLE, the lease still held', async () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    await assert.rejects(seatsOver(full).seats.release(undefined, 'lease_x'), (err: TesseraError) => {
      assert.equal(err.code, 'UNAVAILABLE');
      assert.equal(err.reason, 'STORAGE_FULL');
      assert.match(err.message, /still held/);
      return true;
    });
  });
});

describe('a License Server over HTTP', () => {
  test('uninstalling a license tells its holders LEASE_GONE with the reason at their next heartbeat', async () => {
    const t = await startTestServer();
    try {
      const { file, claims } = await licenseFor(t.core, t.vendor, { features: [{ name: 'asr', count: 2 }] });
      await t.core.licenses.install(LOCAL_CLI_ACTOR, file);
      const r = await t.server.client.inject({
        method: 'POST',
        url: '/v1/leases',
        payload: { feature: 'asr', client: { id: 'holder' } },
      });
      assert.equal(r.statusCode, 201);
      await t.core.licenses.uninstall(LOCAL_CLI_ACTOR, claims.licenseId);
      const hb = await t.server.client.inject({ method: 'POST', url: `/v1/leases/${r.json().leaseId}/heartbeat` });
      assert.equal(hb.statusCode, 410);
      assert.equal(hb.json().error.code, 'LEASE_GONE');
      assert.equal(hb.json().error.reason, 'LICENSE_UNINSTALLED');
      assert.equal(hb.json().error.message, 'the license behind this lease was uninstalled');
    } finally {
      await t.stop();
    }
  });

  test('a flood beyond the pending-write cap gets 429 RATE_LIMITED and grants nothing', async () => {
    const t = await startTestServer({ maxPendingWrites: 4 });
    try {
      const { file } = await licenseFor(t.core, t.vendor, { features: [{ name: 'asr', count: 1000 }] });
      await t.core.licenses.install(LOCAL_CLI_ACTOR, file);
      const res = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          t.server.client.inject({
            method: 'POST',
            url: '/v1/leases',
            payload: { feature: 'asr', client: { id: `c${i}` } },
          }),
        ),
      );
      const codes = res.map((r) => r.statusCode);
      assert.ok(codes.includes(429), `some requests are refused: ${codes.join(',')}`);
      assert.ok(codes.includes(201));
      assert.equal(t.core.store.leases.count(), codes.filter((c) => c === 201).length);
    } finally {
      await t.stop();
    }
  });
});
