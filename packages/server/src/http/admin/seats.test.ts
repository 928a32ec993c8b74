import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SeatsPage, SeatsReleased } from '../../domain/leases/seat-holders.js';
import { signIn, startTestServer, type TestServer } from '../../test-support/dashboard-server.js';

const host = '127.0.0.1';

describe('every seat holder (GET /api/v1/seats, export, bulk release)', () => {
  let t: TestServer;
  let bearer: Record<string, string>;
  const taken: string[] = [];

  async function take(feature: string, id: string, h: string | null, app = 'cad', count = 1): Promise<string> {
    const r = await t.server.core.engine.checkout({
      feature,
      count,
      client: { id, ...(h === null ? {} : { host: h }), app, version: '2.1' },
    });
    assert.ok(r.ok, JSON.stringify(r));
    taken.push(r.lease.leaseId);
    return r.lease.leaseId;
  }

  async function list(query: string): Promise<SeatsPage> {
    const res = await t.admin.inject({ method: 'GET', url: `/api/v1/seats${query}`, headers: bearer });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  }

  before(async () => {
    t = await startTestServer();
    bearer = { host, authorization: `Bearer ${t.token}` };
    await t.install(
      await t.issue([
        { name: 'asr', count: 20 },
        { name: 'tts', count: 20 },
      ]),
    );
    await take('asr', 'alice', 'ws-1');
    await take('asr', 'bob', 'ws-2', 'cad', 3);
    await take('tts', 'alice', 'ws-1', 'voice');
    await take('tts', 'carol', null, 'voice');
    await take('asr', '=cmd|calc', 'ws-3', 'evil,"app"\nx');
  });
  after(async () => {
    await t.stop();
  });

  test('lists every lease across features, newest first, with since and expiry', async () => {
    const p = await list('');
    assert.equal(p.total, 5);
    assert.deepEqual({ page: p.page, limit: p.limit }, { page: 1, limit: 50 });
    // Newest first: lease ids begin with their creation time, so the listing is the ids in descending
    // order; two leases taken in the same millisecond keep that order, not the order they were taken in.
    assert.deepEqual(
      p.seats.map((s) => s.leaseId),
      [...taken].sort().reverse(),
    );
    const since = p.seats.map((s) => Date.parse(s.since));
    assert.ok(
      since.every((t, i) => i === 0 || t <= since[i - 1]!),
      'since never rises down the list',
    );
    const bob = p.seats.find((s) => s.clientId === 'bob')!;
    assert.equal(bob.count, 3);
    assert.equal(bob.feature, 'asr');
    assert.match(bob.since, /^\d{4}-\d\d-\d\dT/);
    assert.ok(Date.parse(bob.expiresAt!) > Date.parse(bob.since));
  });

  test('sorts by a column either way, pages, and counts the whole match', async () => {
    const asc = await list('?sort=user&dir=asc');
    assert.deepEqual(
      asc.seats.map((s) => s.clientId),
      ['=cmd|calc', 'alice', 'alice', 'bob', 'carol'],
    );
    const desc = await list('?sort=count&dir=desc&limit=2');
    assert.equal(desc.seats[0]!.clientId, 'bob');
    assert.equal(desc.total, 5);
    assert.equal(desc.seats.length, 2);
    const pages = [];
    for (let page = 1; page <= 3; page++) pages.push(...(await list(`?sort=host&dir=asc&limit=2&page=${page}`)).seats);
    assert.equal(new Set(pages.map((s) => s.leaseId)).size, 5, 'three pages of two show each lease once');
    assert.equal(pages[0]!.host, null, 'a lease without a host sorts first ascending');
    assert.deepEqual((await list('?page=9')).seats, []);
  });

  test('filters by feature, user and host, and searches any column', async () => {
    assert.equal((await list('?feature=tts')).total, 2);
    assert.equal((await list('?user=alice')).total, 2);
    assert.equal((await list('?user=alice&feature=tts')).total, 1);
    assert.equal((await list('?host=ws-2')).seats[0]!.clientId, 'bob');
    assert.equal((await list('?q=VOICE')).total, 2, 'search ignores ASCII case');
    assert.equal((await list('?q=ws-')).total, 4);
    assert.equal((await list('?q=%25')).total, 0, 'a % typed is a percent sign, not a wildcard');
    assert.equal((await list(`?q=${taken[1]!.slice(-8)}`)).seats[0]!.clientId, 'bob', 'finds a lease id');
    assert.equal((await list('?feature=nope')).total, 0);
  });

  test('bad queries are refused with BAD_REQUEST', async () => {
    for (const query of ['?sort=expires', '?dir=up', '?limit=501', '?limit=0', '?page=0', '?feature=', '?colour=red']) {
      const res = await t.admin.inject({ method: 'GET', url: `/api/v1/seats${query}`, headers: bearer });
      assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
      assert.equal(res.json().error.code, 'BAD_REQUEST');
    }
  });

  test('the export is the filtered set as CSV, escaped and safe from formulas', async () => {
    const res = await t.admin.inject({ method: 'GET', url: '/api/v1/seats/export?feature=asr', headers: bearer });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.headers['content-type'] as string, /^text\/csv/);
    assert.match(res.headers['content-disposition'] as string, /attachment; filename="seats.csv"/);
    const lines = res.body.split('\r\n');
    assert.equal(lines[0], 'lease id,feature,count,user,host,app,version,license,since,expires');
    assert.equal(lines.at(-1), '', 'the last record ends with CRLF');
    assert.equal(lines.length, 1 + 3 + 1);
    const evil = lines.find((l) => l.includes('cmd'))!;
    assert.ok(evil.includes(`,'=cmd|calc,ws-3,"evil,""app""\nx",2.1,`), evil);
    assert.ok(lines[1]!.startsWith(`${taken[0]},asr,1,alice,ws-1,cad,2.1,`), 'in the order taken');
  });

  test('the export of many leases comes in chunks and holds each once', async () => {
    const first = taken.length;
    await t.install(await t.issue([{ name: 'bulk', count: 4500 }], { licenseId: 'lic_bulk' }));
    await Promise.all(
      Array.from({ length: 4500 }, (_, i) =>
        t.server.core.engine.checkout({ feature: 'bulk', client: { id: `c${i}` } }).then((r) => {
          assert.ok(r.ok);
          taken.push(r.lease.leaseId);
        }),
      ),
    );
    const res = await t.admin.inject({ method: 'GET', url: '/api/v1/seats/export?feature=bulk', headers: bearer });
    const ids = res.body
      .split('\r\n')
      .slice(1, -1)
      .map((l) => l.slice(0, l.indexOf(',')));
    assert.equal(ids.length, 4500);
    assert.equal(new Set(ids).size, 4500);
    assert.deepEqual(ids, [...ids].sort(), 'in lease id (creation) order across chunks');
    assert.equal((await list('')).total, first + 4500);
  });

  test('a View user may list but not release; Manage releases many, each audited', async () => {
    for (const [username, role] of [
      ['viewer', 'view'],
      ['manager', 'manage'],
    ] as const) {
      const add = await t.admin.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: bearer,
        payload: { username, password: `${username} first password`, role },
      });
      assert.equal(add.statusCode, 201, add.body);
    }
    const as = async (username: string) => {
      const first = `${username} first password`;
      const s = await signIn(t.admin, username, first);
      const headers = { host, cookie: s.cookie, 'x-csrf-token': s.csrf };
      await t.admin.inject({
        method: 'POST',
        url: '/api/v1/account/password',
        headers,
        payload: { currentPassword: first, newPassword: `${username} second password` },
      });
      return headers;
    };
    const viewer = await as('viewer');
    assert.equal((await t.admin.inject({ method: 'GET', url: '/api/v1/seats', headers: viewer })).statusCode, 200);
    const [a, b] = [taken[0]!, taken[1]!];
    const refused = await t.admin.inject({
      method: 'POST',
      url: '/api/v1/seats/release',
      headers: viewer,
      payload: { leaseIds: [a] },
    });
    assert.equal(refused.statusCode, 403, refused.body);
    assert.ok(t.server.core.engine.hasLease(a), 'a refused release changes nothing');

    const manager = await as('manager');
    const res = await t.admin.inject({
      method: 'POST',
      url: '/api/v1/seats/release',
      headers: manager,
      payload: { leaseIds: [a, b, a, 'lease_NOSUCH'] },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json() as SeatsReleased, { released: 2, notFound: ['lease_NOSUCH'] });
    assert.ok(!t.server.core.engine.hasLease(a) && !t.server.core.engine.hasLease(b));
    assert.deepEqual(t.server.core.engine.heartbeat(a), { ok: false, reason: 'REVOKED_BY_ADMIN' });
    const audit = t.server.core.audit.page(undefined, 50).filter((e) => e.action === 'lease.release');
    const outcome = (target: string) => audit.filter((e) => e.target === target).map((e) => [e.actor, e.outcome]);
    assert.deepEqual(outcome(a), [['user:manager', 'ok']]);
    assert.deepEqual(outcome(b), [['user:manager', 'ok']]);
    assert.deepEqual(outcome('lease_NOSUCH'), [['user:manager', 'refused:NOT_FOUND']]);
  });

  test('a release names 1 to 1,000 ids', async () => {
    for (const leaseIds of [[], Array.from({ length: 1001 }, (_, i) => `lease_${i}`), ['']]) {
      const res = await t.admin.inject({
        method: 'POST',
        url: '/api/v1/seats/release',
        headers: bearer,
        payload: { leaseIds },
      });
      assert.equal(res.statusCode, 400, res.body);
    }
  });
});
