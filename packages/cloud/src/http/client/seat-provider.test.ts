import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LEASE_GONE_REASONS } from '@tessera/core';
import { basic, startTestCloud, type TestCloud } from '../../test-support/cloud.js';

// What only a Cloud node's seats do; the protocol's own cases are in client-api.test.ts.
describe('subscription seats over the client protocol', { timeout: 60_000 }, () => {
  let t: TestCloud;
  let acme: { id: string };
  let entitlementId: string;
  let asAcme: Record<string, string>;
  let asGlobex: Record<string, string>;

  const account = async (customerId: string) => {
    const a = (await t.call('POST', '/api/v1/accounts', { customerId })).json();
    return { authorization: basic(a.username, a.password) };
  };
  const checkout = async (auth: Record<string, string>, id: string) => {
    const r = await t.call('POST', '/v1/leases', { feature: 'asr', client: { id } }, auth);
    assert.equal(r.status, 201, r.body);
    return r.json().leaseId as string;
  };

  before(async () => {
    t = await startTestCloud();
    assert.equal((await t.call('POST', '/api/v1/features', { name: 'asr' })).status, 201);
    acme = (await t.call('POST', '/api/v1/customers', { name: 'Acme' })).json();
    const globex = (await t.call('POST', '/api/v1/customers', { name: 'Globex' })).json();
    for (const c of [acme, globex]) {
      const r = await t.call('POST', '/api/v1/entitlements', {
        customerId: c.id,
        type: 'subscription',
        feature: 'asr',
        count: 3,
      });
      assert.equal(r.status, 201);
      if (c === acme) entitlementId = r.json().id;
    }
    asAcme = await account(acme.id);
    asGlobex = await account(globex.id);
  });
  after(() => t?.stop());

  test('every client call needs a subscription account (HTTP Basic); the OpenAPI document does not', async () => {
    const calls: ['GET' | 'POST' | 'DELETE', string, unknown][] = [
      ['POST', '/v1/leases', { feature: 'asr', client: { id: 'x' } }],
      ['POST', '/v1/leases/lease_x/heartbeat', undefined],
      ['DELETE', '/v1/leases/lease_x', undefined],
      ['GET', '/v1/features', undefined],
    ];
    for (const [method, url, body] of calls) {
      for (const authorization of ['', basic('acct_nobody', 'wrong'), `Bearer ${t.token}`]) {
        const r = await t.call(method, url, body, { authorization });
        assert.equal(r.status, 401, `${method} ${url} with '${authorization.slice(0, 6)}': ${r.body}`);
        assert.equal(r.json().error.code, 'UNAUTHORIZED');
        assert.match(String(r.headers['www-authenticate']), /^Basic realm="Tessera licensing"/);
      }
    }
    const doc = await t.call('GET', '/openapi.json', undefined, { authorization: '' });
    assert.equal(doc.status, 200);
    const checkoutDoc = doc.json().paths['/v1/leases'].post;
    assert.deepEqual(checkoutDoc.security, [{ basic: [] }]);
    assert.ok(checkoutDoc.responses['401']);
    assert.equal(checkoutDoc.responses['429'], undefined, 'a Cloud node has no write backpressure to answer');
  });

  test("one customer's account neither sees, keeps alive nor releases another customer's lease", async () => {
    const lease = await checkout(asAcme, 'acme-1');
    const hb = await t.call('POST', `/v1/leases/${lease}/heartbeat`, undefined, asGlobex);
    assert.equal(hb.status, 410);
    assert.equal(hb.json().error.reason, 'UNKNOWN_LEASE');
    assert.equal(hb.json().error.message, LEASE_GONE_REASONS.UNKNOWN_LEASE);
    assert.equal((await t.call('DELETE', `/v1/leases/${lease}`, undefined, asGlobex)).status, 204);
    assert.equal((await t.call('POST', `/v1/leases/${lease}/heartbeat`, undefined, asAcme)).status, 200);
    const globexView = (await t.call('GET', '/v1/features', undefined, asGlobex)).json();
    assert.equal(globexView.features[0].inUse, 0);
    assert.equal((await t.call('DELETE', `/v1/leases/${lease}`, undefined, asAcme)).status, 204);
  });

  test('a subscription cut below the seats in use tells the newest holder SEATS_REDUCED', async () => {
    const older = await checkout(asAcme, 'acme-old');
    const newer = await checkout(asAcme, 'acme-new');
    assert.equal((await t.call('PATCH', `/api/v1/entitlements/${entitlementId}`, { count: 1 })).status, 200);
    const gone = await t.call('POST', `/v1/leases/${newer}/heartbeat`, undefined, asAcme);
    assert.equal(gone.status, 410);
    assert.equal(gone.json().error.code, 'LEASE_GONE');
    assert.equal(gone.json().error.reason, 'SEATS_REDUCED');
    assert.equal(gone.json().error.message, LEASE_GONE_REASONS.SEATS_REDUCED);
    assert.equal((await t.call('POST', `/v1/leases/${older}/heartbeat`, undefined, asAcme)).status, 200);
    assert.equal((await t.call('DELETE', `/v1/leases/${older}`, undefined, asAcme)).status, 204);
    assert.equal((await t.call('PATCH', `/api/v1/entitlements/${entitlementId}`, { count: 3 })).status, 200);
  });
});
