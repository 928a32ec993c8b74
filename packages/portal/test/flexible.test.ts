/**
 * The portal's flexible-licensing page in Chromium against a real Cloud (SQLite): enrollment
 * codes, seats per License Server (saved, re-read from the API, refused in words when over the
 * entitlement), last sync, usage charts per customer and per server from what the servers
 * reported, and one customer kept from another's servers and usage. The License Servers are
 * identities that sign their own Reports, sent to `POST /v1/sync` as a real server sends them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hourMark, type UsageHour } from '@tessera/core';
import type { Browser, Page } from 'playwright-core';
import {
  launchBrowser,
  newLicenseServer,
  type PortalCloud,
  screenshot,
  startPortalCloud,
  type TestLicenseServer,
  unnamedControls,
} from './support.js';

const VIEWPORT = { width: 1360, height: 900 };
const VENDOR_PASSWORD = 'a long vendor passphrase';
const GLOBEX_PASSWORD = 'globex admin passphrase';
const HOUR_MS = 3_600_000;

interface ServerAllocation {
  features: { feature: string; count: number }[];
}
interface UsageAnswer {
  totals: { feature: string; peakSeats: number; seatSeconds: number; checkouts: number; denials: number }[];
}

describe('flexible licensing in the portal', { timeout: 180_000 }, () => {
  let s: PortalCloud;
  let browser: Browser;
  let vendor: Page;
  let globexPage: Page;
  let acme = '';
  let globex = '';
  let flex01: TestLicenseServer;
  let flex02: TestLicenseServer;
  let globex01: TestLicenseServer;
  // Two closed hours, reported by the servers below.
  const h1 = hourMark(Date.now() - 2 * HOUR_MS);
  const h2 = hourMark(Date.now() - HOUR_MS);
  const flex01Usage: UsageHour[] = [
    { feature: 'asr', hour: h1, peakSeats: 2, seatSeconds: 5400, checkouts: 4, denials: 0 },
    { feature: 'asr', hour: h2, peakSeats: 3, seatSeconds: 7200, checkouts: 2, denials: 1 },
    { feature: 'tts', hour: h1, peakSeats: 1, seatSeconds: 1800, checkouts: 1, denials: 0 },
  ];
  const flex02Usage: UsageHour[] = [
    { feature: 'asr', hour: h1, peakSeats: 1, seatSeconds: 3600, checkouts: 1, denials: 0 },
  ];
  const globexUsage: UsageHour[] = [
    { feature: 'asr', hour: h2, peakSeats: 4, seatSeconds: 10800, checkouts: 9, denials: 2 },
  ];

  const ok = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await s.api<T>(method, path, body);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  /** A server's sync, as `POST /v1/sync` takes it (the Report's signature is the credential). */
  const sync = async (srv: TestLicenseServer, usage: UsageHour[], code?: string) => {
    const res = await fetch(`${s.url}/v1/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ report: await srv.report(usage, code) }),
    });
    assert.equal(res.status, 200, await res.text());
  };
  const setPassword = async (username: string, current: string, next: string) => {
    const res = await fetch(`${s.url}/api/v1/me/password`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${username}:${current}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ current, next }),
    });
    assert.equal(res.status, 204, await res.text());
  };
  const signIn = async (page: Page, username: string, password: string) => {
    await page.goto(`${s.url}/`);
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
  };
  /** Opens a path (with its query) the way a link does, and waits until nothing is loading. */
  const open = async (page: Page, href: string) => {
    await page.evaluate(
      `history.pushState(null, '', ${JSON.stringify(href)}); dispatchEvent(new PopStateEvent('popstate'))`,
    );
    await page
      .locator(`main[data-path="${new URL(href, s.url).pathname}"] h1`)
      .first()
      .waitFor();
    await settled(page);
  };
  const settled = async (page: Page, timeoutMs = 10_000) => {
    const start = Date.now();
    while (!(await page.evaluate(`!document.querySelector('[aria-busy="true"]')`))) {
      if (Date.now() - start > timeoutMs) throw new Error(`${page.url()} still loading after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const serverRow = (page: Page, srv: TestLicenseServer) => page.locator(`tr[data-server="${srv.serverId}"]`);
  /** The seats a row shows per feature: `{ asr: [count, delivered] }` (delivered = count when no note). */
  const rowSeats = async (page: Page, srv: TestLicenseServer) => {
    const items = serverRow(page, srv).locator('li[data-feature]');
    const out: Record<string, [number, number]> = {};
    for (let i = 0; i < (await items.count()); i++) {
      const li = items.nth(i);
      const count = Number(await li.locator('[data-field="count"]').textContent());
      const note = li.locator('[data-field="delivered"]');
      const delivered = (await note.count()) ? Number(/has (\d+)/.exec((await note.textContent()) ?? '')?.[1]) : count;
      out[(await li.getAttribute('data-feature')) as string] = [count, delivered];
    }
    return out;
  };
  /** The totals printed beside a feature's chart. */
  const totals = async (page: Page, feature: string) => {
    const dl = page.getByTestId(`usage-totals-${feature}`);
    await dl.waitFor();
    const field = async (f: string) =>
      Number(((await dl.locator(`[data-field="${f}"]`).textContent()) ?? '').split('/')[0]);
    return {
      peak: await field('peak'),
      seatHours: await field('seat-hours'),
      checkouts: await field('checkouts'),
      denials: await field('denials'),
      servers: await field('servers'),
    };
  };
  const seatHoursOf = (rows: UsageHour[], feature: string) =>
    rows.filter((u) => u.feature === feature).reduce((a, u) => a + u.seatSeconds, 0) / 3600;
  const sumOf = (rows: UsageHour[], feature: string, k: 'checkouts' | 'denials') =>
    rows.filter((u) => u.feature === feature).reduce((a, u) => a + u[k], 0);
  const changeSeats = async (page: Page, srv: TestLicenseServer, seats: Record<string, number>) => {
    await page.getByRole('button', { name: `Change seats on ${srv.hostName}` }).click();
    const dialog = page.getByRole('dialog', { name: `Seats on ${srv.hostName}` });
    await dialog.waitFor();
    for (const [feature, n] of Object.entries(seats)) {
      await dialog.getByLabel(`Seats of ${feature}`).fill(String(n));
    }
    await dialog.getByRole('button', { name: 'Save seats' }).click();
    return dialog;
  };

  before(async () => {
    s = await startPortalCloud();
    await setPassword('admin', s.initialPassword, VENDOR_PASSWORD);
    for (const name of ['asr', 'tts']) await ok('POST', '/api/v1/features', { name });
    acme = (await ok<{ id: string }>('POST', '/api/v1/customers', { name: 'Acme Speech Ltd' })).id;
    globex = (await ok<{ id: string }>('POST', '/api/v1/customers', { name: 'Globex Corporation' })).id;
    await ok('POST', '/api/v1/entitlements', { customerId: acme, type: 'flexible', feature: 'asr', count: 5 });
    await ok('POST', '/api/v1/entitlements', { customerId: acme, type: 'flexible', feature: 'tts', count: 2 });
    await ok('POST', '/api/v1/entitlements', { customerId: globex, type: 'flexible', feature: 'asr', count: 4 });
    await ok('POST', '/api/v1/users', {
      username: 'globex-admin',
      role: 'customer',
      customerId: globex,
      password: 'initial globex password',
    });
    await setPassword('globex-admin', 'initial globex password', GLOBEX_PASSWORD);
    flex01 = await newLicenseServer('flex01.acme.example');
    flex02 = await newLicenseServer('flex02.acme.example');
    globex01 = await newLicenseServer('lic.globex.example');

    browser = await launchBrowser();
    const vendorContext = await browser.newContext({ viewport: VIEWPORT });
    await vendorContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.url });
    vendor = await vendorContext.newPage();
    globexPage = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    vendor.setDefaultTimeout(10_000);
    globexPage.setDefaultTimeout(10_000);
    await signIn(vendor, 'admin', VENDOR_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  test('vendor staff make an enrollment code, shown once and copyable; the server enrolls with it at its first sync', async () => {
    await open(vendor, `/flexible?customer=${acme}`);
    await vendor.getByTestId('flexible-servers').getByText('No flexible License Server yet').waitFor();
    await vendor.getByRole('button', { name: 'Make an enrollment code' }).click();
    const code = ((await vendor.getByTestId('enrollment-code').textContent()) ?? '').trim();
    assert.match(code, /^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
    await vendor.getByRole('button', { name: 'Copy the enrollment code' }).click();
    await vendor.getByText('Copied ✓').waitFor();
    assert.equal(await vendor.evaluate('navigator.clipboard.readText()'), code);
    const made = await ok<{ id: string; usedAt: string | null }[]>('GET', `/api/v1/enrollments?customerId=${acme}`);
    assert.deepEqual(
      made.map((e) => e.usedAt),
      [null],
      'one code, unused',
    );

    await sync(flex01, [], code);
    await vendor.getByRole('button', { name: 'Refresh' }).click();
    await serverRow(vendor, flex01).waitFor();
    const row = serverRow(vendor, flex01);
    assert.match((await row.textContent()) ?? '', /flex01\.acme\.example/);
    assert.equal(((await row.locator('[data-field="counters"]').textContent()) ?? '').replace(/\s/g, ''), '1/1');
    const status = await ok<{ lastSyncAt: string }>('GET', `/api/v1/servers/${flex01.serverId}/sync`);
    // The cell's first time is the last sync (its "valid until" follows).
    const lastSync = row.locator('[data-field="last-sync"] time').first();
    assert.equal(await lastSync.getAttribute('datetime'), status.lastSyncAt);
    const shown = (await lastSync.textContent()) ?? '';
    const local = (await vendor.evaluate(`(() => {
      const d = new Date(${JSON.stringify(status.lastSyncAt)});
      const p = (n) => String(n).padStart(2, '0');
      const zone = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' }).formatToParts(d)
        .find((x) => x.type === 'timeZoneName').value;
      return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' + p(d.getMinutes()) + ' ' + zone;
    })()`)) as string;
    assert.equal(shown, local, 'the last sync in the browser’s local time, with its zone');
    await vendor.locator('details.codes summary').click();
    await vendor.locator('details.codes').getByText('used by').waitFor();
  });

  test('seats set on a server are saved (re-read from the API), pending until its next sync, then delivered', async () => {
    const dialog = await changeSeats(vendor, flex01, { asr: 3, tts: 1 });
    await dialog.waitFor({ state: 'hidden' });
    const saved = (await vendor.getByTestId('notice-ok').textContent()) ?? '';
    assert.match(saved, /flex01\.acme\.example gets asr 3, tts 1 at its next sync/);
    const alloc = await ok<ServerAllocation>('GET', `/api/v1/servers/${flex01.serverId}/allocations`);
    assert.deepEqual(
      alloc.features.map((f) => [f.feature, f.count]),
      [
        ['asr', 3],
        ['tts', 1],
      ],
    );
    assert.deepEqual(await rowSeats(vendor, flex01), { asr: [3, 0], tts: [1, 0] });
    await serverRow(vendor, flex01).getByText('at next sync').waitFor();
    assert.match((await vendor.locator('[data-pool="asr"]').textContent()) ?? '', /3 of 5 used/);

    await sync(flex01, flex01Usage);
    await vendor.getByRole('button', { name: 'Refresh' }).click();
    await serverRow(vendor, flex01).locator('[data-field="counters"]').filter({ hasText: '2' }).waitFor();
    assert.deepEqual(await rowSeats(vendor, flex01), { asr: [3, 3], tts: [1, 1] });
    assert.equal(await serverRow(vendor, flex01).getByText('at next sync').count(), 0);
  });

  test('more seats than the entitlement has free are refused in words, and nothing changes', async () => {
    const dialog = await changeSeats(vendor, flex01, { asr: 9 });
    await dialog.getByText('Only 5 seats free for this server').waitFor();
    const alert = dialog.getByTestId('notice-error');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    assert.match(text, /Change seats failed\. There are not that many free seats in the entitlement\./);
    assert.match(text, /9 seats of asr asked for .*but only 5 are free/);
    assert.match(text, /OVER_ALLOCATION/);
    await screenshot(vendor, 'flexible-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const alloc = await ok<ServerAllocation>('GET', `/api/v1/servers/${flex01.serverId}/allocations`);
    assert.deepEqual(
      alloc.features.map((f) => [f.feature, f.count]),
      [
        ['asr', 3],
        ['tts', 1],
      ],
      'the allocation is as it was',
    );
    assert.deepEqual(await rowSeats(vendor, flex01), { asr: [3, 3], tts: [1, 1] });

    // A second server of the same customer, for the per-server charts.
    const { code } = await ok<{ code: string }>('POST', '/api/v1/enrollments', { customerId: acme });
    await sync(flex02, [], code);
    await ok('PUT', `/api/v1/servers/${flex02.serverId}/allocations`, { features: [{ feature: 'asr', count: 1 }] });
    await sync(flex02, flex02Usage);
    await vendor.getByRole('button', { name: 'Refresh' }).click();
    await serverRow(vendor, flex02).waitFor();
    assert.deepEqual(await rowSeats(vendor, flex02), { asr: [1, 1] });
    await screenshot(vendor, 'flexible-servers');
  });

  test('usage charts show what the servers reported, per customer and per server, with totals as numbers', async () => {
    await vendor
      .getByRole('navigation', { name: 'Flexible licensing views' })
      .getByRole('link', { name: 'Usage' })
      .click();
    await vendor.getByTestId('usage-charts').waitFor();
    await settled(vendor);
    const both = [...flex01Usage, ...flex02Usage];
    const acmeAsr = await totals(vendor, 'asr');
    assert.deepEqual(acmeAsr, {
      // h1: 2 + 1 on two servers; h2: 3 on one.
      peak: 3,
      seatHours: seatHoursOf(both, 'asr'),
      checkouts: sumOf(both, 'asr', 'checkouts'),
      denials: sumOf(both, 'asr', 'denials'),
      servers: 2,
    });
    assert.equal(acmeAsr.seatHours, 4.5);
    const api = await ok<UsageAnswer>('GET', `/api/v1/usage?customerId=${acme}&days=7&bucket=hour`);
    const apiAsr = api.totals.find((t) => t.feature === 'asr')!;
    assert.equal(acmeAsr.seatHours, apiAsr.seatSeconds / 3600, 'the page and the API agree');
    assert.equal(acmeAsr.checkouts, apiAsr.checkouts);
    assert.deepEqual((await totals(vendor, 'tts')).seatHours, seatHoursOf(flex01Usage, 'tts'));
    // The bars: one per hour, the peaks added over the servers.
    const chart = vendor.locator('[data-usage-feature="asr"] svg');
    assert.equal(await chart.locator(`rect[data-t="${h1}"]`).getAttribute('data-peak'), '3');
    assert.equal(await chart.locator(`rect[data-t="${h2}"]`).getAttribute('data-peak'), '3');
    assert.match((await chart.locator('desc').textContent()) ?? '', /4\.5 seat-hours/);
    // The table alternative has the same figures.
    await vendor.locator('[data-usage-feature="asr"] details summary').click();
    const h1Row = vendor.locator(`[data-usage-feature="asr"] tr[data-t="${h1}"] td`);
    assert.deepEqual(await h1Row.allTextContents(), ['3', '2.5', '5', '0']);
    const byServer = vendor.getByTestId('usage-by-server');
    assert.equal(
      await byServer
        .locator(`tr[data-server="${flex02.serverId}"][data-feature="asr"] [data-field="seat-hours"]`)
        .textContent(),
      '1',
    );
    await screenshot(vendor, 'flexible-usage');

    await vendor.getByLabel('Server', { exact: true }).selectOption({ label: 'flex01.acme.example' });
    await vendor.locator('[data-usage-feature="asr"] [data-field="servers"]').filter({ hasText: /^1$/ }).waitFor();
    await settled(vendor);
    assert.deepEqual(await totals(vendor, 'asr'), {
      peak: 3,
      seatHours: seatHoursOf(flex01Usage, 'asr'),
      checkouts: sumOf(flex01Usage, 'asr', 'checkouts'),
      denials: sumOf(flex01Usage, 'asr', 'denials'),
      servers: 1,
    });
    assert.match(
      (await vendor.getByTestId('usage-totals-asr').locator('[data-field="peak"]').textContent()) ?? '',
      /3 \/ 3/,
      'against the seats allocated to the server',
    );
    assert.equal(
      await vendor.locator(`[data-usage-feature="asr"] rect[data-t="${h1}"]`).getAttribute('data-peak'),
      '2',
    );
    await screenshot(vendor, 'flexible-usage-server');
  });

  test("a customer's user sees and changes only its own servers, and sees only its own usage", async () => {
    const { code } = await ok<{ code: string }>('POST', '/api/v1/enrollments', { customerId: globex });
    await sync(globex01, [], code);
    await sync(globex01, globexUsage);
    await signIn(globexPage, 'globex-admin', GLOBEX_PASSWORD);
    await open(globexPage, '/flexible');
    await serverRow(globexPage, globex01).waitFor();
    assert.equal(await globexPage.locator('tr[data-server]').count(), 1, 'its one server, no other');
    const body = (await globexPage.locator('main').textContent()) ?? '';
    assert.doesNotMatch(body, /acme\.example/);
    assert.doesNotMatch(body, new RegExp(flex01.serverId));

    // A customer's admin sets the seats of its own server, within its own entitlement.
    const dialog = await changeSeats(globexPage, globex01, { asr: 4 });
    await dialog.waitFor({ state: 'hidden' });
    const alloc = await ok<ServerAllocation>('GET', `/api/v1/servers/${globex01.serverId}/allocations`);
    assert.deepEqual(
      alloc.features.map((f) => [f.feature, f.count]),
      [['asr', 4]],
    );

    // Usage: its own numbers only, even when the address names another customer's server.
    await open(globexPage, `/flexible?view=usage&server=${flex01.serverId}`);
    await globexPage.getByTestId('usage-charts').waitFor();
    assert.deepEqual(await totals(globexPage, 'asr'), {
      peak: 4,
      seatHours: seatHoursOf(globexUsage, 'asr'),
      checkouts: sumOf(globexUsage, 'asr', 'checkouts'),
      denials: sumOf(globexUsage, 'asr', 'denials'),
      servers: 1,
    });
    assert.equal(await globexPage.getByTestId('usage-totals-tts').count(), 0, 'no feature of another customer');
    assert.deepEqual(await globexPage.getByLabel('Server', { exact: true }).locator('option').allTextContents(), [
      'All servers',
      'lic.globex.example',
    ]);

    // And the API behind the page, with this user's session.
    const status = (path: string) => globexPage.evaluate(`fetch(${JSON.stringify(path)}).then((r) => r.status)`);
    assert.equal(await status(`/api/v1/usage?serverId=${flex01.serverId}`), 404);
    assert.equal(await status(`/api/v1/usage?customerId=${acme}`), 404);
    assert.equal(await status(`/api/v1/flexible/servers?customerId=${acme}`), 404);
    assert.equal(await status(`/api/v1/servers/${flex01.serverId}/sync`), 404);
    const own = (await globexPage.evaluate(`fetch('/api/v1/flexible/servers').then((r) => r.json())`)) as {
      id: string;
    }[];
    assert.deepEqual(
      own.map((x) => x.id),
      [globex01.serverId],
    );
    await screenshot(globexPage, 'flexible-customer-usage');
  });

  test('every control of both views has an accessible name', async () => {
    for (const href of [`/flexible?customer=${acme}`, `/flexible?customer=${acme}&view=usage`]) {
      await open(vendor, href);
      const unnamed = await unnamedControls(vendor, 'button, input, select, textarea, a, svg[role="img"]');
      assert.deepEqual(unnamed, [], `${href}: controls without a name`);
    }
  });
});
