import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateSigningKey, MAX_DOCUMENT_REQUEST_BYTES, privateKeyToPem } from '@tessera/core';
import { basic, startTestCloud, type TestCloud } from '../test-support/cloud.js';
import { newLicenseServer, type TestLicenseServer } from '../test-support/fixtures.js';

const PASSWORD = 'a long enough password';

describe('first start', { timeout: 60_000 }, () => {
  test('makes the vendor key, the admin password and the CLI token (0600), keeps only hashes, writes cloud.json', async () => {
    const t = await startTestCloud();
    try {
      const mode = (f: string) => statSync(join(t.dir, f)).mode & 0o777;
      assert.equal(mode('vendor.key'), 0o600);
      assert.equal(mode('initial-admin-password'), 0o600);
      assert.equal(mode('admin.token'), 0o600);
      assert.match(readFileSync(join(t.dir, 'vendor.pub'), 'utf8'), /BEGIN PUBLIC KEY/);
      const info = JSON.parse(readFileSync(join(t.dir, 'cloud.json'), 'utf8'));
      assert.equal(info.pid, process.pid);
      assert.equal(info.url, t.cloud.url);
      assert.equal(info.nodeId, t.cloud.nodeId);
      assert.match(info.poolIdPrefix, /^pool_[0-9a-f]{12}$/);
      assert.ok(info.nonce);
      const password = readFileSync(join(t.dir, 'initial-admin-password'), 'utf8').trim();
      const users = await t.cloud.store.db.selectFrom('users').selectAll().execute();
      assert.equal(users.length, 1);
      assert.match(users[0]!.password_hash, /^scrypt\$/);
      assert.ok(!users[0]!.password_hash.includes(password));
      const tokens = await t.cloud.store.db.selectFrom('api_tokens').selectAll().execute();
      assert.ok(tokens.every((r) => r.token_hash !== t.token && !r.token_hash.includes(t.token)));
      assert.equal((await t.call('GET', '/healthz', undefined, { authorization: '' })).json().nonce, t.cloud.nonce);
    } finally {
      await t.stop();
    }
  });

  test('a restart keeps the admin and the token; the initial password must be changed first, then the file goes', async () => {
    const first = await startTestCloud();
    const dir = first.dir;
    await first.cloud.stop();
    const t = await startTestCloud({ dataDir: dir });
    try {
      assert.equal(t.cloud.initialPasswordWritten, false);
      assert.equal(t.token, first.token);
      const password = readFileSync(join(dir, 'initial-admin-password'), 'utf8').trim();
      const asAdmin = { authorization: basic('admin', password) };
      const refused = await t.call('GET', '/api/v1/customers', undefined, asAdmin);
      assert.equal(refused.status, 403);
      assert.equal(refused.json().error.code, 'PASSWORD_CHANGE_REQUIRED');
      const weak = await t.call('POST', '/api/v1/me/password', { current: password, next: 'short' }, asAdmin);
      assert.equal(weak.status, 400);
      const changed = await t.call('POST', '/api/v1/me/password', { current: password, next: PASSWORD }, asAdmin);
      assert.equal(changed.status, 204);
      assert.throws(() => statSync(join(dir, 'initial-admin-password')), /ENOENT/);
      const ok = await t.call('GET', '/api/v1/customers', undefined, { authorization: basic('admin', PASSWORD) });
      assert.equal(ok.status, 200);
    } finally {
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a database it cannot reach is named in a clear error, and nothing is left running', async () => {
    await assert.rejects(
      startTestCloud({ db: 'postgres://postgres:secret@127.0.0.1:1/nowhere' }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'UNAVAILABLE');
        assert.match(e.message, /cannot reach the database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/nowhere/);
        return true;
      },
    );
  });

  test('a node keeps its vendor key, and a database keeps the key its licenses are signed with', async () => {
    const keys = mkdtempSync(join(tmpdir(), 'tessera-keys-'));
    const first = await startTestCloud();
    try {
      const otherKey = join(keys, 'other.key');
      writeFileSync(otherKey, privateKeyToPem(generateSigningKey().privateKey));
      const db = `sqlite:${join(first.dir, 'cloud.db')}`;
      await first.cloud.stop();
      // The same data dir with another key: refused, the key file is untouched.
      const before = readFileSync(join(first.dir, 'vendor.key'), 'utf8');
      await assert.rejects(startTestCloud({ dataDir: first.dir, signingKeyFile: otherKey }), /holds vendor key/);
      assert.equal(readFileSync(join(first.dir, 'vendor.key'), 'utf8'), before);
      // Another data dir on the same database with another key: refused.
      const second = mkdtempSync(join(tmpdir(), 'tessera-cloud-'));
      try {
        await assert.rejects(
          startTestCloud({ dataDir: second, db, signingKeyFile: otherKey }),
          /licenses are signed with vendor key .* --signing-key/,
        );
        // With the first node's key it joins.
        const joined = await startTestCloud({ dataDir: second, db, signingKeyFile: join(first.dir, 'vendor.key') });
        assert.equal(joined.cloud.initialPasswordWritten, false);
        assert.equal(
          readFileSync(join(second, 'vendor.pub'), 'utf8'),
          readFileSync(join(first.dir, 'vendor.pub'), 'utf8'),
        );
        await joined.cloud.stop();
      } finally {
        rmSync(second, { recursive: true, force: true });
      }
    } finally {
      await first.stop();
      rmSync(keys, { recursive: true, force: true });
    }
  });

  test('refuses to listen off loopback without TLS', async () => {
    await assert.rejects(startTestCloud({ listen: '0.0.0.0:0' }), /needs TLS/);
  });

  test('with a certificate it speaks HTTPS, and generated client configurations say https://', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
    try {
      const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-keyout',
          keyFile,
          '-out',
          certFile,
        ],
        { stdio: 'ignore' },
      );
      const t = await startTestCloud({ tls: { certFile, keyFile } });
      try {
        assert.match(t.cloud.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const status = await new Promise<number>((resolve, reject) => {
          https
            .get(`${t.cloud.url}/healthz`, { rejectUnauthorized: false }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            })
            .on('error', reject);
        });
        assert.equal(status, 200);
        await t.call('POST', '/api/v1/features', { name: 'asr' });
        const customer = (await t.call('POST', '/api/v1/customers', { name: 'Acme' })).json();
        const account = (await t.call('POST', '/api/v1/accounts', { customerId: customer.id })).json();
        assert.match(account.clientConfig, /LICENSE_SERVERS = https:\/\/127\.0\.0\.1:\d+\n/);
      } finally {
        await t.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('vendor API', { timeout: 60_000 }, () => {
  let t: TestCloud;
  let acme: { id: string; poolId: string };
  let globex: { id: string; poolId: string };
  let acmeAuth: Record<string, string>;
  let globexAuth: Record<string, string>;
  let globexServer: TestLicenseServer;
  let globexLicense: string;
  let globexEntitlement: string;
  let globexAccount: { username: string; password: string; id: string };

  /**
   * A customer user with a changed password, signed in to the portal: its session cookie and
   * CSRF token (scrypt makes Basic credentials slow to check on every request).
   */
  const customerUser = async (customerId: string, username: string) => {
    const made = await t.call('POST', '/api/v1/users', {
      username,
      role: 'customer',
      customerId,
      password: 'initial password 1',
    });
    assert.equal(made.status, 201);
    const auth = { authorization: basic(username, 'initial password 1') };
    assert.equal(
      (await t.call('POST', '/api/v1/me/password', { current: 'initial password 1', next: PASSWORD }, auth)).status,
      204,
    );
    const signIn = await t.call('POST', '/api/v1/session', { username, password: PASSWORD }, { authorization: '' });
    return {
      authorization: '',
      cookie: String(signIn.headers['set-cookie']).split(';')[0]!,
      'x-csrf-token': signIn.json().csrfToken as string,
    };
  };

  before(async () => {
    t = await startTestCloud();
    for (const name of ['asr', 'tts']) assert.equal((await t.call('POST', '/api/v1/features', { name })).status, 201);
    acme = (await t.call('POST', '/api/v1/customers', { name: 'Acme' })).json();
    globex = (await t.call('POST', '/api/v1/customers', { name: 'Globex' })).json();
    acmeAuth = await customerUser(acme.id, 'acme-admin');
    globexAuth = await customerUser(globex.id, 'globex-admin');
    for (const c of [acme, globex]) {
      for (const type of ['perpetual', 'subscription']) {
        const r = await t.call('POST', '/api/v1/entitlements', { customerId: c.id, type, feature: 'asr', count: 5 });
        assert.equal(r.status, 201);
        if (c === globex && type === 'perpetual') globexEntitlement = r.json().id;
      }
    }
    globexServer = await newLicenseServer('lic.globex.example');
    const reg = await t.call('POST', '/api/v1/servers', { file: globexServer.serverIdFile }, globexAuth);
    assert.equal(reg.status, 201);
    const dep = await t.call(
      'POST',
      '/api/v1/deployments',
      { serverId: globexServer.serverId, features: [{ name: 'asr', count: 2 }] },
      globexAuth,
    );
    assert.equal(dep.status, 201);
    globexLicense = dep.json().id;
    globexAccount = (await t.call('POST', '/api/v1/accounts', {}, globexAuth)).json();
  });
  after(() => t?.stop());

  test('requests without valid credentials get 401; customers get 403 on vendor-only routes', async () => {
    for (const authorization of [
      '',
      'Bearer nope',
      basic('admin', 'wrong password!'),
      basic('nobody', PASSWORD),
      'Basic !!!',
    ]) {
      const r = await t.call('GET', '/api/v1/customers', undefined, { authorization });
      assert.equal(r.status, 401, `401 for "${authorization}"`);
      assert.equal(r.json().error.code, 'UNAUTHORIZED');
    }
    for (const [method, url, body] of [
      ['POST', '/api/v1/customers', { name: 'x' }],
      ['POST', '/api/v1/features', { name: 'x' }],
      ['POST', '/api/v1/entitlements', { customerId: acme.id, type: 'perpetual', feature: 'asr', count: 1 }],
      ['PATCH', `/api/v1/entitlements/${globexEntitlement}`, { count: 50 }],
      ['GET', '/metrics', undefined],
    ] as const) {
      const r = await t.call(method, url, body, acmeAuth);
      assert.equal(r.status, 403, `403 for ${method} ${url}`);
    }
  });

  test("a customer cannot see or change another customer's anything", async () => {
    const snapshot = async () => ({
      deployment: (await t.call('GET', `/api/v1/deployments/${globexLicense}`)).json(),
      entitlements: (await t.call('GET', `/api/v1/entitlements?customerId=${globex.id}`)).json(),
      accounts: (await t.call('GET', `/api/v1/accounts?customerId=${globex.id}`)).json(),
      returns: (await t.call('GET', '/api/v1/returns')).json(),
      servers: (await t.call('GET', '/api/v1/servers')).json(),
    });
    const before = await snapshot();
    const probes: [string, string, unknown?][] = [
      ['GET', `/api/v1/customers/${globex.id}`],
      ['GET', `/api/v1/customers/${globex.id}/subscription`],
      ['GET', `/api/v1/entitlements?customerId=${globex.id}`],
      ['GET', `/api/v1/entitlements/${globexEntitlement}`],
      ['GET', `/api/v1/servers?customerId=${globex.id}`],
      ['GET', `/api/v1/servers/${globexServer.serverId}`],
      ['POST', '/api/v1/servers', { customerId: globex.id, file: (await newLicenseServer()).serverIdFile }],
      ['GET', `/api/v1/deployments?customerId=${globex.id}`],
      ['GET', `/api/v1/deployments/${globexLicense}`],
      ['GET', `/api/v1/deployments/${globexLicense}/file`],
      ['POST', `/api/v1/deployments/${globexLicense}/licenses`, { features: [{ name: 'asr', count: 1 }] }],
      ['POST', `/api/v1/deployments/${globexLicense}/renew`, {}],
      ['POST', '/api/v1/deployments', { serverId: globexServer.serverId, features: [{ name: 'asr', count: 1 }] }],
      ['POST', '/api/v1/returns', { certificate: await globexServer.uninstall(globexLicense, 1) }],
      ['GET', `/api/v1/returns?customerId=${globex.id}`],
      ['GET', `/api/v1/accounts?customerId=${globex.id}`],
      ['POST', '/api/v1/accounts', { customerId: globex.id }],
      ['DELETE', `/api/v1/accounts/${globexAccount.id}`],
      ['GET', `/api/v1/users?customerId=${globex.id}`],
      ['POST', '/api/v1/users', { username: 'mole', role: 'customer', customerId: globex.id }],
      ['GET', `/api/v1/audit?customerId=${globex.id}`],
    ];
    for (const [method, url, body] of probes) {
      const r = await t.call(method as 'GET', url, body, acmeAuth);
      assert.equal(r.status, 404, `${method} ${url} by another customer: ${r.status} ${r.body}`);
      assert.equal(r.json().error.code, 'NOT_FOUND');
    }
    for (const url of [
      '/api/v1/customers',
      '/api/v1/entitlements',
      '/api/v1/servers',
      '/api/v1/deployments',
      '/api/v1/returns',
      '/api/v1/accounts',
      '/api/v1/users',
      '/api/v1/audit',
    ]) {
      const items = (await t.call('GET', url, undefined, acmeAuth)).json() as {
        customerId?: string | null;
        id: string;
      }[];
      for (const item of items) {
        const owner = url === '/api/v1/customers' ? item.id : item.customerId;
        assert.equal(owner, acme.id, `${url} shows only the caller's customer`);
      }
    }
    // Another customer's subscription credentials reach nothing of this one's either.
    const lease = await t.call(
      'POST',
      '/v1/leases',
      { feature: 'asr', client: { id: 'g' } },
      { authorization: basic(globexAccount.username, globexAccount.password) },
    );
    assert.equal(lease.status, 201);
    const acmeAccount = (await t.call('POST', '/api/v1/accounts', {}, acmeAuth)).json();
    const asAcme = { authorization: basic(acmeAccount.username, acmeAccount.password) };
    const hb = await t.call('POST', `/v1/leases/${lease.json().leaseId}/heartbeat`, undefined, asAcme);
    assert.equal(hb.status, 410);
    assert.equal(hb.json().error.reason, 'UNKNOWN_LEASE');
    assert.equal((await t.call('DELETE', `/v1/leases/${lease.json().leaseId}`, undefined, asAcme)).status, 204);
    const features = (await t.call('GET', '/v1/features', undefined, asAcme)).json();
    assert.equal(features.poolId, acme.poolId);
    assert.equal(features.features[0].inUse, 0);
    const globexUsage = (await t.call('GET', `/api/v1/customers/${globex.id}/subscription`)).json();
    assert.equal(globexUsage.features[0].inUse, 1, "the other customer's lease is still held");
    assert.deepEqual(Object.keys(globexUsage.holders[0]).includes('leaseId'), false, 'lease ids are never shown');
    const asGlobex = { authorization: basic(globexAccount.username, globexAccount.password) };
    assert.equal((await t.call('DELETE', `/v1/leases/${lease.json().leaseId}`, undefined, asGlobex)).status, 204);
    assert.deepEqual(await snapshot(), before);
  });

  test('account add answers id, username, password and a client_property.conf; the secret works once made', async () => {
    const r = await t.call('POST', '/api/v1/accounts', { customerId: acme.id, label: 'call center' });
    assert.equal(r.status, 201);
    const a = r.json();
    assert.match(a.id, /^acct_/);
    assert.equal(a.username, a.id);
    assert.equal(Buffer.from(a.password, 'base64url').length, 32);
    assert.match(a.clientConfig, /\[GLOBAL\]\nLICENSE_SERVERS = http:\/\/127\.0\.0\.1:\d+\n/);
    assert.match(
      a.clientConfig,
      new RegExp(`AUTHENTICATION_USERNAME = ${a.id}\\nAUTHENTICATION_PASSWORD = ${a.password}\\n`),
    );
    const stored = await t.cloud.store.accounts.get(a.id);
    assert.ok(stored && stored.secretHash !== a.password && !JSON.stringify(stored).includes(a.password));
    const listed = (await t.call('GET', `/api/v1/accounts?customerId=${acme.id}`)).json();
    assert.ok(listed.every((x: Record<string, unknown>) => x.password === undefined && x.clientConfig === undefined));
    const auth = { authorization: basic(a.username, a.password) };
    assert.equal((await t.call('GET', '/v1/features', undefined, auth)).status, 200);
    assert.equal(
      (await t.call('GET', '/v1/features', undefined, { authorization: basic(a.username, 'x') })).status,
      401,
    );
    assert.equal((await t.call('GET', '/v1/features', undefined, { authorization: '' })).status, 401);
    assert.equal((await t.call('DELETE', `/api/v1/accounts/${a.id}`)).status, 200);
    const disabled = await t.call('GET', '/v1/features', undefined, auth);
    assert.equal(disabled.status, 401);
    assert.equal(disabled.json().error.code, 'UNAUTHORIZED');
  });

  test('bad input gets 400 naming the field, and changes nothing', async () => {
    const before = (await t.call('GET', '/api/v1/entitlements')).json();
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/api/v1/entitlements', { customerId: acme.id, type: 'perpetual', feature: 'asr', count: -2 }, /count/],
      ['POST', '/api/v1/entitlements', { customerId: acme.id, type: 'perpetual', feature: 'asr', count: 0 }, /count/],
      ['POST', '/api/v1/entitlements', { customerId: acme.id, type: 'lifetime', feature: 'asr', count: 1 }, /type/],
      ['POST', '/api/v1/entitlements', { customerId: acme.id, type: 'perpetual', feature: 'a b', count: 1 }, /feature/],
      [
        'POST',
        '/api/v1/entitlements',
        { customerId: acme.id, type: 'perpetual', feature: 'asr', count: 1, expires: 'soon' },
        /expires/,
      ],
      [
        'POST',
        '/api/v1/deployments',
        { serverId: globexServer.serverId, features: [{ name: 'asr', count: -1 }] },
        /count/,
      ],
      ['POST', '/api/v1/deployments', { serverId: globexServer.serverId, features: [] }, /features/],
      ['POST', '/api/v1/customers', { name: '' }, /name/],
      ['POST', '/api/v1/customers', '{"name": ', /JSON|body/i],
    ];
    for (const [method, url, body, field] of cases) {
      const r = await t.call(method as 'POST', url, body);
      assert.equal(r.status, 400, `400 for ${JSON.stringify(body)}: ${r.body}`);
      assert.equal(r.json().error.code, 'BAD_REQUEST');
      assert.match(r.json().error.message, field);
    }
    const unknown = await t.call('POST', '/api/v1/entitlements', {
      customerId: acme.id,
      type: 'perpetual',
      feature: 'ghost',
      count: 1,
    });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json().error.code, 'UNKNOWN_FEATURE');
    const corrupt = await t.call('POST', '/api/v1/servers', { customerId: acme.id, file: 'garbage' });
    assert.equal(corrupt.status, 400);
    assert.equal(corrupt.json().error.code, 'DOC_MALFORMED');
    const over = await t.call('POST', '/api/v1/deployments', {
      serverId: globexServer.serverId,
      features: [{ name: 'asr', count: 4 }],
    });
    assert.equal(over.status, 409);
    assert.equal(over.json().error.reason, 'OVER_ALLOCATION');
    const big = await t.call('POST', '/api/v1/customers', { name: 'x'.repeat(MAX_DOCUMENT_REQUEST_BYTES) });
    assert.equal(big.status, 413);
    assert.deepEqual((await t.call('GET', '/api/v1/entitlements')).json(), before);
  });

  test('portal sessions: an HttpOnly cookie, a CSRF token for changes; other origins and hosts are refused', async () => {
    const signIn = await t.call(
      'POST',
      '/api/v1/session',
      { username: 'acme-admin', password: PASSWORD },
      { authorization: '' },
    );
    assert.equal(signIn.status, 200);
    assert.equal(
      (await t.call('GET', '/api/v1/customers', undefined, { authorization: basic('acme-admin', PASSWORD) })).status,
      200,
    );
    const setCookie = String(signIn.headers['set-cookie']);
    assert.match(setCookie, /^tessera_cloud_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    const { csrfToken } = signIn.json();
    const noAuth = { authorization: '', cookie };
    assert.equal((await t.call('GET', '/api/v1/customers', undefined, noAuth)).json()[0].id, acme.id);
    const noCsrf = await t.call('POST', '/api/v1/accounts', {}, noAuth);
    assert.equal(noCsrf.status, 403);
    assert.match(noCsrf.json().error.message, /CSRF/);
    assert.equal((await t.call('POST', '/api/v1/accounts', {}, { ...noAuth, 'x-csrf-token': csrfToken })).status, 201);
    const crossSite = await t.call('GET', '/api/v1/customers', undefined, {
      ...noAuth,
      origin: 'https://evil.example',
    });
    assert.equal(crossSite.status, 403);
    const rebound = await t.call('GET', '/api/v1/customers', undefined, { host: 'evil.example:8600' });
    assert.equal(rebound.status, 403);
    assert.equal(
      (await t.call('DELETE', '/api/v1/session', undefined, { ...noAuth, 'x-csrf-token': csrfToken })).status,
      204,
    );
    assert.equal((await t.call('GET', '/api/v1/customers', undefined, noAuth)).status, 401);
    const wrong = await t.call(
      'POST',
      '/api/v1/session',
      { username: 'acme-admin', password: 'nope nope nope' },
      { authorization: '' },
    );
    assert.equal(wrong.status, 401);
  });

  test('the audit log has every action, refusals too', async () => {
    const entries = (await t.call('GET', '/api/v1/audit?limit=1000')).json() as { action: string; outcome: string }[];
    const actions = new Set(entries.map((e) => e.action));
    for (const a of ['customer.add', 'entitlement.add', 'server.register', 'deployment.create', 'account.add']) {
      assert.ok(actions.has(a), `audited: ${a}`);
    }
    assert.ok(entries.some((e) => e.outcome === 'refused:CONFLICT' && e.action === 'deployment.create'));
  });

  test('the OpenAPI document describes the vendor API and the client protocol', async () => {
    const doc = (await t.call('GET', '/openapi.json', undefined, { authorization: '' })).json();
    for (const path of [
      '/api/v1/customers',
      '/api/v1/entitlements',
      '/api/v1/servers',
      '/api/v1/deployments',
      '/api/v1/deployments/{id}/file',
      '/api/v1/returns',
      '/api/v1/accounts',
      '/v1/leases',
      '/v1/leases/{id}/heartbeat',
      '/v1/features',
    ]) {
      assert.ok(doc.paths[path], `OpenAPI has ${path}`);
    }
    assert.equal(
      (await t.call('GET', '/api/v1/vendor-key', undefined, { authorization: '' })).body,
      readFileSync(join(t.dir, 'vendor.pub'), 'utf8'),
    );
  });
});
