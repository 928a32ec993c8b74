import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, issueLicense, type LicenseClaims, publicKeyToPem, signLicense } from '@tessera/core';
import pino from 'pino';
import { LOCAL_CLI_ACTOR } from '../domain/audit.js';
import type { ServerCore } from '../runtime/core.js';
import type { LicenseServerOptions } from '../runtime/options.js';
import { type RunningServer, startLicenseServer } from '../runtime/server.js';

export const silentLogger = pino({ level: 'silent' });

export interface Vendor {
  privateKey: KeyObject;
  publicKey: KeyObject;
  pubFile: string;
}

/** A temp directory removed by `cleanup`. */
export function tempDir(prefix = 'tessera-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function makeVendor(dir: string, name = 'vendor'): Vendor {
  const { privateKey, publicKey } = generateSigningKey();
  const pubFile = join(dir, `${name}.pub`);
  writeFileSync(pubFile, publicKeyToPem(publicKey));
  return { privateKey, publicKey, pubFile };
}

export interface LicenseSpec {
  features: { name: string; count: number }[];
  maintenanceUntil?: string | null;
  expires?: string | null;
  licenseId?: string;
  revision?: number;
  customer?: string;
  nowMs?: number;
}

/** A license for the server behind `core`, signed by `vendor`, from the server's own Server ID file. */
export async function licenseFor(
  core: ServerCore,
  vendor: Vendor,
  spec: LicenseSpec,
): Promise<{ claims: LicenseClaims; file: string }> {
  const serverIdFile = await core.licenses.makeServerIdFile(LOCAL_CLI_ACTOR);
  return issueLicense({
    serverIdFile,
    vendorKey: vendor.privateKey,
    customer: spec.customer ?? 'ACME',
    features: spec.features,
    maintenanceUntil: spec.maintenanceUntil ?? null,
    expires: spec.expires ?? null,
    ...(spec.licenseId ? { licenseId: spec.licenseId } : {}),
    ...(spec.revision ? { revision: spec.revision } : {}),
    nowMs: spec.nowMs ?? core.clock.now(),
  });
}

/** Re-signs modified claims (to make documents the server must refuse). */
export function resign(claims: LicenseClaims, key: KeyObject): Promise<string> {
  return signLicense(claims, key);
}

export interface TestServer {
  server: RunningServer;
  core: ServerCore;
  vendor: Vendor;
  dir: string;
  token: string;
  stop(): Promise<void>;
}

/** A License Server on loopback ports chosen by the OS, trusting a fresh vendor key. */
export async function startTestServer(opts: Partial<LicenseServerOptions> = {}): Promise<TestServer> {
  const t = tempDir();
  const vendor = makeVendor(t.dir);
  const dataDir = opts.dataDir ?? join(t.dir, 'data');
  const server = await startLicenseServer({
    clientListen: '127.0.0.1:0',
    adminListen: '127.0.0.1:0',
    logger: silentLogger,
    ...opts,
    dataDir,
    vendorKeyFiles: [vendor.pubFile, ...(opts.vendorKeyFiles ?? [])],
  });
  const { readFileSync } = await import('node:fs');
  const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  return {
    server,
    core: server.core,
    vendor,
    dir: dataDir,
    token,
    async stop() {
      await server.stop();
      t.cleanup();
    },
  };
}
