/**
 * The Dashboard's states in Chromium: the first screen before the app runs, a failed load with its
 * Retry, the banner while the server does not answer, and times in the viewer's zone (a browser in
 * New York, whatever the zone of the machine running the test).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectedLocalTime } from '@tessera/web-kit/test/browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type DashboardServer, launchBrowser, screenshot, startDashboardServer } from './support.js';

const PASSWORD = 'a long and private passphrase';
const ZONE = 'America/New_York';
/** What the page shows for an instant: a date, a time to the minute and the zone's short name. */
const SHOWN_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T$/;

describe('the Dashboard shows loading, failure, staleness and local times', () => {
  let s: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let issuedAt = '';

  before(async () => {
    s = await startDashboardServer();
    browser = await launchBrowser();
    await s.adminApi('POST', '/api/v1/licenses', { file: await s.issue([{ name: 'asr', count: 4 }]) });
    const tree = await s.adminApi<{ licenses: { issuedAt: string }[] }>('GET', '/api/v1/licenses');
    issuedAt = tree.body.licenses[0]?.issuedAt ?? '';
    context = await browser.newContext({ viewport: { width: 1360, height: 860 }, timezoneId: ZONE, locale: 'en-US' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(s.adminUrl);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(s.initialPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('New password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Licenses' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  test('the page as served shows the app and a loading state before any script runs', async () => {
    const html = await (await fetch(`${s.adminUrl}/licenses`)).text();
    const root = html.slice(html.indexOf('<div id="root">'));
    assert.match(root, /class="boot-bar">Tessera License Server</);
    assert.match(root, /Loading…/);
    const bare = await browser.newContext({ javaScriptEnabled: false });
    const p = await bare.newPage();
    await p.goto(`${s.adminUrl}/licenses`);
    assert.equal(await p.locator('.boot-text').textContent(), 'Loading…');
    await bare.close();
  });

  test('Licenses: issue and install times are local, with the zone, the instant in the tooltip', async () => {
    await page.goto(`${s.adminUrl}/licenses`);
    const issued = page.locator('[role="tree"] time').first();
    await issued.waitFor();
    assert.equal(await issued.getAttribute('datetime'), new Date(issuedAt).toISOString());
    assert.equal(await issued.getAttribute('title'), new Date(issuedAt).toISOString());
    assert.equal(await issued.textContent(), expectedLocalTime(issuedAt, ZONE));
    assert.match((await issued.textContent()) ?? '', SHOWN_TIME);
    await page.locator('[role="treeitem"]', { hasText: 'rev 1' }).first().click();
    const details = page.locator('dl time');
    await details.first().waitFor();
    for (const t of await details.all()) assert.match((await t.textContent()) ?? '', SHOWN_TIME);
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', /\d{4}-\d\d-\d\dT\d\d:\d\d/);
  });

  test('Audit: entry times are local, with the zone', async () => {
    await page.goto(`${s.adminUrl}/audit`);
    const at = page.locator('table time').first();
    await at.waitFor();
    const iso = (await at.getAttribute('datetime')) ?? '';
    assert.equal(await at.textContent(), expectedLocalTime(iso, ZONE));
    assert.match((await at.textContent()) ?? '', SHOWN_TIME);
  });

  test('a failed load says what failed, and Retry loads again', async () => {
    await page.route('**/api/v1/audit?*', (route) =>
      route.fulfill({ status: 500, json: { error: { code: 'INTERNAL', message: 'disk on fire' } } }),
    );
    await page.goto(`${s.adminUrl}/audit`);
    const failed = page.getByTestId('notice-error');
    await failed.waitFor();
    assert.match((await failed.textContent()) ?? '', /Loading the audit log failed\..*disk on fire/);
    await page.unroute('**/api/v1/audit?*');
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.locator('table time').first().waitFor();
    assert.equal(await page.getByTestId('notice-error').count(), 0);

    // The licenses, asked for before the bundle runs (public/early.js), fail and retry the same way.
    await page.route('**/api/v1/licenses', (route) => route.fulfill({ status: 500, json: {} }));
    await page.goto(`${s.adminUrl}/licenses`);
    await page.getByTestId('notice-error').waitFor();
    assert.match((await page.getByTestId('notice-error').textContent()) ?? '', /Loading the licenses failed\./);
    await screenshot(page, 'states-retry');
    await page.unroute('**/api/v1/licenses');
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.locator('[role="tree"]').waitFor();
    assert.equal(await page.getByTestId('notice-error').count(), 0);
  });

  test('while the server does not answer a banner says so and the page is marked stale, until it is back', async () => {
    await page.goto(`${s.adminUrl}/audit`);
    await page.locator('table time').first().waitFor();
    await page.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
    await page.getByRole('button', { name: 'Refresh' }).click();
    const banner = page.getByTestId('server-down');
    await banner.waitFor();
    assert.match((await banner.textContent()) ?? '', /The License Server is not answering/);
    assert.match((await page.locator('main').getAttribute('class')) ?? '', /\bstale\b/);
    // What was on screen stays, marked.
    assert.ok((await page.locator('table time').count()) > 0);
    await screenshot(page, 'states-server-down');
    await page.unroute('**/api/v1/**');
    await banner.waitFor({ state: 'detached' });
    assert.doesNotMatch((await page.locator('main').getAttribute('class')) ?? '', /\bstale\b/);
  });

  test('the dark scheme follows the system setting', async () => {
    const dark = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'dark' });
    const p = await dark.newPage();
    await p.goto(s.adminUrl);
    await p.getByLabel('User name').waitFor();
    const bg = await p.evaluate('getComputedStyle(document.documentElement).backgroundColor');
    assert.equal(bg, 'rgb(15, 20, 27)');
    await dark.close();
  });
});
