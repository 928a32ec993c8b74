import assert from 'node:assert/strict';
import { MAX_DOCUMENT_REQUEST_BYTES } from '@tessera/core';
import { clientProtocolSuite } from '@tessera/service-kit/test-support/client-protocol-suite';
import { basic, startTestCloud } from '../../test-support/cloud.js';
import { createTestDatabase, DIALECTS } from '../../test-support/db.js';

// The protocol's cases, shared with the License Server; what only a Cloud node does
// (subscription accounts, customers apart) is in seat-provider.test.ts.
for (const dialect of DIALECTS) {
  clientProtocolSuite({
    product: `a Cloud node on ${dialect}`,
    feature: 'asr',
    async start(seats) {
      const db = await createTestDatabase(dialect);
      const t = await startTestCloud({ db: db.url });
      const stop = async () => {
        await t.stop();
        await db.drop();
      };
      try {
        assert.equal((await t.call('POST', '/api/v1/features', { name: 'asr' })).status, 201);
        const customer = (await t.call('POST', '/api/v1/customers', { name: 'Acme' })).json();
        const entitlement = await t.call('POST', '/api/v1/entitlements', {
          customerId: customer.id,
          type: 'subscription',
          feature: 'asr',
          count: seats,
        });
        assert.equal(entitlement.status, 201);
        const account = (await t.call('POST', '/api/v1/accounts', { customerId: customer.id })).json();
        const authorization = basic(account.username, account.password);
        return {
          inject: ({ headers, ...request }) =>
            t.cloud.app.inject({ ...request, headers: { authorization, ...headers } }),
          poolId: customer.poolId,
          licenseId: entitlement.json().id,
          heartbeatSeconds: 30,
          leaseSeconds: 120,
          bodyLimit: MAX_DOCUMENT_REQUEST_BYTES,
          leasesHeld: async () => {
            const usage = (await t.call('GET', `/api/v1/customers/${customer.id}/subscription`)).json();
            return usage.features.reduce((n: number, f: { inUse: number }) => n + f.inUse, 0);
          },
          stop,
        };
      } catch (err) {
        await stop();
        throw err;
      }
    },
  });
}
