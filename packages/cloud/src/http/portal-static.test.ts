import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { WEB_UI_SECURITY_HEADERS } from '@tessera/service-kit';
import { startTestCloud, type TestCloud } from '../test-support/cloud.js';
import { PORTAL_PAGES } from './portal-static.js';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-abc123.js"></script></head></html>';
const JS = `console.log(${JSON.stringify('x'.repeat(4000))});`;
const host = '127.0.0.1';

function fakeDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-portal-dist-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), JS);
  writeFileSync(join(dir, 'early.js'), 'window.__tesseraEarly = {};');
  return dir;
}

/** A page path of the router with its `:id` filled in. */
const concrete = (p: string) => p.replace(':id', 'lic_0000000000000000000000000000');

describe('the portal’s static files on a Cloud node', { timeout: 60_000 }, () => {
  let t: TestCloud;
  let dist: string;

  before(async () => {
    dist = fakeDist();
    t = await startTestCloud({ portalDir: dist });
  });
  after(async () => {
    await t.stop();
    rmSync(dist, { recursive: true, force: true });
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.cloud.app.inject({ method: 'GET', url, headers: { host, ...headers } });

  test('index.html at / and at every page of the router, public, revalidated, with the CSP', async () => {
    for (const url of PORTAL_PAGES.map(concrete)) {
      const res = await get(url);
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

  test('hashed assets are cached for a year and sent gzipped to browsers that take it; other files revalidate', async () => {
    const res = await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip, br' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.match(String(res.headers['content-type']), /^text\/javascript/);
    assert.equal(gunzipSync(res.rawPayload).toString(), JS);
    const plain = await get('/assets/app-abc123.js');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body, JS);
    assert.equal((await get('/early.js')).headers['cache-control'], 'no-cache');
  });

  test('the API stays protected behind the public pages, and the pages are not in the OpenAPI document', async () => {
    const api = await get('/api/v1/customers');
    assert.equal(api.statusCode, 401);
    assert.equal(api.json().error.code, 'UNAUTHORIZED');
    assert.equal((await get('/assets/nothing.js')).statusCode, 404);
    assert.equal((await get('/deployments/lic_1/file')).statusCode, 404, 'one path segment only');
    const doc = (await get('/openapi.json')).json() as { paths: Record<string, unknown> };
    assert.deepEqual(
      Object.keys(doc.paths).filter(
        (p) => !p.startsWith('/api/') && !p.startsWith('/v1/') && p !== '/healthz' && p !== '/metrics',
      ),
      [],
    );
  });

  test('pages answer only for this Cloud’s host names (DNS rebinding)', async () => {
    const res = await get('/', { host: 'evil.example:8600' });
    assert.equal(res.statusCode, 403);
  });

  test('a Cloud without a built portal says how to build it at /, and the API works meanwhile', async () => {
    const bare = await startTestCloud({ portalDir: join(dist, 'missing') });
    try {
      const res = await bare.cloud.app.inject({ method: 'GET', url: '/', headers: { host } });
      assert.equal(res.statusCode, 503);
      assert.match(res.body, /The licensing portal is not built/);
      assert.match(res.body, /npm run build/);
      assert.equal((await bare.call('GET', '/api/v1/customers')).status, 200);
    } finally {
      await bare.stop();
    }
  });
});
