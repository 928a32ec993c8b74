/**
 * `@tessera/client`: the Tessera client SDK. Read `client_property.conf`, check seats out of
 * license servers with failover, keep them by heartbeat, release them (through a release cache).
 */
export { type FeaturesResult, LicenseClient, type LicenseClientConfig, unrefTimers } from './client.js';
export {
  type ClientAuth,
  type ClientConfig,
  ConfigError,
  DEFAULT_CACHE_SECONDS,
  DEFAULT_SERVERS,
  MAX_CACHE_SECONDS,
  parseClientProperties,
} from './config/client-properties.js';
export { DEFAULT_PORT, parseServerAddress, type ServerAddress } from './config/server-address.js';
export { LicenseClientError } from './errors.js';
export {
  Lease,
  type LeaseEvents,
  type LeaseInfo,
  type LeaseLossReason,
  type LeaseLostEvent,
  type LeaseRenewedEvent,
} from './lease.js';
export { loadClientProperties } from './node/load-client-properties.js';
export { openLicenseClient } from './node/open-license-client.js';
export type {
  CheckoutDenial,
  CheckoutGrant,
  CheckoutOptions,
  CheckoutResult,
  ClientLogger,
  DenialCode,
  LicenseClientOptions,
  TimerHandle,
  Timers,
} from './types.js';
