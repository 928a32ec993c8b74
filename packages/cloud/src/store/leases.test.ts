import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS, openTestStore, type TestStore } from '../test-support/db.js';
import { entitlementRow, seedCustomerAndFeature } from '../test-support/store-rows.js';

for (const dialect of DIALECTS) {
  describe(`leases on ${dialect}`, { timeout: 60_000 }, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(dialect);
      await seedCustomerAndFeature(t.store);
    });
    after(() => t?.close());

    test('leases expire by the database clock, extend in one statement, and say why they are gone', async () => {
      await t.store.entitlements.insert(entitlementRow('ent_lease', 10));
      const lease = (id: string) => ({
        id,
        customerId: 'cus_a',
        entitlementId: 'ent_lease',
        feature: 'asr',
        count: 1,
        accountId: 'acct_x',
        clientId: 'c',
        host: null,
        app: null,
        version: null,
        releaseDate: '2026-01-01',
        nodeId: 'node_a',
        createdAt: Date.now(),
      });
      const inserted = await t.store.leases.insertMany([lease('lease_1'), lease('lease_2'), lease('lease_3')], 60_000);
      assert.equal(inserted.length, 3);
      for (const x of inserted) {
        assert.ok(Math.abs(x.expiresAt - x.dbNow - 60_000) < 5, 'expiry is the database now plus the lease time');
        assert.ok(Math.abs(x.dbNow - Date.now()) < 5_000, 'the database clock is near ours');
      }
      const ext = await t.store.leases.extend('cus_a', ['lease_1', 'lease_2', 'lease_x'], 120_000);
      assert.deepEqual(ext.map((x) => x.id).sort(), ['lease_1', 'lease_2']);
      assert.deepEqual(
        await t.store.leases.extend('cus_other', ['lease_1'], 120_000),
        [],
        "another customer's id extends nothing",
      );
      const ended = await t.store.leases.end('cus_a', ['lease_2'], 'RELEASED');
      assert.deepEqual(ended, [{ id: 'lease_2', entitlementId: 'ent_lease', count: 1 }]);
      assert.deepEqual(await t.store.leases.end('cus_a', ['lease_2'], 'RELEASED'), [], 'a lease ends once');
      await t.store.leases.insertMany([lease('lease_short')], -1);
      const status = await t.store.leases.statusOf('cus_a', ['lease_2', 'lease_short', 'lease_nope']);
      assert.equal(status.get('lease_2'), 'RELEASED');
      assert.equal(status.get('lease_short'), 'EXPIRED');
      assert.equal(status.has('lease_nope'), false);
      assert.deepEqual(await t.store.leases.entitlementsWithLapsed(10), ['ent_lease']);
      const swept = await t.store.leases.endLapsed(['ent_lease']);
      assert.deepEqual(
        swept.map((l) => l.id),
        ['lease_short'],
      );
      assert.deepEqual(await t.store.leases.entitlementsWithLapsed(10), []);
      const held = await t.store.leases.seatsHeldByEntitlement();
      assert.equal(held.get('ent_lease'), 2);
    });
  });
}
