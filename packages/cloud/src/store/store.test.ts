import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS, openTestStore, type TestStore } from '../test-support/db.js';
import { knownMigrations, migrateToLatest } from './db.js';

for (const dialect of DIALECTS) {
  describe(`store on ${dialect}`, { timeout: 60_000 }, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(dialect);
      await t.store.customers.insert({ id: 'cus_a', name: 'A', createdAt: '2026-01-01T00:00:00.000Z' });
      await t.store.features.insert({ name: 'asr', description: '', createdAt: '2026-01-01T00:00:00.000Z' });
    });
    after(() => t?.close());

    const entitlement = (id: string, count: number, type: 'perpetual' | 'subscription' = 'subscription') => ({
      id,
      customerId: 'cus_a',
      type,
      feature: 'asr',
      count,
      used: 0,
      maintenanceUntil: null,
      expires: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });

    test('migrations are recorded, and running them again applies nothing', async () => {
      const again = await t.store.withBootstrapLock((s) => migrateToLatest(s.db, dialect));
      assert.deepEqual(again, []);
      const rows = await t.store.db
        .selectFrom('kysely_migration' as never)
        .select('name' as never)
        .execute();
      assert.deepEqual(
        rows.map((r) => (r as { name: string }).name),
        knownMigrations(dialect),
      );
    });

    test("another schema's migration tables do not fool the migrator", async () => {
      // Every store of this suite lives next to other test runs' schemas on the same server.
      const decoy = await openTestStore(dialect);
      const fresh = await openTestStore(dialect);
      try {
        assert.deepEqual(
          (await fresh.store.customers.list()).length,
          0,
          'a fresh database migrates even when another is migrated already',
        );
      } finally {
        await fresh.close();
        await decoy.close();
      }
    });

    test('meta keeps the first value set', async () => {
      assert.equal(await t.store.meta.setIfAbsent('k', 'one'), 'one');
      assert.equal(await t.store.meta.setIfAbsent('k', 'two'), 'one');
    });

    test('the database itself refuses more seats taken than an entitlement holds', async () => {
      await t.store.entitlements.insert(entitlement('ent_check', 2));
      await assert.rejects(t.store.entitlements.setUsed([{ id: 'ent_check', used: 3 }]));
      await assert.rejects(t.store.entitlements.setUsed([{ id: 'ent_check', used: -1 }]));
      assert.equal((await t.store.entitlements.get('ent_check'))?.used, 0);
      await t.store.entitlements.setUsed([{ id: 'ent_check', used: 2 }]);
      assert.equal((await t.store.entitlements.get('ent_check'))?.used, 2);
    });

    test('a failed transaction leaves nothing behind', async () => {
      await assert.rejects(
        t.store.transaction(async (tx) => {
          await tx.customers.insert({ id: 'cus_rollback', name: 'R', createdAt: '2026-01-01T00:00:00.000Z' });
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await t.store.customers.get('cus_rollback'), undefined);
    });

    test('leases expire by the database clock, extend in one statement, and say why they are gone', async () => {
      await t.store.entitlements.insert(entitlement('ent_lease', 10));
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

    test('two pools on one database see each other at once (a second node)', async () => {
      const other = await t.openAnother();
      await t.store.entitlements.insert(entitlement('ent_shared', 5));
      await other.entitlements.setUsed([{ id: 'ent_shared', used: 4 }]);
      assert.equal((await t.store.entitlements.get('ent_shared'))?.used, 4);
      await other.nodes.upsert({ id: 'node_b', url: 'http://b', version: '0', startedAt: '2026-01-01T00:00:00.000Z' });
      assert.deepEqual(
        (await t.store.nodes.live(60_000)).map((n) => n.url),
        ['http://b'],
      );
    });
  });
}
