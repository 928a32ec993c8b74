/**
 * The Usage page in Chromium: peak seats against the seats licensed over a chosen range, refusals
 * explained by code, every bar readable by keyboard, and the hours shown saved as CSV.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { LicenseClient, parseServerAddress } from '@tessera/client';
import type { Browser, Page } from 'playwright-core';
import {
  type DashboardServer,
  launchBrowser,
  screenshot,
  seedUsageHistory,
  signInFirstTime,
  startDashboardServer,
} from './support.js';

describe('the Usage page', () => {
  let s: DashboardServer;
  let browser: Browser;
  let page: Page;
  let client: LicenseClient;

  before(async () => {
    s = await startDashboardServer();
    await s.adminApi('POST', '/api/v1/licenses', { file: await s.issue([{ name: 'asr', count: 2 }]) });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await signInFirstTime(page, s, 'a long and private passphrase');
    client = new LicenseClient(
      { servers: [parseServerAddress(s.clientUrl)], cacheSeconds: 0 },
      { clientId: 'build-agent-7', host: 'ci-runner-3', app: 'speech-batch', version: '4.2.0' },
    );
  });
  after(async () => {
    await client?.close();
    await browser?.close();
    await s?.stop();
  });

  test('the usage page charts peak seats, explains refusals, and reads by keyboard', async () => {
    const a = await client.checkout('asr');
    const b = await client.checkout('asr');
    const c = await client.checkout('asr');
    assert.ok(a.ok && b.ok && !c.ok);
    seedUsageHistory(s);
    await page.goto(`${s.adminUrl}/usage`);
    const card = page.getByRole('region', { name: 'asr' });
    await card.waitFor();
    // Refusals by code over the week: this test's NO_SEATS and the made-up week's.
    const refusals = (await card.locator('.refusals').textContent()) ?? '';
    assert.match(refusals, /\d+ × NO_SEATS \(all seats in use\)/);
    assert.match(refusals, /\d+ × MAINTENANCE_EXPIRED \(client's release after the maintenance date\)/);
    // The chart is a slider: End picks the running hour, which holds this test's refusal.
    const slider = card.getByRole('slider', { name: /asr: hour to read/ });
    await slider.focus();
    await page.keyboard.press('End');
    const detail = card.locator('.usage-detail');
    assert.match(
      (await detail.textContent()) ?? '',
      /^\d{4}-\d\d-\d\d \d\d:00 \S+: peak [23] of 2 seats, \d+ checkouts, refused 1 \(NO_SEATS 1\), [\d.]+ seat-hours$/,
    );
    assert.equal(await slider.getAttribute('aria-valuetext'), await detail.textContent());
    const last = Number(await slider.getAttribute('aria-valuenow'));
    assert.equal(last, 167, 'a week is 168 hours, one bar each');
    await page.keyboard.press('ArrowLeft');
    assert.equal(Number(await slider.getAttribute('aria-valuenow')), last - 1);
    await screenshot(page, '07-usage');

    // 30 days: one bar per local day, the figures asked for again.
    const asked = page.waitForRequest((r) => r.url().includes('/api/v1/usage?days=30'));
    await page.getByRole('radio', { name: '30 days' }).check();
    await asked;
    const monthly = page.getByRole('slider', { name: /asr: day to read/ });
    await monthly.waitFor();
    const bars = Number(await monthly.getAttribute('aria-valuemax')) + 1;
    assert.ok(bars >= 30 && bars <= 31, `30 days of hours make 30 or 31 local days, not ${bars}`);
    await monthly.focus();
    await page.keyboard.press('End');
    assert.match((await card.locator('.usage-detail').textContent()) ?? '', /^\d{4}-\d\d-\d\d \(day\): peak/);
    await screenshot(page, '07b-usage-30-days');

    // CSV of the hours shown: every hour of the range, the refusals by code as columns.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n');
    assert.equal(
      csv[0],
      'hour_local,hour_utc,feature,licensed,peak_seats,checkouts,seat_seconds,refused_no_seats,refused_maintenance_expired',
    );
    assert.equal(csv.length, 1 + 30 * 24);
    assert.match(csv.at(-1)!, /^\d{4}-\d\d-\d\d \d\d:00 \S+,\d{4}-\d\d-\d\dT\d\d:00:00\.000Z,asr,2,[23],\d+,\d+,1,0$/);
  });
});
