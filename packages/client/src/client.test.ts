import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { CheckoutRequest } from '@tessera/core';
import { LicenseClient } from './client.js';
import { LicenseClientError } from './errors.js';
import { FakeFleet } from './test-support/fake-server.js';
import { Clients } from './test-support/helpers.js';

const fleet = new FakeFleet();
const clients = new Clients();
afterEach(async () => {
  await clients.closeAll();
  await fleet.stopAll();
});

describe('checkout', () => {
  test('a grant returns a lease carrying the server ids, and the request carries the client info', async () => {
    const a = await fleet.start({ poolId: 'pool_a' });
    const client = clients.make(
      [a],
      {},
      {
        app: 'dictate',
        version: '4.2.0',
        releaseDate: '2026-03-01',
        clientId: 'cli_1',
        host: 'ws-17',
      },
    );
    const r = await client.checkout('asr.engine', { count: 2 });
    assert.ok(r.ok);
    assert.equal(r.lease.feature, 'asr.engine');
    assert.equal(r.lease.count, 2);
    assert.equal(r.lease.poolId, 'pool_a');
    assert.equal(r.lease.server, a.url);
    assert.equal(r.lease.licenseId, `lic_${a.port}`);
    assert.ok(a.leases.has(r.lease.leaseId));
    assert.ok(r.lease.held);
    assert.deepEqual(a.recorded('checkout')[0]?.body, {
      feature: 'asr.engine',
      count: 2,
      client: { id: 'cli_1', host: 'ws-17', app: 'dictate', version: '4.2.0', releaseDate: '2026-03-01' },
    } satisfies CheckoutRequest);
  });

  test('count defaults to 1, and a per-checkout release date overrides the client one', async () => {
    const a = await fleet.start();
    const client = clients.make([a], {}, { releaseDate: '2026-03-01' });
    const r = await client.checkout('asr.engine', { releaseDate: '2025-12-31' });
    assert.ok(r.ok);
    const body = a.recorded('checkout')[0]?.body as CheckoutRequest;
    assert.equal(body.count, 1);
    assert.equal(body.client.releaseDate, '2025-12-31');
    assert.equal(typeof body.client.id, 'string');
  });

  test('invalid arguments throw instead of asking a server', async () => {
    const a = await fleet.start();
    const client = clients.make([a]);
    await assert.rejects(client.checkout('asr.engine', { count: 0 }), RangeError);
    await assert.rejects(client.checkout('asr.engine', { releaseDate: '2026-02-30' }), RangeError);
    await assert.rejects(client.checkout(''), TypeError);
    assert.throws(() => new LicenseClient({ servers: [a.address], cacheSeconds: 0 }, { releaseDate: '3/1/2026' }));
    assert.throws(() => new LicenseClient({ servers: [], cacheSeconds: 0 }), RangeError);
    assert.equal(a.requests.length, 0);
  });

  describe('a denial is a result, not an exception, and is final', () => {
    const cases = [
      { status: 409, code: 'NO_SEATS' },
      { status: 404, code: 'UNKNOWN_FEATURE' },
      { status: 403, code: 'LICENSE_EXPIRED' },
      { status: 403, code: 'MAINTENANCE_EXPIRED' },
      { status: 401, code: 'UNAUTHORIZED' },
      { status: 400, code: 'BAD_REQUEST' },
      { status: 429, code: 'RATE_LIMITED' },
      { status: 503, code: 'CLOCK_TAMPERED' },
    ] as const;
    for (const { status, code } of cases) {
      test(`${status} ${code} from the first server is returned as ${code}${code === 'NO_SEATS' ? ' (same pool next)' : ''}`, async () => {
        const a = await fleet.start({ poolId: 'shared' });
        const b = await fleet.start({ poolId: 'shared' });
        a.script('checkout', { status, code, message: `said ${code}` });
        const r = await clients.make([a, b]).checkout('asr.engine');
        assert.ok(!r.ok);
        assert.equal(r.code, code);
        assert.equal(r.server, a.url);
        assert.ok(r.message.startsWith(`${a.url}: said ${code}`), r.message);
        assert.equal(b.recorded('checkout').length, 0, 'no failover after a final answer');
      });
    }

    test('a 4xx without a Tessera envelope maps by status', async () => {
      const a = await fleet.start();
      a.script('checkout', { status: 401, body: 'nope' });
      const r = await clients.make([a]).checkout('asr.engine');
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.code, 'UNAUTHORIZED');
      a.script('checkout', { status: 418, body: { teapot: true } });
      const r2 = await clients.make([a]).checkout('asr.engine');
      assert.equal(!r2.ok && r2.code, 'BAD_REQUEST');
      assert.match(!r2.ok ? r2.message : '', /HTTP 418/);
    });
  });

  test('UNAVAILABLE when no server can be reached, naming each server and why', async () => {
    const dead1 = await fleet.deadAddress();
    const dead2 = await fleet.deadAddress();
    const r = await clients.make([dead1, dead2]).checkout('asr.engine');
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.equal(r.code, 'UNAVAILABLE');
    assert.equal(r.server, undefined);
    assert.match(
      r.message,
      new RegExp(`${dead1.url}: connection refused \\(ECONNREFUSED\\); ${dead2.url}: connection refused`),
    );
  });
});

describe('failover', () => {
  test('connection refused goes on to the next server', async () => {
    const dead = await fleet.deadAddress();
    const b = await fleet.start();
    const r = await clients.make([dead, b]).checkout('asr.engine');
    assert.ok(r.ok);
    assert.equal(r.lease.server, b.url);
  });

  test('5xx goes on to the next server', async () => {
    const a = await fleet.start({ poolId: 'shared' });
    const b = await fleet.start({ poolId: 'shared' });
    const c = await fleet.start({ poolId: 'shared' });
    a.script('checkout', { status: 500, code: 'INTERNAL' });
    b.script('checkout', { status: 503, code: 'UNAVAILABLE', message: 'commit failed' });
    const r = await clients.make([a, b, c]).checkout('asr.engine');
    assert.ok(r.ok);
    assert.equal(r.lease.server, c.url);
  });

  test('5xx on every server is UNAVAILABLE with each status in the message', async () => {
    const a = await fleet.start();
    a.script('checkout', { status: 500, code: 'INTERNAL', message: 'boom' });
    const r = await clients.make([a]).checkout('asr.engine');
    assert.deepEqual(r, {
      ok: false,
      code: 'UNAVAILABLE',
      message: `no license server could be reached: ${a.url}: HTTP 500 INTERNAL: boom`,
    });
  });

  test('a request timeout goes on to the next server', async () => {
    const a = await fleet.start();
    const b = await fleet.start();
    a.script('checkout', { status: 0, hang: true });
    const r = await clients.make([a, b], {}, { requestTimeoutMs: 150 }).checkout('asr.engine');
    assert.ok(r.ok);
    assert.equal(r.lease.server, b.url);
  });

  test('a 201 with a malformed body goes on to the next server', async () => {
    const a = await fleet.start();
    const b = await fleet.start();
    a.script('checkout', { status: 201, body: { leaseId: 'x' } });
    const r = await clients.make([a, b]).checkout('asr.engine');
    assert.ok(r.ok);
    assert.equal(r.lease.server, b.url);
  });

  test('the server that last worked is asked first; the others keep configured order', async () => {
    const a = await fleet.start({ poolId: 'shared' });
    const b = await fleet.start({ poolId: 'shared' });
    const c = await fleet.start({ poolId: 'shared' });
    const client = clients.make([a, b, c]);
    a.always('checkout', { status: 500, code: 'INTERNAL' });
    const first = await client.checkout('asr.engine');
    assert.ok(first.ok);
    assert.equal(first.lease.server, b.url);
    assert.equal(client.currentServer, b.url);

    a.clearScripts();
    const second = await client.checkout('asr.engine');
    assert.ok(second.ok);
    assert.equal(second.lease.server, b.url, 'sticky: b first although a is back');
    assert.equal(a.recorded('checkout').length, 1);

    b.always('checkout', { status: 500, code: 'INTERNAL' });
    const third = await client.checkout('asr.engine');
    assert.ok(third.ok);
    assert.equal(third.lease.server, a.url, 'after b: a before c, as configured');
    assert.equal(c.recorded('checkout').length, 0);
  });

  describe('NO_SEATS and pools', () => {
    test('NO_SEATS goes on to a server of a different pool', async () => {
      const a = await fleet.start({ poolId: 'pool_a', seats: { 'asr.engine': 0 } });
      const b = await fleet.start({ poolId: 'pool_b' });
      const r = await clients.make([a, b]).checkout('asr.engine');
      assert.ok(r.ok);
      assert.equal(r.lease.server, b.url);
      assert.equal(r.lease.poolId, 'pool_b');
      // Pools were learned lazily through GET /v1/features.
      assert.equal(a.recorded('features').length, 1);
      assert.equal(b.recorded('features').length, 1);
    });

    test('NO_SEATS does not go on to a server of the same pool', async () => {
      const a = await fleet.start({ poolId: 'shared', seats: { 'asr.engine': 0 } });
      const b = await fleet.start({ poolId: 'shared' });
      const r = await clients.make([a, b]).checkout('asr.engine');
      assert.ok(!r.ok);
      assert.equal(r.code, 'NO_SEATS');
      assert.equal(r.server, a.url);
      assert.match(r.message, /skipped, same pool shared as a server with no seats/);
      assert.equal(b.recorded('checkout').length, 0);
    });

    test('NO_SEATS skips servers of the full pool but reaches another pool after them', async () => {
      const a = await fleet.start({ poolId: 'p1', seats: { 'asr.engine': 0 } });
      const b = await fleet.start({ poolId: 'p1' });
      const c = await fleet.start({ poolId: 'p2' });
      const r = await clients.make([a, b, c]).checkout('asr.engine');
      assert.ok(r.ok);
      assert.equal(r.lease.server, c.url);
      assert.equal(b.recorded('checkout').length, 0);
    });

    test('a server whose pool cannot be learned is passed over like an unreachable one', async () => {
      const a = await fleet.start({ poolId: 'p1', seats: { 'asr.engine': 0 } });
      const b = await fleet.start({ poolId: 'p2' });
      const c = await fleet.start({ poolId: 'p3' });
      b.script('features', { status: 500, code: 'INTERNAL' });
      const r = await clients.make([a, b, c]).checkout('asr.engine');
      assert.ok(r.ok);
      assert.equal(r.lease.server, c.url);
      assert.equal(b.recorded('checkout').length, 0);
    });

    test('a pool learned from an earlier checkout needs no features request', async () => {
      const a = await fleet.start({ poolId: 'p1', seats: { 'asr.engine': 1 } });
      const b = await fleet.start({ poolId: 'p1' });
      const client = clients.make([a, b]);
      assert.ok((await client.checkout('asr.engine')).ok);
      const r = await client.checkout('asr.engine');
      assert.equal(!r.ok && r.code, 'NO_SEATS');
      assert.equal(a.recorded('features').length, 0);
      assert.equal(b.recorded('features').length, 1);
    });

    test('NO_SEATS stays the answer when other pools cannot help, and says what they said', async () => {
      const a = await fleet.start({ poolId: 'p1', seats: { 'asr.engine': 0 } });
      const b = await fleet.start({ poolId: 'p2', seats: {} });
      const dead = await fleet.deadAddress();
      const r = await clients.make([a, b, dead]).checkout('asr.engine');
      assert.ok(!r.ok);
      assert.equal(r.code, 'NO_SEATS');
      assert.equal(r.server, a.url);
      assert.match(
        r.message,
        new RegExp(
          `also tried: ${b.url}: UNKNOWN_FEATURE: .*; ${dead.url}: could not learn its pool: connection refused`,
        ),
      );
    });
  });
});

describe('authentication', () => {
  test('HTTP Basic auth is sent on every request when configured', async () => {
    const auth = { username: 'acct_42', password: 'pä:ss' };
    const a = await fleet.start({ auth, heartbeatSeconds: 0.05 });
    const client = clients.make([a], { auth });
    const r = await client.checkout('asr.engine');
    assert.ok(r.ok);
    await a.waitFor((q) => q.route === 'heartbeat');
    await r.lease.release();
    await client.features();
    const want = `Basic ${Buffer.from('acct_42:pä:ss', 'utf8').toString('base64')}`;
    const routes = new Set(a.requests.map((q) => q.route));
    assert.deepEqual([...routes].sort(), ['checkout', 'features', 'heartbeat', 'release']);
    for (const q of a.requests) assert.equal(q.headers.authorization, want, `${q.method} ${q.path}`);
  });

  test('no Authorization header without credentials', async () => {
    const a = await fleet.start();
    assert.ok((await clients.make([a]).checkout('asr.engine')).ok);
    assert.equal(a.requests[0]?.headers.authorization, undefined);
  });

  test('wrong credentials are an UNAUTHORIZED result', async () => {
    const a = await fleet.start({ auth: { username: 'u', password: 'right' } });
    const r = await clients.make([a], { auth: { username: 'u', password: 'wrong' } }).checkout('asr.engine');
    assert.ok(!r.ok);
    assert.equal(r.code, 'UNAUTHORIZED');
  });
});

describe('features()', () => {
  test('returns the current server features and pool, failing over past a dead server', async () => {
    const dead = await fleet.deadAddress();
    const a = await fleet.start({ poolId: 'p1', seats: { 'asr.engine': 3, 'tts.voice': 1 } });
    const client = clients.make([dead, a]);
    const f = await client.features();
    assert.equal(f.server, a.url);
    assert.equal(f.poolId, 'p1');
    assert.deepEqual(
      f.features.map((x) => [x.feature, x.total, x.available]),
      [
        ['asr.engine', 3, 3],
        ['tts.voice', 1, 1],
      ],
    );
    assert.equal(client.currentServer, a.url);
  });

  test('throws LicenseClientError with the server code for a 4xx, or UNAVAILABLE', async () => {
    const a = await fleet.start({ auth: { username: 'u', password: 'p' } });
    await assert.rejects(clients.make([a]).features(), (err: unknown) => {
      assert.ok(err instanceof LicenseClientError);
      assert.equal(err.code, 'UNAUTHORIZED');
      assert.equal(err.status, 401);
      return true;
    });
    const dead = await fleet.deadAddress();
    await assert.rejects(clients.make([dead]).features(), { name: 'LicenseClientError', code: 'UNAVAILABLE' });
  });
});
