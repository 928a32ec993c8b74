import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basic, startTestCloud, type TestCloud } from '../test-support/cloud.js';

const PASSWORD = 'a long enough password 1';

describe('managing users over the vendor API', { timeout: 60_000 }, () => {
  let t: TestCloud;
  let acme: { id: string };
  let globex: { id: string };

  /** Adds a user with a changed password and signs it in: its session headers. */
  const signedIn = async (username: string, role: 'vendor' | 'customer', customerId?: string) => {
    const made = await t.call('POST', '/api/v1/users', { username, role, customerId, password: 'initial password 1' });
    assert.equal(made.status, 201);
    const auth = { authorization: basic(username, 'initial password 1') };
    const changed = await t.call(
      'POST',
      '/api/v1/me/password',
      { current: 'initial password 1', next: PASSWORD },
      auth,
    );
    assert.equal(changed.status, 204);
    return signIn(username, PASSWORD);
  };
  const signIn = async (username: string, password: string) => {
    const r = await t.call('POST', '/api/v1/session', { username, password }, { authorization: '' });
    return {
      status: r.status,
      json: r.json,
      headers: {
        authorization: '',
        cookie: String(r.headers['set-cookie']).split(';')[0]!,
        'x-csrf-token': r.status === 200 ? (r.json().csrfToken as string) : '',
      },
    };
  };
  const userNamed = async (name: string) =>
    ((await t.call('GET', '/api/v1/users')).json() as { username: string }[]).find((u) => u.username === name);

  before(async () => {
    t = await startTestCloud();
    acme = (await t.call('POST', '/api/v1/customers', { name: 'Acme' })).json();
    globex = (await t.call('POST', '/api/v1/customers', { name: 'Globex' })).json();
  });
  after(() => t?.stop());

  test('a sign-in is listed as the last sign-in time', async () => {
    const before = Date.now();
    await signedIn('acme-admin', 'customer', acme.id);
    const listed = (await userNamed('acme-admin')) as unknown as { lastSignInAt: string; disabled: boolean };
    assert.equal(listed.disabled, false);
    assert.ok(Date.parse(listed.lastSignInAt) >= before - 1000, listed.lastSignInAt);
  });

  test("a customer's admin disables, resets and deletes its own users; other customers' are not found", async () => {
    const admin = (await signIn('acme-admin', PASSWORD)).headers;
    const dev = await signedIn('acme-dev', 'customer', acme.id);
    await signedIn('globex-dev', 'customer', globex.id);

    assert.equal((await t.call('POST', '/api/v1/users/globex-dev/disable', undefined, admin)).status, 404);
    assert.equal((await t.call('POST', '/api/v1/users/admin/reset-password', undefined, admin)).status, 404);
    const own = await t.call('POST', '/api/v1/users/acme-admin/disable', undefined, admin);
    assert.deepEqual([own.status, own.json().error.code], [409, 'OWN_ACCOUNT']);

    const disabled = await t.call('POST', '/api/v1/users/acme-dev/disable', undefined, admin);
    assert.deepEqual([disabled.status, disabled.json().disabled], [200, true]);
    assert.equal((await t.call('GET', '/api/v1/me', undefined, dev.headers)).status, 401, 'its session ended');
    assert.notEqual((await signIn('acme-dev', PASSWORD)).status, 200, 'it cannot sign in');
    assert.equal((await t.call('POST', '/api/v1/users/acme-dev/enable', undefined, admin)).json().disabled, false);

    const reset = await t.call('POST', '/api/v1/users/acme-dev/reset-password', undefined, admin);
    assert.equal(reset.status, 200);
    assert.notEqual((await signIn('acme-dev', PASSWORD)).status, 200, 'the old password is gone');
    const again = await signIn('acme-dev', reset.json().password);
    assert.deepEqual([again.status, again.json().mustChange], [200, true]);

    assert.equal((await t.call('DELETE', '/api/v1/users/acme-dev', undefined, admin)).status, 204);
    assert.equal(await userNamed('acme-dev'), undefined);
  });

  test("only vendor staff change roles; a deleted user's API tokens go with it", async () => {
    const admin = (await signIn('acme-admin', PASSWORD)).headers;
    const ops = { username: 'acme-ops', role: 'customer', customerId: acme.id };
    assert.equal((await t.call('POST', '/api/v1/users', ops)).status, 201);
    const denied = await t.call('PUT', '/api/v1/users/acme-ops/role', { role: 'vendor' }, admin);
    assert.equal(denied.status, 403);
    const bad = await t.call('PUT', '/api/v1/users/globex-dev/role', { role: 'customer' });
    assert.deepEqual([bad.status, bad.json().error.code], [400, 'BAD_REQUEST']);

    // The CLI token acts as user `admin`, the only vendor staff user: it may not go.
    const own = await t.call('POST', '/api/v1/users/admin/disable');
    assert.deepEqual([own.status, own.json().error.code], [409, 'OWN_ACCOUNT']);
    const staff = (await signedIn('staff', 'vendor')).headers;
    const deleted = await t.call('DELETE', '/api/v1/users/admin', undefined, staff);
    assert.equal(deleted.status, 204, 'another vendor staff user remains');
    assert.equal((await t.call('GET', '/api/v1/users')).status, 401, "admin's API token went with it");
    const alone = await t.call('POST', '/api/v1/users/staff/disable', undefined, admin);
    assert.equal(alone.status, 404, 'a customer never sees vendor staff');
  });
});
