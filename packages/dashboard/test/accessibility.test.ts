/**
 * Every page of the Dashboard under axe-core (no serious or critical violation) and at a phone's width
 * (no page wider than the screen), signed in as an admin with a license installed and a seat held.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LicenseClient, parseServerAddress } from '@tessera/client';
import { type AxeFinding, seriousAxeViolations, sidewaysOverflow } from '@tessera/web-kit/test/browser';
import type { Browser, Page } from 'playwright-core';
import { PAGES } from '../src/routes.js';
import { type DashboardServer, launchBrowser, screenshot, startDashboardServer } from './support.js';

const PASSWORD = 'a long and private passphrase';

function report(findings: AxeFinding[]): string {
  return findings.map((f) => `${f.impact} ${f.id}: ${f.help} (${f.targets.join(', ')})`).join('\n');
}

describe('the Dashboard is accessible and fits a phone', () => {
  let s: DashboardServer;
  let browser: Browser;
  let client: LicenseClient;

  before(async () => {
    s = await startDashboardServer();
    browser = await launchBrowser();
    const file = await s.issue([
      { name: 'asr', count: 4 },
      { name: 'tts', count: 2 },
    ]);
    await s.adminApi('POST', '/api/v1/licenses', { file });
    client = new LicenseClient(
      { servers: [parseServerAddress(s.clientUrl)], cacheSeconds: 0 },
      { clientId: 'a11y-client', host: 'a11y-host', app: 'a11y', version: '1.0.0' },
    );
    assert.ok((await client.checkout('asr')).ok);
  });
  after(async () => {
    await client?.close();
    await browser?.close();
    await s?.stop();
  });

  async function signIn(page: Page, findings: Map<string, AxeFinding[]>): Promise<void> {
    await page.goto(s.adminUrl);
    await page.getByLabel('User name').waitFor();
    findings.set('sign-in', await seriousAxeViolations(page));
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(s.initialPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    findings.set('change-password', await seriousAxeViolations(page));
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('New password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Licenses' }).waitFor();
  }

  test('no serious or critical axe-core violation on any page', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const findings = new Map<string, AxeFinding[]>();
    await signIn(page, findings);
    for (const p of PAGES) {
      await page.goto(`${s.adminUrl}${p.path}`);
      await page.getByRole('heading', { name: p.title, exact: true }).first().waitFor();
      await page.waitForLoadState('networkidle');
      findings.set(p.path, await seriousAxeViolations(page));
    }
    await context.close();
    const bad = [...findings].filter(([, f]) => f.length > 0);
    assert.equal(bad.length, 0, bad.map(([where, f]) => `${where}:\n${report(f)}`).join('\n'));
    assert.equal(findings.size, PAGES.length + 2, 'every page was checked');
  });

  test('at 390 x 844 no page scrolls sideways', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(s.adminUrl);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Licenses' }).waitFor();
    const wide: string[] = [];
    for (const p of PAGES) {
      await page.goto(`${s.adminUrl}${p.path}`);
      await page.getByRole('heading', { name: p.title, exact: true }).first().waitFor();
      await page.waitForLoadState('networkidle');
      const over = await sidewaysOverflow(page);
      if (over.px > 0) wide.push(`${p.path}: ${over.px} px wider than the screen (${over.widest.join(', ')})`);
      await screenshot(page, `dashboard-phone${p.path.replaceAll('/', '-')}`);
    }
    await context.close();
    assert.deepEqual(wide, []);
  });

  test('in the dark scheme too: no serious or critical axe-core violation on any page', {
    timeout: 60_000,
  }, async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'dark' });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const findings = new Map<string, AxeFinding[]>();
    await page.goto(s.adminUrl);
    await page.getByLabel('User name').waitFor();
    findings.set('sign-in', await seriousAxeViolations(page));
    await screenshot(page, 'dashboard-dark-sign-in');
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Licenses' }).waitFor();
    for (const p of PAGES) {
      await page.goto(`${s.adminUrl}${p.path}`);
      await page.getByRole('heading', { name: p.title, exact: true }).first().waitFor();
      await page.waitForLoadState('networkidle');
      findings.set(p.path, await seriousAxeViolations(page));
      await screenshot(page, `dashboard-dark${p.path.replaceAll('/', '-')}`);
    }
    await context.close();
    const bad = [...findings].filter(([, f]) => f.length > 0);
    assert.equal(bad.length, 0, bad.map(([where, f]) => `${where}:\n${report(f)}`).join('\n'));
    assert.equal(findings.size, PAGES.length + 1, 'every page was checked');
  });
});
