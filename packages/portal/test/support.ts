/**
 * For the portal's browser tests: a real Cloud node in a temp dir (SQLite, port 0) serving
 * the built portal, Chromium driven by playwright-core, License Server identities that sign
 * their own Server ID files and uninstall certificates, and screenshots.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningCloud, startCloud } from '@tessera/cloud';
import {
  generateSigningKey,
  hashFactors,
  PRODUCT_VERSION,
  publicKeyToJwk,
  serverIdOf,
  signReport,
  signServerId,
  signUninstall,
  type UsageHour,
} from '@tessera/core';
import { assertBuilt, saveScreenshot, tokenApi } from '@tessera/web-kit/test/browser';
import pino from 'pino';
import type { Page } from 'playwright-core';

export { launchBrowser, unnamedControls } from '@tessera/web-kit/test/browser';

export const PORTAL_DIST = new URL('../dist/', import.meta.url).pathname;

/** Saves `.artifacts/screenshots/portal-NAME.png` of the whole page. */
export function screenshot(page: Page, name: string): Promise<string> {
  // Sticky bars would land mid-page in a full-page shot taken while scrolled.
  return saveScreenshot(page, `portal-${name}`, { scrollToTop: true });
}

export interface PortalCloud {
  root: string;
  dataDir: string;
  cloud: RunningCloud;
  url: string;
  initialPassword: string;
  /** The vendor API with the CLI token (vendor staff), to set up or check what is behind the page. */
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Writes a file into the test's temp dir and returns its path (for uploads). */
  file(name: string, text: string): string;
  stop(): Promise<void>;
}

export async function startPortalCloud(): Promise<PortalCloud> {
  assertBuilt('the portal', PORTAL_DIST);
  const root = mkdtempSync(join(tmpdir(), 'tessera-portal-'));
  const dataDir = join(root, 'cloud');
  const cloud = await startCloud({
    dataDir,
    listen: '127.0.0.1:0',
    logger: pino({ level: 'silent' }),
    portalDir: PORTAL_DIST,
  });
  const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  const initialPassword = readFileSync(join(dataDir, 'initial-admin-password'), 'utf8').trim();
  return {
    root,
    dataDir,
    cloud,
    url: cloud.url,
    initialPassword,
    api: tokenApi(cloud.url, token),
    file(name, text) {
      const path = join(root, name);
      writeFileSync(path, text);
      return path;
    },
    async stop() {
      await cloud.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A License Server identity (a fresh Ed25519 key) that signs its own documents, as `tessera server-id` would. */
export interface TestLicenseServer {
  serverId: string;
  hostName: string;
  /** Its Server ID file (`info.bts`). */
  serverIdFile: string;
  /** An uninstall certificate for `licenseId` at `revision`, as Uninstall License writes it. */
  uninstall(licenseId: string, revision: number): Promise<string>;
  /**
   * A signed Report as a flexible server sends it at a sync (`POST /v1/sync`): its next sequence,
   * these usage hours, and with `enrollmentCode` its first one (Server ID document + code).
   */
  report(usage: UsageHour[], enrollmentCode?: string): Promise<string>;
}

export async function newLicenseServer(hostName: string): Promise<TestLicenseServer> {
  const { privateKey, publicKey } = generateSigningKey();
  const serverId = await serverIdOf(publicKey);
  const factors = hashFactors(
    {
      machineId: `machine-${hostName}`,
      macs: '02:42:ac:11:00:02',
      cpu: 'Test CPU x 4',
      productUuid: '4c4c4544-0042-3510-8052-b4c04f4e3232',
      rootFsId: '5f1c0a3e-6a55-4b1f-9f44-1b6c4c2a9d01',
      hostname: hostName,
    },
    serverId,
  );
  let sequence = 0;
  const serverIdFile = await signServerId(
    {
      serverId,
      publicKeyJwk: await publicKeyToJwk(publicKey),
      factors,
      hostName,
      productVersion: PRODUCT_VERSION,
      createdAt: new Date().toISOString(),
    },
    privateKey,
  );
  return {
    serverId,
    hostName,
    serverIdFile,
    uninstall: (licenseId, revision) =>
      signUninstall({ licenseId, revision, serverId, uninstalledAt: new Date().toISOString() }, privateKey),
    report: (usage, enrollmentCode) => {
      sequence += 1;
      return signReport(
        {
          serverId,
          sequence,
          createdAt: new Date().toISOString(),
          factors,
          acknowledgedThrough: null,
          usage,
          ...(enrollmentCode ? { enrollment: { code: enrollmentCode, serverIdDocument: serverIdFile } } : {}),
        },
        privateKey,
      );
    },
  };
}

/** A date `days` from today, `YYYY-MM-DD` (UTC). */
export function daysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
