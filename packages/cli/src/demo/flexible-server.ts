/**
 * The demo's flexible License Server: enrolled with the Cloud by a one-time code (as the
 * portal's enrollment command does), given seats of the customer's flexible entitlement, and
 * synced, so that its Dashboard shows Resync Info and the time of the last sync.
 */
import { existsSync } from 'node:fs';
import type { CloudApiClient } from '@tessera/cloud';
import type { RunningServer } from '@tessera/server';
import { CoreAdminTarget } from '../admin-target.js';
import { DEMO_DEFAULTS } from '../demo-defaults.js';
import { createServerLogger, type LogLevel } from '../logger.js';
import { withPortFallback } from './ports.js';

export interface FlexibleDemoOptions {
  dir: string;
  clientPort: number;
  adminPort: number;
  cloudUrl: string;
  vendorPub: string;
  customerId: string;
  logLevel: LogLevel;
  print: (line: string) => void;
}

/** How long the demo waits for the first exchange at start to enroll the server. */
const ENROLL_WAIT_MS = 15_000;

export async function startFlexibleDemoServer(api: CloudApiClient, o: FlexibleDemoOptions): Promise<RunningServer> {
  const { startLicenseServer } = await import('@tessera/server');
  const d = DEMO_DEFAULTS.flexible;
  // A demo run again on its directory finds the server enrolled already: no code then (the
  // server keeps its mode and Cloud in server.conf, as enrolling saved them).
  const firstRun = !existsSync(o.dir);
  const code = firstRun ? (await api.enroll(o.customerId)).code : undefined;
  const running = await withPortFallback(
    ([clientPort, adminPort]) =>
      startLicenseServer({
        dataDir: o.dir,
        vendorKeyFiles: [o.vendorPub],
        clientListen: `127.0.0.1:${clientPort}`,
        adminListen: `127.0.0.1:${adminPort}`,
        leaseSeconds: DEMO_DEFAULTS.leaseSeconds,
        heartbeatSeconds: DEMO_DEFAULTS.heartbeatSeconds,
        portalUrl: o.cloudUrl,
        ...(firstRun && { mode: 'flexible' as const, cloudUrls: [o.cloudUrl] }),
        ...(code !== undefined && { enrollCode: code }),
        logger: createServerLogger(o.logLevel),
        lockHolder: 'tessera demo (flexible server)',
      }),
    [
      { port: o.clientPort, what: "the flexible server's client API" },
      { port: o.adminPort, what: "the flexible server's admin API" },
    ],
    o.print,
  );
  try {
    const admin = new CoreAdminTarget(running.core, { id: 'cli:demo', role: 'admin' });
    const enrolled = await untilEnrolled(admin);
    if (!enrolled) {
      // A run again on a directory whose first run stopped before enrolling has no code to give.
      throw new Error(
        `the flexible server did not enroll with the Cloud in ${ENROLL_WAIT_MS / 1000} s` +
          (firstRun ? '' : `; remove ${o.dir} and run the demo again to enroll it afresh`),
      );
    }
    const serverId = running.core.identity.serverId;
    await api.allocate(serverId, [{ feature: d.feature, count: d.allocated }]);
    await admin.flexible('resync');
    o.print(
      `flexible License Server ${serverId}: ${d.allocated} ${d.feature} seats of ${d.count} allocated and synced`,
    );
    return running;
  } catch (err) {
    await running.stop();
    throw err;
  }
}

async function untilEnrolled(admin: CoreAdminTarget): Promise<boolean> {
  const until = Date.now() + ENROLL_WAIT_MS;
  while (Date.now() < until) {
    const status = (await admin.flexible('status')) as { enrolled?: boolean };
    if (status.enrolled) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
