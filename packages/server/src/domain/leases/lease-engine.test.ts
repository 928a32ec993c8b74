import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CheckoutRequest, ManualClock } from '@tessera/core';
import { openServerCore, type ServerCore } from '../../runtime/core.js';
import { licenseFor, makeVendor, silentLogger, tempDir, type Vendor } from '../../test-support/fixtures.js';
import { LOCAL_CLI_ACTOR } from '../audit.js';

const req = (over: Partial<CheckoutRequest> = {}, releaseDate = '2026-01-01'): CheckoutRequest => ({
  feature: 'asr',
  client: { id: 'c1', releaseDate },
  ...over,
});

/** A server core on a temp dir with a manual clock; restartable on the same dir. */
class Harness {
  readonly t = tempDir();
  readonly vendor: Vendor = makeVendor(this.t.dir);
  readonly clock = new ManualClock(Date.UTC(2026, 5, 15, 12));
  core!: ServerCore;

  async open(leaseSeconds = 120): Promise<ServerCore> {
    this.core = await openServerCore({
      dataDir: `${this.t.dir}/data`,
      vendorKeyFiles: [this.vendor.pubFile],
      clock: this.clock,
      logger: silentLogger,
      leaseSeconds,
      heartbeatSeconds: 30,
    });
    return this.core;
  }

  async install(spec: Parameters<typeof licenseFor>[2]) {
    const { claims, file } = await licenseFor(this.core, this.vendor, spec);
    await this.core.licenses.install(LOCAL_CLI_ACTOR, file);
    return claims;
  }

  inUse(feature = 'asr'): number {
    return this.core.engine.features().features.find((f) => f.feature === feature)?.inUse ?? 0;
  }

  close(): void {
    this.core.close();
  }
}

describe('lease engine', () => {
  let h: Harness;
  before(async () => {
    h = new Harness();
    await h.open();
    await h.install({ features: [{ name: 'asr', count: 10 }] });
  });
  after(() => {
    h.close();
    h.t.cleanup();
  });

  test('seats never exceed the licensed count under concurrent checkouts', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => h.core.engine.checkout(req({ client: { id: `c${i}` } }))),
    );
    const granted = results.filter((r) => r.ok);
    assert.equal(granted.length, 10);
    assert.ok(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === 'NO_SEATS'));
    assert.equal(h.core.store.leases.count(), 10, 'exactly the granted leases are on disk');
    for (const g of granted) if (g.ok) await h.core.engine.release(g.lease.leaseId);
    assert.equal(h.inUse(), 0);
  });

  test('a lease draws several seats from one license and releasing frees them all', async () => {
    const r = await h.core.engine.checkout(req({ count: 7 }));
    assert.ok(r.ok);
    const r2 = await h.core.engine.checkout(req({ count: 4 }));
    assert.equal(!r2.ok && r2.code, 'NO_SEATS');
    await h.core.engine.release(r.lease.leaseId);
    assert.equal(h.inUse(), 0);
    assert.equal(h.core.store.leases.count(), 0);
  });

  test('a released lease heartbeats as gone with reason RELEASED', async () => {
    const r = await h.core.engine.checkout(req());
    assert.ok(r.ok);
    assert.equal(h.core.engine.heartbeat(r.lease.leaseId).ok, true);
    await h.core.engine.release(r.lease.leaseId);
    assert.deepEqual(h.core.engine.heartbeat(r.lease.leaseId), { ok: false, reason: 'RELEASED' });
  });

  test('a lapsed lease is freed and its seat is available again; heartbeats keep a lease alive', async () => {
    const a = await h.core.engine.checkout(req({ count: 5 }));
    const b = await h.core.engine.checkout(req({ count: 5 }));
    assert.ok(a.ok && b.ok);
    h.clock.advance(100_000);
    assert.equal(h.core.engine.heartbeat(a.lease.leaseId).ok, true);
    h.clock.advance(30_000); // b is past its 120 s; a was renewed 30 s ago
    h.core.engine.sweep();
    await new Promise((r) => setImmediate(r)); // let the delete commit
    await new Promise((r) => setImmediate(r));
    assert.equal(h.inUse(), 5);
    assert.deepEqual(h.core.engine.heartbeat(b.lease.leaseId), { ok: false, reason: 'EXPIRED' });
    const c = await h.core.engine.checkout(req({ count: 5 }));
    assert.ok(c.ok, 'the lapsed seats are available again');
    await h.core.engine.release(a.lease.leaseId);
    await h.core.engine.release(c.lease.leaseId);
  });

  test('unknown lease ids heartbeat as gone and release as a no-op', async () => {
    assert.deepEqual(h.core.engine.heartbeat('lease_nope'), { ok: false, reason: 'UNKNOWN_LEASE' });
    await h.core.engine.release('lease_nope');
  });

  test('a failed write grants nothing: the seat is not taken and the caller sees an error', async () => {
    h.core.store.db.exec(
      "CREATE TRIGGER fail_insert BEFORE INSERT ON leases BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END",
    );
    try {
      await assert.rejects(h.core.engine.checkout(req({ count: 10 })), /simulated disk failure/);
      assert.equal(h.inUse(), 0);
    } finally {
      h.core.store.db.exec('DROP TRIGGER fail_insert');
    }
    const r = await h.core.engine.checkout(req({ count: 10 }));
    assert.ok(r.ok, 'all ten seats are still there');
    await h.core.engine.release(r.lease.leaseId);
  });
});

describe('lease rules by license dates', () => {
  let h: Harness;
  before(async () => {
    h = new Harness();
    await h.open();
  });
  after(() => {
    h.close();
    h.t.cleanup();
  });

  test('a client released after the maintenance date gets MAINTENANCE_EXPIRED from that license', async () => {
    await h.install({ features: [{ name: 'tts', count: 2 }], maintenanceUntil: '2026-03-31' });
    const ok = await h.core.engine.checkout(req({ feature: 'tts' }, '2026-03-31'));
    assert.ok(ok.ok);
    const late = await h.core.engine.checkout(req({ feature: 'tts' }, '2026-04-01'));
    assert.equal(!late.ok && late.code, 'MAINTENANCE_EXPIRED');
    await h.core.engine.release(ok.lease.leaseId);
  });

  test('a client that sends no release date is taken as released today', async () => {
    const r = await h.core.engine.checkout({ feature: 'tts', client: { id: 'x' } });
    assert.equal(!r.ok && r.code, 'MAINTENANCE_EXPIRED', 'today (2026-06-15) is after 2026-03-31');
  });

  test('an expired license gives no seats, and its held leases are revoked when it expires', async () => {
    await h.install({ features: [{ name: 'ocr', count: 3 }], expires: '2026-06-15' });
    const r = await h.core.engine.checkout(req({ feature: 'ocr' }));
    assert.ok(r.ok);
    const start = h.clock.now();
    h.clock.setWall(start + 13 * 3600_000); // past the end of 2026-06-15 UTC; the lease itself is still alive
    assert.equal(h.core.engine.heartbeat(r.lease.leaseId).ok, true);
    h.core.engine.sweep();
    await new Promise((res) => setImmediate(res));
    await new Promise((res) => setImmediate(res));
    assert.deepEqual(h.core.engine.heartbeat(r.lease.leaseId), { ok: false, reason: 'LICENSE_EXPIRED' });
    const again = await h.core.engine.checkout(req({ feature: 'ocr' }));
    assert.equal(!again.ok && again.code, 'LICENSE_EXPIRED');
    h.clock.setWall(start);
  });

  test('clock set back beyond the tolerance refuses time-limited seats until the clock is right', async () => {
    await h.install({ features: [{ name: 'nlu', count: 3 }], expires: '2030-01-01' });
    await h.install({ features: [{ name: 'dict', count: 1 }], licenseId: 'lic_forever' });
    h.clock.setWall(Date.UTC(2026, 5, 16, 12)); // beyond anything the earlier tests showed the guard
    const now = h.clock.now();
    h.core.engine.sweep(); // the mark sees now
    h.clock.setWall(now - 3600_000);
    assert.equal(h.core.engine.clockTampered, true);
    const a = await h.core.engine.checkout(req({ feature: 'dict' }));
    assert.ok(a.ok, 'a seat that is not time-limited is still served');
    const b = await h.core.engine.checkout(req({ feature: 'nlu' }));
    assert.equal(!b.ok && b.code, 'CLOCK_TAMPERED');
    h.clock.setWall(now + 1000);
    assert.equal(h.core.engine.clockTampered, false);
    const c = await h.core.engine.checkout(req({ feature: 'nlu' }));
    assert.ok(c.ok, 'served again once the clock is right');
    await h.core.engine.release(a.lease.leaseId);
    await h.core.engine.release(c.lease.leaseId);
  });
});

describe('license changes under held leases', () => {
  let h: Harness;
  before(async () => {
    h = new Harness();
    await h.open();
  });
  after(() => {
    h.close();
    h.t.cleanup();
  });

  test('uninstalling a license revokes its leases in the same transaction as the tombstone', async () => {
    const claims = await h.install({ features: [{ name: 'asr', count: 3 }] });
    const leases = [];
    for (let i = 0; i < 3; i++) {
      const r = await h.core.engine.checkout(req());
      assert.ok(r.ok);
      leases.push(r.lease.leaseId);
    }
    const { revokedLeases } = await h.core.licenses.uninstall(LOCAL_CLI_ACTOR, claims.licenseId);
    assert.equal(revokedLeases, 3);
    assert.equal(h.core.store.leases.count(), 0);
    assert.ok(h.core.store.licenses.tombstone(claims.licenseId));
    for (const id of leases) {
      assert.deepEqual(h.core.engine.heartbeat(id), { ok: false, reason: 'LICENSE_UNINSTALLED' });
    }
  });

  test('a renewal with fewer seats revokes the newest leases, only as many as needed', async () => {
    const v1 = await h.install({ features: [{ name: 'tts', count: 4 }], licenseId: 'lic_renew' });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await h.core.engine.checkout(req({ feature: 'tts', client: { id: `c${i}` } }));
      assert.ok(r.ok);
      ids.push(r.lease.leaseId);
    }
    const { file } = await licenseFor(h.core, h.vendor, {
      features: [{ name: 'tts', count: 2 }],
      licenseId: v1.licenseId,
      revision: 2,
    });
    const renewed = await h.core.licenses.renew(LOCAL_CLI_ACTOR, file);
    assert.equal(renewed.revokedLeases, 2);
    assert.equal(h.core.engine.heartbeat(ids[0]!).ok, true);
    assert.equal(h.core.engine.heartbeat(ids[1]!).ok, true);
    assert.deepEqual(h.core.engine.heartbeat(ids[2]!), { ok: false, reason: 'SEATS_REDUCED' });
    assert.deepEqual(h.core.engine.heartbeat(ids[3]!), { ok: false, reason: 'SEATS_REDUCED' });
    assert.equal(h.inUse('tts'), 2);
  });
});

describe('restart', () => {
  test('held leases survive a restart with one fresh TTL, and nothing is double-counted', async () => {
    const h = new Harness();
    try {
      await h.open();
      await h.install({ features: [{ name: 'asr', count: 3 }] });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await h.core.engine.checkout(req());
        assert.ok(r.ok);
        ids.push(r.lease.leaseId);
      }
      h.close();
      h.clock.advance(500_000); // longer than the TTL: the old deadlines do not count after a restart
      await h.open();
      assert.equal(h.inUse(), 3);
      for (const id of ids) assert.equal(h.core.engine.heartbeat(id).ok, true);
      const extra = await h.core.engine.checkout(req());
      assert.equal(!extra.ok && extra.code, 'NO_SEATS');
    } finally {
      h.close();
      h.t.cleanup();
    }
  });

  test('an uninstalled license id is refused forever, also after a restart', async () => {
    const h = new Harness();
    try {
      await h.open();
      const { file, claims } = await licenseFor(h.core, h.vendor, { features: [{ name: 'asr', count: 1 }] });
      await h.core.licenses.install(LOCAL_CLI_ACTOR, file);
      await h.core.licenses.uninstall(LOCAL_CLI_ACTOR, claims.licenseId);
      h.close();
      await h.open();
      await assert.rejects(h.core.licenses.install(LOCAL_CLI_ACTOR, file), { code: 'LICENSE_UNINSTALLED' });
      assert.equal(h.core.licenses.tree().licenses.length, 0);
    } finally {
      h.close();
      h.t.cleanup();
    }
  });
});
