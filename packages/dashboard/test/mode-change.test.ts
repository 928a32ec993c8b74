/**
 * A server that comes up in another licensing mode than it last ran in says so on the Dashboard:
 * both modes and where the one in force came from, until dismissed for the browser session.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningServer, startLicenseServer } from '@tessera/server';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { DASHBOARD_DIST, launchBrowser, screenshot, startDashboardServer, TEST_FACTORS } from './support.js';

const NEW_PASSWORD = 'mode change password 1';

describe('the mode change notice', { timeout: 60_000 }, () => {
  let browser: Browser;
  let again: RunningServer;
  let root: string;
  let initialPassword: string;

  before(async () => {
    // First run: perpetual (the default). Second run on the same data directory: ALS by flag.
    const first = await startDashboardServer();
    root = first.root;
    initialPassword = first.initialPassword;
    await first.server.stop();
    again = await startLicenseServer({
      dataDir: first.dataDir,
      vendorKeyFiles: [join(root, 'vendor.pub')],
      clientListen: '127.0.0.1:0',
      adminListen: '127.0.0.1:0',
      readFactors: () => TEST_FACTORS,
      hostName: 'lic-host',
      logger: pino({ level: 'silent' }),
      dashboardDir: DASHBOARD_DIST,
      mode: 'als',
      enrollCode: 'ENROLL-MODE-1',
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await again?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('says which mode the server left and where the new one came from; Dismiss hides it', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(again.adminUrl);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(initialPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    const notice = page.getByTestId('mode-changed');
    await notice.waitFor();
    assert.equal(
      (await notice.locator('.notice-body').textContent())?.trim(),
      'The licensing mode changed. This server now runs in als mode (from the --mode flag it was started with); ' +
        'when it last ran, it was in perpetual mode. If that is not what you meant, set the mode on the Settings ' +
        'page and the server takes it at once.',
    );
    await screenshot(page, 'mode-changed-notice');
    await page.getByRole('button', { name: 'Dismiss the mode change notice' }).click();
    assert.equal(await notice.count(), 0);
    await page.reload();
    await page.getByRole('heading', { name: 'Licenses' }).waitFor();
    assert.equal(await page.getByTestId('mode-changed').count(), 0, 'dismissed for the browser session');
    await context.close();
  });
});
