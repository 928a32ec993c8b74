/**
 * Managing users in the portal (Chromium against a real Cloud, SQLite): vendor staff change a
 * user's role, disable, reset a password (shown once) and delete; their own row has no actions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, type PortalCloud, screenshot, startPortalCloud } from './support.js';

const VENDOR_PASSWORD = 'a long vendor passphrase';

describe('managing users in the portal', () => {
  let s: PortalCloud;
  let browser: Browser;
  let page: Page;
  let acmeId = '';

  type User = { username: string; role: string; customerId: string | null; disabled: boolean };
  const listed = async (name: string) =>
    (await s.api<User[]>('GET', '/api/v1/users')).body.find((u) => u.username === name);
  const row = (name: string) => page.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });
  const signInStatus = async (username: string, password: string) =>
    (
      await fetch(`${s.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: s.url },
        body: JSON.stringify({ username, password }),
      })
    ).status;

  before(async () => {
    s = await startPortalCloud();
    acmeId = (await s.api<{ id: string }>('POST', '/api/v1/customers', { name: 'Acme' })).body.id;
    for (const [username, role] of [
      ['acme-dev', 'customer'],
      ['staff', 'vendor'],
    ] as const) {
      const made = await s.api('POST', '/api/v1/users', {
        username,
        role,
        ...(role === 'customer' ? { customerId: acmeId } : {}),
      });
      assert.equal(made.status, 201);
    }
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1360, height: 860 } })).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(s.url);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(s.initialPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('New password', { exact: true }).fill(VENDOR_PASSWORD);
    await page.getByLabel('New password again').fill(VENDOR_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Users', exact: true }).click();
    await row('staff').waitFor();
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  test('one’s own row has no actions; the last sign-in is shown', async () => {
    const own = row('admin (you)');
    await own.waitFor();
    assert.equal(await own.getByRole('button').count(), 0);
    assert.equal(await own.getByRole('combobox').count(), 0);
    assert.match((await own.textContent()) ?? '', /enabled/);
    assert.match((await row('staff').textContent()) ?? '', /never/);
  });

  test('disable and enable a user', async () => {
    await page.getByRole('button', { name: 'Disable acme-dev' }).click();
    await row('acme-dev').getByText('disabled', { exact: true }).waitFor();
    assert.equal((await listed('acme-dev'))?.disabled, true);
    await page.getByRole('button', { name: 'Enable acme-dev' }).click();
    await page.getByRole('button', { name: 'Disable acme-dev' }).waitFor();
    assert.equal((await listed('acme-dev'))?.disabled, false);
  });

  test('a reset password is shown once with a copy button, and signs in', async () => {
    await page.getByRole('button', { name: 'Reset the password of acme-dev' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reset password' }).click();
    const shown = page.getByTestId('reset-password');
    await shown.waitFor();
    const password = (await shown.textContent()) ?? '';
    assert.ok(password.length >= 18, password);
    await page.getByRole('button', { name: 'Copy the new password of acme-dev' }).waitFor();
    await screenshot(page, 'users-reset-password');
    assert.equal(await signInStatus('acme-dev', password), 200);
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await shown.count(), 0, 'shown only once');
  });

  test('the role select makes vendor staff an admin of a customer', async () => {
    await page.getByLabel('Role of staff').selectOption({ label: 'Admin of Acme' });
    await page
      .getByTestId('notice-ok')
      .filter({ hasText: /staff is now an administrator of Acme/ })
      .waitFor();
    const staff = await listed('staff');
    assert.deepEqual([staff?.role, staff?.customerId], ['customer', acmeId]);
  });

  test('delete asks first, then the user is gone', async () => {
    await page.getByRole('button', { name: 'Delete acme-dev' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('can no longer sign in').waitFor();
    await dialog.getByRole('button', { name: 'Delete user' }).click();
    await page.getByTestId('notice-ok').filter({ hasText: 'Deleted acme-dev.' }).waitFor();
    assert.equal(await listed('acme-dev'), undefined);
    assert.equal(await row('acme-dev').count(), 0);
    await screenshot(page, 'users-managed');
  });
});
