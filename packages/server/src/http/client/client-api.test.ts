import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LOCAL_CLI_ACTOR } from '../../domain/audit.js';
import { licenseFor, startTestServer, type TestServer } from '../../test-support/fixtures.js';

describe('client protocol v1', () => {
  let t: TestServer;
  let licenseId: string;
  before(async () => {
    t = await startTestServer();
    const { file, claims } = await licenseFor(t.core, t.vendor, { features: [{ name: 'asr', count: 2 }] });
    await t.core.licenses.install(LOCAL_CLI_ACTOR, file);
    licenseId = claims.licenseId;
  });
  after(() => t.stop());

  const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    t.server.client.inject({
      method: 'POST',
      url: '/v1/leases',
      headers,
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  test('checkout, features, heartbeat and release follow the protocol', async () => {
    const r = await post({ feature: 'asr', client: { id: 'app-1', host: 'h', app: 'a', version: '1.0' } });
    assert.equal(r.statusCode, 201);
    const lease = r.json();
    assert.match(lease.leaseId, /^lease_[0-9a-z]{35,}$/);
    assert.equal(lease.licenseId, licenseId);
    assert.equal(lease.poolId, t.core.identity.serverId);
    assert.equal(lease.heartbeatSeconds, 30);
    assert.equal(lease.leaseSeconds, 120);
    assert.ok(Date.parse(lease.expiresAt) > Date.now());
    const f = (await t.server.client.inject({ method: 'GET', url: '/v1/features' })).json();
    assert.deepEqual(
      { total: f.features[0].total, inUse: f.features[0].inUse, available: f.features[0].available },
      { total: 2, inUse: 1, available: 1 },
    );
    const hb = await t.server.client.inject({ method: 'POST', url: `/v1/leases/${lease.leaseId}/heartbeat` });
    assert.equal(hb.statusCode, 200);
    assert.ok(hb.json().expiresAt);
    const del = await t.server.client.inject({ method: 'DELETE', url: `/v1/leases/${lease.leaseId}` });
    assert.equal(del.statusCode, 204);
    const hb2 = await t.server.client.inject({ method: 'POST', url: `/v1/leases/${lease.leaseId}/heartbeat` });
    assert.equal(hb2.statusCode, 410);
    assert.equal(hb2.json().error.code, 'LEASE_GONE');
    assert.equal(hb2.json().error.reason, 'RELEASED');
  });

  test('denials carry their code and status', async () => {
    const unknown = await post({ feature: 'nope', client: { id: 'x' } });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'UNKNOWN_FEATURE');
    const a = await post({ feature: 'asr', count: 2, client: { id: 'x' } });
    assert.equal(a.statusCode, 201);
    const full = await post({ feature: 'asr', client: { id: 'y' } });
    assert.equal(full.statusCode, 409);
    assert.equal(full.json().error.code, 'NO_SEATS');
    await t.server.client.inject({ method: 'DELETE', url: `/v1/leases/${a.json().leaseId}` });
  });

  test('malformed requests get 400 with a reason, and the server keeps serving', async () => {
    const cases: [unknown, RegExp][] = [
      [{ client: { id: 'x' } }, /feature/],
      [{ feature: 'asr' }, /client/],
      [{ feature: 'asr', count: 0, client: { id: 'x' } }, /count/],
      [{ feature: 'asr', count: 1.5, client: { id: 'x' } }, /count/],
      [{ feature: 'asr', count: 'two', client: { id: 'x' } }, /count/],
      [{ feature: 'asr', client: { id: '' } }, /id/],
      [{ feature: 'asr', client: { id: 'x', releaseDate: '2026-02-30' } }, /releaseDate/],
      [{ feature: 'a b', client: { id: 'x' } }, /feature/],
      ['{"feature": "asr", ', /JSON|body/i],
    ];
    for (const [body, reason] of cases) {
      const r = await post(body);
      assert.equal(r.statusCode, 400, `400 for ${JSON.stringify(body)}`);
      assert.equal(r.json().error.code, 'BAD_REQUEST');
      assert.match(r.json().error.message, reason);
    }
    const wrongType = await post('feature=asr', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(wrongType.statusCode, 415);
    assert.equal(wrongType.json().error.code, 'UNSUPPORTED_MEDIA_TYPE');
    const ok = await post({ feature: 'asr', client: { id: 'still-serving' } });
    assert.equal(ok.statusCode, 201);
    await t.server.client.inject({ method: 'DELETE', url: `/v1/leases/${ok.json().leaseId}` });
  });

  test('an oversized body is refused with 413 and changes nothing', async () => {
    const big = { feature: 'asr', client: { id: 'x', host: 'h'.repeat(20_000) } };
    const r = await post(big);
    assert.equal(r.statusCode, 413);
    assert.equal(r.json().error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(t.core.engine.leaseCount, 0);
  });

  test('heartbeat of an unknown lease is 410 and release of one is 204', async () => {
    const hb = await t.server.client.inject({ method: 'POST', url: '/v1/leases/lease_unknown/heartbeat' });
    assert.equal(hb.statusCode, 410);
    assert.equal(hb.json().error.reason, 'UNKNOWN_LEASE');
    const del = await t.server.client.inject({ method: 'DELETE', url: '/v1/leases/lease_unknown' });
    assert.equal(del.statusCode, 204);
  });

  test('an unknown route gets a 404 in the error envelope', async () => {
    const r = await t.server.client.inject({ method: 'GET', url: '/v2/whatever' });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().error.code, 'NOT_FOUND');
  });

  test('uninstalling a license tells its holders LEASE_GONE with the reason at their next heartbeat', async () => {
    const r = await post({ feature: 'asr', client: { id: 'holder' } });
    assert.equal(r.statusCode, 201);
    await t.core.licenses.uninstall(LOCAL_CLI_ACTOR, licenseId);
    const hb = await t.server.client.inject({ method: 'POST', url: `/v1/leases/${r.json().leaseId}/heartbeat` });
    assert.equal(hb.statusCode, 410);
    assert.equal(hb.json().error.code, 'LEASE_GONE');
    assert.equal(hb.json().error.reason, 'LICENSE_UNINSTALLED');
  });

  test('the client API publishes its OpenAPI document', async () => {
    const doc = (await t.server.client.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.ok(doc.paths['/v1/leases'].post);
    assert.ok(doc.paths['/v1/leases/{id}/heartbeat'].post);
    assert.ok(doc.paths['/v1/leases/{id}'].delete);
    assert.ok(doc.paths['/v1/features'].get);
  });
});

describe('backpressure', () => {
  test('a flood beyond the pending-write cap gets 429 RATE_LIMITED and grants nothing', async () => {
    const t = await startTestServer({ maxPendingWrites: 4 });
    try {
      const { file } = await licenseFor(t.core, t.vendor, { features: [{ name: 'asr', count: 1000 }] });
      await t.core.licenses.install(LOCAL_CLI_ACTOR, file);
      const res = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          t.server.client.inject({
            method: 'POST',
            url: '/v1/leases',
            payload: { feature: 'asr', client: { id: `c${i}` } },
          }),
        ),
      );
      const codes = res.map((r) => r.statusCode);
      assert.ok(codes.includes(429), `some requests are refused: ${codes.join(',')}`);
      assert.ok(codes.includes(201));
      assert.equal(t.core.store.leases.count(), codes.filter((c) => c === 201).length);
    } finally {
      await t.stop();
    }
  });
});
