import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandling } from '../http-errors.js';
import type { SessionInfo } from './ports.js';
import { admitSession, checkHostAndOrigin, cookieOf, sessionCookieHeader, splitAuthorization } from './session-http.js';

const session: SessionInfo<string> = {
  actor: 'user:ada',
  subject: 'ada',
  username: 'ada',
  mustChange: false,
  csrfToken: 'the-token',
  idHash: 'hash',
  expiresAt: '2026-06-01T17:00:00.000Z',
};

describe('session HTTP rules', () => {
  let app: FastifyInstance;
  let mustChange = false;

  before(async () => {
    app = Fastify();
    installErrorHandling(app);
    const hosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
    app.addHook('onRequest', async (request) => {
      checkHostAndOrigin(request, hosts);
      admitSession(request, { ...session, mustChange }, (s, presented) => presented === s.csrfToken);
    });
    const reply = async () => ({ cookie: null });
    app.get('/read', reply);
    app.post('/write', reply);
    app.post('/password', { config: { allowWhilePasswordChangeRequired: true } }, reply);
    app.get('/cookie', async (request) => ({ cookie: cookieOf(request, 'sid') ?? null }));
    await app.ready();
  });
  after(() => app.close());

  const call = (method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { host: '127.0.0.1:7570', ...headers } });

  test('a state-changing request must echo the CSRF token; a safe one need not', async () => {
    assert.equal((await call('GET', '/read')).statusCode, 200);
    for (const bad of [undefined, '', 'the-token ', 'other']) {
      const res = await call('POST', '/write', bad === undefined ? {} : { 'x-csrf-token': bad });
      assert.equal(res.statusCode, 403, String(bad));
      assert.match(res.json().error.message, /CSRF/);
    }
    assert.equal((await call('POST', '/write', { 'x-csrf-token': 'the-token' })).statusCode, 200);
  });

  test('while the password must change, only routes that allow it answer', async () => {
    mustChange = true;
    try {
      const res = await call('GET', '/read');
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'PASSWORD_CHANGE_REQUIRED');
      assert.equal((await call('POST', '/password', { 'x-csrf-token': 'the-token' })).statusCode, 200);
    } finally {
      mustChange = false;
    }
  });

  test('the Host must be an allowed one and an Origin must be that host', async () => {
    assert.equal((await call('GET', '/read', { host: 'evil.example' })).statusCode, 403);
    assert.equal((await call('GET', '/read', { host: '[::1]:7570' })).statusCode, 200);
    assert.equal((await call('GET', '/read', { origin: 'http://127.0.0.1:7570' })).statusCode, 200);
    assert.equal((await call('GET', '/read', { origin: 'http://evil.example' })).statusCode, 403);
    assert.equal((await call('GET', '/read', { origin: 'not a url' })).statusCode, 403);
  });

  test('the cookie is found among others, and an empty one is none', async () => {
    const cookie = async (header: string) => (await call('GET', '/cookie', { cookie: header })).json().cookie;
    assert.equal(await cookie('a=1; sid=abc ; b=2'), 'abc');
    assert.equal(await cookie('sidx=abc; junk'), null);
    assert.equal(await cookie('sid='), null);
  });

  test('a session cookie is HttpOnly and SameSite=Strict, and Secure over TLS', () => {
    assert.equal(sessionCookieHeader('sid', 'v', 60, false), 'sid=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60');
    assert.equal(sessionCookieHeader('sid', '', 0, true), 'sid=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure');
  });

  test('an Authorization header splits into its scheme, lower case, and its value', () => {
    assert.deepEqual(splitAuthorization('Bearer  abc '), ['bearer', 'abc']);
    assert.deepEqual(splitAuthorization('Basic'), ['basic', undefined]);
  });
});
