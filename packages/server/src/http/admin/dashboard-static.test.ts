import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { LicenseClient, parseServerAddress } from '@tessera/client';
import { installErrorHandling, WEB_UI_SECURITY_HEADERS } from '@tessera/service-kit';
import Fastify, { type RouteOptions } from 'fastify';
import { startTestServer, type TestServer } from '../../test-support/dashboard-server.js';
import { ServerMetrics } from '../metrics.js';
import { DASHBOARD_PAGES } from './dashboard-static.js';
import { registerAdminApi } from './index.js';

const host = '127.0.0.1';
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-abc123.js"></script></head></html>';
const JS = `console.log(${JSON.stringify('x'.repeat(4000))});`;

function fakeDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-dist-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), JS);
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

describe('the Dashboard’s static files on the admin listener', () => {
  let t: TestServer;
  let dist: string;

  before(async () => {
    dist = fakeDist();
    t = await startTestServer({ dashboardDir: dist });
  });
  after(async () => {
    await t.stop();
    rmSync(dist, { recursive: true, force: true });
  });

  test('index.html at / and at every client-side page, revalidated, with the CSP', async () => {
    for (const url of DASHBOARD_PAGES) {
      const res = await t.admin.inject({ method: 'GET', url, headers: { host } });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.body, INDEX);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.equal(res.headers['content-security-policy'], WEB_UI_SECURITY_HEADERS['content-security-policy']);
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    }
  });

  test('hashed assets are cached for a year and sent gzipped to browsers that take it', async () => {
    const res = await t.admin.inject({
      method: 'GET',
      url: '/assets/app-abc123.js',
      headers: { host, 'accept-encoding': 'gzip, br' },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.match(String(res.headers['content-type']), /^text\/javascript/);
    assert.equal(gunzipSync(res.rawPayload).toString(), JS);
    const plain = await t.admin.inject({ method: 'GET', url: '/assets/app-abc123.js', headers: { host } });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body, JS);
  });

  test('the API stays protected and answers JSON; unknown paths are 404s', async () => {
    const api = await t.admin.inject({ method: 'GET', url: '/api/v1/licenses', headers: { host } });
    assert.equal(api.statusCode, 401);
    const missing = await t.admin.inject({ method: 'GET', url: '/assets/nope.js', headers: { host } });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'NOT_FOUND');
    const traversal = await t.admin.inject({ method: 'GET', url: '/assets/../../etc/passwd', headers: { host } });
    assert.equal(traversal.statusCode, 404);
  });

  test('static files are still behind the Host check (DNS rebinding)', async () => {
    const res = await t.admin.inject({ method: 'GET', url: '/', headers: { host: 'attacker.example' } });
    assert.equal(res.statusCode, 403);
  });

  test('GET /api/v1/usage gives per-hour series for the last days, with the running hour last', async () => {
    await t.install(await t.issue([{ name: 'asr', count: 3 }]));
    const client = new LicenseClient({ servers: [parseServerAddress(t.server.clientUrl)], cacheSeconds: 0 });
    try {
      const leases = [];
      for (let i = 0; i < 4; i++) leases.push(await client.checkout('asr'));
      assert.equal((await client.checkout('made-up')).ok, false);
      assert.deepEqual(
        leases.map((l) => l.ok),
        [true, true, true, false],
      );
      const res = await t.admin.inject({
        method: 'GET',
        url: '/api/v1/usage?days=7',
        headers: { host, authorization: `Bearer ${t.token}` },
      });
      assert.equal(res.statusCode, 200);
      const body = res.json() as {
        from: string;
        hours: number;
        features: {
          feature: string;
          licensed: number;
          peak: number[];
          denials: number[];
          checkouts: number[];
          refusals: { hour: number; code: string; count: number }[];
        }[];
      };
      assert.equal(body.hours, 168);
      const asr = body.features.find((f) => f.feature === 'asr')!;
      assert.equal(asr.licensed, 3);
      assert.equal(asr.peak.length, 168);
      assert.equal(asr.peak.at(-1), 3);
      assert.equal(asr.denials.at(-1), 1);
      assert.equal(asr.checkouts.at(-1), 3);
      assert.deepEqual(asr.refusals, [{ hour: 167, code: 'NO_SEATS', count: 1 }]);
      assert.deepEqual(
        body.features.map((f) => f.feature),
        ['asr'],
        'a feature no license has is not counted',
      );
      const bad = await t.admin.inject({
        method: 'GET',
        url: '/api/v1/usage?days=91',
        headers: { host, authorization: `Bearer ${t.token}` },
      });
      assert.equal(bad.statusCode, 400);
    } finally {
      await client.close();
    }
  });
});

describe('public routes of the admin API', () => {
  let t: TestServer;
  let dist: string;
  before(async () => {
    dist = fakeDist();
    t = await startTestServer({ dashboardDir: dist });
  });
  after(async () => {
    await t.stop();
    rmSync(dist, { recursive: true, force: true });
  });

  test('every route has a role, but /healthz, sign-in and static files that serve only the build', async () => {
    const core = t.server.core;
    const app = Fastify();
    installErrorHandling(app);
    const routes: RouteOptions[] = [];
    app.addHook('onRoute', (r) => {
      routes.push(r);
    });
    registerAdminApi(
      app,
      {
        engine: core.engine,
        licenses: core.licenses,
        auth: core.auth,
        users: core.users,
        audit: core.audit,
        store: core.store,
        settings: core.settings,
        metrics: new ServerMetrics(core.engine),
        nonce: 'n',
        serverId: core.identity.serverId,
        allowedHosts: new Set([host]),
        info: () => assert.fail('only the route table is read here'),
      },
      {
        sessions: undefined as never,
        usage: undefined as never,
        staticDir: dist,
        secureCookies: false,
        now: Date.now,
      },
    );
    await app.ready();
    const publicApi = new Set(['GET /healthz', 'HEAD /healthz', 'POST /api/v1/session']);
    const files = new Set([INDEX, JS, readFileSync(join(dist, 'favicon.svg'), 'utf8')]);
    let statics = 0;
    for (const r of routes) {
      const methods = ([] as string[]).concat(r.method);
      const config = (r.config ?? {}) as { role?: string; dashboardStatic?: boolean };
      if (config.role) continue;
      for (const m of methods) {
        const key = `${m} ${r.url}`;
        if (publicApi.has(key)) continue;
        assert.equal(config.dashboardStatic, true, `${key} has no role and is not a Dashboard file`);
        assert.ok(m === 'GET' || m === 'HEAD', `${key}: static routes only read`);
        assert.ok(!r.url.startsWith('/api/'), `${key}: no static file under /api`);
        if (m === 'GET') {
          const res = await app.inject({ method: 'GET', url: r.url, headers: { host } });
          assert.ok(files.has(res.body), `${key} serves a file of the build`);
          statics++;
        }
      }
    }
    assert.equal(statics, DASHBOARD_PAGES.length + 2);
    await app.close();
  });
});
