import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CheckoutRequest, systemClock } from '@tessera/core';
import { DIALECTS, openTestStore, type TestStore } from '../test-support/db.js';
import { servicesOn, silentLogger, type TestVendor } from '../test-support/fixtures.js';
import type { AccountContext } from './account-service.js';
import type { Actor } from './actor.js';
import { type CheckoutOutcome, SeatService, type SeatStore } from './seat-service.js';
import type { CloudServices } from './services.js';

const req = (feature: string, extra: Partial<CheckoutRequest> = {}): CheckoutRequest => ({
  feature,
  client: { id: `client-${Math.random()}` },
  ...extra,
});

function granted(o: CheckoutOutcome): string {
  assert.ok(o.ok, `expected a grant, got ${o.ok ? '' : `${o.code}: ${o.message}`}`);
  return o.lease.leaseId;
}

for (const dialect of DIALECTS) {
  describe(`subscription seats on ${dialect}`, { timeout: 60_000 }, () => {
    let t: TestStore;
    let s: CloudServices;
    let admin: Actor;
    /** The seat engines of the nodes: two on PostgreSQL (two connection pools), one on SQLite. */
    let nodes: SeatService[];
    let acme: AccountContext;
    let globex: AccountContext;
    let asr: string;
    let vendor: TestVendor;

    before(async () => {
      t = await openTestStore(dialect);
      ({ services: s, admin, vendor } = await servicesOn(t.store, { leaseSeconds: 30, sweepMs: 100 }));
      nodes = [s.seats];
      if (dialect === 'postgres') {
        const second = await servicesOn(await t.openAnother(), {
          vendor,
          leaseSeconds: 30,
          sweepMs: 100,
          nodeId: 'node_b',
        });
        nodes.push(second.services.seats);
      }
      for (const n of nodes) n.start();
      for (const f of ['asr', 'tts', 'old']) await s.catalog.add(admin, { name: f });
      const a = await s.customers.add(admin, { name: 'Acme' });
      const g = await s.customers.add(admin, { name: 'Globex' });
      acme = { accountId: 'acct_a', customerId: a.id, poolId: a.poolId };
      globex = { accountId: 'acct_g', customerId: g.id, poolId: g.poolId };
      asr = (await s.entitlements.add(admin, { customerId: a.id, type: 'subscription', feature: 'asr', count: 20 })).id;
      await s.entitlements.add(admin, { customerId: a.id, type: 'perpetual', feature: 'tts', count: 50 });
      await s.entitlements.add(admin, { customerId: g.id, type: 'subscription', feature: 'asr', count: 5 });
    });
    after(async () => {
      for (const n of nodes ?? []) await n.stop();
      await t?.close();
    });

    const used = async (id: string) => (await t.store.entitlements.get(id))!.used;
    const live = async (id: string) => (await t.store.leases.seatsHeldByEntitlement()).get(id) ?? 0;

    test('checkouts spread over every node never take more seats than subscribed', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 120 }, (_, i) => nodes[i % nodes.length]!.checkout(acme, req('asr'))),
      );
      const grants = outcomes.filter((o) => o.ok);
      assert.equal(grants.length, 20);
      for (const o of outcomes) if (!o.ok) assert.equal(o.code, 'NO_SEATS');
      assert.equal(await used(asr), 20);
      assert.equal(await live(asr), 20);
      const f = await nodes.at(-1)!.features(acme);
      assert.equal(f.poolId, acme.poolId);
      assert.deepEqual(
        f.features.map((x) => [x.feature, x.total, x.inUse, x.available]),
        [['asr', 20, 20, 0]],
      );
      for (const o of grants) if (o.ok) await nodes[0]!.release(acme, o.lease.leaseId);
      assert.equal(await used(asr), 0);
    });

    test('a raised count serves clients at once; a lowered one revokes the newest leases', async () => {
      const held: string[] = [];
      for (let i = 0; i < 20; i++) held.push(granted(await nodes[i % nodes.length]!.checkout(acme, req('asr'))));
      assert.equal((await s.seats.checkout(acme, req('asr'))).ok, false);
      await s.entitlements.update(admin, asr, { count: 23 });
      for (let i = 0; i < 3; i++) held.push(granted(await nodes.at(-1)!.checkout(acme, req('asr'))));
      const lowered = await s.entitlements.update(admin, asr, { count: 21 });
      assert.equal(lowered.revokedLeases, 2);
      assert.equal(await used(asr), 21);
      const hb = await Promise.all(held.map((id) => nodes[0]!.heartbeat(acme, id)));
      const gone = hb.flatMap((o, i) => (!o.ok && o.gone ? [[held[i], o.reason]] : []));
      assert.deepEqual(gone, [
        [held[21], 'SEATS_REDUCED'],
        [held[22], 'SEATS_REDUCED'],
      ]);
      await Promise.all(held.map((id) => s.seats.release(acme, id)));
      assert.equal(await used(asr), 0);
      await s.entitlements.update(admin, asr, { count: 20 });
    });

    test('heartbeats that arrive together are written as one batch', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(granted(await s.seats.checkout(acme, req('asr'))));
      const batchesBefore = s.seats.stats.heartbeatBatches;
      const results = await Promise.all(ids.map((id) => s.seats.heartbeat(acme, id)));
      for (const r of results) assert.ok(r.ok && Date.parse(r.expiresAt) > Date.now());
      assert.equal(s.seats.stats.heartbeatBatches - batchesBefore, 1);
      await Promise.all(ids.map((id) => s.seats.release(acme, id)));
    });

    test("released leases are gone; another customer's lease id is unknown and changes nothing", async () => {
      const id = granted(await s.seats.checkout(acme, req('asr')));
      assert.deepEqual(await nodes.at(-1)!.heartbeat(globex, id), { ok: false, gone: true, reason: 'UNKNOWN_LEASE' });
      await nodes.at(-1)!.release(globex, id);
      assert.equal(await used(asr), 1);
      assert.ok((await nodes.at(-1)!.heartbeat(acme, id)).ok, 'any node extends a lease of its pool');
      await s.seats.release(acme, id);
      await s.seats.release(acme, id);
      assert.equal(await used(asr), 0);
      assert.deepEqual(await s.seats.heartbeat(acme, id), { ok: false, gone: true, reason: 'RELEASED' });
      assert.deepEqual(await s.seats.heartbeat(acme, 'lease_unknown'), {
        ok: false,
        gone: true,
        reason: 'UNKNOWN_LEASE',
      });
    });

    test("an operation the database refuses fails alone: another customer's operations in its batch go through", async () => {
      // PostgreSQL refuses text holding U+0000; the HTTP edge refuses such input before it gets
      // here, and the seat engine must not let one such operation sink the batch it shares.
      const poisonId = 'lease_x\u0000';
      const held: string[] = [];
      for (let i = 0; i < 4; i++) held.push(granted(await s.seats.checkout(acme, req('asr'))));
      const settled = <T>(p: Promise<T>) =>
        p.then(
          (v) => ({ ok: true as const, v }),
          (e: unknown) => ({ ok: false as const, e }),
        );
      const [checkouts, releases, poisoned] = await Promise.all([
        Promise.all(Array.from({ length: 6 }, () => s.seats.checkout(acme, req('asr')))),
        Promise.all(held.slice(0, 2).map((id) => settled(s.seats.release(acme, id)))),
        Promise.all([
          settled(s.seats.release(globex, poisonId)),
          s.seats.checkout(globex, req('asr', { client: { id: 'bad\u0000client' } })),
        ]),
      ]);
      for (const o of checkouts) held.push(granted(o));
      for (const r of releases) assert.ok(r.ok, `released: ${r.ok ? '' : String(r.e)}`);
      assert.equal(poisoned.length, 2);
      const beats = await Promise.all([
        ...held.slice(2).map((id) => s.seats.heartbeat(acme, id)),
        s.seats.heartbeat(globex, poisonId),
      ]);
      for (const hb of beats.slice(0, -1)) assert.ok(hb.ok, `heartbeat answered: ${JSON.stringify(hb)}`);
      await Promise.all(held.slice(2).map((id) => s.seats.release(acme, id)));
      const leftover = poisoned[1] as CheckoutOutcome;
      if (leftover.ok) await s.seats.release(globex, leftover.lease.leaseId);
      assert.equal(await used(asr), 0);
    });

    test('a lease without heartbeats lapses by the database clock and its seat comes back', async () => {
      // A node with one-second leases on the same database; every node sweeps every lease.
      const quick = (await servicesOn(t.store, { vendor, leaseSeconds: 1, nodeId: 'node_quick' })).services.seats;
      const id = granted(await quick.checkout(acme, req('asr')));
      assert.equal(await used(asr), 1);
      const deadline = Date.now() + 5_000;
      while ((await used(asr)) !== 0 && Date.now() < deadline) await sleep(100);
      assert.equal(await used(asr), 0);
      assert.deepEqual(await s.seats.heartbeat(acme, id), { ok: false, gone: true, reason: 'EXPIRED' });
    });

    test("denials follow the License Server's rules; perpetual seats never serve subscription clients", async () => {
      const deny = async (r: CheckoutRequest, code: string) => {
        const o = await s.seats.checkout(acme, r);
        assert.equal(o.ok, false, `denied ${JSON.stringify(r)}`);
        if (!o.ok) assert.equal(o.code, code);
      };
      await deny(req('tts'), 'UNKNOWN_FEATURE');
      await deny(req('nope'), 'UNKNOWN_FEATURE');
      await deny(req('asr', { count: 21 }), 'NO_SEATS');
      const maint = await s.entitlements.add(admin, {
        customerId: acme.customerId,
        type: 'subscription',
        feature: 'old',
        count: 2,
        maintenanceUntil: '2026-01-31',
      });
      await deny(req('old', { client: { id: 'x', releaseDate: '2026-03-01' } }), 'MAINTENANCE_EXPIRED');
      const ok = await s.seats.checkout(acme, req('old', { client: { id: 'x', releaseDate: '2026-01-15' } }));
      assert.equal(ok.ok && ok.lease.licenseId, maint.id);
      if (ok.ok) await s.seats.release(acme, ok.lease.leaseId);
      await s.entitlements.update(admin, maint.id, { expires: '2026-01-01' });
      await deny(req('old', { client: { id: 'x', releaseDate: '2026-01-15' } }), 'LICENSE_EXPIRED');
    });

    test('stop waits for the batch in flight to commit, then refuses new checkouts', async () => {
      let entered!: () => void;
      const inTransaction = new Promise<void>((resolve) => {
        entered = resolve;
      });
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      // The Cloud's store, with every transaction held at the gate until the test opens it.
      const gated: SeatStore = {
        entitlements: t.store.entitlements,
        leases: t.store.leases,
        nodes: t.store.nodes,
        ping: () => t.store.ping(),
        async transaction(fn) {
          entered();
          await gate;
          return t.store.transaction(fn);
        },
      };
      const node = new SeatService({
        store: gated,
        clock: systemClock,
        nodeId: 'node_stopping',
        leaseSeconds: 30,
        heartbeatSeconds: 10,
        isUnavailable: () => false,
        logger: silentLogger,
      });
      const checkout = node.checkout(globex, req('asr'));
      await inTransaction;
      let stopped = false;
      const stopping = node.stop().then(() => {
        stopped = true;
      });
      await sleep(100);
      assert.equal(stopped, false, 'stop() is still waiting for the batch');
      open();
      await stopping;
      const leaseId = granted(await checkout);
      const after = await node.checkout(globex, req('asr'));
      assert.equal(after.ok ? 'granted' : after.code, 'UNAVAILABLE');
      await s.seats.release(globex, leaseId);
    });
  });
}
