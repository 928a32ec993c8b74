import { join } from 'node:path';
import { BENCH_DIR, type Child, retrying, startChild } from './proc.js';

export interface LicenseServerReady {
  type: 'ready';
  pid: number;
  clientUrl: string;
  adminUrl: string;
  importMs: number;
  startMs: number;
  readyMs: number;
}

export interface BareServerReady {
  type: 'ready';
  pid: number;
  url: string;
}

/** The compiled License Server (packages/server/dist) in a process of its own. */
export function startLicenseServerProcess(o: {
  dataDir: string;
  vendorKeyFiles: string[];
  leaseSeconds?: number;
  heartbeatSeconds?: number;
  nodeArgs?: string[];
}): Child<LicenseServerReady> {
  const { nodeArgs, ...options } = o;
  return startChild<LicenseServerReady>(join(BENCH_DIR, 'servers', 'license-server.mjs'), [JSON.stringify(options)], {
    ...(nodeArgs ? { nodeArgs } : {}),
  });
}

/** The ceiling: bare node:http in a process of its own. */
export function startBareServerProcess(): Child<BareServerReady> {
  return startChild<BareServerReady>(join(BENCH_DIR, 'servers', 'bare-server.mjs'), []);
}

/** {@link startLicenseServerProcess}, awaited until ready; a start that fails is tried again (see `retrying`). */
export async function readyLicenseServer(
  o: Parameters<typeof startLicenseServerProcess>[0],
  log: (m: string) => void,
): Promise<{ server: Child<LicenseServerReady>; ready: LicenseServerReady }> {
  return retrying(
    'starting the License Server',
    async () => {
      const server = startLicenseServerProcess(o);
      try {
        return { server, ready: await server.ready };
      } catch (err) {
        await server.stop();
        throw err;
      }
    },
    log,
  );
}
