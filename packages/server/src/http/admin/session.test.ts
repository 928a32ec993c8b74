import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '@tessera/core';
import { SESSION_POLICY } from '@tessera/service-kit';
import { DATA_FILES } from '../../runtime/data-dir.js';
import { signIn, startTestServer, type TestServer } from '../../test-support/dashboard-server.js';

const host = '127.0.0.1';

describe('Dashboard sessions', () => {
  let t: TestServer;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 9));
  const password = 'correct horse battery staple';

  before(async () => {
    t = await startTestServer({ clock });
  });
  after(async () => {
    await t.stop();
  });

  test('sign-in sets an HttpOnly SameSite=Strict cookie whose id is stored only as SHA-256', async () => {
    const s = await signIn(t.admin, 'admin', t.initialPassword);
    assert.match(s.setCookie, /^tessera_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    assert.equal(s.body.mustChange, true);
    assert.equal(s.body.role, 'admin');
    const id = s.cookie.split('=')[1]!;
    const rows = t.server.core.store.db.prepare('SELECT id_hash FROM sessions').all() as { id_hash: string }[];
    assert.ok(rows.some((r) => r.id_hash === createHash('sha256').update(id).digest('base64url')));
    const dump = JSON.stringify(t.server.core.store.db.prepare('SELECT * FROM sessions').all());
    assert.ok(!dump.includes(id), 'the session id itself is not in the database');
  });

  test('a wrong password is refused and audited, and sets no cookie', async () => {
    const res = await t.admin.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { host },
      payload: { username: 'admin', password: 'not the password' },
    });
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['set-cookie'], undefined);
    const audit = t.server.core.audit.page(undefined, 5);
    assert.ok(audit.some((e) => e.action === 'session.sign-in' && e.outcome === 'refused:UNAUTHORIZED'));
  });

  test('while the password must change, only the password and session routes answer', async () => {
    const s = await signIn(t.admin, 'admin', t.initialPassword);
    const headers = { host, cookie: s.cookie };
    const who = await t.admin.inject({ method: 'GET', url: '/api/v1/session', headers });
    assert.equal(who.statusCode, 200);
    assert.equal(who.json().csrfToken, s.csrf);
    const tree = await t.admin.inject({ method: 'GET', url: '/api/v1/licenses', headers });
    assert.equal(tree.statusCode, 403);
    assert.equal(tree.json().error.code, 'PASSWORD_CHANGE_REQUIRED');
    const server = await t.admin.inject({ method: 'GET', url: '/api/v1/server', headers });
    assert.equal(server.statusCode, 200);
  });

  test('a state-changing request by cookie needs the CSRF token; GETs do not', async () => {
    const s = await signIn(t.admin, 'admin', t.initialPassword);
    const change = (csrf?: string) =>
      t.admin.inject({
        method: 'POST',
        url: '/api/v1/account/password',
        headers: { host, cookie: s.cookie, ...(csrf === undefined ? {} : { 'x-csrf-token': csrf }) },
        payload: { currentPassword: t.initialPassword, newPassword: password },
      });
    for (const bad of [undefined, '', 'x'.repeat(43), `${s.csrf}x`]) {
      const res = await change(bad);
      assert.equal(res.statusCode, 403, `token ${bad}`);
      assert.match(res.json().error.message, /CSRF/);
    }
    assert.ok(existsSync(join(t.dir, DATA_FILES.initialPassword)), 'nothing changed');
    const ok = await change(s.csrf);
    assert.equal(ok.statusCode, 204);
    assert.ok(!existsSync(join(t.dir, DATA_FILES.initialPassword)), 'the initial password file is removed');
    const tree = await t.admin.inject({ method: 'GET', url: '/api/v1/licenses', headers: { host, cookie: s.cookie } });
    assert.equal(tree.statusCode, 200, 'the session that changed the password goes on');
  });

  test('a password change ends the user’s other sessions', async () => {
    const a = await signIn(t.admin, 'admin', password);
    const b = await signIn(t.admin, 'admin', password);
    const res = await t.admin.inject({
      method: 'POST',
      url: '/api/v1/account/password',
      headers: { host, cookie: a.cookie, 'x-csrf-token': a.csrf },
      payload: { currentPassword: password, newPassword: `${password}!` },
    });
    assert.equal(res.statusCode, 204);
    const get = (cookie: string) =>
      t.admin.inject({ method: 'GET', url: '/api/v1/session', headers: { host, cookie } });
    assert.equal((await get(a.cookie)).statusCode, 200);
    assert.equal((await get(b.cookie)).statusCode, 401);
    const back = await t.admin.inject({
      method: 'POST',
      url: '/api/v1/account/password',
      headers: { host, cookie: a.cookie, 'x-csrf-token': a.csrf },
      payload: { currentPassword: `${password}!`, newPassword: password },
    });
    assert.equal(back.statusCode, 204);
  });

  test('bearer-token callers need no CSRF token, and a forged cookie is not a session', async () => {
    const file = await t.issue([{ name: 'asr', count: 2 }]);
    const res = await t.admin.inject({
      method: 'POST',
      url: '/api/v1/licenses',
      headers: { host, authorization: `Bearer ${t.token}` },
      payload: { file },
    });
    assert.equal(res.statusCode, 201);
    const forged = await t.admin.inject({
      method: 'GET',
      url: '/api/v1/licenses',
      headers: { host, cookie: `tessera_session=${'A'.repeat(43)}` },
    });
    assert.equal(forged.statusCode, 401);
  });

  test('a cross-origin request with a valid cookie and token is refused (Origin check)', async () => {
    const s = await signIn(t.admin, 'admin', password);
    const res = await t.admin.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { host: '127.0.0.1:7570', origin: 'http://evil.example', cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    assert.equal(res.statusCode, 403);
    const still = await t.admin.inject({ method: 'GET', url: '/api/v1/session', headers: { host, cookie: s.cookie } });
    assert.equal(still.statusCode, 200);
  });

  test('sign-out ends the session and clears the cookie', async () => {
    const s = await signIn(t.admin, 'admin', password);
    const noToken = await t.admin.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { host, cookie: s.cookie },
    });
    assert.equal(noToken.statusCode, 403);
    const out = await t.admin.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { host, cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers['set-cookie']), /^tessera_session=; .*Max-Age=0/);
    const after = await t.admin.inject({ method: 'GET', url: '/api/v1/session', headers: { host, cookie: s.cookie } });
    assert.equal(after.statusCode, 401);
  });

  test('a session idle past the limit is over; activity keeps it alive', async () => {
    const s = await signIn(t.admin, 'admin', password);
    const get = () => t.admin.inject({ method: 'GET', url: '/api/v1/session', headers: { host, cookie: s.cookie } });
    clock.advance(SESSION_POLICY.idleMs - 60_000);
    assert.equal((await get()).statusCode, 200);
    clock.advance(SESSION_POLICY.idleMs - 60_000);
    assert.equal((await get()).statusCode, 200, 'used within the idle time, so still live');
    clock.advance(SESSION_POLICY.idleMs + 1);
    assert.equal((await get()).statusCode, 401);
  });

  test('roles apply to sessions: a View user reads but cannot install', async () => {
    const admin = await signIn(t.admin, 'admin', password);
    const add = await t.admin.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { host, cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      payload: { username: 'viewer', password: 'viewer password 1', role: 'view' },
    });
    assert.equal(add.statusCode, 201);
    const v = await signInAsAdminLike(t, 'viewer', 'viewer password 1', 'viewer password 2');
    const read = await t.admin.inject({ method: 'GET', url: '/api/v1/licenses', headers: { host, cookie: v.cookie } });
    assert.equal(read.statusCode, 200);
    const install = await t.admin.inject({
      method: 'POST',
      url: '/api/v1/licenses',
      headers: { host, cookie: v.cookie, 'x-csrf-token': v.csrf },
      payload: { file: await t.issue([{ name: 'tts', count: 1 }]) },
    });
    assert.equal(install.statusCode, 403);
    assert.equal(install.json().error.code, 'FORBIDDEN');
  });
});

async function signInAsAdminLike(t: TestServer, user: string, first: string, next: string) {
  const s = await signIn(t.admin, user, first);
  const res = await t.admin.inject({
    method: 'POST',
    url: '/api/v1/account/password',
    headers: { host, cookie: s.cookie, 'x-csrf-token': s.csrf },
    payload: { currentPassword: first, newPassword: next },
  });
  assert.equal(res.statusCode, 204);
  return s;
}
