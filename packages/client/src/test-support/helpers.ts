/** Small helpers for SDK tests. */
import { LicenseClient, type LicenseClientConfig } from '../client.js';
import type { Lease, LeaseEvents } from '../lease.js';
import type { LicenseClientOptions } from '../types.js';
import type { FakeLicenseServer } from './fake-server.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves with the next `event` of `lease`; rejects after `timeoutMs`. */
export function nextEvent<K extends keyof LeaseEvents>(
  lease: Lease,
  event: K,
  timeoutMs = 3000,
): Promise<LeaseEvents[K][0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      lease.off(event, listener);
      reject(new Error(`no '${String(event)}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: LeaseEvents[K]) => {
      clearTimeout(timer);
      lease.off(event, listener);
      resolve(args[0]);
    };
    lease.on(event, listener);
  });
}

/** A client for these fake servers, cache off unless asked for; closed by `clients.closeAll()`. */
export class Clients {
  private readonly made: LicenseClient[] = [];
  make(
    servers: (FakeLicenseServer | FakeLicenseServer['address'])[],
    config: Partial<LicenseClientConfig> = {},
    opts: LicenseClientOptions = {},
  ): LicenseClient {
    const client = new LicenseClient(
      {
        servers: servers.map((s) => ('address' in s ? s.address : s)),
        cacheSeconds: config.cacheSeconds ?? 0,
        ...(config.auth && { auth: config.auth }),
      },
      { requestTimeoutMs: 1000, ...opts },
    );
    this.made.push(client);
    return client;
  }
  async closeAll(): Promise<void> {
    await Promise.all(this.made.splice(0).map((c) => c.close()));
  }
}
