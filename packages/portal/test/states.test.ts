/**
 * The portal's states in Chromium: the first screen before the app runs, a failed load with its
 * Retry, the banner while the Cloud does not answer, and times in the viewer's zone (a browser in
 * New York, whatever the zone of the machine running the test).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectedLocalTime } from '@tessera/web-kit/test/browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, newLicenseServer, type PortalCloud, screenshot, startPortalCloud } from './support.js';

const PASSWORD = 'a long and private passphrase';
const ZONE = 'America/New_York';
/** What the page shows for an instant: a date, a time to the minute and the zone's short name. */
const SHOWN_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T$/;

describe('the portal shows loading, failure, staleness and local times', () => {
  let s: PortalCloud;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    s = await startPortalCloud();
    browser = await launchBrowser();
    const customer = await s.api<{ id: string }>('POST', '/api/v1/customers', { name: 'Acme Speech Ltd' });
    const server = await newLicenseServer('lic.acme.example');
    await s.api('POST', '/api/v1/servers', { customerId: customer.body.id, file: server.serverIdFile });
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: ZONE, locale: 'en-US' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(s.url);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(s.initialPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('New password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  test('the page as served shows the app and a loading state before any script runs', async () => {
    const bare = await browser.newContext({ javaScriptEnabled: false });
    const p = await bare.newPage();
    await p.goto(`${s.url}/servers`);
    assert.equal(await p.locator('.boot-bar').textContent(), 'Tessera licensing portal');
    assert.equal(await p.locator('.boot-text').textContent(), 'Loading…');
    await bare.close();
  });

  test('Audit and Servers: times are local, with the zone, the instant in the tooltip', async () => {
    await page.goto(`${s.url}/audit`);
    const at = page.locator('table time').first();
    await at.waitFor();
    const iso = (await at.getAttribute('datetime')) ?? '';
    assert.equal(await at.getAttribute('title'), iso);
    assert.equal(await at.textContent(), expectedLocalTime(iso, ZONE));
    assert.match((await at.textContent()) ?? '', SHOWN_TIME);
    await page.goto(`${s.url}/servers`);
    const registered = page.locator('table time').first();
    await registered.waitFor();
    assert.match((await registered.textContent()) ?? '', SHOWN_TIME);
  });

  test('a failed load says what failed, and Retry loads again', async () => {
    await page.route('**/api/v1/servers*', (route) =>
      route.fulfill({ status: 500, json: { error: { code: 'INTERNAL', message: 'disk on fire' } } }),
    );
    await page.goto(`${s.url}/servers`);
    const failed = page.getByTestId('notice-error');
    await failed.waitFor();
    assert.match((await failed.textContent()) ?? '', /Loading servers failed\..*disk on fire/);
    await screenshot(page, 'states-retry');
    await page.unroute('**/api/v1/servers*');
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('cell', { name: 'lic.acme.example' }).first().waitFor();
    assert.equal(await page.getByTestId('notice-error').count(), 0);
  });

  test('while the Cloud does not answer a banner says so and the page is marked stale, until it is back', async () => {
    await page.goto(`${s.url}/audit`);
    await page.locator('table time').first().waitFor();
    await page.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
    await page.getByRole('button', { name: 'Refresh' }).click();
    const banner = page.getByTestId('server-down');
    await banner.waitFor();
    assert.match((await banner.textContent()) ?? '', /The Cloud is not answering/);
    assert.match((await page.locator('main').getAttribute('class')) ?? '', /\bstale\b/);
    assert.ok((await page.locator('table time').count()) > 0);
    await screenshot(page, 'states-server-down');
    await page.unroute('**/api/v1/**');
    await banner.waitFor({ state: 'detached' });
    assert.doesNotMatch((await page.locator('main').getAttribute('class')) ?? '', /\bstale\b/);
  });
});
