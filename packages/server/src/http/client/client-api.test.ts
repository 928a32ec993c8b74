import { clientProtocolSuite } from '@tessera/service-kit/test-support/client-protocol-suite';
import { LOCAL_CLI_ACTOR } from '../../domain/audit.js';
import { licenseFor, startTestServer } from '../../test-support/fixtures.js';

// The protocol's cases, shared with the Cloud; what only a License Server does is in seat-provider.test.ts.
clientProtocolSuite({
  product: 'a License Server',
  feature: 'asr',
  async start(seats) {
    const t = await startTestServer();
    try {
      const { file, claims } = await licenseFor(t.core, t.vendor, { features: [{ name: 'asr', count: seats }] });
      await t.core.licenses.install(LOCAL_CLI_ACTOR, file);
      return {
        inject: (request) => t.server.client.inject(request),
        poolId: t.core.identity.serverId,
        licenseId: claims.licenseId,
        heartbeatSeconds: 30,
        leaseSeconds: 120,
        bodyLimit: 16 * 1024,
        leasesHeld: async () => t.core.engine.leaseCount,
        stop: () => t.stop(),
      };
    } catch (err) {
      await t.stop();
      throw err;
    }
  },
});
