import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { DIALECTS, openTestStore, type TestStore } from '../test-support/db.js';
import type { UsageValues } from './usage.js';

const CUSTOMER = 'cus_usage';
const SERVER = 'srv_usage';
const NOW = '2026-03-01T00:00:00.000Z';

/** `n` hours of `features`, from 2026-02-01T00 on, each worth `value`. */
function hours(features: string[], n: number, value: number): UsageValues[] {
  const out: UsageValues[] = [];
  for (const feature of features) {
    for (let h = 0; h < n; h++) {
      const hour = `${new Date(Date.UTC(2026, 1, 1, h)).toISOString().slice(0, 13)}:00Z`;
      out.push({ feature, hour, peakSeats: value, seatSeconds: value * 60, checkouts: value, denials: 0 });
    }
  }
  return out;
}

for (const dialect of DIALECTS) {
  describe(`usage hours on ${dialect}`, { timeout: 60_000 }, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(dialect);
      await sql`insert into customers (id, name, created_at) values (${CUSTOMER}, 'Usage', ${NOW})`.execute(t.store.db);
      await sql`insert into servers (id, customer_id, host_name, product_version, public_key_jwk, factors, document, registered_at, updated_at)
        values (${SERVER}, ${CUSTOMER}, 'h', '1', '{}', '{}', 'doc', ${NOW}, ${NOW})`.execute(t.store.db);
    });
    after(async () => {
      await t.close();
    });

    const totals = async () =>
      (
        await sql<{ n: number | string; seconds: number | string; sequence: number | string }>`
          select count(*) as n, sum(seat_seconds) as seconds, min(sequence) as sequence from usage_hours where server_id = ${SERVER}`.execute(
          t.store.db,
        )
      ).rows[0]!;

    test('new hours, the same hours again from a newer report, and an older report late: each hour once, the newest values kept', async () => {
      const owner = (sequence: number) => ({ serverId: SERVER, customerId: CUSTOMER, sequence });
      await t.store.transaction((tx) => tx.usage.upsert(owner(1), hours(['a', 'b'], 48, 1)));
      await t.store.transaction((tx) => tx.usage.upsert(owner(3), hours(['a', 'b'], 48, 3)));
      await t.store.transaction((tx) => tx.usage.upsert(owner(2), hours(['a', 'b'], 48, 2)));
      const r = await totals();
      assert.equal(Number(r.n), 96);
      assert.equal(Number(r.seconds), 96 * 3 * 60, 'the newer report wins over the late older one');
      assert.equal(Number(r.sequence), 3);
      // Newer hours next to stored ones (new rows only, none of them stored yet).
      await t.store.transaction((tx) =>
        tx.usage.upsert(
          owner(4),
          hours(['a', 'b'], 72, 4).filter((u) => u.hour >= '2026-02-03'),
        ),
      );
      assert.equal(Number((await totals()).n), 144);
      assert.equal(await t.store.usage.newestHour(SERVER), '2026-02-03T23:00Z');
      assert.equal(await t.store.usage.newestHour('srv_none'), null);
    });

    test('usage hours of a server the Cloud does not know are refused, and none is stored', async () => {
      // PostgreSQL checks this once per Report (no per-row foreign key there), SQLite by its foreign key.
      await assert.rejects(
        t.store.transaction((tx) =>
          tx.usage.upsert({ serverId: 'srv_unknown', customerId: CUSTOMER, sequence: 1 }, hours(['a'], 5, 1)),
        ),
        dialect === 'postgres' ? /no server srv_unknown/ : /FOREIGN KEY/,
      );
      const n = await sql<{
        n: number | string;
      }>`select count(*) as n from usage_hours where server_id = 'srv_unknown'`.execute(t.store.db);
      assert.equal(Number(n.rows[0]!.n), 0);
    });

    test('feature names with quotes, backslashes, commas and braces are stored as they are', async () => {
      const server = `${SERVER}_3`;
      await sql`insert into servers (id, customer_id, host_name, product_version, public_key_jwk, factors, document, registered_at, updated_at)
        values (${server}, ${CUSTOMER}, 'h', '1', '{}', '{}', 'doc', ${NOW}, ${NOW})`.execute(t.store.db);
      const names = ['q"uote', 'back\\slash', 'com,ma', '{brace}', 'NULL', ' spaced '];
      await t.store.transaction((tx) =>
        tx.usage.upsert({ serverId: server, customerId: CUSTOMER, sequence: 1 }, hours(names, 3, 2)),
      );
      const stored = await t.store.usage.list({ serverId: server, from: '2026-01-01' });
      assert.deepEqual([...new Set(stored.map((u) => u.feature))].sort(), [...names].sort());
      assert.equal(stored.length, names.length * 3);
      assert.ok(stored.every((u) => u.seatSeconds === 120 && u.peakSeats === 2));
    });

    test('two reports of one server written at the same moment by two nodes both commit, each hour once', async () => {
      const server = `${SERVER}_2`;
      await sql`insert into servers (id, customer_id, host_name, product_version, public_key_jwk, factors, document, registered_at, updated_at)
        values (${server}, ${CUSTOMER}, 'h', '1', '{}', '{}', 'doc', ${NOW}, ${NOW})`.execute(t.store.db);
      const usage = hours(['a', 'b', 'c'], 200, 5);
      // Both find none of these hours stored when they start; the second must not insert them again.
      await Promise.all(
        [7, 8].map((sequence) =>
          t.store.transaction((tx) => tx.usage.upsert({ serverId: server, customerId: CUSTOMER, sequence }, usage)),
        ),
      );
      const r = (
        await sql<{ n: number | string; sequence: number | string }>`
          select count(*) as n, max(sequence) as sequence from usage_hours where server_id = ${server}`.execute(
          t.store.db,
        )
      ).rows[0]!;
      assert.equal(Number(r.n), 600);
      assert.equal(Number(r.sequence), 8);
    });
  });
}
