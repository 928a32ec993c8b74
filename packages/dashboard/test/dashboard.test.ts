/**
 * The Dashboard in Chromium against a real License Server: what an operator does, start to
 * finish. The steps share one server and one page, in order.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LicenseClient, parseServerAddress } from '@tessera/client';
import { verifyServerId } from '@tessera/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  type DashboardServer,
  daysFromNow,
  launchBrowser,
  screenshot,
  startDashboardServer,
  unnamedControls,
} from './support.js';

const NEW_PASSWORD = 'a long and private passphrase';

describe('the Dashboard in a browser', () => {
  let s: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let client: LicenseClient;
  let licenseId = '';

  const inUse = (lic: string, feature: string) => page.locator(`[data-inuse="${lic}:${feature}"]`);
  const treeText = async () => (await page.locator('[role="tree"]').textContent()) ?? '';
  const licenseCount = async () =>
    (await s.adminApi<{ licenses: unknown[] }>('GET', '/api/v1/licenses')).body.licenses.length;

  let portal: Server;

  /** Polls an expression in the page (string evaluation is not subject to the page's CSP). */
  const waitUntil = async (expr: string, timeoutMs = 5000) => {
    const start = Date.now();
    while (!(await page.evaluate(expr))) {
      if (Date.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${expr}`);
      await new Promise((r) => setTimeout(r, 15));
    }
    return Date.now() - start;
  };
  const inUseIs = (lic: string, feature: string, n: number) =>
    `document.querySelector('[data-inuse="${lic}:${feature}"]')?.textContent === '${n}'`;

  before(async () => {
    // The vendor portal "Go To Website" opens: a page on loopback.
    portal = createServer((_req, res) => res.end('<!doctype html><title>Vendor portal</title><h1>Portal</h1>'));
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
    const portalUrl = `http://127.0.0.1:${(portal.address() as { port: number }).port}/portal`;
    s = await startDashboardServer({ portalUrl });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1360, height: 860 }, acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    client = new LicenseClient(
      { servers: [parseServerAddress(s.clientUrl)], cacheSeconds: 0 },
      { clientId: 'build-agent-7', host: 'ci-runner-3', app: 'speech-batch', version: '4.2.0' },
    );
  });
  after(async () => {
    await client?.close();
    await browser?.close();
    await s?.stop();
    portal?.close();
  });

  test('sign-in with the initial password leads to the forced password change', async () => {
    await page.goto(s.adminUrl);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(
      await page.getByTestId('notice-error').locator('.notice-body').textContent(),
      'Wrong user name or password.',
      'a wrong password says only that',
    );
    await page.getByLabel('Password').fill(s.initialPassword);
    await screenshot(page, '01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    assert.equal(await page.locator('[role="tree"]').count(), 0, 'nothing but the password change is shown');
    assert.equal(await page.getByLabel('Initial password').count(), 0, 'the password just typed is not asked again');
    // After a reload the page no longer knows it, and asks.
    await page.reload();
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('Initial password').fill(s.initialPassword);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await screenshot(page, '02-change-password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Licenses' }).waitFor();
    await page.getByText('No license is installed yet').waitFor();
    assert.ok(!existsSync(join(s.dataDir, 'initial-admin-password')), 'the initial password file is gone');
    assert.equal(new URL(page.url()).pathname, '/licenses');
  });

  test('Make Server ID File downloads info.bts, signed by this server', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Make Server ID File', exact: true }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'info.bts');
    const text = readFileSync((await download.path())!, 'utf8');
    const { claims } = await verifyServerId(text);
    assert.equal(claims.serverId, s.server.core.identity.serverId);
    await page.getByText('Saved info.bts').waitFor();
  });

  test('Install License takes a file upload, and the license shows in the tree', async () => {
    const file = await s.issue(
      [
        { name: 'asr', count: 4 },
        { name: 'tts', count: 2 },
      ],
      { maintenanceUntil: daysFromNow(12), customer: 'Acme Speech Ltd' },
    );
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Install License', exact: true }).click();
    await (await chooser).setFiles(s.file('acme.lic', file));
    await page.getByText(/Installed license lic_/).waitFor();
    const tree = (await s.adminApi<{ licenses: { licenseId: string }[] }>('GET', '/api/v1/licenses')).body;
    licenseId = tree.licenses[0]!.licenseId;
    // The tree shows the id shortened, whole in its tooltip; the details show it whole with a copy button.
    const title = page.locator(`[data-node="lic:${licenseId}"] .node-title`);
    assert.equal(await title.textContent(), `${licenseId.slice(0, 12)}…${licenseId.slice(-4)}`);
    assert.equal(await title.getAttribute('title'), licenseId);
    await title.click();
    await page.getByRole('heading', { name: new RegExp(`License ${licenseId}`) }).waitFor();
    await page.getByRole('button', { name: `Copy the license id ${licenseId}` }).waitFor();
    await inUse(licenseId, 'asr').waitFor();
    assert.equal((await inUse(licenseId, 'asr').textContent()) ?? '', '0');
    const maint = page.locator(`[data-node="feat:${licenseId}:asr"] [data-date-kind="maintenance"]`);
    assert.equal(await maint.getAttribute('data-date-state'), 'soon', 'maintenance within 30 days is marked');
    assert.match((await maint.textContent()) ?? '', /in 12 days/);
    await screenshot(page, '03-licenses-tree');
  });

  test('a checkout by the SDK shows as "in use" without a reload, and so does its release', async () => {
    await page.evaluate('window.__noReload = true');
    const t0 = Date.now();
    const r = await client.checkout('asr');
    assert.ok(r.ok);
    await waitUntil(inUseIs(licenseId, 'asr', 1), 3000);
    const ms = Date.now() - t0;
    assert.ok(ms < 1500, `in use updated after ${ms} ms`);
    assert.equal(await page.evaluate('window.__noReload'), true, 'the page did not reload');
    assert.equal((await page.locator(`[data-available="${licenseId}:asr"]`).textContent()) ?? '', '3');
    const r2 = await client.checkout('asr', { count: 2 });
    assert.ok(r2.ok);
    await waitUntil(inUseIs(licenseId, 'asr', 3));
    // The server row totals each feature on its own (asr and tts seats are never summed) and shows no dates:
    // maintenance and expiry belong to licenses and features.
    const serverTotals = page.locator('[data-feature-totals="server"]');
    await page.waitForFunction(
      `document.querySelector('[data-feature-totals="server"]')?.textContent.includes('asr: 4 seats, 3 in use')`,
    );
    assert.match((await serverTotals.textContent()) ?? '', /tts: 2 seats, 0 in use/);
    assert.equal(await page.locator('[data-node="server"] > .tree-row [data-date-kind]').count(), 0);
    assert.equal(
      await page.locator('[data-node="server"] > .tree-row [data-inuse]').count(),
      0,
      'no cross-feature sum',
    );
    assert.equal(
      await page.locator(`[data-node="lic:${licenseId}"] > .tree-row [data-date-kind="maintenance"]`).count(),
      1,
      'the license row keeps its own dates',
    );
    await r2.lease.release();
    await waitUntil(inUseIs(licenseId, 'asr', 1));
  });

  test('a feature lists who holds its seats, and Manage can release one', async () => {
    await page.locator(`[data-node="feat:${licenseId}:asr"] > .tree-row`).click();
    const holders = page.getByRole('region', { name: /Who holds asr/ });
    await holders.getByRole('cell', { name: 'build-agent-7' }).first().waitFor();
    assert.match((await holders.textContent()) ?? '', /ci-runner-3/);
    assert.match((await holders.textContent()) ?? '', /speech-batch/);
    await screenshot(page, '04-holders');
    await holders.getByRole('button', { name: /Release the seat held by build-agent-7/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Release this seat?' });
    await dialog.getByRole('button', { name: 'Release seat' }).click();
    await page.getByText(/Released the seat held by build-agent-7/).waitFor();
    await waitUntil(inUseIs(licenseId, 'asr', 0));
    await holders.getByText('No seat of this feature is in use.').waitFor();
  });

  test('a bad file shows an error in words and changes nothing', async () => {
    const before = await treeText();
    const install = async (path: string) => {
      const chooser = page.waitForEvent('filechooser');
      await page.getByRole('button', { name: 'Install License', exact: true }).click();
      await (await chooser).setFiles(path);
    };
    await install(s.file('garbage.lic', 'this is not a license\n'));
    const alert = page.getByTestId('notice-error');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /Install License failed\. This is not a Tessera license file/);
    assert.match((await alert.textContent()) ?? '', /DOC_MALFORMED/);
    assert.equal(await treeText(), before);
    assert.equal(await licenseCount(), 1);

    // A signature that does not verify: one character of the payload changed.
    const good = await s.issue([{ name: 'asr', count: 100 }]);
    const jws = good.split('\n').find((l) => l.split('.').length === 3)!;
    const [h, p, sig] = jws.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { features: { count: number }[] };
    claims.features[0]!.count = 1000;
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    await install(s.file('forged.lic', `${forged}\n`));
    await page
      .getByTestId('notice-error')
      .getByText(/file’s signature does not verify/)
      .waitFor();
    assert.equal(await licenseCount(), 1);

    // Bound to another server: the sentence names the problem and the server's message follows.
    const other = await startDashboardServer();
    try {
      await install(s.file('other.lic', await s.issueFor(other.serverIdFile, [{ name: 'asr', count: 5 }])));
      await page
        .getByTestId('notice-error')
        .getByText(/This license is bound to another server/)
        .waitFor();
      assert.match((await alert.textContent()) ?? '', /WRONG_SERVER/);
    } finally {
      await other.stop();
    }
    assert.equal(await treeText(), before, 'the tree is as it was');
    assert.equal(await licenseCount(), 1, 'and so is the server');
    await screenshot(page, '05-install-error');
  });

  test('Renew License takes a newer revision; an older one is refused in words', async () => {
    const renewed = await s.issue(
      [
        { name: 'asr', count: 6 },
        { name: 'tts', count: 2 },
      ],
      { licenseId, revision: 2, maintenanceUntil: daysFromNow(400), customer: 'Acme Speech Ltd' },
    );
    const renew = async (path: string) => {
      const chooser = page.waitForEvent('filechooser');
      await page.getByRole('button', { name: 'Renew License', exact: true }).click();
      await (await chooser).setFiles(path);
    };
    await renew(s.file('renew.lic', renewed));
    await page.getByText(new RegExp(`Renewed license ${licenseId} to revision 2`)).waitFor();
    await waitUntil(`document.querySelector('[data-node="feat:${licenseId}:asr"] .num')?.textContent === '6'`);
    await renew(s.file('renew-old.lic', await s.issue([{ name: 'asr', count: 9 }], { licenseId, revision: 2 })));
    await page
      .getByTestId('notice-error')
      .getByText(/a renewal must carry a higher revision/)
      .waitFor();
  });

  test('the tree works with the keyboard (WAI-ARIA tree pattern)', async () => {
    await page
      .getByRole('treeitem', { name: /^License server/ })
      .first()
      .focus();
    await page.keyboard.press('Home');
    const focused = () => page.evaluate('document.activeElement?.getAttribute("data-node")');
    assert.equal(await focused(), 'server');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(), `lic:${licenseId}`);
    const lic = page.locator(`[data-node="lic:${licenseId}"]`);
    assert.equal(await lic.getAttribute('aria-expanded'), 'true');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await lic.getAttribute('aria-expanded'), 'false');
    await page.keyboard.press('ArrowRight');
    assert.equal(await lic.getAttribute('aria-expanded'), 'true');
    await page.keyboard.press('ArrowRight');
    assert.equal(await focused(), `feat:${licenseId}:asr`);
    await page.keyboard.press('End');
    assert.equal(await focused(), `feat:${licenseId}:tts`);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await focused(), `lic:${licenseId}`);
    assert.equal(await lic.getAttribute('aria-selected'), 'true');
    const tabStops = await page.locator('[role="treeitem"][tabindex="0"]').count();
    assert.equal(tabStops, 1, 'one tab stop in the tree');
  });

  test('every button and input has an accessible name', async () => {
    for (const path of ['/licenses', '/usage', '/audit', '/users', '/account']) {
      await page.goto(`${s.adminUrl}${path}`);
      await page.locator('main h1').waitFor();
      const unnamed = await unnamedControls(page, 'button, input, select, textarea, [role="treeitem"]');
      assert.deepEqual(unnamed, [], `${path}: controls without a name`);
    }
  });

  test('Go To Website opens the vendor portal in a new window', async () => {
    await page.goto(`${s.adminUrl}/licenses`);
    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: 'Go To Website', exact: true }).click(),
    ]);
    await popup.waitForLoadState();
    assert.match(popup.url(), /^http:\/\/127\.0\.0\.1:\d+\/portal$/);
    assert.equal(await popup.title(), 'Vendor portal');
    await popup.close();
  });

  test('Uninstall License asks first, says it is permanent, then downloads the certificate', async () => {
    await page.locator(`[data-node="lic:${licenseId}"] > .tree-row`).click();
    await page.getByRole('button', { name: 'Uninstall License', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Uninstall this license permanently?' });
    await dialog.waitFor();
    assert.match(
      (await dialog.textContent()) ?? '',
      /permanent: once uninstalled, this license can never be installed on this server again/,
    );
    await screenshot(page, '06-uninstall-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await licenseCount(), 1, 'Cancel changes nothing');
    await page.getByRole('button', { name: 'Uninstall License', exact: true }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('button', { name: 'Uninstall permanently' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `${licenseId}.uninstall`);
    assert.match(readFileSync((await download.path())!, 'utf8'), /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/m);
    await page.getByText(new RegExp(`Uninstalled license ${licenseId}`)).waitFor();
    assert.doesNotMatch(await treeText(), new RegExp(`lic:${licenseId}`));
    assert.equal(await page.locator(`[data-node="lic:${licenseId}"]`).count(), 0);
    assert.equal(await licenseCount(), 0);
  });

  test('an uninstalled license cannot come back, and the page says why', async () => {
    const again = await s.issue([{ name: 'asr', count: 4 }], { licenseId });
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Install License', exact: true }).click();
    await (await chooser).setFiles(s.file('again.lic', again));
    await page
      .getByTestId('notice-error')
      .getByText(/uninstalled license can never be installed again/)
      .waitFor();
  });

  test('Admin reads the audit log and adds a user with a role', async () => {
    await page.goto(`${s.adminUrl}/audit`);
    await page.getByRole('cell', { name: 'license.uninstall' }).first().waitFor();
    await screenshot(page, '08-audit');
    // Narrowed to one action, then saved: the CSV holds what the table shows.
    await page.getByLabel('Action').fill('license.uninstall');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForFunction(
      `((cells) => cells.length > 0 && cells.every((td) => td.textContent === 'license.uninstall'))([...document.querySelectorAll('table tbody tr td:nth-child(3)')])`,
    );
    const shown = await page.locator('table tbody tr').count();
    const [saved] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const lines = readFileSync((await saved.path())!, 'utf8')
      .trim()
      .split('\r\n');
    assert.equal(lines[0], 'time_local,time_utc,actor,action,target,outcome,detail');
    assert.equal(lines.length - 1, shown);
    assert.ok(lines.slice(1).every((l) => l.includes(',license.uninstall,')));
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.goto(`${s.adminUrl}/users`);
    await page.getByLabel('User name').fill('operator');
    await page.getByLabel('Initial password').fill('operator password 1');
    await page.getByLabel(/^Manage:/).check();
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('Added operator with the manage role').waitFor();
    await page.getByRole('cell', { name: 'operator', exact: true }).waitFor();
    await screenshot(page, '09-users');
  });

  test('Admin manages a user once added: role, disable, reset password, delete', async () => {
    const row = page.getByRole('row', { name: /operator/ });
    await page.getByLabel('Role of operator').selectOption('view');
    await page.getByText('operator now has the view role.').waitFor();
    await page.getByRole('button', { name: 'Disable operator' }).click();
    await row.getByText('disabled', { exact: true }).waitFor();
    const refused = await fetch(`${s.adminUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'operator', password: 'operator password 1' }),
    });
    assert.equal(refused.status, 401, 'a disabled user cannot sign in');
    await page.getByRole('button', { name: 'Enable operator' }).click();
    await page.getByText('operator is enabled and may sign in again.').waitFor();

    await page.getByRole('button', { name: 'Reset the password of operator' }).click();
    await page.getByRole('dialog', { name: 'Reset the password of operator?' }).waitFor();
    await page.getByRole('button', { name: 'Reset password', exact: true }).click();
    const shown = page.getByRole('region', { name: 'New password of operator' });
    const password = ((await shown.locator('code').textContent()) ?? '').trim();
    assert.ok(password.length >= 20, 'the new password is shown');
    const signIn = await fetch(`${s.adminUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'operator', password }),
    });
    assert.equal(signIn.status, 201);
    assert.equal(((await signIn.json()) as { mustChange: boolean }).mustChange, true, 'it must be changed');
    await row.getByText(/\d/).first().waitFor();
    await screenshot(page, '09b-user-reset');
    await shown.getByRole('button', { name: 'Done' }).click();
    assert.equal(await shown.count(), 0, 'the password is shown only once');

    assert.equal(await page.getByRole('button', { name: 'Delete admin' }).count(), 0, 'no buttons on one’s own row');
    await page.getByRole('button', { name: 'Delete operator' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete user operator?' });
    await dialog.waitFor();
    await screenshot(page, '09c-user-delete');
    await dialog.getByRole('button', { name: 'Delete user' }).click();
    await page.getByText('Deleted operator.').waitFor();
    assert.equal(await page.getByRole('cell', { name: 'operator', exact: true }).count(), 0);
  });

  test('a View user sees the tree and holders, and the buttons that change things say why they are off', async () => {
    // A license with a seat held, for the viewer to look at (the first one was uninstalled above).
    await s.adminApi('POST', '/api/v1/licenses', { file: await s.issue([{ name: 'asr', count: 2 }]) });
    assert.ok((await client.checkout('asr')).ok);
    await s.adminApi('POST', '/api/v1/users', { username: 'viewer', password: 'viewer password 1', role: 'view' });
    const other = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    try {
      const v = await other.newPage();
      await v.goto(s.adminUrl);
      await v.getByLabel('User name').fill('viewer');
      await v.getByLabel('Password').fill('viewer password 1');
      await v.getByRole('button', { name: 'Sign in' }).click();
      await v.getByLabel('New password', { exact: true }).fill('viewer password 2');
      await v.getByLabel('New password again').fill('viewer password 2');
      await v.getByRole('button', { name: 'Change password' }).click();
      await v.getByRole('tree').waitFor();
      const install = v.getByRole('button', { name: 'Install License', exact: true });
      assert.equal(await install.getAttribute('aria-disabled'), 'true');
      const described = (await install.getAttribute('aria-describedby')) ?? '';
      assert.match((await v.locator(`#${described}`).textContent()) ?? '', /need the Manage role/);
      let chooser = false;
      v.on('filechooser', () => {
        chooser = true;
      });
      await install.click({ force: true });
      await v.waitForTimeout(200);
      assert.equal(chooser, false, 'a disabled button does nothing');
      assert.equal(await v.getByRole('link', { name: 'Audit log' }).count(), 0, 'no Admin pages in the navigation');
      const asr = (await s.adminApi<{ licenses: { licenseId: string }[] }>('GET', '/api/v1/licenses')).body
        .licenses[0]!;
      await v.locator(`[data-node="feat:${asr.licenseId}:asr"] > .tree-row`).click();
      const holders = v.getByRole('region', { name: /Who holds asr/ });
      await holders.getByRole('cell', { name: 'build-agent-7' }).first().waitFor();
      assert.equal(await holders.getByRole('button', { name: /Release/ }).count(), 0, 'View cannot release seats');
      await screenshot(v, '10-view-role');
    } finally {
      await other.close();
    }
  });

  test('sign-out ends the session', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const res = await page.evaluate(`fetch('/api/v1/licenses').then((r) => r.status)`);
    assert.equal(res, 401);
  });
});
