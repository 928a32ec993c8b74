/**
 * The Settings page in Chromium: values with their source (default, file, a pinning flag), a
 * refused value shown by its field with nothing saved, a saved value in server.conf and in
 * force at once, a mode switch, and the audit entries it leaves.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { type DashboardServer, launchBrowser, screenshot, startDashboardServer } from './support.js';

const NEW_PASSWORD = 'a long and private passphrase';

const textOf = async (l: Locator) => (await l.textContent()) ?? '';

describe('Dashboard Settings page', { timeout: 120_000 }, () => {
  let s: DashboardServer;
  let browser: Browser;
  let page: Page;
  const conf = () => readFileSync(join(s.dataDir, 'server.conf'), 'utf8');
  const field = (key: string) => page.locator(`[data-setting="${key}"]`);

  before(async () => {
    // Lease times as flags: the page must show them as pinned.
    s = await startDashboardServer({ leaseSeconds: 60, heartbeatSeconds: 20 });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1360, height: 1000 } })).newPage();
    await page.goto(s.adminUrl);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(s.initialPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Licenses' }).waitFor();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  test('each value shows where it comes from; a flag pins it', async () => {
    assert.match(await textOf(field('lease_seconds')), /flag --lease-seconds/);
    assert.match(await textOf(field('lease_seconds')), /In force: 60/);
    assert.match(await textOf(field('mode')), /default/);
    assert.equal(await page.getByLabel(/^Mode/).inputValue(), '');
    const unnamed = (await page.evaluate(`[...document.querySelectorAll('main button, main input, main select')]
      .filter((el) => !((el.labels && [...el.labels].map((l) => l.textContent).join('').trim()) || el.textContent.trim() || el.getAttribute('aria-label')))
      .map((el) => el.outerHTML.slice(0, 100))`)) as string[];
    assert.deepEqual(unnamed, [], 'every control has a name');
    await screenshot(page, 'dashboard-settings');
  });

  test('an invalid value is refused by its field and nothing is saved', async () => {
    const before = conf();
    await page.getByLabel(/^Preferred sync time/).fill('25:00');
    await page.getByLabel(/^Portal address/).fill('https://vendor.example/portal');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await field('sync_time').locator('.setting-error').waitFor();
    assert.match(await textOf(field('sync_time').locator('.setting-error')), /hour must be 0-23, got 25/);
    assert.equal(await page.getByLabel(/^Preferred sync time/).getAttribute('aria-invalid'), 'true');
    assert.match(await textOf(page.getByTestId('notice-error')), /Nothing was saved/);
    assert.equal(conf(), before, 'server.conf is unchanged');
    const info = await s.adminApi<{ portalUrl: string | null }>('GET', '/api/v1/server');
    assert.equal(info.body.portalUrl, null, 'the valid value sent with it was not applied either');
    await screenshot(page, 'dashboard-settings-invalid');
  });

  test('a saved value is in server.conf, in force at once, shown from the file, and audited', async () => {
    await page.getByLabel(/^Preferred sync time/).fill('03:30');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByTestId('notice-ok').waitFor();
    assert.match(await textOf(page.getByTestId('notice-ok')), /Saved .*portal_url.*In force now/);
    assert.match(conf(), /^sync_time = 03:30$/m);
    assert.match(conf(), /^portal_url = https:\/\/vendor\.example\/portal$/m);
    assert.match(await textOf(field('sync_time')), /from server\.conf/);
    const info = await s.adminApi<{ portalUrl: string | null }>('GET', '/api/v1/server');
    assert.equal(info.body.portalUrl, 'https://vendor.example/portal');
    const audit = await s.adminApi<{
      entries: { action: string; target: string; actor: string; detail: { old: unknown; new: unknown } }[];
    }>('GET', '/api/v1/audit?limit=10');
    const entry = audit.body.entries.find((e) => e.action === 'settings.set' && e.target === 'sync_time');
    assert.deepEqual(entry && [entry.actor, entry.detail.old, entry.detail.new], ['user:admin', null, '03:30']);
  });

  test('switching the mode applies at once; a flag-pinned value is saved but stays as the flag says', async () => {
    await page.getByLabel(/^Mode/).selectOption('als');
    await page.getByLabel(/^Lease seconds/).fill('300');
    await page.getByRole('button', { name: 'Save settings' }).click();
    // The last test's notice may still be up: wait for this save's own words.
    await page
      .getByTestId('notice-ok')
      .getByText(/lease_seconds stays as the flag --lease-seconds sets it/)
      .waitFor();
    assert.equal((await s.adminApi<{ mode: string }>('GET', '/api/v1/server')).body.mode, 'als');
    assert.equal(s.server.core.engine.leaseSeconds, 60);
    assert.match(conf(), /^lease_seconds = 300$/m);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Licenses' }).click();
    await page.getByRole('button', { name: 'Create Report File' }).waitFor();
    await screenshot(page, 'dashboard-settings-als-buttons');
  });
});
