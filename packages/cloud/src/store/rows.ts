/**
 * What the repositories hand to the domain: camel-case records, JSON parsed, booleans as
 * booleans. The domain never sees a table row.
 */
import type { Ed25519PublicJwk, FactorHashes, LicenseBinding, LicenseClaims } from '@tessera/core';
import type { DeploymentStatus, EntitlementType, UserRole } from './schema.js';

export type { DeploymentStatus, EntitlementType, UserRole } from './schema.js';

export interface UserRecord {
  id: string;
  username: string;
  passwordHash: string;
  role: UserRole;
  customerId: string | null;
  mustChange: boolean;
  createdAt: string;
  disabled: boolean;
  lastSignInAt: string | null;
}

export interface SessionRecord {
  idHash: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  lastSeen: number;
}

export interface FeatureRecord {
  name: string;
  description: string;
  createdAt: string;
}

export interface CustomerRecord {
  id: string;
  name: string;
  createdAt: string;
}

export interface EntitlementRecord {
  id: string;
  customerId: string;
  type: EntitlementType;
  feature: string;
  count: number;
  used: number;
  maintenanceUntil: string | null;
  expires: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ServerRecord {
  id: string;
  customerId: string;
  hostName: string;
  productVersion: string;
  publicKeyJwk: Ed25519PublicJwk;
  factors: FactorHashes;
  document: string;
  registeredAt: string;
  updatedAt: string;
}

export interface DeploymentRecord {
  licenseId: string;
  customerId: string;
  serverId: string;
  revision: number;
  status: DeploymentStatus;
  binding: LicenseBinding;
  createdAt: string;
  updatedAt: string;
  returnedAt: string | null;
}

export interface DeploymentLineRecord {
  licenseId: string;
  feature: string;
  entitlementId: string;
  count: number;
}

export interface LicenseRevisionRecord {
  licenseId: string;
  revision: number;
  claims: LicenseClaims;
  file: string;
  issuedAt: string;
  reason: string;
}

export interface ReturnedSeat {
  feature: string;
  count: number;
  entitlementId: string;
}

export interface ReturnRecord {
  id: string;
  licenseId: string;
  revision: number;
  serverId: string;
  customerId: string;
  certificateHash: string;
  certificate: string;
  uninstalledAt: string;
  returnedAt: string;
  seats: ReturnedSeat[];
}

export interface AccountRecord {
  id: string;
  customerId: string;
  secretHash: string;
  label: string;
  createdAt: string;
  disabledAt: string | null;
}

export interface NewLease {
  id: string;
  customerId: string;
  entitlementId: string;
  feature: string;
  count: number;
  accountId: string;
  clientId: string;
  host: string | null;
  app: string | null;
  version: string | null;
  releaseDate: string;
  nodeId: string;
  createdAt: number;
}

export interface LeaseRecord extends NewLease {
  expiresAt: number;
  endedAt: number | null;
  endReason: string | null;
}

/** A lease time as the database answered it: when it expires, and the database's now. */
export interface LeaseExpiry {
  id: string;
  expiresAt: number;
  dbNow: number;
}

export interface NodeRecord {
  id: string;
  url: string;
  version: string;
  startedAt: string;
  seenAt: number;
}

export interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  customerId: string | null;
  action: string;
  target: string | null;
  outcome: string;
  detail: unknown;
}
