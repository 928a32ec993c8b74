/**
 * Domain types of licenses, as carried by the signed documents (docs/protocol.md).
 */
import type { FactorHashes } from './fingerprint/factors.js';

export interface LicenseFeature {
  name: string;
  /** Seats this license holds for the feature (≥ 1). */
  count: number;
  /** Last valid day, `YYYY-MM-DD` inclusive UTC; null = never expires. */
  expires: string | null;
  /** Software released after this day (`YYYY-MM-DD`) is not covered; null = no limit. */
  maintenanceUntil: string | null;
}

export interface LicenseBinding {
  serverId: string;
  /** Factor hashes of the server at issue time (from its Server ID document). */
  factors: FactorHashes;
}

export interface LicenseClaims {
  licenseId: string;
  revision: number;
  customer: string;
  binding: LicenseBinding;
  features: LicenseFeature[];
  issuedAt: string;
}
