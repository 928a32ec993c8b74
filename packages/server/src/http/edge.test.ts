import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LOCAL_CLI_ACTOR } from '../domain/audit.js';
import { licenseFor, startTestServer, type TestServer } from '../test-support/fixtures.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  json(): { error: { code: string; message: string } };
}

function refused(r: Answer, status: number, code: string, message?: RegExp): void {
  assert.equal(r.statusCode, status, `status ${r.statusCode}: ${JSON.stringify(r.json())}`);
  const body = r.json();
  assert.equal(body.error.code, code);
  if (message) assert.match(body.error.message, message);
}

describe('what arrives at both License Server listeners', () => {
  let t: TestServer;
  let licenseFile: string;
  before(async () => {
    t = await startTestServer();
    ({ file: licenseFile } = await licenseFor(t.core, t.vendor, { features: [{ name: 'asr', count: 5 }] }));
    await t.core.licenses.install(LOCAL_CLI_ACTOR, licenseFile);
  });
  after(() => t?.stop());

  const client = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, headers = {}) =>
    t.server.client.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const admin = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers = {}) =>
    t.server.admin.inject({
      method,
      url,
      headers: { authorization: `Bearer ${t.token}`, ...headers },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });

  test('text holding NUL or an unpaired surrogate is refused with 400 naming where, before anything reads it', async () => {
    const auditBefore = t.core.audit.page(undefined, 500).length;
    refused(
      await client('POST', '/v1/leases', { feature: 'asr', client: { id: 'app\u0000' } }),
      400,
      'BAD_REQUEST',
      /body\.client\.id holds U\+0000/,
    );
    refused(
      await client('POST', '/v1/leases', { feature: 'asr', client: { id: 'x', host: 'h\ud800' } }),
      400,
      'BAD_REQUEST',
      /body\.client\.host holds an unpaired UTF-16 surrogate/,
    );
    refused(await client('DELETE', '/v1/leases/lease_x%00'), 400, 'BAD_REQUEST', /params\.id/);
    refused(await client('POST', '/v1/leases/lease_x%00/heartbeat'), 400, 'BAD_REQUEST', /params\.id/);
    refused(await admin('GET', '/api/v1/leases?feature=asr%00'), 400, 'BAD_REQUEST', /query\.feature/);
    refused(
      await admin('GET', '/api/v1/server', undefined, { authorization: basic('ad\u0000min', 'x') }),
      400,
      'BAD_REQUEST',
      /Basic user name/,
    );
    refused(
      await admin('POST', '/api/v1/session', { username: 'ad\u0000min', password: 'x' }, { authorization: '' }),
      400,
      'BAD_REQUEST',
      /body\.username/,
    );
    refused(
      await admin('POST', '/api/v1/licenses/renew', { file: `# renewed\u0000\n${licenseFile}` }),
      400,
      'BAD_REQUEST',
      /body\.file/,
    );
    refused(
      await admin('PUT', '/api/v1/settings', { values: { 'log_level\u0000': 'debug' } }),
      400,
      'BAD_REQUEST',
      /a field name in body\.values/,
    );
    assert.equal(t.core.engine.leaseCount, 0, 'no lease was taken');
    assert.equal(t.core.audit.page(undefined, 500).length, auditBefore, 'nothing reached a handler');
  });

  test('refusals of the router and the parser are in the error envelope too', async () => {
    refused(await admin('GET', `/api/v1/licenses/${'x'.repeat(2000)}/certificate`), 414, 'URI_TOO_LONG');
    refused(await admin('GET', `/api/v1/licenses/${'x'.repeat(200)}/certificate`), 400, 'BAD_REQUEST', /params\.id/);
    refused(await client('POST', '/v1/leases/%zz/heartbeat'), 400, 'BAD_REQUEST', /URL/);
    refused(
      await client('POST', '/v1/leases', '<feature>asr</feature>', { 'content-type': 'application/xml' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    refused(await client('GET', '/v2/nothing'), 404, 'NOT_FOUND');
  });

  test('a DELETE sent with a JSON content type and no body is taken as one without', async () => {
    const json = { 'content-type': 'application/json' };
    assert.equal((await client('DELETE', '/v1/leases/lease_unknown', undefined, json)).statusCode, 204);
    refused(await admin('DELETE', '/api/v1/leases/lease_unknown', undefined, json), 404, 'NOT_FOUND');
  });

  test('admin bodies are never coerced, and a field the API does not know is refused by name', async () => {
    const usersBefore = t.core.store.users.all().length;
    refused(
      await admin('POST', '/api/v1/users', { username: 'bob', password: 123456789012345, role: 'view' }),
      400,
      'BAD_REQUEST',
      /body\.password must be string/,
    );
    refused(
      await admin('POST', '/api/v1/users', {
        username: 'bob',
        password: 'a long enough password',
        role: 'view',
        admin: true,
      }),
      400,
      'BAD_REQUEST',
      /body has a field this API does not know: "admin"/,
    );
    refused(
      await admin('PUT', '/api/v1/settings', { values: { log_level: 'debug' }, force: true }),
      400,
      'BAD_REQUEST',
      /"force"/,
    );
    assert.equal(t.core.store.users.all().length, usersBefore);
    assert.equal(t.core.settings.settings.logLevel, 'info');
  });

  test('the client protocol ignores fields it does not know, but never coerces', async () => {
    refused(
      await client('POST', '/v1/leases', { feature: 'asr', client: { id: 42 } }),
      400,
      'BAD_REQUEST',
      /client\.id/,
    );
    refused(
      await client('POST', '/v1/leases', { feature: 'asr', count: '2', client: { id: 'x' } }),
      400,
      'BAD_REQUEST',
      /count/,
    );
    const r = await client('POST', '/v1/leases', { feature: 'asr', priority: 1, client: { id: 'x', future: 'y' } });
    assert.equal(r.statusCode, 201);
    assert.equal((await client('DELETE', `/v1/leases/${r.json().leaseId}`)).statusCode, 204);
  });

  test("each route's OpenAPI entry lists what its checks can answer", async () => {
    const doc = (await admin('GET', '/openapi.json')).json() as unknown as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path]![method]!.responses).sort();
    for (const s of ['400', '401', '403', '429']) assert.ok(statuses('/api/v1/leases', 'get').includes(s), s);
    for (const s of ['400', '403', '413', '415', '429']) assert.ok(statuses('/api/v1/session', 'post').includes(s), s);
    assert.ok(statuses('/api/v1/licenses/{id}/uninstall', 'post').includes('414'));
  });
});
