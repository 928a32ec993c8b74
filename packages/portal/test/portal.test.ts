/**
 * The portal in Chromium against a real Cloud (SQLite): what vendor staff and a customer's
 * admin do, start to finish. The steps share one Cloud and run in order; the vendor and the
 * customer each have a browser context of their own.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Keyring, verifyLicense } from '@tessera/core';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import {
  daysFromNow,
  launchBrowser,
  newLicenseServer,
  type PortalCloud,
  screenshot,
  startPortalCloud,
  type TestLicenseServer,
  unnamedControls,
} from './support.js';

const VENDOR_PASSWORD = 'a long vendor passphrase';
const CUSTOMER_PASSWORD = 'acme admin passphrase';
const VIEWPORT = { width: 1360, height: 860 };

describe('the portal in a browser', () => {
  let s: PortalCloud;
  let browser: Browser;
  let vendorContext: BrowserContext;
  let customerContext: BrowserContext;
  let vendor: Page;
  let customer: Page;
  let lic01: TestLicenseServer;
  let acmeId = '';
  let globexId = '';
  let globexLicense = '';
  let acmeAdminPassword = '';
  let licenseId = '';
  let keyring: Keyring;

  const maintenance = daysFromNow(60);
  const extended = daysFromNow(420);

  const signIn = async (page: Page, username: string, password: string) => {
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  /** The forced change right after signing in: the password just typed is not asked again. */
  const changePassword = async (page: Page, next: string) => {
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    assert.equal(await page.getByLabel('Initial password').count(), 0, 'the password just typed is not asked again');
    await page.getByLabel('New password', { exact: true }).fill(next);
    await page.getByLabel('New password again').fill(next);
    await page.getByRole('button', { name: 'Change password' }).click();
  };
  const navTo = (page: Page, name: string) =>
    page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name, exact: true }).click();
  /** Opens a page the way a click on a link does (no reload), and waits for its heading. */
  const go = async (page: Page, path: string) => {
    await page.evaluate(
      `history.pushState(null, '', ${JSON.stringify(path)}); dispatchEvent(new PopStateEvent('popstate'))`,
    );
    await page.locator(`main[data-path="${path}"] h1`).first().waitFor();
  };
  /** Waits until nothing on the page is still loading (no aria-busy, no "…" placeholder in a tile). */
  const settled = async (page: Page, timeoutMs = 10_000) => {
    // Polled with page.evaluate: waitForFunction's polling evaluates strings inside the page, which its CSP forbids.
    const done = `!document.querySelector('[aria-busy="true"]') && ![...document.querySelectorAll('.tile-n')].some((e) => e.textContent === '…')`;
    const start = Date.now();
    while (!(await page.evaluate(done))) {
      if (Date.now() - start > timeoutMs) throw new Error(`${page.url()} still loading after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const upload = async (page: Page, button: string, path: string) => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: button, exact: true }).click();
    await (await chooser).setFiles(path);
  };
  const downloaded = async (page: Page, click: () => Promise<void>): Promise<{ d: Download; text: string }> => {
    const [d] = await Promise.all([page.waitForEvent('download'), click()]);
    return { d, text: readFileSync((await d.path())!, 'utf8') };
  };
  const errorText = async (page: Page) => {
    const alert = page.getByTestId('notice-error');
    await alert.waitFor();
    return (await alert.textContent()) ?? '';
  };
  const okText = async (page: Page, pattern: RegExp) => {
    const ok = page.getByTestId('notice-ok').filter({ hasText: pattern });
    await ok.waitFor();
    return (await ok.textContent()) ?? '';
  };
  /** `used` and `available` of a seat meter. */
  const meter = async (page: Page, selector: string) => {
    const m = page.locator(selector).first();
    await m.waitFor();
    return {
      used: Number(await m.locator('[data-field="used"]').textContent()),
      available: Number(await m.locator('[data-field="available"]').textContent()),
    };
  };

  before(async () => {
    s = await startPortalCloud();
    keyring = await Keyring.fromPem(readFileSync(join(s.dataDir, 'vendor.pub'), 'utf8'));
    lic01 = await newLicenseServer('lic01.acme.example');
    browser = await launchBrowser();
    vendorContext = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true });
    customerContext = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true });
    await customerContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.url });
    vendor = await vendorContext.newPage();
    customer = await customerContext.newPage();
    vendor.setDefaultTimeout(10_000);
    customer.setDefaultTimeout(10_000);
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  test('the landing page says what the portal is for; the first sign-in forces a new password', async () => {
    await vendor.goto(s.url);
    await vendor.getByRole('heading', { name: 'Licensing portal' }).waitFor();
    assert.match((await vendor.locator('.auth-intro').textContent()) ?? '', /Server ID file/);
    await vendor.getByLabel('User name').fill('admin');
    await vendor.getByLabel('Password', { exact: true }).fill(s.initialPassword);
    await screenshot(vendor, '01-sign-in');
    await vendor.getByRole('button', { name: 'Sign in' }).click();
    await vendor.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    assert.equal(await vendor.getByRole('navigation', { name: 'Pages' }).count(), 0, 'nothing else is open');
    await vendor.getByLabel('New password', { exact: true }).fill(VENDOR_PASSWORD);
    await vendor.getByLabel('New password again').fill(VENDOR_PASSWORD);
    await screenshot(vendor, '02-change-password');
    await vendor.getByRole('button', { name: 'Change password' }).click();
    await vendor.getByRole('heading', { name: 'Overview' }).waitFor();
    assert.ok(!existsSync(join(s.dataDir, 'initial-admin-password')), 'the initial password file is gone');
  });

  test('vendor staff fill the feature catalog; a duplicate is refused in words and changes nothing', async () => {
    await navTo(vendor, 'Feature catalog');
    await vendor.getByRole('heading', { name: 'Feature catalog' }).waitFor();
    const form = vendor.getByRole('form', { name: 'Add a feature' });
    for (const [name, description] of [
      ['asr', 'Speech recognition'],
      ['tts', 'Text to speech'],
    ] as const) {
      await form.getByLabel('Feature name').fill(name);
      await form.getByLabel('Description').fill(description);
      await form.getByRole('button', { name: 'Add feature' }).click();
      await okText(vendor, new RegExp(`Added feature ${name}`));
    }
    const rows = () => vendor.locator('section[aria-labelledby="catalog-title"] tbody tr').count();
    assert.equal(await rows(), 2);
    await form.getByLabel('Feature name').fill('asr');
    await form.getByRole('button', { name: 'Add feature' }).click();
    assert.match(await errorText(vendor), /Add feature failed\./);
    assert.match(await errorText(vendor), /CONFLICT/);
    assert.equal(await rows(), 2, 'the table is as it was');
    assert.equal(await form.getByLabel('Feature name').inputValue(), 'asr', 'what was typed stays');
    await form.getByLabel('Feature name').fill('');
    await vendor.getByRole('button', { name: 'Dismiss message' }).click();
    await screenshot(vendor, '03-catalog');
  });

  test('vendor staff add customers', async () => {
    await navTo(vendor, 'Customers');
    const form = vendor.getByRole('form', { name: 'Add a customer' });
    for (const name of ['Globex Corporation', 'Acme Speech Ltd']) {
      await form.getByLabel('Company name').fill(name);
      await form.getByRole('button', { name: 'Add customer' }).click();
      await okText(vendor, new RegExp(`Added customer ${name}`));
    }
    const customers = (await s.api<{ id: string; name: string }[]>('GET', '/api/v1/customers')).body;
    acmeId = customers.find((c) => c.name === 'Acme Speech Ltd')!.id;
    globexId = customers.find((c) => c.name === 'Globex Corporation')!.id;
    await vendor.getByRole('cell', { name: /Acme Speech Ltd/ }).waitFor();
    await screenshot(vendor, '04-customers');
  });

  test('vendor staff give a customer entitlements of each type and a customer admin', async () => {
    await vendor.getByRole('link', { name: 'set up Acme Speech Ltd: entitlements and a customer admin →' }).click();
    await vendor.getByRole('heading', { name: 'Acme Speech Ltd', level: 1 }).waitFor();
    const form = vendor.getByRole('form', { name: 'Add an entitlement' });
    const add = async (o: { type: string; feature: string; count: number; maint?: string; term?: number }) => {
      await form.getByRole('radio', { name: o.type }).check();
      await form.getByLabel('Feature').selectOption(o.feature);
      await form.getByLabel('Seats').fill(String(o.count));
      await form.getByLabel('Maintenance until').fill(o.maint ?? '');
      await form.getByLabel('Term (days)').fill(o.term ? String(o.term) : '');
      await form.getByRole('button', { name: 'Add entitlement' }).click();
      await okText(vendor, new RegExp(`Added ${o.count} seats of ${o.feature} \\(${o.type.toLowerCase()}\\)`));
    };
    await add({ type: 'Perpetual', feature: 'asr', count: 10, maint: maintenance });
    await add({ type: 'Perpetual', feature: 'tts', count: 4, maint: maintenance });
    await add({ type: 'Subscription', feature: 'asr', count: 5, term: 365 });
    await add({ type: 'Flexible', feature: 'asr', count: 3, maint: maintenance });
    const ents = (
      await s.api<{ type: string; expires: string | null }[]>('GET', `/api/v1/entitlements?customerId=${acmeId}`)
    ).body;
    assert.equal(ents.length, 4);
    assert.equal(ents.find((e) => e.type === 'subscription')?.expires, daysFromNow(364), 'a 365-day term');

    const users = vendor.getByRole('form', { name: 'Add a customer admin' });
    await users.getByLabel('User name').fill('acme-admin');
    await users.getByRole('button', { name: 'Add user' }).click();
    await okText(vendor, /Added acme-admin for Acme Speech Ltd/);
    acmeAdminPassword = ((await vendor.getByTestId('new-user-password').textContent()) ?? '').trim();
    assert.ok(acmeAdminPassword.length >= 12, 'a generated first password is shown once');
    await screenshot(vendor, '05-customer-setup');

    // Another customer with a deployment of its own, for the isolation checks.
    await s.api('POST', '/api/v1/entitlements', { customerId: globexId, type: 'perpetual', feature: 'asr', count: 5 });
    const globexServer = await newLicenseServer('gx-lic.globex.example');
    await s.api('POST', '/api/v1/servers', { customerId: globexId, file: globexServer.serverIdFile });
    const dep = await s.api<{ id: string }>('POST', '/api/v1/deployments', {
      serverId: globexServer.serverId,
      features: [{ name: 'asr', count: 2 }],
    });
    assert.equal(dep.status, 201);
    globexLicense = dep.body.id;
  });

  test("a customer admin signs in, changes the first password, and sees nothing of another customer's", async () => {
    await customer.goto(s.url);
    await signIn(customer, 'acme-admin', acmeAdminPassword);
    await changePassword(customer, CUSTOMER_PASSWORD);
    await customer.getByRole('heading', { name: 'Welcome, Acme Speech Ltd' }).waitFor();
    const nav = customer.getByRole('navigation', { name: 'Pages' });
    assert.equal(await nav.getByRole('link', { name: 'Customers' }).count(), 0, 'no vendor pages offered');
    assert.equal(await nav.getByRole('link', { name: 'Feature catalog' }).count(), 0);

    await go(customer, '/entitlements');
    await customer.locator('[data-entitlement]').first().waitFor();
    assert.equal(await customer.locator('[data-entitlement]').count(), 4, 'its own four entitlements');
    assert.equal(await customer.getByRole('form', { name: 'Add an entitlement' }).count(), 0, 'no add form');
    assert.equal(await customer.getByRole('button', { name: /^Change/ }).count(), 0, 'no change buttons');
    for (const path of ['/', '/entitlements', '/servers', '/deployments', '/users', '/audit']) {
      await go(customer, path);
      await settled(customer);
      assert.doesNotMatch(
        (await customer.locator('body').textContent()) ?? '',
        /Globex|gx-lic/,
        `${path} shows only Acme`,
      );
    }
    await go(customer, `/deployments/${globexLicense}`);
    assert.match(await errorText(customer), /does not exist, or is not yours to see/);
    assert.match(await errorText(customer), /NOT_FOUND/);
    await go(customer, '/customers');
    await customer.getByText('This page is for vendor staff.').waitFor();
    const status = await customer.evaluate(`fetch('/api/v1/customers/${globexId}').then((r) => r.status)`);
    assert.equal(status, 404, 'the API refuses too');
  });

  test('the customer uploads a Server ID file; a corrupt one is refused in words and changes nothing', async () => {
    await go(customer, '/servers');
    await upload(customer, 'Upload info.bts', s.file('garbage.bts', 'this is not a server id file\n'));
    assert.match(await errorText(customer), /Upload Server ID file failed\. This is not a Tessera file/);
    assert.match(await errorText(customer), /DOC_MALFORMED/);
    await customer.getByText('No License Server is registered yet.').waitFor();
    await upload(customer, 'Upload info.bts', s.file('info.bts', lic01.serverIdFile));
    await okText(customer, /Registered lic01\.acme\.example/);
    await customer.locator(`[data-server="${lic01.serverId}"]`).waitFor();
    await screenshot(customer, '06-servers');
  });

  test('the customer creates a deployment and downloads a license file that verifies with the vendor key', async () => {
    await customer.getByRole('link', { name: 'New deployment on lic01.acme.example' }).click();
    const form = customer.getByRole('form', { name: 'Create a deployment' });
    await form.waitFor();
    assert.equal(await form.getByLabel('License Server').inputValue(), lic01.serverId, 'the server is chosen');
    await form.getByLabel('Seats to deploy: asr').fill('11');
    await form.getByRole('button', { name: 'Create deployment' }).click();
    const refused = await errorText(customer);
    assert.match(refused, /Create deployment failed\. There are not that many free seats/);
    assert.match(refused, /only 10 are free/);
    assert.match(refused, /OVER_ALLOCATION/);
    assert.equal((await s.api<unknown[]>('GET', `/api/v1/deployments?customerId=${acmeId}`)).body.length, 0);
    assert.equal(await form.getByLabel('Seats to deploy: asr').inputValue(), '11', 'the form keeps what was typed');

    await form.getByLabel('Seats to deploy: asr').fill('4');
    await form.getByLabel('Seats to deploy: tts').fill('2');
    await screenshot(customer, '07-new-deployment');
    await form.getByRole('button', { name: 'Create deployment' }).click();
    await okText(customer, /Created deployment lic_/);
    licenseId = decodeURIComponent(new URL(customer.url()).pathname.split('/').at(-1)!);
    assert.match(licenseId, /^lic_/);

    const { d, text } = await downloaded(customer, () =>
      customer.getByRole('button', { name: 'Download license file (revision 1)' }).click(),
    );
    assert.equal(d.suggestedFilename(), `${licenseId}-rev1.lic`);
    const { claims } = await verifyLicense(text, keyring);
    assert.equal(claims.licenseId, licenseId);
    assert.equal(claims.revision, 1);
    assert.equal(claims.customer, 'Acme Speech Ltd');
    assert.equal(claims.binding.serverId, lic01.serverId);
    assert.deepEqual(
      claims.features.map((f) => [f.name, f.count, f.maintenanceUntil]),
      [
        ['asr', 4, maintenance],
        ['tts', 2, maintenance],
      ],
    );
    await okText(customer, /Install it on lic01\.acme\.example with Install License/);
    await screenshot(customer, '08-deployment');
  });

  test('maintenance extended by the vendor is revision 2 for the customer; added licenses revision 3', async () => {
    await go(vendor, `/deployments/${licenseId}`);
    await vendor.locator('[data-line="asr"]').getByRole('button', { name: 'Extend maintenance…' }).click();
    const dialog = vendor.getByRole('dialog', { name: 'Change asr (perpetual)' });
    await dialog.getByLabel('Maintenance until').fill(extended);
    await screenshot(vendor, '09-extend-maintenance');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await okText(vendor, new RegExp(`Re-issued ${licenseId} as revision 2`));
    await vendor.getByTestId('current-revision').filter({ hasText: '2' }).waitFor();

    await customer.reload();
    await customer.getByTestId('current-revision').filter({ hasText: '2' }).waitFor();
    const rev2 = await downloaded(customer, () =>
      customer.getByRole('button', { name: 'Download license file (revision 2)' }).click(),
    );
    assert.equal(rev2.d.suggestedFilename(), `${licenseId}-rev2.lic`);
    const { claims } = await verifyLicense(rev2.text, keyring);
    assert.equal(claims.revision, 2);
    assert.equal(claims.features.find((f) => f.name === 'asr')?.maintenanceUntil, extended);
    await okText(customer, /with Renew License/);

    const add = customer.getByRole('form', { name: 'Add licenses' });
    await add.getByLabel('Seats to add: asr').fill('1');
    await add.getByRole('button', { name: 'Add licenses' }).click();
    await okText(customer, new RegExp(`revision 3 of ${licenseId} is ready`));
    await customer.getByTestId('current-revision').filter({ hasText: '3' }).waitFor();
    const rev3 = await downloaded(customer, () =>
      customer.getByRole('button', { name: 'Download license file (revision 3)' }).click(),
    );
    const v3 = await verifyLicense(rev3.text, keyring);
    assert.equal(v3.claims.features.find((f) => f.name === 'asr')?.count, 5);
    const rev1 = await downloaded(customer, () =>
      customer.getByRole('button', { name: 'Download revision 1' }).click(),
    );
    assert.equal((await verifyLicense(rev1.text, keyring)).claims.revision, 1, 'every revision stays downloadable');
  });

  test('an uninstall certificate returns the seats to the pool once; a second upload is refused', async () => {
    await go(customer, '/deployments');
    assert.deepEqual(await meter(customer, '[data-pool="asr"] .meter'), { used: 5, available: 5 });
    const cert = s.file(`${licenseId}.uninstall`, await lic01.uninstall(licenseId, 3));
    await upload(customer, 'Upload uninstall certificate', cert);
    await okText(customer, new RegExp(`Returned license ${licenseId}: 7 seats \\(asr × 5, tts × 2\\) went back`));
    assert.deepEqual(await meter(customer, '[data-pool="asr"] .meter'), { used: 0, available: 10 });
    assert.deepEqual(await meter(customer, '[data-pool="tts"] .meter'), { used: 0, available: 4 });
    await customer.locator(`[data-return="${licenseId}"]`).waitFor();
    await screenshot(customer, '10-returned');

    await upload(customer, 'Upload uninstall certificate', cert);
    const refused = await errorText(customer);
    assert.match(refused, /This license was returned already: its seats come back to the pool once/);
    assert.match(refused, /ALREADY_RETURNED/);
    assert.deepEqual(await meter(customer, '[data-pool="asr"] .meter'), { used: 0, available: 10 }, 'nothing changed');
    await go(customer, `/deployments/${licenseId}`);
    await customer.getByText(/This license can no longer change/).waitFor();
    assert.equal(await customer.getByRole('form', { name: 'Add licenses' }).count(), 0);
  });

  test('subscription credentials: the secret once, client_property.conf with a copy button, seats in use', async () => {
    await go(customer, '/subscriptions');
    await customer.getByLabel('Label (optional)').fill('call center');
    await customer.getByRole('button', { name: 'Create credentials' }).click();
    const conf = customer.getByTestId('client-config');
    await conf.waitFor();
    const username = ((await customer.getByTestId('account-username').textContent()) ?? '').trim();
    const secret = ((await customer.getByTestId('account-secret').textContent()) ?? '').trim();
    const text = (await conf.textContent()) ?? '';
    assert.match(username, /^acct_/);
    assert.match(text, new RegExp(`LICENSE_SERVERS = ${s.url}`));
    assert.match(text, new RegExp(`AUTHENTICATION_USERNAME = ${username}`));
    assert.match(text, new RegExp(`AUTHENTICATION_PASSWORD = ${secret}`));
    await customer.getByRole('button', { name: 'Copy client_property.conf' }).click();
    await customer.getByRole('button', { name: 'Copy client_property.conf' }).getByText('Copied ✓').waitFor();
    assert.equal(await customer.evaluate('navigator.clipboard.readText()'), text);

    // An application checks out a seat with these credentials; the page shows it in use.
    const res = await fetch(`${s.url}/v1/leases`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        feature: 'asr',
        client: { id: 'agent-desk-7', host: 'cc-host-3', app: 'ivr', version: '4.2.0' },
      }),
    });
    assert.equal(res.status, 201);
    await customer.getByRole('button', { name: 'Refresh' }).click();
    await customer.getByRole('cell', { name: 'agent-desk-7' }).waitFor();
    assert.deepEqual(await meter(customer, '[data-subscription="asr"] .meter'), { used: 1, available: 4 });
    await screenshot(customer, '11-subscriptions');

    await customer.reload();
    await customer.locator(`[data-account="${username}"]`).waitFor();
    assert.equal(await customer.getByTestId('account-secret').count(), 0, 'the secret is not shown again');
    assert.doesNotMatch((await customer.locator('body').textContent()) ?? '', new RegExp(secret));
  });

  test("vendor staff see every customer; a customer's flexible page shows its pool and offers an enrollment code", async () => {
    await go(vendor, '/entitlements');
    await vendor.getByRole('link', { name: 'Globex Corporation' }).first().waitFor();
    await vendor.getByRole('link', { name: 'Acme Speech Ltd' }).first().waitFor();
    await go(vendor, '/');
    await vendor.locator('.tile-n').first().filter({ hasText: '2' }).waitFor();
    await screenshot(vendor, '12-vendor-overview');
    await go(customer, '/flexible');
    await customer.getByRole('button', { name: 'Make an enrollment code' }).waitFor();
    assert.match((await customer.locator('[data-pool="asr"]').textContent()) ?? '', /0 of 3 used/);
    await customer.getByTestId('flexible-servers').getByText('No flexible License Server yet').waitFor();
    await go(customer, '/');
    await customer.locator('[data-pool="subscription:asr"]').waitFor();
    await screenshot(customer, '13-customer-overview');
  });

  test('vendor staff narrow the audit log to refusals and save it as CSV', async () => {
    await go(vendor, '/audit');
    const rows = vendor.locator('table tbody tr');
    await rows.first().waitFor();
    await vendor.getByLabel('Outcome').selectOption('refused');
    await vendor.getByRole('button', { name: 'Apply filters' }).click();
    await vendor.getByRole('cell', { name: 'feature.add' }).first().waitFor();
    const outcomes = await rows.locator('td .chip').allTextContents();
    assert.ok(outcomes.length >= 1);
    assert.ok(
      outcomes.every((o) => o.startsWith('refused')),
      `only refusals: ${outcomes.join(', ')}`,
    );
    await screenshot(vendor, '14-audit-refused');
    const { d, text } = await downloaded(vendor, () => vendor.getByRole('button', { name: 'Export CSV' }).click());
    assert.match(d.suggestedFilename(), /^tessera-cloud-audit-\d{4}-\d\d-\d\d\.csv$/);
    const lines = text.trim().split('\r\n');
    assert.equal(lines[0], 'time_local,time_utc,actor,customer,action,target,outcome,detail');
    assert.equal(lines.length - 1, outcomes.length, 'the CSV holds what the filter matches');
    assert.ok(lines.slice(1).every((l) => /,refused:[A-Z_]+,/.test(l)));
    await vendor.getByText(`Saved ${outcomes.length} ${outcomes.length === 1 ? 'entry' : 'entries'}`).waitFor();
    await vendor.getByRole('button', { name: 'Clear' }).click();
  });

  test('every button, input and select has an accessible name', async () => {
    const pages: [Page, string][] = [
      ...[
        '/',
        '/entitlements',
        '/servers',
        '/deployments',
        `/deployments/${licenseId}`,
        '/subscriptions',
        '/flexible',
        '/users',
        '/audit',
        '/account',
      ].map((p) => [customer, p] as [Page, string]),
      ...['/customers', `/customers/${acmeId}`, '/catalog', '/users'].map((p) => [vendor, p] as [Page, string]),
    ];
    for (const [page, path] of pages) {
      await go(page, path);
      await settled(page);
      const unnamed = await unnamedControls(page, 'button, input, select, textarea, a');
      assert.deepEqual(unnamed, [], `${path}: controls without a name`);
    }
  });

  test('sign-out ends the session', async () => {
    await customer.getByRole('button', { name: 'Sign out' }).click();
    await customer.getByRole('button', { name: 'Sign in' }).waitFor();
    await customer.getByText('You are signed out.').waitFor();
    assert.equal(await customer.evaluate(`fetch('/api/v1/deployments').then((r) => r.status)`), 401);
  });
});
