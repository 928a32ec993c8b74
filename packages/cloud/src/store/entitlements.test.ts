import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS, openTestStore, type TestStore } from '../test-support/db.js';
import { entitlementRow, seedCustomerAndFeature } from '../test-support/store-rows.js';

for (const dialect of DIALECTS) {
  describe(`entitlements on ${dialect}`, { timeout: 60_000 }, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(dialect);
      await seedCustomerAndFeature(t.store);
    });
    after(() => t?.close());

    test('the database itself refuses more seats taken than an entitlement holds', async () => {
      await t.store.entitlements.insert(entitlementRow('ent_check', 2));
      await assert.rejects(t.store.entitlements.setUsed([{ id: 'ent_check', used: 3 }]));
      await assert.rejects(t.store.entitlements.setUsed([{ id: 'ent_check', used: -1 }]));
      assert.equal((await t.store.entitlements.get('ent_check'))?.used, 0);
      await t.store.entitlements.setUsed([{ id: 'ent_check', used: 2 }]);
      assert.equal((await t.store.entitlements.get('ent_check'))?.used, 2);
    });
  });
}
