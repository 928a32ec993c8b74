import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signIn, startTestServer, type TestServer } from '../../test-support/dashboard-server.js';

const host = '127.0.0.1';

describe('user management (admin API)', () => {
  let t: TestServer;
  let bearer: Record<string, string>;

  /** A user added with the CLI token who has changed the password; signed in with a session. */
  async function addSignedIn(username: string, role: 'view' | 'manage' | 'admin') {
    const first = `${username} first password`;
    const next = `${username} second password`;
    const add = await t.admin.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer,
      payload: { username, password: first, role },
    });
    assert.equal(add.statusCode, 201, add.body);
    const s = await signIn(t.admin, username, first);
    const change = await t.admin.inject({
      method: 'POST',
      url: '/api/v1/account/password',
      headers: { host, cookie: s.cookie, 'x-csrf-token': s.csrf },
      payload: { currentPassword: first, newPassword: next },
    });
    assert.equal(change.statusCode, 204, change.body);
    return { ...s, password: next, headers: { host, cookie: s.cookie, 'x-csrf-token': s.csrf } };
  }

  function auditOf(action: string, target: string) {
    return t.server.core.audit.page(undefined, 200).filter((e) => e.action === action && e.target === target);
  }

  before(async () => {
    t = await startTestServer();
    bearer = { host, authorization: `Bearer ${t.token}` };
  });
  after(async () => {
    await t.stop();
  });

  test('the list shows each user’s role, state and last sign-in, never a hash', async () => {
    const before = await t.admin.inject({ method: 'GET', url: '/api/v1/users', headers: bearer });
    const admin = before.json().users.find((u: { username: string }) => u.username === 'admin');
    assert.deepEqual(
      { role: admin.role, disabled: admin.disabled, lastSignInAt: admin.lastSignInAt },
      { role: 'admin', disabled: false, lastSignInAt: null },
    );
    await signIn(t.admin, 'admin', t.initialPassword);
    const res = await t.admin.inject({ method: 'GET', url: '/api/v1/users', headers: bearer });
    const signedIn = res.json().users.find((u: { username: string }) => u.username === 'admin');
    assert.match(signedIn.lastSignInAt, /^\d{4}-\d\d-\d\dT/);
    assert.ok(!res.body.includes('passwordHash') && !res.body.includes('scrypt'));
  });

  test('the last enabled admin cannot be deleted, disabled or demoted', async () => {
    for (const [method, url, payload] of [
      ['DELETE', '/api/v1/users/admin', undefined],
      ['POST', '/api/v1/users/admin/disable', undefined],
      ['PUT', '/api/v1/users/admin/role', { role: 'manage' }],
    ] as const) {
      const res = await t.admin.inject({ method, url, headers: bearer, ...(payload && { payload }) });
      assert.equal(res.statusCode, 409, `${method} ${url}`);
      assert.equal(res.json().error.code, 'LAST_ADMIN');
      assert.match(res.json().error.message, /only enabled admin/);
    }
    assert.equal(t.server.core.store.users.get('admin')?.role, 'admin');
    assert.equal(auditOf('user.delete', 'admin')[0]?.outcome, 'refused:LAST_ADMIN');
  });

  test('a signed-in admin cannot act on their own account', async () => {
    const boss = await addSignedIn('boss', 'admin');
    const del = await t.admin.inject({ method: 'DELETE', url: '/api/v1/users/boss', headers: boss.headers });
    assert.equal(del.statusCode, 409);
    assert.equal(del.json().error.code, 'OWN_ACCOUNT');
    const reset = await t.admin.inject({
      method: 'POST',
      url: '/api/v1/users/boss/reset-password',
      headers: boss.headers,
    });
    assert.equal(reset.json().error.code, 'OWN_ACCOUNT');
    assert.ok(t.server.core.store.users.get('boss'));
  });

  test('role changes are audited with the old and the new value and apply at once', async () => {
    const ops = await addSignedIn('ops', 'view');
    const res = await t.admin.inject({
      method: 'PUT',
      url: '/api/v1/users/ops/role',
      headers: bearer,
      payload: { role: 'manage' },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().role, 'manage');
    assert.deepEqual(auditOf('user.role', 'ops')[0]?.detail, { old: { role: 'view' }, new: { role: 'manage' } });
    const who = await t.admin.inject({ method: 'GET', url: '/api/v1/session', headers: ops.headers });
    assert.equal(who.json().role, 'manage');
    const extra = await t.admin.inject({
      method: 'PUT',
      url: '/api/v1/users/ops/role',
      headers: bearer,
      payload: { role: 'manage', also: 1 },
    });
    assert.equal(extra.statusCode, 400, 'unknown properties are refused');
    const unknown = await t.admin.inject({
      method: 'PUT',
      url: '/api/v1/users/nobody/role',
      headers: bearer,
      payload: { role: 'view' },
    });
    assert.equal(unknown.statusCode, 404);
  });

  test('a disabled user’s session ends at once and sign-in is refused until enabled', async () => {
    const clerk = await addSignedIn('clerk', 'view');
    const disable = await t.admin.inject({ method: 'POST', url: '/api/v1/users/clerk/disable', headers: bearer });
    assert.equal(disable.statusCode, 200);
    assert.equal(disable.json().disabled, true);
    const rows = t.server.core.store.db.prepare("SELECT * FROM sessions WHERE username = 'clerk'").all();
    assert.equal(rows.length, 0, 'the sessions are gone from the store');
    const stale = await t.admin.inject({ method: 'GET', url: '/api/v1/licenses', headers: clerk.headers });
    assert.equal(stale.statusCode, 401);
    const again = await t.admin.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { host },
      payload: { username: 'clerk', password: clerk.password },
    });
    assert.equal(again.statusCode, 401);
    assert.match(again.json().error.message, /disabled/);
    const basic = Buffer.from(`clerk:${clerk.password}`).toString('base64');
    const viaBasic = await t.admin.inject({
      method: 'GET',
      url: '/api/v1/licenses',
      headers: { host, authorization: `Basic ${basic}` },
    });
    assert.equal(viaBasic.statusCode, 401);
    assert.deepEqual(auditOf('user.disable', 'clerk')[0]?.detail, {
      old: { disabled: false },
      new: { disabled: true },
    });
    const enable = await t.admin.inject({ method: 'POST', url: '/api/v1/users/clerk/enable', headers: bearer });
    assert.equal(enable.json().disabled, false);
    await signIn(t.admin, 'clerk', clerk.password);
  });

  test('a reset password is shown once, ends the sessions, and must be changed at sign-in', async () => {
    const dev = await addSignedIn('dev', 'manage');
    const res = await t.admin.inject({ method: 'POST', url: '/api/v1/users/dev/reset-password', headers: bearer });
    assert.equal(res.statusCode, 200);
    const { password } = res.json();
    assert.ok(typeof password === 'string' && password.length >= 20);
    const stale = await t.admin.inject({ method: 'GET', url: '/api/v1/licenses', headers: dev.headers });
    assert.equal(stale.statusCode, 401, 'the old session ended');
    const old = await t.admin.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { host },
      payload: { username: 'dev', password: dev.password },
    });
    assert.equal(old.statusCode, 401, 'the old password is gone');
    const s = await signIn(t.admin, 'dev', password);
    assert.equal(s.body.mustChange, true);
    const blocked = await t.admin.inject({
      method: 'GET',
      url: '/api/v1/licenses',
      headers: { host, cookie: s.cookie },
    });
    assert.equal(blocked.json().error.code, 'PASSWORD_CHANGE_REQUIRED');
    const entry = auditOf('user.password.reset', 'dev')[0];
    assert.deepEqual(entry?.detail, { old: { mustChange: false }, new: { mustChange: true } });
    assert.ok(!JSON.stringify(t.server.core.audit.page(undefined, 500)).includes(password), 'never in the audit');
  });

  test('delete removes the user and their sessions, audited with the old value', async () => {
    const temp = await addSignedIn('temp', 'view');
    const res = await t.admin.inject({ method: 'DELETE', url: '/api/v1/users/temp', headers: bearer });
    assert.equal(res.statusCode, 204);
    assert.equal(t.server.core.store.users.get('temp'), undefined);
    const stale = await t.admin.inject({ method: 'GET', url: '/api/v1/licenses', headers: temp.headers });
    assert.equal(stale.statusCode, 401);
    assert.deepEqual(auditOf('user.delete', 'temp')[0]?.detail, {
      old: { role: 'view', disabled: false },
      new: null,
    });
  });

  test('a View or Manage user cannot manage users', async () => {
    const m = await addSignedIn('manager', 'manage');
    const res = await t.admin.inject({ method: 'POST', url: '/api/v1/users/ops/disable', headers: m.headers });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'FORBIDDEN');
  });

  test('with a second admin, the first may be disabled, and then the second is the last', async () => {
    const disable = await t.admin.inject({ method: 'POST', url: '/api/v1/users/admin/disable', headers: bearer });
    assert.equal(disable.statusCode, 200, 'boss is another enabled admin');
    const last = await t.admin.inject({ method: 'DELETE', url: '/api/v1/users/boss', headers: bearer });
    assert.equal(last.json().error.code, 'LAST_ADMIN');
  });
});
