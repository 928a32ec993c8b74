/**
 * Fuzzes every route of a Cloud node from its own OpenAPI document (service-kit's route
 * fuzzer), on each database dialect, each on a fresh data dir and database (a PostgreSQL
 * schema of its own): `npm test` runs a small sample per dialect, `npm run fuzz -- --cases N
 * fuzz-routes` as many as asked.
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
import { basic, startTestCloud, type TestCloud } from '../src/test-support/cloud.js';
import { createTestDatabase, DIALECTS } from '../src/test-support/db.js';
import { newLicenseServer } from '../src/test-support/fixtures.js';

const CASES = fuzzCases(300);
const PASSWORD = 'a long enough password';

/** A Cloud with customers, entitlements, a registered server, a deployment and accounts. */
async function seed(t: TestCloud) {
  const ok = async (method: 'POST' | 'PATCH', url: string, body: unknown, headers = {}) => {
    const r = await t.call(method, url, body, headers);
    assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${r.body}`);
    return r.json();
  };
  for (const name of ['asr', 'tts']) await ok('POST', '/api/v1/features', { name });
  const acme = await ok('POST', '/api/v1/customers', { name: 'Acme' });
  const globex = await ok('POST', '/api/v1/customers', { name: 'Globex' });
  const entitlements: string[] = [];
  for (const c of [acme, globex]) {
    for (const type of ['perpetual', 'subscription', 'flexible']) {
      entitlements.push(
        (await ok('POST', '/api/v1/entitlements', { customerId: c.id, type, feature: 'asr', count: 30 })).id,
      );
    }
  }
  await ok('POST', '/api/v1/users', {
    username: 'acme-admin',
    role: 'customer',
    customerId: acme.id,
    password: PASSWORD,
  });
  await t.call(
    'POST',
    '/api/v1/me/password',
    { current: PASSWORD, next: `${PASSWORD}!` },
    { authorization: basic('acme-admin', PASSWORD) },
  );
  const signIn = await t.call(
    'POST',
    '/api/v1/session',
    { username: 'acme-admin', password: `${PASSWORD}!` },
    { authorization: '' },
  );
  const session = {
    authorization: '',
    cookie: String(signIn.headers['set-cookie']).split(';')[0]!,
    'x-csrf-token': signIn.json().csrfToken,
  };
  const server = await newLicenseServer('lic.acme.example');
  await ok('POST', '/api/v1/servers', { customerId: acme.id, file: server.serverIdFile });
  const deployment = await ok('POST', '/api/v1/deployments', {
    serverId: server.serverId,
    features: [{ name: 'asr', count: 2 }],
  });
  const client = await ok('POST', '/api/v1/accounts', { customerId: acme.id, label: 'the fuzzer' });
  const victim = await ok('POST', '/api/v1/accounts', {
    customerId: globex.id,
    label: 'disabled by the fuzzer, perhaps',
  });
  const asClient = { authorization: basic(client.username, client.password) };
  const leases: string[] = [];
  for (let i = 0; i < 3; i++)
    leases.push((await ok('POST', '/v1/leases', { feature: 'asr', client: { id: `held-${i}` } }, asClient)).leaseId);
  return {
    asClient,
    session,
    examples: {
      id: [acme.id, globex.id, ...entitlements, server.serverId, deployment.id, victim.id, ...leases, 'x_unknown'],
      customerId: [acme.id, globex.id],
      serverId: [server.serverId],
      feature: ['asr', 'tts'],
      count: [1, 2, 5],
      file: [server.serverIdFile, (await newLicenseServer('lic2.acme.example')).serverIdFile],
      certificate: [await server.uninstall(deployment.id, 1)],
      username: ['acme-admin', 'admin'],
      name: ['asr', 'Initech'],
    },
  };
}

describe('Cloud routes, fuzzed', () => {
  for (const dialect of DIALECTS) {
    test(`a Cloud node on ${dialect}: every documented route answers within its contract`, {
      timeout: 3_600_000,
    }, async (tc) => {
      const db = await createTestDatabase(dialect);
      const t = await startTestCloud({ db: db.url });
      try {
        const s = await seed(t);
        const doc: OpenApiDocument = (await t.cloud.app.inject({ method: 'GET', url: '/openapi.json' })).json();
        const target: FuzzTarget = {
          name: `Cloud node (${dialect})`,
          doc,
          send: async (r) => {
            const res = await t.cloud.app.inject({
              method: r.method as 'GET',
              url: r.url,
              headers: r.headers,
              ...(r.payload !== undefined ? { payload: r.payload } : {}),
            });
            return { statusCode: res.statusCode, headers: res.headers, body: res.body };
          },
          credentials: (_method, path) =>
            path.startsWith('/v1/') && path !== '/v1/sync' ? { ...s.asClient } : { authorization: `Bearer ${t.token}` },
          otherCredentials: [
            {} as Record<string, string>,
            { authorization: 'Bearer tca_not-a-token' },
            { authorization: basic('nobody', 'wrong password') },
            { authorization: basic('acct_nobody', 'wrong secret') },
            s.session,
            { ...s.session, 'x-csrf-token': 'wrong' },
          ],
          examples: s.examples,
        };
        const seed_ = fuzzSeed();
        const started = performance.now();
        const summary = await fuzzRoutes(target, CASES, seed_);
        const report = reportOf(target.name, summary, seed_, performance.now() - started);
        tc.diagnostic(report);
        assert.ok(summary.operations >= 30, 'the document lists the routes');
        assert.equal(summary.failures.length, 0, report);
      } finally {
        await t.stop();
        await db.drop();
      }
    });
  }
});
