/**
 * Client protocol v1 (docs/protocol.md): the JSON bodies exchanged between the SDK and a License
 * Server or Cloud node. Both sides import these types so the wire format has one definition.
 */
import type { ErrorCode } from './errors.js';

export const PROTOCOL_PATHS = {
  leases: '/v1/leases',
  lease: (id: string) => `/v1/leases/${encodeURIComponent(id)}`,
  heartbeat: (id: string) => `/v1/leases/${encodeURIComponent(id)}/heartbeat`,
  features: '/v1/features',
  health: '/healthz',
} as const;

export interface ClientInfo {
  /** Stable id of the client process or installation, chosen by the SDK. */
  id: string;
  host?: string;
  app?: string;
  version?: string;
  /** The application's release date, `YYYY-MM-DD`; absent means released today. */
  releaseDate?: string;
}

export interface CheckoutRequest {
  feature: string;
  count?: number;
  client: ClientInfo;
}

export interface CheckoutResponse {
  leaseId: string;
  feature: string;
  count: number;
  licenseId: string;
  /** RFC 3339: when the lease lapses without a heartbeat. */
  expiresAt: string;
  heartbeatSeconds: number;
  leaseSeconds: number;
  poolId: string;
}

export interface HeartbeatResponse {
  expiresAt: string;
}

export interface FeatureLicenseView {
  licenseId: string;
  count: number;
  inUse: number;
  expires: string | null;
  maintenanceUntil: string | null;
}

export interface FeatureView {
  feature: string;
  total: number;
  inUse: number;
  available: number;
  licenses: FeatureLicenseView[];
}

export interface FeaturesResponse {
  poolId: string;
  features: FeatureView[];
}

export interface ErrorBody {
  error: { code: ErrorCode | string; message: string; reason?: string; requestId?: string };
}

/** Why a lease went away; sent as `reason` with 410 LEASE_GONE. */
export type LeaseGoneReason =
  | 'EXPIRED'
  | 'RELEASED'
  | 'LICENSE_UNINSTALLED'
  | 'LICENSE_EXPIRED'
  | 'SEATS_REDUCED'
  | 'REVOKED_BY_ADMIN'
  /** The seats came from a Sync whose valid-until has passed (flexible licensing). */
  | 'SYNC_EXPIRED'
  | 'UNKNOWN_LEASE';
