/**
 * Database outages by what they mean, produced on the machine's real PostgreSQL against a
 * scratch database and role this test makes (and drops): connections killed by an
 * administrator, a database that takes no connections (ALLOW_CONNECTIONS false, SQLSTATE 55000),
 * no connection slots (53300), a role that may not log in (28000), a database gone (3D000), a
 * read-only database as after a failover to a standby (25006). In each: heartbeats of known
 * leases are answered from memory, checkouts and the vendor API get 503 UNAVAILABLE with the
 * outage's own message, the outage is logged once, and the node serves again by itself soon
 * after the database is back. The shared `test` database is never altered.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { DB_OUTAGE_MESSAGES, type DbOutageKind } from '../store/db.js';
import { basic, startTestCloud, type TestCloud } from '../test-support/cloud.js';
import { TEST_PG_URL } from '../test-support/db.js';

const name = `tessera_outage_${randomBytes(4).toString('hex')}`;
const role = `${name}_node`;

/** Runs SQL as the superuser of the shared server, on the `test` database (never altering it). */
async function superuser(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
/** Ends every session of the scratch database but ours (what a failover or an operator does). */
const killSessions = (db = name) =>
  superuser(
    `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${db}' and pid <> pg_backend_pid()`,
  );

function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  return (async () => {
    for (;;) {
      if (await check()) return true;
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
}

describe('database outages, by meaning (real PostgreSQL)', { timeout: 180_000 }, () => {
  let t: TestCloud;
  const lines: { level: number; msg: string; outage?: string }[] = [];
  let client: Record<string, string>;
  const held: string[] = [];

  before(async () => {
    await superuser(`create role ${role} login`);
    await superuser(`create database ${name} owner ${role}`);
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    t = await startTestCloud({
      db: `postgres://${role}@127.0.0.1:5432/${name}`,
      logger,
      leaseSeconds: 120,
      heartbeatSeconds: 10,
    });
    assert.equal((await t.call('POST', '/api/v1/features', { name: 'asr' })).status, 201);
    const customer = (await t.call('POST', '/api/v1/customers', { name: 'Acme' })).json();
    const ent = { customerId: customer.id, type: 'subscription', feature: 'asr', count: 50 };
    assert.equal((await t.call('POST', '/api/v1/entitlements', ent)).status, 201);
    const account = (await t.call('POST', '/api/v1/accounts', { customerId: customer.id })).json();
    client = { authorization: basic(account.username, account.password) };
    for (const id of ['held-1', 'held-2']) {
      const r = await t.call('POST', '/v1/leases', { feature: 'asr', client: { id } }, client);
      assert.equal(r.status, 201);
      held.push(r.json().leaseId);
    }
  });

  after(async () => {
    await t?.stop();
    // Whatever a failed case left behind goes with the scratch database and role.
    await superuser(`alter database ${name}_away rename to ${name}`).catch(() => {});
    await superuser(`drop database if exists ${name} with (force)`);
    await superuser(`drop role if exists ${role}`);
  });

  const checkout = (id: string) => t.call('POST', '/v1/leases', { feature: 'asr', client: { id } }, client);
  const outageLogs = () => lines.filter((l) => /checkouts get 503/.test(l.msg));

  /**
   * One outage: `induce` it, see the node answer it, `restore` the database, see the node serve
   * again. `kind` is what clients are told once the node has met the outage itself.
   */
  async function outage(
    kind: DbOutageKind,
    induce: () => Promise<void>,
    restore: () => Promise<void>,
    diagnostic: (s: string) => void,
  ): Promise<void> {
    const logsBefore = outageLogs().length;
    await induce();
    try {
      let seen = '';
      const told = await until(async () => {
        const r = await checkout('during');
        assert.equal(r.status, 503, `a checkout during the outage: ${r.body}`);
        seen = r.json().error.message;
        return seen === DB_OUTAGE_MESSAGES[kind];
      }, 15_000);
      assert.ok(told, `checkouts are told what the outage is (${kind}), not "${seen}"`);
      assert.equal((await t.call('GET', '/healthz')).json().database, 'down');
      for (const id of held) {
        const hb = await t.call('POST', `/v1/leases/${id}/heartbeat`, undefined, client);
        assert.equal(hb.status, 200, `the heartbeat of a known lease is answered from memory: ${hb.body}`);
      }
      const vendor = await t.call('POST', '/api/v1/customers', { name: 'Initech' });
      assert.equal(vendor.status, 503, `the vendor API: ${vendor.body}`);
      assert.equal(vendor.json().error.code, 'UNAVAILABLE');
      assert.ok(
        Object.values(DB_OUTAGE_MESSAGES).includes(vendor.json().error.message),
        `the vendor API names the outage: ${vendor.json().error.message}`,
      );
      assert.equal(outageLogs().length, logsBefore + 1, 'the outage is logged once');
    } finally {
      await restore();
    }
    const back = Date.now();
    let lease = '';
    const recovered = await until(async () => {
      const r = await checkout('after');
      if (r.status === 201) lease = r.json().leaseId;
      return r.status === 201;
    }, 20_000);
    assert.ok(recovered, 'checkouts are granted again');
    diagnostic(`${kind}: checkouts granted again ${Date.now() - back} ms after the database was back`);
    assert.equal((await t.call('DELETE', `/v1/leases/${lease}`, undefined, client)).status, 204);
    assert.equal(outageLogs().length, logsBefore + 1, 'and nothing more was logged as a new outage');
  }

  test('sessions killed by an administrator (57P01) are an outage the node gets over by itself', async (c) => {
    const logsBefore = outageLogs().length;
    await killSessions();
    // The pool hears it from its idle connections; the next use finds the database back.
    assert.ok(await until(async () => outageLogs().length > logsBefore, 5_000), 'logged');
    const last = outageLogs().at(-1);
    assert.equal(last?.outage, 'shutdown');
    const back = Date.now();
    assert.ok(await until(async () => (await checkout('after-kill')).status === 201, 10_000));
    c.diagnostic(`shutdown: checkouts granted again ${Date.now() - back} ms after the sessions were killed`);
    for (const id of held)
      assert.equal((await t.call('POST', `/v1/leases/${id}/heartbeat`, undefined, client)).status, 200);
  });

  test('a database that takes no connections (ALLOW_CONNECTIONS false, 55000)', async (c) => {
    await outage(
      'not-accepting',
      async () => {
        await superuser(`alter database ${name} allow_connections false`);
        await killSessions();
      },
      () => superuser(`alter database ${name} allow_connections true`),
      (s) => c.diagnostic(s),
    );
  });

  test('no connection slots left (CONNECTION LIMIT 0, 53300)', async (c) => {
    await outage(
      'resources',
      async () => {
        await superuser(`alter database ${name} connection limit 0`);
        await killSessions();
      },
      () => superuser(`alter database ${name} connection limit -1`),
      (s) => c.diagnostic(s),
    );
  });

  test('a role that may not log in (NOLOGIN, 28000)', async (c) => {
    await outage(
      'authentication',
      async () => {
        await superuser(`alter role ${role} nologin`);
        await killSessions();
      },
      () => superuser(`alter role ${role} login`),
      (s) => c.diagnostic(s),
    );
  });

  test('a database that is not there (renamed away, 3D000)', async (c) => {
    await outage(
      'database-missing',
      async () => {
        await superuser(`alter database ${name} allow_connections false`);
        await killSessions();
        await superuser(`alter database ${name} rename to ${name}_away`);
        await superuser(`alter database ${name}_away allow_connections true`);
      },
      async () => {
        await killSessions(`${name}_away`);
        await superuser(`alter database ${name}_away rename to ${name}`);
      },
      (s) => c.diagnostic(s),
    );
  });

  test('a read-only database, as a standby after a failover (25006)', async (c) => {
    await outage(
      'read-only',
      async () => {
        await superuser(`alter database ${name} set default_transaction_read_only = on`);
        await killSessions();
      },
      async () => {
        // Failing back: the primary takes writes again, and the sessions to the standby end.
        await superuser(`alter database ${name} reset default_transaction_read_only`);
        await killSessions();
      },
      (s) => c.diagnostic(s),
    );
  });
});
