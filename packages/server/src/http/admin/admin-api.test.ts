import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeDocumentUnverified, type LicenseClaims, verifyUninstall } from '@tessera/core';
import { LOCAL_CLI_ACTOR } from '../../domain/audit.js';
import {
  licenseFor,
  makeVendor,
  resign,
  startTestServer,
  type TestServer,
  tempDir,
} from '../../test-support/fixtures.js';

/** Routes anyone may call: health and the API description. Everything else needs credentials. */
const PUBLIC_ROUTES = new Set([
  'GET /healthz',
  'HEAD /healthz',
  'GET /openapi.json',
  'HEAD /openapi.json',
  'POST /api/v1/session', // signing in
]);

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

describe('admin API security', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.stop());

  test('every admin route refuses requests without valid credentials', async () => {
    const guarded = t.server.adminRoutes.filter((r) => r.role !== undefined);
    const open = t.server.adminRoutes.filter((r) => r.role === undefined).map((r) => `${r.method} ${r.url}`);
    for (const route of open)
      assert.ok(PUBLIC_ROUTES.has(route) || isStatic(route), `unexpected public route ${route}`);
    assert.ok(guarded.length >= 10, 'the walk covers the API');
    for (const route of guarded) {
      const url = route.url
        .replace(/:(\w+)/g, 'x')
        .concat(route.url.includes('leases') && route.method === 'GET' ? '?feature=asr' : '');
      // Wrong passwords go to names that do not exist: `admin` has its own test of the throttle.
      const guess = `guess-${guarded.indexOf(route)}`;
      for (const authorization of [
        undefined,
        'Bearer wrong-token',
        basic(guess, 'admin'),
        basic(guess, ''),
        'Digest x',
      ]) {
        const r = await t.server.admin.inject({
          method: route.method as 'GET',
          url,
          headers: authorization ? { authorization } : {},
          ...(route.method === 'POST' || route.method === 'PUT' ? { payload: {} } : {}),
        });
        assert.equal(r.statusCode, 401, `${route.method} ${url} with ${authorization ?? 'nothing'} -> ${r.statusCode}`);
        if (route.method !== 'HEAD') assert.equal(r.json().error.code, 'UNAUTHORIZED');
      }
    }
  });

  test('there is no default password: the initial one is random, 0600, stored only as a hash, and must be changed', async () => {
    const file = join(t.dir, 'initial-admin-password');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(t.dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(t.dir, 'admin.token')).mode & 0o777, 0o600);
    const initial = readFileSync(file, 'utf8').trim();
    assert.ok(initial.length >= 20);
    const stored = t.core.store.users.get('admin');
    assert.ok(stored?.passwordHash.startsWith('scrypt$'));
    assert.ok(!stored?.passwordHash.includes(initial));
    const auth = { authorization: basic('admin', initial) };
    const blocked = await t.server.admin.inject({ method: 'GET', url: '/api/v1/licenses', headers: auth });
    assert.equal(blocked.statusCode, 403);
    assert.equal(blocked.json().error.code, 'PASSWORD_CHANGE_REQUIRED');
    const weak = await t.server.admin.inject({
      method: 'POST',
      url: '/api/v1/account/password',
      headers: auth,
      payload: { currentPassword: initial, newPassword: 'short' },
    });
    assert.equal(weak.statusCode, 400);
    const changed = await t.server.admin.inject({
      method: 'POST',
      url: '/api/v1/account/password',
      headers: auth,
      payload: { currentPassword: initial, newPassword: 'a much better passphrase' },
    });
    assert.equal(changed.statusCode, 204);
    assert.throws(() => statSync(file), /ENOENT/, 'the initial password file is removed once changed');
    const old = await t.server.admin.inject({ method: 'GET', url: '/api/v1/licenses', headers: auth });
    assert.equal(old.statusCode, 401);
    const now = await t.server.admin.inject({
      method: 'GET',
      url: '/api/v1/licenses',
      headers: { authorization: basic('admin', 'a much better passphrase') },
    });
    assert.equal(now.statusCode, 200);
  });

  test('wrong passwords for one user are throttled: after five, even the right one waits', async () => {
    await t.core.auth.addUser(LOCAL_CLI_ACTOR, 'target', 'the right password', 'view');
    const attempt = (password: string) =>
      t.server.admin.inject({
        method: 'GET',
        url: '/api/v1/server',
        headers: { authorization: basic('target', password) },
      });
    for (let i = 0; i < 5; i++) assert.equal((await attempt(`wrong ${i}`)).statusCode, 401);
    const blocked = await attempt('wrong 6');
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json().error.code, 'RATE_LIMITED');
    const right = await attempt('the right password');
    assert.equal(right.statusCode, 429, 'the right password waits too');
    const other = await t.server.admin.inject({
      method: 'GET',
      url: '/api/v1/server',
      headers: { authorization: basic('admin', 'not it') },
    });
    assert.equal(other.statusCode, 401, 'other users are not affected');
  });

  test('requests naming another host (DNS rebinding) or from another origin (CSRF) are refused', async () => {
    const auth = { authorization: `Bearer ${t.token}` };
    const rebound = await t.server.admin.inject({
      method: 'GET',
      url: '/api/v1/licenses',
      headers: { ...auth, host: 'evil.example:7570' },
    });
    assert.equal(rebound.statusCode, 403);
    const cross = await t.server.admin.inject({
      method: 'POST',
      url: '/api/v1/server-id-file',
      headers: { ...auth, origin: 'http://evil.example' },
    });
    assert.equal(cross.statusCode, 403);
    const same = await t.server.admin.inject({
      method: 'GET',
      url: '/api/v1/licenses',
      headers: { ...auth, host: '127.0.0.1:7570', origin: 'http://127.0.0.1:7570' },
    });
    assert.equal(same.statusCode, 200);
  });

  test('a view user cannot install or uninstall', async () => {
    await t.core.auth.addUser(LOCAL_CLI_ACTOR, 'viewer', 'viewer password 1', 'view');
    await t.core.auth.changePassword('viewer', 'viewer password 1', 'viewer password 2');
    const r = await t.server.admin.inject({
      method: 'POST',
      url: '/api/v1/licenses',
      headers: { authorization: basic('viewer', 'viewer password 2') },
      payload: { file: 'x' },
    });
    assert.equal(r.statusCode, 403);
    assert.equal(r.json().error.code, 'FORBIDDEN');
  });

  test('metrics need credentials and expose lease counters', async () => {
    const r = await t.server.admin.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${t.token}` },
    });
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /tessera_checkouts_total/);
    assert.match(r.body, /tessera_leases_held \d+/);
  });
});

describe('license documents through the admin API', () => {
  let t: TestServer;
  let auth: { authorization: string };
  const install = (file: string) =>
    t.server.admin.inject({ method: 'POST', url: '/api/v1/licenses', headers: auth, payload: { file } });
  const renew = (file: string) =>
    t.server.admin.inject({ method: 'POST', url: '/api/v1/licenses/renew', headers: auth, payload: { file } });
  const tree = async () =>
    (await t.server.admin.inject({ method: 'GET', url: '/api/v1/licenses', headers: auth })).json();

  before(async () => {
    t = await startTestServer();
    auth = { authorization: `Bearer ${t.token}` };
  });
  after(() => t.stop());

  test('a good license installs and shows in the tree', async () => {
    const { file, claims } = await licenseFor(t.core, t.vendor, {
      features: [{ name: 'asr', count: 5 }],
      maintenanceUntil: '2030-01-01',
      licenseId: 'lic_good',
    });
    const r = await install(file);
    assert.equal(r.statusCode, 201);
    assert.equal(r.json().licenseId, claims.licenseId);
    const tr = await tree();
    assert.equal(tr.licenses.length, 1);
    assert.deepEqual(tr.licenses[0].features[0], {
      name: 'asr',
      count: 5,
      inUse: 0,
      available: 5,
      expires: null,
      maintenanceUntil: '2030-01-01',
      expired: false,
    });
  });

  test('tampered, truncated, wrongly typed, wrongly bound and foreign documents are refused and change nothing', async () => {
    const before = JSON.stringify(await tree());
    const { file, claims } = await licenseFor(t.core, t.vendor, { features: [{ name: 'tts', count: 1 }] });
    const lines = file.trimEnd().split('\n');
    const jws = lines.at(-1)!;
    const [h, p, s] = jws.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload.features[0].count = 500;
    const tampered = [
      ...lines.slice(0, -1),
      `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`,
    ].join('\n');
    const truncated = file.slice(0, Math.floor(file.length * 0.8));
    const serverIdFile = await t.core.licenses.makeServerIdFile(LOCAL_CLI_ACTOR);
    const otherServer: LicenseClaims = {
      ...claims,
      licenseId: 'lic_other',
      binding: { ...claims.binding, serverId: 'srv_someoneElseEntirely1234567890abcdefghijk' },
    };
    const movedDisk: LicenseClaims = {
      ...claims,
      licenseId: 'lic_moved',
      binding: { ...claims.binding, factors: { ...claims.binding.factors, macs: 'AAAA', machineId: 'BBBB' } },
    };
    const t2 = tempDir();
    const foreign = makeVendor(t2.dir, 'foreign');
    const cases: [string, string, number][] = [
      ['tampered', tampered, 400],
      ['truncated', truncated, 400],
      ['wrong type', serverIdFile, 400],
      ['other server', await resign(otherServer, t.vendor.privateKey), 409],
      ['moved hardware', await resign(movedDisk, t.vendor.privateKey), 409],
      ['foreign vendor', await resign({ ...claims, licenseId: 'lic_foreign' }, foreign.privateKey), 400],
      ['not a document', 'hello', 400],
    ];
    const codes: Record<string, string> = {};
    for (const [name, doc, status] of cases) {
      const r = await install(doc);
      assert.equal(r.statusCode, status, `${name}: ${r.body}`);
      codes[name] = r.json().error.code;
      assert.ok(r.json().error.message.length > 10, `${name} has a clear message`);
    }
    t2.cleanup();
    assert.deepEqual(codes, {
      tampered: 'DOC_BAD_SIGNATURE',
      truncated: 'DOC_MALFORMED',
      'wrong type': 'DOC_WRONG_TYPE',
      'other server': 'WRONG_SERVER',
      'moved hardware': 'FINGERPRINT_MISMATCH',
      'foreign vendor': 'DOC_UNKNOWN_KEY',
      'not a document': 'DOC_MALFORMED',
    });
    assert.equal(JSON.stringify(await tree()), before, 'nothing changed');
    const audit = (await t.server.admin.inject({ method: 'GET', url: '/api/v1/audit?limit=20', headers: auth })).json()
      .entries as { action: string; outcome: string }[];
    assert.ok(audit.filter((e) => e.action === 'license.install' && e.outcome.startsWith('refused:')).length >= 7);
    const refused = (
      await t.server.admin.inject({
        method: 'GET',
        url: '/api/v1/audit?limit=100&action=license.&outcome=refused',
        headers: auth,
      })
    ).json().entries as { action: string; outcome: string }[];
    assert.ok(refused.length >= 7);
    assert.ok(refused.every((e) => e.action.startsWith('license.') && e.outcome.startsWith('refused:')));
    const later = (
      await t.server.admin.inject({
        method: 'GET',
        url: `/api/v1/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
        headers: auth,
      })
    ).json().entries as unknown[];
    assert.deepEqual(later, [], 'nothing from the future');
    const bad = await t.server.admin.inject({ method: 'GET', url: '/api/v1/audit?since=yesterday', headers: auth });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.message, /since/);
  });

  test('renewal needs a higher revision and the same binding', async () => {
    const same = await licenseFor(t.core, t.vendor, { features: [{ name: 'asr', count: 9 }], licenseId: 'lic_good' });
    const r1 = await renew(same.file);
    assert.equal(r1.statusCode, 409);
    assert.equal(r1.json().error.code, 'REVISION_NOT_NEWER');
    const rebound: LicenseClaims = {
      ...same.claims,
      revision: 3,
      binding: { ...same.claims.binding, factors: { ...same.claims.binding.factors, hostname: 'zzz' } },
    };
    const r2 = await renew(await resign(rebound, t.vendor.privateKey));
    assert.equal(r2.json().error.code, 'BINDING_CHANGED');
    const next = await licenseFor(t.core, t.vendor, {
      features: [{ name: 'asr', count: 9 }],
      licenseId: 'lic_good',
      revision: 2,
      maintenanceUntil: '2031-01-01',
    });
    const r3 = await renew(next.file);
    assert.equal(r3.statusCode, 200);
    assert.equal(r3.json().revision, 2);
    assert.equal((await tree()).licenses[0].features[0].count, 9);
    const again = await install(next.file);
    assert.equal(again.json().error.code, 'LICENSE_EXISTS');
  });

  test('uninstall returns a certificate signed by the server, and the license id is refused forever after', async () => {
    const original = (await t.server.admin.inject({ method: 'GET', url: '/api/v1/licenses', headers: auth })).json();
    assert.equal(original.licenses[0].licenseId, 'lic_good');
    const r = await t.server.admin.inject({
      method: 'POST',
      url: '/api/v1/licenses/lic_good/uninstall',
      headers: auth,
    });
    assert.equal(r.statusCode, 200);
    const { claims } = await verifyUninstall(r.json().certificate, t.core.identity.publicKey);
    assert.equal(claims.licenseId, 'lic_good');
    assert.equal(claims.revision, 2);
    assert.equal(claims.serverId, t.core.identity.serverId);
    assert.equal(decodeDocumentUnverified(r.json().certificate).header.typ, 'tessera-uninstall+jws');
    const again = await licenseFor(t.core, t.vendor, {
      features: [{ name: 'asr', count: 9 }],
      licenseId: 'lic_good',
      revision: 7,
    });
    const refused = await install(again.file);
    assert.equal(refused.json().error.code, 'LICENSE_UNINSTALLED');
    const renewed = await renew(again.file);
    assert.equal(renewed.json().error.code, 'LICENSE_UNINSTALLED');
    const twice = await t.server.admin.inject({
      method: 'POST',
      url: '/api/v1/licenses/lic_good/uninstall',
      headers: auth,
    });
    assert.equal(twice.json().error.code, 'LICENSE_UNINSTALLED');
    const cert = await t.server.admin.inject({
      method: 'GET',
      url: '/api/v1/licenses/lic_good/certificate',
      headers: auth,
    });
    assert.equal(cert.json().certificate, r.json().certificate);
  });

  test('the admin API publishes its OpenAPI document', async () => {
    const doc = (await t.server.admin.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.ok(doc.paths['/api/v1/licenses'].post);
    assert.ok(doc.paths['/api/v1/licenses/{id}/uninstall'].post);
  });
});

function isStatic(route: string): boolean {
  // The Dashboard's pages and assets are public (they carry no data; dashboard-static.test.ts checks
  // what they serve). Nothing under /api/ or /metrics is.
  const [method, url] = route.split(' ') as [string, string];
  return (method === 'GET' || method === 'HEAD') && !url.startsWith('/api/') && !url.startsWith('/metrics');
}
