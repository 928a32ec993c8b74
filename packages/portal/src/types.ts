/**
 * The vendor API's JSON, as the portal reads it (docs/architecture.md: the portal knows only these types).
 * They mirror `@tessera/cloud`'s views; test/model.test.ts checks at compile time that they agree.
 */

export type Role = 'vendor' | 'customer';
export type EntitlementType = 'perpetual' | 'flexible' | 'subscription';

export interface SessionView {
  username: string;
  role: Role;
  customerId: string | null;
  mustChange: boolean;
  csrfToken: string | null;
  expiresAt: string | null;
}

export interface FeatureView {
  id: string;
  name: string;
  description: string;
  createdAt: string;
}

export interface CustomerView {
  id: string;
  name: string;
  poolId: string;
  createdAt: string;
}

export interface UserView {
  id: string;
  username: string;
  role: Role;
  customerId: string | null;
  mustChange: boolean;
  /** A disabled user cannot sign in nor use its API tokens. */
  disabled: boolean;
  createdAt: string;
  /** The last portal sign-in; null before the first. */
  lastSignInAt: string | null;
}

/** A password reset by another user: shown once, to be changed at the next sign-in. */
export interface ResetPasswordView {
  id: string;
  username: string;
  password: string;
}

export interface NewUserView extends UserView {
  /** The generated password, shown once (only when none was given). */
  password?: string;
}

export interface EntitlementView {
  id: string;
  customerId: string;
  type: EntitlementType;
  feature: string;
  count: number;
  /** Seats taken: deployed (perpetual), held by leases now (subscription), allocated (flexible). */
  used: number;
  available: number;
  maintenanceUntil: string | null;
  expires: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface EntitlementChangeResult extends EntitlementView {
  reissued: { licenseId: string; revision: number }[];
  revokedLeases: number;
}

export interface ServerView {
  id: string;
  customerId: string;
  hostName: string;
  productVersion: string;
  factors: string[];
  registeredAt: string;
  updatedAt: string;
}

export interface DeploymentLineView {
  feature: string;
  count: number;
  entitlementId: string;
  maintenanceUntil: string | null;
  expires: string | null;
}

export interface DeploymentView {
  id: string;
  licenseId: string;
  customerId: string;
  serverId: string;
  revision: number;
  status: 'active' | 'returned';
  lines: DeploymentLineView[];
  revisions: { revision: number; issuedAt: string; reason: string }[];
  createdAt: string;
  updatedAt: string;
  returnedAt: string | null;
}

export interface DeploymentWithFile extends DeploymentView {
  file: string;
  fileName: string;
}

export interface ReturnView {
  id: string;
  licenseId: string;
  revision: number;
  serverId: string;
  customerId: string;
  uninstalledAt: string;
  returnedAt: string;
  seats: { feature: string; count: number; entitlementId: string }[];
}

export interface AccountView {
  id: string;
  username: string;
  customerId: string;
  poolId: string;
  label: string;
  createdAt: string;
  disabledAt: string | null;
}

export interface NewAccountView extends AccountView {
  /** The generated secret: shown once, never again. */
  password: string;
  /** A ready client_property.conf with the node addresses and these credentials. */
  clientConfig: string;
}

export interface SubscriptionUsage {
  poolId: string;
  features: {
    feature: string;
    total: number;
    inUse: number;
    available: number;
    licenses: {
      licenseId: string;
      count: number;
      inUse: number;
      expires: string | null;
      maintenanceUntil: string | null;
    }[];
  }[];
  holders: {
    feature: string;
    count: number;
    entitlementId: string;
    accountId: string;
    clientId: string;
    host: string | null;
    app: string | null;
    version: string | null;
    nodeId: string;
    since: string;
    expiresAt: string;
  }[];
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  customerId: string | null;
  action: string;
  target: string | null;
  outcome: string;
  detail: unknown;
}

/** A one-time enrollment code's record (the code itself only in the answer that made it). */
export interface EnrollmentView {
  id: string;
  customerId: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  serverId: string | null;
}

export interface AllocationView {
  serverId: string;
  customerId: string;
  features: {
    feature: string;
    count: number;
    entitlements: { entitlementId: string; count: number; licenseId: string; revision: number }[];
  }[];
}

/** A flexible License Server: seats allocated (`count`) and delivered by its last Sync, sync state, clone flags. */
export interface FlexibleServerView {
  id: string;
  customerId: string;
  hostName: string;
  productVersion: string;
  registeredAt: string;
  enrolledAt: string | null;
  features: { feature: string; count: number; delivered: number }[];
  sync: {
    syncCounter: number;
    lastSequence: number;
    lastReportAt: string | null;
    lastSyncAt: string | null;
    validUntil: string | null;
    acknowledgedThrough: string | null;
  };
  flags: { kind: string; count: number; lastAt: string }[];
}

export interface UsagePoint {
  /** Start of the bucket: an hour mark (`2026-03-10T14:00:00Z`), or a UTC day `YYYY-MM-DD`. */
  t: string;
  peakSeats: number;
  seatSeconds: number;
  checkouts: number;
  denials: number;
}

export interface UsageView {
  customerId: string | null;
  serverId: string | null;
  bucket: 'hour' | 'day';
  from: string;
  series: { serverId: string; feature: string; points: UsagePoint[] }[];
  totals: { feature: string; peakSeats: number; seatSeconds: number; checkouts: number; denials: number }[];
}
