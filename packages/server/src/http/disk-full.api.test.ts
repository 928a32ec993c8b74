/**
 * A full disk as the two APIs tell it: the admin API answers 507 STORAGE_FULL; the client
 * protocol keeps 503 UNAVAILABLE (what every SDK fails over on) with `reason: STORAGE_FULL`;
 * and both serve again once space returns, with no restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fillDisk } from '../test-support/disk-full.js';
import { licenseFor, startTestServer, type TestServer } from '../test-support/fixtures.js';

interface Envelope {
  error?: { code: string; message: string; reason?: string };
}

describe('a full disk on the APIs', () => {
  let t: TestServer;
  let licenseId: string;
  before(async () => {
    t = await startTestServer();
    const { file, claims } = await licenseFor(t.core, t.vendor, { features: [{ name: 'asr', count: 3 }] });
    licenseId = claims.licenseId;
    const r = await admin('POST', '/api/v1/licenses', { file });
    assert.equal(r.status, 201);
  });
  after(() => t.stop());

  async function admin(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
    const r = await t.server.admin.inject({
      method,
      url,
      headers: { authorization: `Bearer ${t.token}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: r.statusCode, body: (r.body ? r.json() : {}) as Envelope & Record<string, unknown> };
  }
  async function client(method: 'POST' | 'DELETE', url: string, payload?: unknown) {
    const r = await t.server.client.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: r.statusCode, body: (r.body ? r.json() : {}) as Envelope & Record<string, unknown> };
  }
  const checkout = (id: string) => client('POST', '/v1/leases', { feature: 'asr', client: { id } });

  test('admin actions answer 507 STORAGE_FULL, checkouts and releases 503 UNAVAILABLE with reason STORAGE_FULL', async () => {
    const held = await checkout('a');
    assert.equal(held.status, 201);
    const leaseId = held.body.leaseId as string;
    const full = fillDisk(t.core.store.db);
    try {
      const uninstall = await admin('POST', `/api/v1/licenses/${licenseId}/uninstall`);
      assert.equal(uninstall.status, 507);
      assert.equal(uninstall.body.error?.code, 'STORAGE_FULL');
      assert.match(uninstall.body.error?.message ?? '', /disk .* is full .*nothing was changed/);
      const release = await admin('DELETE', `/api/v1/leases/${leaseId}`);
      assert.deepEqual([release.status, release.body.error?.code], [507, 'STORAGE_FULL']);
      const user = await admin('POST', '/api/v1/users', {
        username: 'ops',
        password: 'a long enough pass 1',
        role: 'view',
      });
      assert.deepEqual([user.status, user.body.error?.code], [507, 'STORAGE_FULL']);

      const denied = await checkout('b');
      assert.equal(denied.status, 503);
      assert.deepEqual([denied.body.error?.code, denied.body.error?.reason], ['UNAVAILABLE', 'STORAGE_FULL']);
      const notReleased = await client('DELETE', `/v1/leases/${leaseId}`);
      assert.equal(notReleased.status, 503);
      assert.deepEqual([notReleased.body.error?.code, notReleased.body.error?.reason], ['UNAVAILABLE', 'STORAGE_FULL']);
      const beat = await client('POST', `/v1/leases/${leaseId}/heartbeat`);
      assert.equal(beat.status, 200, 'the lease is still held');
    } finally {
      full.release();
    }
    assert.equal((await checkout('b')).status, 201, 'checkouts are granted again at once');
    assert.equal((await client('DELETE', `/v1/leases/${leaseId}`)).status, 204);
    const uninstall = await admin('POST', `/api/v1/licenses/${licenseId}/uninstall`);
    assert.equal(uninstall.status, 200);
  });
});
