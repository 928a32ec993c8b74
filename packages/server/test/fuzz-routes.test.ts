/**
 * Fuzzes every route of both License Server listeners from their own OpenAPI documents
 * (service-kit's route fuzzer), each on a fresh data dir: `npm test` runs a small sample per
 * listener, `npm run fuzz -- --cases N fuzz-routes` as many as asked.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type FuzzTarget,
  fuzzCases,
  fuzzRoutes,
  fuzzSeed,
  type OpenApiDocument,
  reportOf,
} from '@tessera/service-kit/test-support/route-fuzz';
import type { FastifyInstance } from 'fastify';
import { LOCAL_CLI_ACTOR } from '../src/domain/audit.js';
import { licenseFor, startTestServer, type TestServer } from '../src/test-support/fixtures.js';

const CASES = fuzzCases(300);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function sender(app: FastifyInstance): FuzzTarget['send'] {
  return async (r) => {
    const res = await app.inject({
      method: r.method as 'GET',
      url: r.url,
      headers: r.headers,
      ...(r.payload !== undefined ? { payload: r.payload } : {}),
    });
    return { statusCode: res.statusCode, headers: res.headers, body: res.body };
  };
}

async function docOf(app: FastifyInstance): Promise<OpenApiDocument> {
  return (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
}

/** A server with licenses installed and seats held, so requests reach real records. */
async function seeded(): Promise<{ t: TestServer; licenseId: string; leases: string[]; renewal: string }> {
  const t = await startTestServer();
  const { file, claims } = await licenseFor(t.core, t.vendor, {
    // asr never runs out (so checkouts are granted and leases reach the other routes); tts does.
    features: [
      { name: 'asr', count: 1_000_000 },
      { name: 'tts', count: 3 },
    ],
    maintenanceUntil: '2099-12-31',
  });
  await t.core.licenses.install(LOCAL_CLI_ACTOR, file);
  const { file: renewal } = await licenseFor(t.core, t.vendor, {
    features: [{ name: 'asr', count: 50 }],
    licenseId: claims.licenseId,
    revision: 2,
  });
  const leases: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await t.server.client.inject({
      method: 'POST',
      url: '/v1/leases',
      payload: { feature: 'asr', client: { id: `held-${i}`, host: 'h' } },
    });
    leases.push(r.json().leaseId);
  }
  return { t, licenseId: claims.licenseId, leases, renewal };
}

function run(name: string, target: () => Promise<{ target: FuzzTarget; stop: () => Promise<void> }>): void {
  test(`${name}: every documented route answers within its contract`, { timeout: 3_600_000 }, async (tc) => {
    const { target: fuzzTarget, stop } = await target();
    try {
      const seed = fuzzSeed();
      const started = performance.now();
      const summary = await fuzzRoutes(fuzzTarget, CASES, seed);
      const report = reportOf(name, summary, seed, performance.now() - started);
      tc.diagnostic(report);
      assert.ok(summary.operations >= 4, 'the document lists the routes');
      assert.equal(summary.failures.length, 0, report);
    } finally {
      await stop();
    }
  });
}

describe('License Server routes, fuzzed', () => {
  run('client listener', async () => {
    const { t, leases } = await seeded();
    return {
      target: {
        name: 'License Server client listener',
        doc: await docOf(t.server.client),
        send: sender(t.server.client),
        credentials: () => ({}),
        otherCredentials: [
          { authorization: 'Bearer not-a-token' },
          { authorization: basic('x', 'y') },
          { authorization: 'Basic !!' },
        ],
        examples: { id: [...leases, 'lease_unknown'], feature: ['asr', 'tts', 'none'], count: [1, 2, 5] },
      },
      stop: () => t.stop(),
    };
  });

  run('admin listener', async () => {
    const { t, licenseId, leases, renewal } = await seeded();
    await t.core.auth.addUser(LOCAL_CLI_ACTOR, 'viewer', 'initial password 1', 'view');
    await t.core.auth.changePassword('viewer', 'initial password 1', 'a viewer passphrase');
    const signIn = await t.server.admin.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'viewer', password: 'a viewer passphrase' },
    });
    const viewer = {
      cookie: String(signIn.headers['set-cookie']).split(';')[0]!,
      'x-csrf-token': signIn.json().csrfToken as string,
    };
    return {
      target: {
        name: 'License Server admin listener',
        doc: await docOf(t.server.admin),
        // The Dashboard's event stream never ends, so inject never returns; events.test.ts tests it.
        skip: (method: string, path: string) => method === 'GET' && path === '/api/v1/events',
        send: sender(t.server.admin),
        credentials: () => ({ authorization: `Bearer ${t.token}` }),
        otherCredentials: [
          {} as Record<string, string>,
          { authorization: 'Bearer not-a-token' },
          { authorization: basic('nobody', 'wrong password') },
          viewer,
          { ...viewer, 'x-csrf-token': 'wrong' },
        ],
        examples: {
          id: [licenseId, ...leases, 'lic_unknown', 'lease_unknown'],
          feature: ['asr', 'tts'],
          file: [renewal, await t.core.licenses.makeServerIdFile(LOCAL_CLI_ACTOR)],
          username: ['viewer', 'admin'],
          values: [{ lease_seconds: '300' }, { heartbeat_seconds: 'x' }, { sync_time: '25:00' }],
        },
      },
      stop: () => t.stop(),
    };
  });
});
