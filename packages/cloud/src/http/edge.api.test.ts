import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basic, startTestCloud, type TestCloud } from '../test-support/cloud.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/db.js';
import { newLicenseServer } from '../test-support/fixtures.js';

const PASSWORD = 'a long enough password';

type Answer = Awaited<ReturnType<TestCloud['call']>>;

function refused(r: Answer, status: number, code: string, message?: RegExp): void {
  assert.equal(r.status, status, `status ${r.status}: ${r.body}`);
  assert.equal(r.json().error.code, code);
  if (message) assert.match(r.json().error.message, message);
}

for (const dialect of DIALECTS) {
  describe(`what arrives at a Cloud node on ${dialect}`, { timeout: 120_000 }, () => {
    let db: TestDatabase;
    let t: TestCloud;
    let acme: { id: string };
    let globex: { id: string };
    let asAcme: Record<string, string>;
    let asGlobex: Record<string, string>;

    before(async () => {
      db = await createTestDatabase(dialect);
      t = await startTestCloud({ db: db.url });
      assert.equal((await t.call('POST', '/api/v1/features', { name: 'asr' })).status, 201);
      acme = (await t.call('POST', '/api/v1/customers', { name: 'Acme' })).json();
      globex = (await t.call('POST', '/api/v1/customers', { name: 'Globex' })).json();
      for (const c of [acme, globex]) {
        const r = await t.call('POST', '/api/v1/entitlements', {
          customerId: c.id,
          type: 'subscription',
          feature: 'asr',
          count: 6,
        });
        assert.equal(r.status, 201);
      }
      const account = async (customerId: string) => {
        const a = (await t.call('POST', '/api/v1/accounts', { customerId })).json();
        return { authorization: basic(a.username, a.password) };
      };
      asAcme = await account(acme.id);
      asGlobex = await account(globex.id);
    });
    after(async () => {
      await t?.stop();
      await db?.drop();
    });

    test('text holding NUL or an unpaired surrogate is refused with 400 naming where, before anything reads it', async () => {
      const server = await newLicenseServer();
      const certificate = await server.uninstall('lic_01hzzzzzzzzzzzzzzzzzzzzzzz', 1);
      const cases: [string, string, unknown, Record<string, string>, RegExp][] = [
        ['GET', '/v1/features', undefined, { authorization: basic('acct_x\u0000', 'secret') }, /Basic user name/],
        [
          'POST',
          '/v1/leases',
          { feature: 'asr', client: { id: 'app\u0000' } },
          asAcme,
          /body\.client\.id holds U\+0000/,
        ],
        ['POST', '/v1/leases', { feature: 'asr', client: { id: 'x', app: '\udc00' } }, asAcme, /body\.client\.app/],
        ['DELETE', '/v1/leases/lease_x%00', undefined, asAcme, /params\.id/],
        ['POST', '/v1/leases/lease_x%00/heartbeat', undefined, asAcme, /params\.id/],
        [
          'POST',
          '/api/v1/session',
          { username: 'ad\u0000min', password: 'x' },
          { authorization: '' },
          /body\.username/,
        ],
        ['GET', '/api/v1/customers', undefined, { authorization: basic('ad\u0000min', 'x') }, /Basic user name/],
        ['GET', '/api/v1/servers?customerId=cus_%00', undefined, {}, /query\.customerId/],
        [
          'POST',
          '/api/v1/servers',
          { customerId: acme.id, file: `# made on lic01\u0000\n${server.serverIdFile}` },
          {},
          /body\.file/,
        ],
        ['POST', '/api/v1/returns', { certificate: `# \u0000\n${certificate}` }, {}, /body\.certificate/],
        ['POST', '/api/v1/customers', { name: 'Acme \ud800 Ltd' }, {}, /body\.name holds an unpaired/],
      ];
      for (const [method, url, body, headers, where] of cases) {
        refused(await t.call(method as 'GET', url, body, headers), 400, 'BAD_REQUEST', where);
      }
      assert.equal((await t.call('GET', '/api/v1/servers')).json().length, 0, 'nothing was registered');
    });

    test("one customer's poisoned requests never fail another customer's checkouts", async () => {
      // Warm both accounts into the node's cache, so the requests below reach the seat batches together.
      for (const auth of [asAcme, asGlobex])
        assert.equal((await t.call('GET', '/v1/features', undefined, auth)).status, 200);
      const checkouts = Array.from({ length: 12 }, (_, i) =>
        t.call('POST', '/v1/leases', { feature: 'asr', client: { id: `acme-${i}` } }, asAcme),
      );
      const poison = Array.from({ length: 12 }, (_, i) =>
        i % 2 === 0
          ? t.call('DELETE', '/v1/leases/lease_x%00', undefined, asGlobex)
          : t.call('POST', '/v1/leases', { feature: 'asr', client: { id: `g\u0000${i}` } }, asGlobex),
      );
      const [acmeAnswers, globexAnswers] = await Promise.all([Promise.all(checkouts), Promise.all(poison)]);
      const statuses = acmeAnswers.map((r) => r.status).sort();
      assert.deepEqual(statuses, [...Array(6).fill(201), ...Array(6).fill(409)], `acme: ${statuses.join(',')}`);
      for (const r of globexAnswers) refused(r, 400, 'BAD_REQUEST');
      for (const r of acmeAnswers) {
        if (r.status === 201) await t.call('DELETE', `/v1/leases/${r.json().leaseId}`, undefined, asAcme);
      }
    });

    test('refusals of the router and the parser are in the error envelope too', async () => {
      refused(await t.call('GET', `/api/v1/customers/${'c'.repeat(3000)}`), 414, 'URI_TOO_LONG');
      refused(await t.call('GET', `/api/v1/customers/${'c'.repeat(300)}`), 400, 'BAD_REQUEST', /params\.id/);
      refused(await t.call('GET', '/api/v1/customers/%E0%A4%A'), 400, 'BAD_REQUEST', /URL/);
      refused(
        await t.call('POST', '/api/v1/customers', '<name>x</name>', { 'content-type': 'application/xml' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });

    test('a DELETE sent with a JSON content type and no body is taken as one without', async () => {
      const json = { 'content-type': 'application/json' };
      refused(await t.call('DELETE', '/api/v1/accounts/acct_nope', undefined, json), 404, 'NOT_FOUND');
      assert.equal((await t.call('DELETE', '/v1/leases/lease_nope', undefined, { ...asAcme, ...json })).status, 204);
    });

    test('vendor API bodies are never coerced, and a field the API does not know is refused by name', async () => {
      const before = (await t.call('GET', '/api/v1/customers')).json().length;
      refused(await t.call('POST', '/api/v1/customers', { name: 1 }), 400, 'BAD_REQUEST', /body\.name must be string/);
      refused(
        await t.call('POST', '/api/v1/customers', { name: 'Initech', vip: true }),
        400,
        'BAD_REQUEST',
        /body has a field this API does not know: "vip"/,
      );
      refused(
        await t.call('POST', '/api/v1/entitlements', {
          customerId: acme.id,
          type: 'subscription',
          feature: 'asr',
          count: '3',
        }),
        400,
        'BAD_REQUEST',
        /body\.count/,
      );
      assert.equal((await t.call('GET', '/api/v1/customers')).json().length, before);
      const lease = await t.call(
        'POST',
        '/v1/leases',
        { feature: 'asr', hint: 1, client: { id: 'x', os: 'linux' } },
        asAcme,
      );
      assert.equal(lease.status, 201, 'the client protocol ignores fields it does not know');
      await t.call('DELETE', `/v1/leases/${lease.json().leaseId}`, undefined, asAcme);
    });

    test('non-JSON answers are documented as what they are', async () => {
      const doc = (await t.call('GET', '/openapi.json', undefined, { authorization: '' })).json();
      const served = await t.call('GET', '/api/v1/vendor-key', undefined, { authorization: '' });
      assert.match(served.body, /^-----BEGIN PUBLIC KEY-----/);
      const documented = Object.keys(doc.paths['/api/v1/vendor-key'].get.responses['200'].content);
      assert.deepEqual(documented, [String(served.headers['content-type'])]);
      assert.deepEqual(Object.keys(doc.paths['/metrics'].get.responses['200'].content), ['text/plain; version=0.0.4']);
    });

    test('sign-in is throttled per user name and per address, with Retry-After', async () => {
      const made = await t.call('POST', '/api/v1/users', { username: 'pat', role: 'vendor', password: PASSWORD });
      assert.equal(made.status, 201);
      const signIn = (username: string, password: string, remoteAddress: string) =>
        t.cloud.app.inject({
          method: 'POST',
          url: '/api/v1/session',
          remoteAddress,
          payload: { username, password },
        });
      for (let i = 0; i < 5; i++) assert.equal((await signIn('pat', `wrong ${i}`, '10.0.0.1')).statusCode, 401);
      const blocked = await signIn('pat', 'wrong again', '10.0.0.2');
      assert.equal(blocked.statusCode, 429);
      assert.equal(blocked.json().error.code, 'RATE_LIMITED');
      assert.ok(Number(blocked.headers['retry-after']) >= 1, 'Retry-After says how long');
      assert.equal((await signIn('pat', PASSWORD, '10.0.0.3')).statusCode, 429, 'the right password waits too');
      const viaBasic = await t.call('GET', '/api/v1/customers', undefined, { authorization: basic('pat', PASSWORD) });
      refused(viaBasic, 429, 'RATE_LIMITED');
      // One address walking through user names is stopped too; other addresses are not.
      let status = 401;
      let tries = 0;
      while (status === 401 && tries < 100) status = (await signIn(`guess-${tries++}`, 'x', '10.9.9.9')).statusCode;
      assert.equal(status, 429, `stopped after ${tries} wrong passwords from one address`);
      assert.ok(tries > 5 && tries <= 31, `the address bound (${tries}) is looser than the name's`);
      assert.equal((await signIn('guess-x', 'x', '10.9.9.8')).statusCode, 401);
    });
  });
}
