/**
 * The Sessions page in Chromium: every seat holder across licenses and features, sorted, filtered and
 * paged by the server, live, released one or many with the keyboard, exported as CSV.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  type DashboardServer,
  launchBrowser,
  screenshot,
  signInFirstTime,
  startDashboardServer,
  unnamedControls,
} from './support.js';

const PASSWORD = 'a long and private passphrase';
const LEASES = 120;

describe('the Sessions page', () => {
  let s: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  async function take(feature: string, id: string, host: string): Promise<string> {
    const r = await s.server.core.engine.checkout({ feature, client: { id, host, app: 'cad', version: '3.2' } });
    assert.ok(r.ok, JSON.stringify(r));
    return r.lease.leaseId;
  }
  const sub = () => page.locator('.page-head .sub');
  const rows = () => page.locator('table.seats-table tbody tr');

  before(async () => {
    s = await startDashboardServer();
    browser = await launchBrowser();
    const file = await s.issue([
      { name: 'asr', count: 200 },
      { name: 'tts', count: 200 },
    ]);
    await s.adminApi('POST', '/api/v1/licenses', { file });
    for (let i = 0; i < LEASES; i++) {
      // The newest lease must be newest to the millisecond (ids begin with it): the tests name it.
      if (i === LEASES - 1) await new Promise((r) => setTimeout(r, 2));
      await take(i % 3 === 0 ? 'tts' : 'asr', `user-${String(i).padStart(3, '0')}`, `ws-${i % 10}`);
    }
    context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await signInFirstTime(page, s, PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  test('the navigation leads to every lease, newest first, a page of 50 at a time', async () => {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('heading', { name: 'Sessions', exact: true }).waitFor();
    await page.getByText(`${LEASES} leases held on this server`).waitFor();
    assert.equal(await rows().count(), 50);
    assert.match((await rows().first().textContent()) ?? '', /user-119/);
    assert.equal(await page.locator('th[aria-sort="descending"]').textContent(), 'Since▼');
    const since = rows().first().locator('time').first();
    assert.match((await since.getAttribute('title')) ?? '', /^\d{4}-\d\d-\d\dT.*Z$/);
    assert.equal(
      await page.getByRole('navigation', { name: 'Pages of seat holders' }).getByText('Page 1 of 3').count(),
      1,
    );
    assert.deepEqual(await unnamedControls(page, 'button, input, select'), []);
    await screenshot(page, 'sessions-list');
  });

  test('a heading sorts by its column, and again the other way', async () => {
    const user = page.getByRole('button', { name: 'User', exact: true });
    await user.click();
    await page.locator('th[aria-sort="ascending"]', { hasText: 'User' }).waitFor();
    await rows().first().getByRole('cell', { name: 'user-000', exact: true }).waitFor();
    await user.click();
    await rows().first().getByRole('cell', { name: 'user-119', exact: true }).waitFor();
    assert.equal(await page.locator('th[aria-sort="descending"]', { hasText: 'User' }).count(), 1);
  });

  test('filters by feature, user, host and search, and says when nothing matches', async () => {
    await page.getByLabel('Feature', { exact: true }).selectOption('tts');
    await page.getByText('40 leases match the filters.').waitFor();
    await page.getByLabel('Host', { exact: true }).fill('ws-3');
    await page.getByText('4 leases match the filters.').waitFor();
    for (const t of await rows().locator('td:nth-child(5)').allTextContents()) assert.equal(t, 'ws-3');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByText(`${LEASES} leases held on this server`).waitFor();
    await page.getByLabel('User', { exact: true }).fill('user-042');
    await page.getByText('1 lease matches the filters.').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Search', { exact: true }).fill('SER-05');
    await page.getByText('10 leases match the filters.').waitFor();
    await page.getByLabel('Search', { exact: true }).fill('nobody-has-this');
    await page.getByText('No lease matches these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByText(`${LEASES} leases held on this server`).waitFor();
  });

  test('the page shown stays while leases come and go live', async () => {
    await page.getByRole('button', { name: 'Since', exact: true }).click();
    await page.locator('th[aria-sort="descending"]', { hasText: 'Since' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2 of 3').waitFor();
    const firstOnPage2 = await rows().first().textContent();
    await take('asr', 'late-comer', 'ws-late');
    await page.getByText(`${LEASES + 1} leases held on this server`).waitFor();
    assert.equal(await page.getByText('Page 2 of 3').count(), 1, 'still on page 2');
    assert.notEqual(await rows().first().textContent(), firstOnPage2, 'the rows moved by one');
    await page.getByRole('button', { name: 'First' }).click();
    await rows().first().getByRole('cell', { name: 'late-comer', exact: true }).waitFor();
  });

  test('leases are selected with the keyboard across pages, kept live, and released after a confirmation', async () => {
    await page.getByLabel('Select the lease of user-119 on ws-9 (asr)').focus();
    await page.keyboard.press('Space');
    await page.getByText('1 selected').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2 of 3').waitFor();
    await page.getByLabel('Select every lease on this page').focus();
    await page.keyboard.press('Space');
    await page.getByText('51 selected').waitFor();
    await take('tts', 'another', 'ws-x');
    await page.getByText(`${LEASES + 2} leases held on this server`).waitFor();
    assert.equal(await page.getByText('51 selected').count(), 1, 'a live reload keeps the selection');

    await page.getByRole('button', { name: 'Release selected' }).click();
    const dialog = page.getByRole('dialog', { name: 'Release 51 seats?' });
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /user-119 on ws-9 \(asr\).*and 46 more/);
    await screenshot(page, 'sessions-release-confirm');
    const before = s.server.core.engine.leaseCount;
    await dialog.getByRole('button', { name: 'Release 51 seats' }).click();
    await page.getByText(/Released 51 seats; their applications hear so at the next heartbeat\./).waitFor();
    assert.equal(s.server.core.engine.leaseCount, before - 51);
    await page.getByText('None selected').waitFor();
    const audit = await s.adminApi<{ entries: { action: string; actor: string; outcome: string }[] }>(
      'GET',
      '/api/v1/audit?limit=100',
    );
    const released = audit.body.entries.filter((e) => e.action === 'lease.release' && e.outcome === 'ok');
    assert.equal(released.length, 51);
    assert.ok(released.every((e) => e.actor === 'user:admin'));
    await page.getByText(`${LEASES + 2 - 51} leases held on this server`).waitFor();
  });

  test('one seat is released from its row, after a confirmation', async () => {
    await page.getByRole('button', { name: 'First' }).click();
    await page.getByText(/^Page 1 of/).waitFor();
    const target = rows().first();
    const who = (await target.locator('td:nth-child(4)').textContent()) ?? '';
    await target.getByRole('button', { name: /^Release the seat of/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Release this seat?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await page.getByRole('cell', { name: who, exact: true }).count(), 1, 'cancel changes nothing');
    await target.getByRole('button', { name: /^Release the seat of/ }).click();
    await dialog.getByRole('button', { name: 'Release seat' }).click();
    await page.getByText(/Released 1 seat; its application hears so/).waitFor();
    await page.getByRole('cell', { name: who, exact: true }).waitFor({ state: 'detached' });
  });

  test('Export CSV saves what the filters match', async () => {
    await page.getByLabel('Feature', { exact: true }).selectOption('asr');
    // The count of the asr filter itself, not one a previous filter left on screen.
    const asr = await s.adminApi<{ total: number }>('GET', '/api/v1/seats?feature=asr&limit=1');
    await page.getByText(new RegExp(`^${asr.body.total} leases match the filters`)).waitFor();
    const shown = Number(((await sub().textContent()) ?? '').match(/^(\d+) leases/)?.[1]);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'seats.csv');
    const lines = readFileSync((await download.path())!, 'utf8').split('\r\n');
    assert.equal(lines[0], 'lease id,feature,count,user,host,app,version,license,since,expires');
    assert.equal(lines.length - 2, shown, 'a line per lease the filters match');
    assert.ok(lines.slice(1, -1).every((l) => l.split(',')[1] === 'asr'));
    await page.getByRole('button', { name: 'Clear filters' }).click();
  });

  test('a failed load says so, and Retry loads again', async () => {
    await page.route('**/api/v1/seats?*', (route) =>
      route.fulfill({ status: 500, json: { error: { code: 'INTERNAL', message: 'disk on fire' } } }),
    );
    await page.goto(`${s.adminUrl}/sessions`);
    const failed = page.getByTestId('notice-error');
    await failed.waitFor();
    assert.match((await failed.textContent()) ?? '', /Loading the sessions failed\..*disk on fire/);
    assert.equal(await page.getByText('The seat holders could not be loaded.').count(), 1);
    await screenshot(page, 'sessions-failed');
    await page.unroute('**/api/v1/seats?*');
    await page.getByRole('button', { name: 'Retry' }).click();
    await rows().first().waitFor();
    assert.equal(await page.getByTestId('notice-error').count(), 0);
  });

  test('a View user sees every holder but has nothing to select or release', async () => {
    await s.adminApi('POST', '/api/v1/users', { username: 'watcher', password: 'watcher password 1', role: 'view' });
    const other = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    try {
      const v = await other.newPage();
      await v.goto(s.adminUrl);
      await v.getByLabel('User name').fill('watcher');
      await v.getByLabel('Password').fill('watcher password 1');
      await v.getByRole('button', { name: 'Sign in' }).click();
      await v.getByLabel('New password', { exact: true }).fill('watcher password 2');
      await v.getByLabel('New password again').fill('watcher password 2');
      await v.getByRole('button', { name: 'Change password' }).click();
      await v.getByRole('tree').waitFor();
      await v.goto(`${s.adminUrl}/sessions`);
      await v.locator('table.seats-table tbody tr').first().waitFor();
      assert.equal(await v.getByRole('checkbox').count(), 0);
      assert.equal(await v.getByRole('button', { name: /Release/ }).count(), 0);
      assert.equal(await v.getByRole('button', { name: 'Export CSV' }).count(), 1);
    } finally {
      await other.close();
    }
  });
});
