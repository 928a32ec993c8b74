/**
 * What a License Server is started with: the options of its core (data dir, clock, vendor
 * keys) and of its listeners. Those that are settings override `DIR/server.conf` as flags do
 * (docs/settings.md); what neither sets has its default.
 */
import type { Clock, RawFactors } from '@tessera/core';
import type { ListenerPolicy } from '@tessera/service-kit';
import type { Logger } from 'pino';
import type { LicensingMode } from '../domain/licensing-mode.js';
import type { LogLevel, RawSettings } from '../domain/settings/catalog.js';

export interface ServerCoreOptions {
  dataDir: string;
  /** Extra trusted vendor public keys (PEM files), for development and tests. */
  vendorKeyFiles?: string[];
  /** Setting overrides (flags): they win over `DIR/server.conf` (docs/settings.md). */
  leaseSeconds?: number;
  heartbeatSeconds?: number;
  clock?: Clock;
  /** Reads this machine's factors; tests pass their own. */
  readFactors?: () => RawFactors;
  hostName?: string;
  logger?: Logger;
  /** Who holds the data-dir lock, for the message another process sees. */
  lockHolder?: string;
  /**
   * Return before the first start's admin credentials exist (hashing the initial password
   * takes ~100 ms on the thread pool); `bootstrapped` settles when they do. The server uses
   * this to build its listeners meanwhile, and opens them only after.
   */
  deferBootstrap?: boolean;
}

/** A running License Server's options. */
export interface LicenseServerOptions extends ServerCoreOptions {
  clientListen?: string;
  adminListen?: string;
  /** Required when the admin listener is not on loopback (docs/security.md). */
  adminTls?: { certFile: string; keyFile: string };
  /** Licensing mode (docs/flexible.md); installed perpetual licenses are served in every mode. */
  mode?: LicensingMode;
  /** Cloud node URLs, tried in order (modes flexible and pls). */
  cloudUrls?: string[];
  cloudHttps?: boolean;
  cloudCaFile?: string;
  /** Preferred local time of the scheduled sync, `HH:MM` or `none`. */
  syncTime?: string;
  /** Token clients must present (kept only as its hash). */
  clientToken?: string;
  logLevel?: LogLevel;
  /** One-time enrollment code from the portal, sent with the first Report. */
  enrollCode?: string;
  /** Backoff of the online exchange after a failure (tests shorten it). */
  syncRetryBaseMs?: number;
  syncRetryCapMs?: number;
  portalUrl?: string;
  /** Pending writes beyond which checkouts get 429. */
  maxPendingWrites?: number;
  /** Largest request body on the client listener, bytes. */
  clientBodyLimit?: number;
  /** The built Dashboard to serve at `/`; default `@tessera/dashboard`'s dist/. */
  dashboardDir?: string;
  /** Timeouts of both listeners (tests shorten them); default `LISTENER_POLICY`. */
  listenerPolicy?: Partial<ListenerPolicy>;
  /** The open-file limit the connection caps are derived from; default this process's (`ulimit -n`). */
  fdLimit?: number;
}

/** Options given to the server (the CLI's flags) as settings that override the file. */
export function settingFlagsOf(o: LicenseServerOptions): RawSettings {
  const flags: RawSettings = {};
  if (o.mode !== undefined) flags.mode = o.mode;
  if (o.cloudUrls !== undefined && o.cloudUrls.length > 0) flags.cloud_nodes = o.cloudUrls.join(';');
  if (o.cloudHttps !== undefined) flags.cloud_https = o.cloudHttps ? 'yes' : 'no';
  if (o.cloudCaFile !== undefined) flags.cloud_ca_file = o.cloudCaFile;
  if (o.enrollCode !== undefined) flags.enrollment_code = o.enrollCode;
  if (o.portalUrl !== undefined) flags.portal_url = o.portalUrl;
  if (o.syncTime !== undefined) flags.sync_time = o.syncTime;
  if (o.leaseSeconds !== undefined) flags.lease_seconds = String(o.leaseSeconds);
  if (o.heartbeatSeconds !== undefined) flags.heartbeat_seconds = String(o.heartbeatSeconds);
  if (o.clientListen !== undefined) flags.client_listen = o.clientListen;
  if (o.adminListen !== undefined) flags.admin_listen = o.adminListen;
  if (o.adminTls !== undefined) {
    flags.admin_tls_cert = o.adminTls.certFile;
    flags.admin_tls_key = o.adminTls.keyFile;
  }
  if (o.clientToken !== undefined) flags.client_token = o.clientToken;
  if (o.logLevel !== undefined) flags.log_level = o.logLevel;
  return flags;
}
