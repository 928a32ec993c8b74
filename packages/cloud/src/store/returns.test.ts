import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS, openTestStore, type TestStore } from '../test-support/db.js';
import { seedCustomerAndFeature } from '../test-support/store-rows.js';

for (const dialect of DIALECTS) {
  describe(`returns on ${dialect}`, { timeout: 60_000 }, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(dialect);
      await seedCustomerAndFeature(t.store);
    });
    after(() => t?.close());

    test('a license comes back once: returns are unique per license and per certificate', async () => {
      await t.store.servers.insert({
        id: 'srv_a',
        customerId: 'cus_a',
        hostName: 'h',
        productVersion: '0',
        publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: 'x'.repeat(43) },
        factors: {},
        document: 'doc',
        registeredAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      });
      await t.store.deployments.insert({
        licenseId: 'lic_a',
        customerId: 'cus_a',
        serverId: 'srv_a',
        revision: 1,
        status: 'active',
        binding: { serverId: 'srv_a', factors: {} },
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        returnedAt: null,
      });
      assert.equal(await t.store.deployments.markReturned('lic_a', '2026-01-02T00:00:00.000Z'), true);
      assert.equal(await t.store.deployments.markReturned('lic_a', '2026-01-03T00:00:00.000Z'), false);
      const ret = {
        id: 'ret_1',
        licenseId: 'lic_a',
        revision: 1,
        serverId: 'srv_a',
        customerId: 'cus_a',
        certificateHash: 'h1',
        certificate: 'c',
        uninstalledAt: '2026-01-02T00:00:00.000Z',
        returnedAt: '2026-01-02T00:00:00.000Z',
        seats: [],
      };
      await t.store.returns.insert(ret);
      await assert.rejects(t.store.returns.insert({ ...ret, id: 'ret_2', certificateHash: 'h2' }));
      assert.equal((await t.store.returns.byLicense('lic_a'))?.id, 'ret_1');
    });
  });
}
