/** A real License Server in a temp dir, for the Dashboard's server-side tests. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, generateSigningKey, issueLicense, publicKeyToPem } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { LOCAL_CLI_ACTOR } from '../domain/audit.js';
import { DATA_FILES } from '../runtime/data-dir.js';
import type { LicenseServerOptions } from '../runtime/options.js';
import { type RunningServer, startLicenseServer } from '../runtime/server.js';

export const TEST_FACTORS = {
  machineId: 'machine-1',
  macs: '02:00:00:00:00:01',
  cpu: 'test cpu x4',
  hostname: 'test-host',
};

export interface TestServer {
  dir: string;
  server: RunningServer;
  admin: FastifyInstance;
  token: string;
  initialPassword: string;
  /** Signs a license for this server with the test vendor key. */
  issue(
    features: { name: string; count: number }[],
    o?: { licenseId?: string; revision?: number; maintenanceUntil?: string; expires?: string },
  ): Promise<string>;
  /** Installs a license through the admin API with the CLI token; returns its id. */
  install(file: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestServer(o: Partial<LicenseServerOptions> & { clock?: Clock } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-dash-'));
  const vendor = generateSigningKey();
  const vendorPub = join(dir, 'vendor.pub');
  const dataDir = join(dir, 'data');
  writeFileSync(vendorPub, publicKeyToPem(vendor.publicKey));
  const server = await startLicenseServer({
    dataDir,
    vendorKeyFiles: [vendorPub],
    clientListen: '127.0.0.1:0',
    adminListen: '127.0.0.1:0',
    readFactors: () => TEST_FACTORS,
    hostName: 'test-host',
    logger: pino({ level: 'silent' }),
    ...o,
  });
  const token = readFileSync(join(dataDir, DATA_FILES.adminToken), 'utf8').trim();
  const initialPassword = readFileSync(join(dataDir, DATA_FILES.initialPassword), 'utf8').trim();
  const serverIdFile = await server.core.licenses.makeServerIdFile(LOCAL_CLI_ACTOR);
  return {
    dir: dataDir,
    server,
    admin: server.admin,
    token,
    initialPassword,
    async issue(features, io = {}) {
      const { file } = await issueLicense({
        serverIdFile,
        vendorKey: vendor.privateKey,
        customer: 'Example Corp',
        features,
        // The server's clock (a test's manual clock, say): a license from its future is refused.
        nowMs: server.core.clock.now(),
        ...io,
      });
      return file;
    },
    async install(file) {
      const res = await server.admin.inject({
        method: 'POST',
        url: '/api/v1/licenses',
        headers: { host: '127.0.0.1', authorization: `Bearer ${token}` },
        payload: { file },
      });
      if (res.statusCode !== 201) throw new Error(`install failed: ${res.body}`);
      return (res.json() as { licenseId: string }).licenseId;
    },
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A signed-in browser, as the admin API sees it: the cookie header and the CSRF token. */
export interface TestSession {
  cookie: string;
  csrf: string;
  setCookie: string;
  body: { username: string; role: string; mustChange: boolean; csrfToken: string };
}

export async function signIn(admin: FastifyInstance, username: string, password: string): Promise<TestSession> {
  const res = await admin.inject({
    method: 'POST',
    url: '/api/v1/session',
    headers: { host: '127.0.0.1' },
    payload: { username, password },
  });
  if (res.statusCode !== 201) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const setCookie = String(res.headers['set-cookie']);
  const body = res.json() as TestSession['body'];
  return { cookie: setCookie.split(';')[0]!, csrf: body.csrfToken, setCookie, body };
}

/** Signs in as admin with the initial password and changes it; returns the session. */
export async function signInAsAdmin(t: TestServer, newPassword = 'a much better password'): Promise<TestSession> {
  const s = await signIn(t.admin, 'admin', t.initialPassword);
  const res = await t.admin.inject({
    method: 'POST',
    url: '/api/v1/account/password',
    headers: { host: '127.0.0.1', cookie: s.cookie, 'x-csrf-token': s.csrf },
    payload: { currentPassword: t.initialPassword, newPassword },
  });
  if (res.statusCode !== 204) throw new Error(`password change failed: ${res.body}`);
  return s;
}
