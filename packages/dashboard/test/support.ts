/**
 * For the Dashboard's browser tests and benchmark: a real License Server in a temp dir (with
 * a test vendor key it trusts), Chromium driven by playwright-core, and screenshots.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, issueLicense, publicKeyToPem } from '@tessera/core';
import { type LicenseServerOptions, LOCAL_CLI_ACTOR, type RunningServer, startLicenseServer } from '@tessera/server';
import { assertBuilt, saveScreenshot, tokenApi } from '@tessera/web-kit/test/browser';
import pino from 'pino';
import type { Page } from 'playwright-core';

export { launchBrowser, unnamedControls } from '@tessera/web-kit/test/browser';

export const DASHBOARD_DIST = new URL('../dist/', import.meta.url).pathname;

/** Saves `.artifacts/screenshots/NAME.png` of the whole page. */
export function screenshot(page: Page, name: string): Promise<string> {
  return saveScreenshot(page, name);
}

export const TEST_FACTORS = {
  machineId: 'machine-1',
  macs: '02:00:00:00:00:01',
  cpu: 'test cpu x4',
  hostname: 'lic-host',
};

export interface DashboardServer {
  root: string;
  dataDir: string;
  server: RunningServer;
  adminUrl: string;
  clientUrl: string;
  token: string;
  initialPassword: string;
  serverIdFile: string;
  /** A license for this server, signed by the test vendor key. */
  issue(
    features: { name: string; count: number }[],
    o?: {
      licenseId?: string;
      revision?: number;
      maintenanceUntil?: string | null;
      expires?: string | null;
      customer?: string;
    },
  ): Promise<string>;
  /** A license signed by this test's vendor key for another server's Server ID file. */
  issueFor(serverIdFile: string, features: { name: string; count: number }[]): Promise<string>;
  /** Writes a file into the test's temp dir and returns its path (for uploads). */
  file(name: string, text: string): string;
  /** The admin API with the CLI token, for checking the server's state behind the page. */
  adminApi<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export async function startDashboardServer(o: Partial<LicenseServerOptions> = {}): Promise<DashboardServer> {
  assertBuilt('the Dashboard', DASHBOARD_DIST);
  const root = mkdtempSync(join(tmpdir(), 'tessera-dashboard-'));
  const vendor = generateSigningKey();
  const vendorPub = join(root, 'vendor.pub');
  writeFileSync(vendorPub, publicKeyToPem(vendor.publicKey));
  const dataDir = join(root, 'data');
  const server = await startLicenseServer({
    dataDir,
    vendorKeyFiles: [vendorPub],
    clientListen: '127.0.0.1:0',
    adminListen: '127.0.0.1:0',
    readFactors: () => TEST_FACTORS,
    hostName: 'lic-host',
    logger: pino({ level: 'silent' }),
    dashboardDir: DASHBOARD_DIST,
    ...o,
  });
  const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  const initialPassword = readFileSync(join(dataDir, 'initial-admin-password'), 'utf8').trim();
  const serverIdFile = await server.core.licenses.makeServerIdFile(LOCAL_CLI_ACTOR);
  return {
    root,
    dataDir,
    server,
    adminUrl: server.adminUrl,
    clientUrl: server.clientUrl,
    token,
    initialPassword,
    serverIdFile,
    async issue(features, io = {}) {
      const { file } = await issueLicense({
        serverIdFile,
        vendorKey: vendor.privateKey,
        customer: io.customer ?? 'Example Corp',
        features,
        nowMs: Date.now(),
        ...(io.licenseId ? { licenseId: io.licenseId } : {}),
        ...(io.revision ? { revision: io.revision } : {}),
        maintenanceUntil: io.maintenanceUntil ?? null,
        expires: io.expires ?? null,
      });
      return file;
    },
    async issueFor(otherServerIdFile, features) {
      const { file } = await issueLicense({
        serverIdFile: otherServerIdFile,
        vendorKey: vendor.privateKey,
        customer: 'Example Corp',
        features,
        nowMs: Date.now(),
      });
      return file;
    },
    file(name, text) {
      const path = join(root, name);
      writeFileSync(path, text);
      return path;
    },
    adminApi: tokenApi(server.adminUrl, token),
    async stop() {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A date `days` from today, `YYYY-MM-DD` (UTC). */
export function daysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A week of made-up usage hours (working-hours peaks, a few denials), written as the meter
 * writes them, so the usage page has something to show. Hours already metered are kept.
 */
export function seedUsageHistory(
  s: DashboardServer,
  features: { name: string; seats: number }[] = [{ name: 'asr', seats: 2 }],
): void {
  const db = s.server.core.store.db;
  const insert = db.prepare(
    `INSERT INTO usage_hours (feature, hour, peak_seats, seat_seconds, checkouts, denials)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (feature, hour) DO NOTHING`,
  );
  const refusal = db.prepare(
    'INSERT INTO usage_refusals (feature, hour, code, count) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const thisHour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  db.transaction(() => {
    for (const f of features) {
      for (let h = 1; h < 7 * 24; h++) {
        const at = thisHour - h * 3_600_000;
        const hourOfDay = new Date(at).getUTCHours();
        const day = new Date(at).getUTCDay();
        const busy = day !== 0 && day !== 6 && hourOfDay >= 8 && hourOfDay < 18;
        const wave = Math.sin(((hourOfDay - 8) / 10) * Math.PI);
        const peak = busy
          ? Math.min(f.seats, Math.max(1, Math.round(f.seats * (0.45 + 0.6 * wave))))
          : h % 5 === 0
            ? 1
            : 0;
        const denials = busy && peak >= f.seats && h % 3 === 0 ? 1 + (h % 4) : 0;
        if (peak === 0) continue;
        const hour = `${new Date(at).toISOString().slice(0, 13)}:00:00Z`;
        insert.run(f.name, hour, peak, peak * 2400, peak * 3, denials);
        // Now and then a client built after the maintenance date asks too.
        if (busy && h % 7 === 0) refusal.run(f.name, hour, 'MAINTENANCE_EXPIRED', 1);
      }
    }
  })();
}

/** Signs in as `admin` with the initial password and sets `password` at the forced change. */
export async function signInFirstTime(page: Page, s: DashboardServer, password: string): Promise<void> {
  await page.goto(s.adminUrl);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill(s.initialPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('New password again').fill(password);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('heading', { name: 'Licenses' }).waitFor();
}
