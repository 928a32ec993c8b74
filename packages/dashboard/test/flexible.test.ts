/**
 * The flexible and proxy buttons in Chromium: a PLS (online, Resync Info, Send Report File,
 * the last-sync indicator and the last failure) and an ALS (Create Report File, Import Sync
 * File) exchanging files through the PLS, against a stand-in Cloud that signs Syncs with the
 * vendor key both servers trust.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeReportUnverified, generateSigningKey, issueLicense, publicKeyToPem, signSync } from '@tessera/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LOCAL_CLI_ACTOR } from '../../server/src/domain/audit.js';
import { type DashboardServer, launchBrowser, screenshot, startDashboardServer } from './support.js';

const NEW_PASSWORD = 'a long and private passphrase';

/** A Cloud that answers every Report with a Sync of 3 asr seats, or 503 while `down`. */
function standInCloud(vendorKey: ReturnType<typeof generateSigningKey>['privateKey']) {
  const counters = new Map<string, number>();
  const state = { down: false, reports: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      void (async () => {
        res.setHeader('content-type', 'application/json');
        if (state.down || req.url !== '/v1/sync') {
          res.statusCode = 503;
          res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'the Cloud is down for maintenance' } }));
          return;
        }
        const report = decodeReportUnverified((JSON.parse(body) as { report: string }).report);
        state.reports++;
        const counter = (counters.get(report.serverId) ?? 0) + 1;
        counters.set(report.serverId, counter);
        const now = Date.now();
        const sync = await signSync(
          {
            serverId: report.serverId,
            syncCounter: counter,
            reportSequence: report.sequence,
            acknowledgedThrough:
              report.usage
                .map((u) => u.hour)
                .sort()
                .at(-1) ?? report.acknowledgedThrough,
            licenses: [
              {
                licenseId: `flex-${report.serverId.slice(4, 12)}`,
                revision: counter,
                customer: 'Example Corp',
                features: [{ name: 'asr', count: 3, expires: null, maintenanceUntil: null }],
              },
            ],
            issuedAt: new Date(now).toISOString(),
            validUntil: new Date(now + 86_400_000).toISOString(),
            nextSyncSeconds: 3600,
          },
          vendorKey,
        );
        res.end(JSON.stringify({ sync }));
      })();
    });
  });
  return { server, state, counters };
}

describe('flexible and proxy buttons in a browser', () => {
  let cloud: ReturnType<typeof standInCloud>;
  let cloudUrl = '';
  let keyDir = '';
  let vendor: ReturnType<typeof generateSigningKey>;
  let pls: DashboardServer;
  let als: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let alsContext: BrowserContext;
  let plsPage: Page;
  let alsPage: Page;
  const buttonNames = async (page: Page) =>
    (await page.locator('.button-column button.action-button').allTextContents()).map((t) => t.trim());

  async function signIn(page: Page, s: DashboardServer) {
    await page.goto(s.adminUrl);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(s.initialPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Licenses' }).waitFor();
  }

  before(async () => {
    vendor = generateSigningKey();
    cloud = standInCloud(vendor.privateKey);
    await new Promise<void>((resolve) => cloud.server.listen(0, '127.0.0.1', resolve));
    cloudUrl = `http://127.0.0.1:${(cloud.server.address() as { port: number }).port}`;
    keyDir = mkdtempSync(join(tmpdir(), 'tessera-flex-vendor-'));
    const pub = join(keyDir, 'vendor.pub');
    writeFileSync(pub, publicKeyToPem(vendor.publicKey));
    pls = await startDashboardServer({ mode: 'pls', cloudUrls: [cloudUrl], vendorKeyFiles: [pub] });
    als = await startDashboardServer({ mode: 'als', enrollCode: 'ENROLL-ALS-1', vendorKeyFiles: [pub] });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1360, height: 860 }, acceptDownloads: true });
    // One context per server: cookies are per host, not per port, and both run on 127.0.0.1.
    alsContext = await browser.newContext({ viewport: { width: 1360, height: 860 }, acceptDownloads: true });
    plsPage = await context.newPage();
    alsPage = await alsContext.newPage();
    plsPage.setDefaultTimeout(10_000);
    alsPage.setDefaultTimeout(10_000);
  });
  after(async () => {
    await browser?.close();
    await als?.stop();
    await pls?.stop();
    cloud?.server.close();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  test('a PLS shows Resync Info and Send Report File, and the last sync below them', async () => {
    await plsPage.bringToFront();
    await signIn(plsPage, pls);
    // The column shows the mode's buttons once the server's info is in (the indicator is flexible-only).
    await plsPage.locator('[data-sync-indicator]').waitFor();
    assert.deepEqual(await buttonNames(plsPage), ['Resync Info', 'Go To Website', 'Send Report File']);
    // The exchange at start has synced already.
    await plsPage.locator('.sync-last time').waitFor();
    const [result] = await Promise.all([
      plsPage.waitForResponse((r) => r.url().endsWith('/api/v1/flexible/resync')),
      plsPage.getByRole('button', { name: 'Resync Info', exact: true }).click(),
    ]);
    assert.equal(result.status(), 200);
    await plsPage.getByText(/Synced with the Cloud: 1 flexible license with 3 seats/).waitFor();
    const shown = await plsPage.locator('.sync-last time').getAttribute('datetime');
    const status = (await pls.adminApi<{ lastSync: { appliedAt: string } }>('GET', '/api/v1/flexible/status')).body;
    assert.equal(shown, status.lastSync.appliedAt, 'the indicator shows the last successful sync');
    await screenshot(plsPage, 'flex-01-pls-synced');
  });

  test('a failed Resync Info says why, below the buttons, and keeps the last good sync', async () => {
    const before = await plsPage.locator('.sync-last time').getAttribute('datetime');
    cloud.state.down = true;
    await plsPage.getByRole('button', { name: 'Resync Info', exact: true }).click();
    await plsPage.locator('[data-sync-failure]').waitFor();
    assert.match((await plsPage.locator('[data-sync-failure]').textContent()) ?? '', /Cloud is down for maintenance/);
    assert.equal(await plsPage.locator('.sync-last time').getAttribute('datetime'), before);
    await screenshot(plsPage, 'flex-02-pls-sync-failed');
    cloud.state.down = false;
  });

  test('an ALS shows Create Report File and Import Sync File, and no Resync Info', async () => {
    await alsPage.bringToFront();
    await signIn(alsPage, als);
    await alsPage.locator('[data-sync-indicator]').waitFor();
    assert.deepEqual(await buttonNames(alsPage), ['Create Report File', 'Import Sync File', 'Go To Website']);
    assert.match((await alsPage.locator('.sync-last').textContent()) ?? '', /Last sync: never/);
    // The empty state names this mode's buttons, never Install License or Make Server ID File.
    const empty = (await alsPage.locator('.empty-state').textContent()) ?? '';
    assert.match(empty, /Create Report File.*Import Sync File/s);
    assert.doesNotMatch(empty, /Install License|Make Server ID File|Resync Info/);
    await screenshot(alsPage, 'flex-03-als-before');
  });

  test('ALS Create Report File -> PLS Send Report File -> ALS Import Sync File gives the ALS its seats', async () => {
    const [reportDownload] = await Promise.all([
      alsPage.waitForEvent('download'),
      alsPage.getByRole('button', { name: 'Create Report File', exact: true }).click(),
    ]);
    const reportText = readFileSync((await reportDownload.path())!, 'utf8');
    const report = decodeReportUnverified(reportText);
    assert.equal(report.serverId, als.server.core.identity.serverId);
    assert.equal(report.enrollment?.code, 'ENROLL-ALS-1', 'the first Report carries the enrollment code');
    await alsPage.getByText(/Saved report-1\.report/).waitFor();

    const reportPath = pls.file(reportDownload.suggestedFilename(), reportText);
    await plsPage.bringToFront();
    const chooser = plsPage.waitForEvent('filechooser');
    const download = plsPage.waitForEvent('download');
    await plsPage.getByRole('button', { name: 'Send Report File', exact: true }).click();
    await (await chooser).setFiles(reportPath);
    const syncDownload = await download.catch(async (err) => {
      throw new Error(`${err}; the page says: ${await plsPage.locator('.notice').allTextContents()}`);
    });
    const syncText = readFileSync((await syncDownload.path())!, 'utf8');
    await plsPage.getByText(/Saved the Sync File/).waitFor();
    await screenshot(plsPage, 'flex-04-pls-sent-report');

    const syncPath = als.file(syncDownload.suggestedFilename(), syncText);
    await alsPage.bringToFront();
    const chooser2 = alsPage.waitForEvent('filechooser');
    await alsPage.getByRole('button', { name: 'Import Sync File', exact: true }).click();
    await (await chooser2).setFiles(syncPath);
    await alsPage.getByText(/Imported .*1 flexible license with 3 seats/).waitFor();
    await alsPage.locator('.sync-last time').waitFor();
    await alsPage.locator('[role="tree"]').getByText(/flex-/).first().waitFor();
    // The license the Sync brought opens by itself: its feature shows without a click.
    const arrived = alsPage.locator('[role="treeitem"][data-node^="lic:flex-"]').first();
    assert.equal(await arrived.getAttribute('aria-expanded'), 'true');
    await alsPage.locator('[role="treeitem"][data-node^="feat:flex-"][data-node$=":asr"]').first().waitFor();
    await screenshot(alsPage, 'flex-05-als-imported');
    const features = (
      await fetch(`${als.clientUrl}/v1/features`).then(
        (r) => r.json() as Promise<{ features: { feature: string; total: number }[] }>,
      )
    ).features;
    assert.deepEqual(
      features.map((f) => [f.feature, f.total]),
      [['asr', 3]],
    );

    // The same Sync File again changes nothing and says why.
    const chooser3 = alsPage.waitForEvent('filechooser');
    await alsPage.getByRole('button', { name: 'Import Sync File', exact: true }).click();
    await (await chooser3).setFiles(syncPath);
    await alsPage.getByText(/was applied already/).waitFor();
    await screenshot(alsPage, 'flex-06-als-same-sync-refused');
  });

  test('a flexible license in the tree offers no Uninstall or Renew; an installed one still does', async () => {
    // A server that ran flexible and now runs perpetual: it serves both kinds side by side.
    const pub = join(keyDir, 'vendor.pub');
    const perp = await startDashboardServer({ mode: 'perpetual', vendorKeyFiles: [pub] });
    const perpContext = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    try {
      const core = perp.server.core;
      const { file } = await issueLicense({
        serverIdFile: perp.serverIdFile,
        vendorKey: vendor.privateKey,
        customer: 'Example Corp',
        features: [{ name: 'tts', count: 2 }],
        nowMs: Date.now(),
        licenseId: 'lic-installed-1',
        maintenanceUntil: null,
        expires: null,
      });
      await core.licenses.install(LOCAL_CLI_ACTOR, file);
      await core.flexible.createReport(LOCAL_CLI_ACTOR);
      const now = Date.now();
      const sync = await signSync(
        {
          serverId: core.identity.serverId,
          syncCounter: 1,
          reportSequence: 1,
          acknowledgedThrough: null,
          licenses: [
            {
              licenseId: 'flex-from-cloud',
              revision: 1,
              customer: 'Example Corp',
              features: [{ name: 'asr', count: 3, expires: null, maintenanceUntil: null }],
            },
          ],
          issuedAt: new Date(now).toISOString(),
          validUntil: new Date(now + 86_400_000).toISOString(),
          nextSyncSeconds: 3600,
        },
        vendor.privateKey,
      );
      await core.flexible.applySync(LOCAL_CLI_ACTOR, sync, 'file');

      const page = await perpContext.newPage();
      page.setDefaultTimeout(10_000);
      await signIn(page, perp);
      const uninstall = page.getByRole('button', { name: 'Uninstall License', exact: true });
      const renew = page.getByRole('button', { name: 'Renew License', exact: true });
      await page.locator('[data-node="lic:flex-from-cloud"] > .tree-row').click();
      await page.locator('#hint-uninstall.blocked').waitFor();
      for (const b of [uninstall, renew]) {
        assert.equal(await b.getAttribute('aria-disabled'), 'true', 'not offered for a flexible license');
      }
      assert.match(
        (await page.locator('#hint-uninstall').textContent()) ?? '',
        /flex-from-cloud is a flexible license from the Cloud/,
      );
      // Pressing it anyway does nothing: no confirmation dialog.
      await uninstall.click({ force: true });
      await page.waitForTimeout(200);
      assert.equal(await page.getByRole('dialog').count(), 0);
      await screenshot(page, 'flex-07-flexible-license-no-uninstall');

      await page.locator('[data-node="lic:lic-installed-1"] > .tree-row').click();
      await page.locator('#hint-uninstall:not(.blocked)').waitFor();
      for (const b of [uninstall, renew]) assert.equal(await b.getAttribute('aria-disabled'), null);
      // The admin API refuses too, and says why.
      const refused = await perp.adminApi<{ error: { code: string; reason?: string; message: string } }>(
        'POST',
        '/api/v1/licenses/flex-from-cloud/uninstall',
      );
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.reason, 'FLEXIBLE_LICENSE');
    } finally {
      await perpContext.close();
      await perp.stop();
    }
  });
});
