/**
 * A License Server for the browser benches (dashboard-load, sessions-load): in-process, on a
 * fresh temp data dir, trusting a fresh vendor key, with leases that outlive the run without
 * heartbeats.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, LEASE_POLICY, publicKeyToPem } from '@tessera/core';
import { type RunningServer, startLicenseServer } from '@tessera/server';
import pino from 'pino';

export interface BenchDashboardServer {
  root: string;
  dataDir: string;
  vendor: ReturnType<typeof generateSigningKey>;
  server: RunningServer;
}

/** `prefix` names the temp dir (`tessera-bench-<prefix>-`); remove `root` when done. */
export async function startBenchDashboardServer(prefix: string): Promise<BenchDashboardServer> {
  const root = mkdtempSync(join(tmpdir(), `tessera-bench-${prefix}-`));
  const vendor = generateSigningKey();
  const vendorPub = join(root, 'vendor.pub');
  writeFileSync(vendorPub, publicKeyToPem(vendor.publicKey));
  const dataDir = join(root, 'data');
  const server = await startLicenseServer({
    dataDir,
    vendorKeyFiles: [vendorPub],
    clientListen: '127.0.0.1:0',
    adminListen: '127.0.0.1:0',
    logger: pino({ level: 'warn' }),
    // Leases outlive the run without heartbeats.
    leaseSeconds: LEASE_POLICY.maxLeaseSeconds,
    heartbeatSeconds: 60,
  });
  return { root, dataDir, vendor, server };
}
