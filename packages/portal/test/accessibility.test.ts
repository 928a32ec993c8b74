/**
 * Every page of the portal under axe-core (no serious or critical violation) and at a phone's width (no page
 * wider than the screen), signed in as vendor staff with a customer, a License Server and a deployment in place.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AxeFinding, seriousAxeViolations, sidewaysOverflow } from '@tessera/web-kit/test/browser';
import type { Browser, Page } from 'playwright-core';
import { PAGES } from '../src/routes.js';
import { launchBrowser, newLicenseServer, type PortalCloud, screenshot, startPortalCloud } from './support.js';

const PASSWORD = 'a long and private passphrase';

function report(findings: AxeFinding[]): string {
  return findings.map((f) => `${f.impact} ${f.id}: ${f.help} (${f.targets.join(', ')})`).join('\n');
}

describe('the portal is accessible and fits a phone', () => {
  let s: PortalCloud;
  let browser: Browser;
  /** Each page's path, with the ids of real things for the pages about one thing. */
  let paths: { id: string; path: string; title: string }[] = [];

  before(async () => {
    s = await startPortalCloud();
    browser = await launchBrowser();
    assert.equal((await s.api('POST', '/api/v1/features', { name: 'asr' })).status, 201);
    const customer = await s.api<{ id: string }>('POST', '/api/v1/customers', { name: 'Acme Speech Ltd' });
    await s.api('POST', '/api/v1/entitlements', {
      customerId: customer.body.id,
      type: 'perpetual',
      feature: 'asr',
      count: 5,
    });
    const server = await newLicenseServer('lic.acme.example');
    await s.api('POST', '/api/v1/servers', { customerId: customer.body.id, file: server.serverIdFile });
    const dep = await s.api<{ id: string }>('POST', '/api/v1/deployments', {
      serverId: server.serverId,
      features: [{ name: 'asr', count: 2 }],
    });
    assert.equal(dep.status, 201);
    const ids: Record<string, string> = { customer: customer.body.id, deployment: dep.body.id };
    paths = PAGES.map((p) => ({
      id: p.id,
      path: p.pattern.replace(':id', encodeURIComponent(ids[p.id] ?? '')),
      title: p.title,
    }));
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  async function signIn(page: Page, password: string): Promise<void> {
    await page.goto(s.url);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function visit(page: Page, path: string): Promise<void> {
    await page.goto(`${s.url}${path}`);
    await page.locator('main h1').first().waitFor();
    await page.waitForLoadState('networkidle');
  }

  test('no serious or critical axe-core violation on any page', { timeout: 90_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const findings = new Map<string, AxeFinding[]>();
    await page.goto(s.url);
    await page.getByLabel('User name').waitFor();
    findings.set('sign-in', await seriousAxeViolations(page));
    await signIn(page, s.initialPassword);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    findings.set('change-password', await seriousAxeViolations(page));
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('New password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    for (const p of paths) {
      await visit(page, p.path);
      findings.set(p.path, await seriousAxeViolations(page));
    }
    await context.close();
    const bad = [...findings].filter(([, f]) => f.length > 0);
    assert.equal(bad.length, 0, bad.map(([where, f]) => `${where}:\n${report(f)}`).join('\n'));
    assert.equal(findings.size, PAGES.length + 2, 'every page was checked');
  });

  test('at 390 x 844 no page scrolls sideways', { timeout: 90_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await signIn(page, PASSWORD);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const wide: string[] = [];
    for (const p of paths) {
      await visit(page, p.path);
      const over = await sidewaysOverflow(page);
      if (over.px > 0) wide.push(`${p.path}: ${over.px} px wider than the screen (${over.widest.join(', ')})`);
      await screenshot(page, `phone-${p.id}`);
    }
    await context.close();
    assert.deepEqual(wide, []);
  });

  test('in the dark scheme too: no serious or critical axe-core violation on any page', {
    timeout: 90_000,
  }, async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const findings = new Map<string, AxeFinding[]>();
    await page.goto(s.url);
    await page.getByLabel('User name').waitFor();
    findings.set('sign-in', await seriousAxeViolations(page));
    await screenshot(page, 'dark-sign-in');
    await signIn(page, PASSWORD);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    for (const p of paths) {
      await visit(page, p.path);
      findings.set(p.path, await seriousAxeViolations(page));
      await screenshot(page, `dark-${p.id}`);
    }
    await context.close();
    const bad = [...findings].filter(([, f]) => f.length > 0);
    assert.equal(bad.length, 0, bad.map(([where, f]) => `${where}:\n${report(f)}`).join('\n'));
    assert.equal(findings.size, PAGES.length + 1, 'every page was checked');
  });
});
