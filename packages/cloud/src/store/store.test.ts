import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS, openTestStore, type TestStore } from '../test-support/db.js';
import { entitlementRow, seedCustomerAndFeature } from '../test-support/store-rows.js';
import { knownMigrations, migrateToLatest } from './db.js';

for (const dialect of DIALECTS) {
  describe(`store on ${dialect}`, { timeout: 60_000 }, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(dialect);
      await seedCustomerAndFeature(t.store);
    });
    after(() => t?.close());

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

    test('the audit log narrows by actor, action start, outcome and time', async () => {
      const entry = (n: number, actor: string, action: string, outcome: string) => ({
        id: `aud_filter_${String(n).padStart(3, '0')}`,
        at: new Date(Date.UTC(2026, 0, 1, n)).toISOString(),
        actor,
        customerId: null,
        action,
        target: null,
        outcome,
        detail: null,
      });
      await t.store.audit.append(entry(1, 'user:alice', 'customer.add', 'ok'));
      await t.store.audit.append(entry(2, 'user:bob', 'customer_x.add', 'ok'));
      await t.store.audit.append(entry(3, 'user:alice', 'customer.remove', 'refused:CONFLICT'));
      await t.store.audit.append(entry(4, 'user:alice', 'entitlement.add', 'ok'));
      const ids = async (filter: Parameters<typeof t.store.audit.page>[0]['filter']) =>
        (await t.store.audit.page({ limit: 100, filter: filter ?? {} }))
          .filter((e) => e.id.startsWith('aud_filter_'))
          .map((e) => Number(e.id.slice(-3)));
      assert.deepEqual(await ids({ actor: 'user:alice' }), [4, 3, 1]);
      assert.deepEqual(await ids({ action: 'customer.' }), [3, 1], '`.` and `_` are themselves, not patterns');
      assert.deepEqual(await ids({ outcome: 'refused' }), [3]);
      assert.deepEqual(await ids({ outcome: 'ok', actor: 'user:alice' }), [4, 1]);
      assert.deepEqual(
        await ids({ since: '2026-01-01T02:00:00.000Z', until: '2026-01-01T04:00:00.000Z' }),
        [3, 2],
        'since inclusive, until exclusive',
      );
    });

    test('meta keeps the first value set', async () => {
      assert.equal(await t.store.meta.setIfAbsent('k', 'one'), 'one');
      assert.equal(await t.store.meta.setIfAbsent('k', 'two'), 'one');
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

    test('two pools on one database see each other at once (a second node)', async () => {
      const other = await t.openAnother();
      await t.store.entitlements.insert(entitlementRow('ent_shared', 5));
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
