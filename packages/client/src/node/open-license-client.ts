/**
 * Node-only convenience: a LicenseClient from a conf file, with the machine's host name.
 */
import { hostname } from 'node:os';
import { LicenseClient } from '../client.js';
import type { LicenseClientOptions } from '../types.js';
import { loadClientProperties } from './load-client-properties.js';

/**
 * Loads `client_property.conf`, hands its warnings to `opts.logger.warn`, and makes a client
 * that sends this machine's host name unless `opts.host` says otherwise.
 *
 * @throws ConfigError when the file cannot be read or is malformed.
 * @example
 * const client = await openLicenseClient('client_property.conf', { app: 'myapp', releaseDate: '2026-03-01' });
 */
export async function openLicenseClient(path: string, opts: LicenseClientOptions = {}): Promise<LicenseClient> {
  const config = await loadClientProperties(path);
  for (const warning of config.warnings) opts.logger?.warn?.(warning);
  return new LicenseClient(config, { host: hostname(), ...opts });
}
