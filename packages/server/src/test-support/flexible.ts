/**
 * A License Server on a manual clock with a vendor of its own, for the flexible licensing
 * tests: Syncs signed by that vendor, checkouts and heartbeats through the client listener.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock, type SyncClaims, TesseraError } from '@tessera/core';
import type { LicenseServerOptions } from '../runtime/options.js';
import { type RunningServer, startLicenseServer } from '../runtime/server.js';
import { makeVendor, silentLogger, tempDir, type Vendor } from './fixtures.js';

export const HOUR = 3_600_000;
export const T0 = Date.UTC(2026, 5, 1, 10, 30);

export interface Env {
  dir: string;
  dataDir: string;
  vendor: Vendor;
  clock: ManualClock;
  server?: RunningServer;
  cleanup(): void;
}

const envs: Env[] = [];

export function makeEnv(): Env {
  const t = tempDir('tessera-flex-');
  const env: Env = {
    dir: t.dir,
    dataDir: join(t.dir, 'data'),
    vendor: makeVendor(t.dir),
    clock: new ManualClock(T0),
    cleanup: t.cleanup,
  };
  envs.push(env);
  return env;
}

/** Start options; one set to undefined is a flag not given (its value then comes from server.conf). */
export type StartFlags = { [K in keyof LicenseServerOptions]?: LicenseServerOptions[K] | undefined };

export async function start(env: Env, opts: StartFlags = {}): Promise<RunningServer> {
  const all: StartFlags = {
    clientListen: '127.0.0.1:0',
    adminListen: '127.0.0.1:0',
    logger: silentLogger,
    mode: 'als',
    clock: env.clock,
    leaseSeconds: 60,
    heartbeatSeconds: 20,
    ...opts,
  };
  const given = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
  env.server = await startLicenseServer({
    ...(given as Partial<LicenseServerOptions>),
    dataDir: env.dataDir,
    vendorKeyFiles: [env.vendor.pubFile],
  });
  return env.server;
}

/** Stops the servers and removes the directories of every Env made since the last call (an afterEach). */
export async function stopEnvs(): Promise<void> {
  for (const e of envs.splice(0)) {
    await e.server?.stop();
    e.cleanup();
  }
}

export function syncClaims(s: RunningServer, clock: ManualClock, over: Partial<SyncClaims> = {}): SyncClaims {
  return {
    serverId: s.core.identity.serverId,
    syncCounter: 1,
    reportSequence: 1,
    acknowledgedThrough: null,
    licenses: [
      {
        licenseId: 'flex-acme-1',
        revision: 1,
        customer: 'ACME',
        features: [{ name: 'asr', count: 2, expires: null, maintenanceUntil: null }],
      },
    ],
    issuedAt: new Date(clock.now()).toISOString(),
    validUntil: new Date(clock.now() + 24 * HOUR).toISOString(),
    nextSyncSeconds: 3600,
    ...over,
  };
}

export async function checkout(s: RunningServer, feature = 'asr', client = 'client-1') {
  const r = await s.client.inject({
    method: 'POST',
    url: '/v1/leases',
    payload: { feature, client: { id: client, host: 'host-secret-name', app: 'app-secret-name' } },
  });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> & { error?: { code: string } } };
}

export async function heartbeat(s: RunningServer, leaseId: string) {
  const r = await s.client.inject({ method: 'POST', url: `/v1/leases/${leaseId}/heartbeat` });
  return { status: r.statusCode, body: r.json() as { error?: { code: string; reason?: string } } };
}

export async function refusedWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof TesseraError && e.code === code);
}

export function snapshot(s: RunningServer) {
  const st = s.core.flexible.status();
  return JSON.stringify({ ...st, nextAttemptAt: null, validUntil: null, features: s.core.engine.features() });
}

export function adminToken(env: Env): string {
  return readFileSync(join(env.dataDir, 'admin.token'), 'utf8').trim();
}
