/**
 * The admin API's JSON, as the Dashboard reads it (the Dashboard knows only these types, never the server's code).
 * They mirror `@tessera/server`'s views; test/model.test.ts checks at compile time that they agree: the same
 * shape, or, where the Dashboard reads only part of an answer, fields the server sends with types its values fit.
 */

export type Role = 'view' | 'manage' | 'admin';
export type ServerMode = 'perpetual' | 'flexible' | 'als' | 'pls';

export interface SessionView {
  username: string;
  role: Role;
  mustChange: boolean;
  csrfToken: string | null;
  expiresAt: string | null;
}

export interface ServerInfo {
  serverId: string;
  poolId: string;
  mode: ServerMode;
  version: string;
  clientUrl: string;
  adminUrl: string;
  portalUrl: string | null;
  leaseSeconds: number;
  heartbeatSeconds: number;
  clockTampered: boolean;
  leasesHeld: number;
  /** The mode the server last ran in, when this start came up in another one. */
  modeChangedFrom: ServerMode | null;
  /** Where the mode in force came from then: `flag --mode`, `server.conf` or `default`. */
  modeSource: string | null;
}

export interface FeatureView {
  name: string;
  count: number;
  inUse: number;
  available: number;
  expires: string | null;
  maintenanceUntil: string | null;
  expired: boolean;
}

export interface LicenseView {
  licenseId: string;
  revision: number;
  customer: string;
  /** `flexible`: brought by the last Sync, not installed. */
  mode: 'perpetual' | 'flexible';
  issuedAt: string;
  installedAt: string;
  features: FeatureView[];
}

export interface LicenseTree {
  server: { serverId: string; hostName: string; poolId: string; version: string; clockTampered: boolean };
  licenses: LicenseView[];
  uninstalled: { licenseId: string; revision: number; uninstalledAt: string }[];
}

export interface LeaseView {
  leaseId: string;
  licenseId: string;
  feature: string;
  count: number;
  clientId: string;
  host: string | null;
  app: string | null;
  version: string | null;
  releaseDate: string;
  since: string;
}

/** One held lease on the Sessions page (`GET /api/v1/seats`). */
export interface SeatHolderView extends LeaseView {
  /** When it lapses unless its holder heartbeats; null if it ended while being listed. */
  expiresAt: string | null;
}

/** One page of every seat holder, with how many match in all. */
export interface SeatsPage {
  total: number;
  page: number;
  limit: number;
  seats: SeatHolderView[];
}

/** `POST /api/v1/seats/release`: how many were released, and the ids no lease holds (any more). */
export interface SeatsReleased {
  released: number;
  notFound: string[];
}

export interface UsageFeature {
  feature: string;
  licensed: number;
  peak: number[];
  denials: number[];
  checkouts: number[];
  seatSeconds: number[];
  refusals: UsageRefusal[];
}

/** Checkouts of one feature refused in one hour (index into the series) for one reason. */
export interface UsageRefusal {
  hour: number;
  code: string;
  count: number;
}

export interface UsageView {
  from: string;
  hours: number;
  features: UsageFeature[];
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  /** `ok`, or `refused:CODE`. */
  outcome: string;
  detail: unknown;
}

export interface UserView {
  username: string;
  role: Role;
  mustChange: boolean;
  /** A disabled user cannot sign in. */
  disabled: boolean;
  createdAt: string;
  /** The last sign-in (ISO instant), or null when the user never signed in. */
  lastSignInAt: string | null;
}

/** One setting of `server.conf` as the admin API shows it. */
export interface SettingView {
  key: string;
  flag: string | null;
  description: string;
  apply: 'live' | 'restart';
  secret: boolean;
  default: string | null;
  value: string | null;
  saved: string | null;
  source: 'default' | 'file' | 'flag';
  pinnedBy: string | null;
  restartPending: boolean;
}

export interface SettingsUpdate {
  changes: {
    key: string;
    old: string | null;
    new: string | null;
    apply: 'live' | 'restart';
    pinnedBy: string | null;
  }[];
  warnings: Record<string, string>;
  restartNeeded: string[];
  settings: SettingView[];
}

/** What a Sync changed (`POST /api/v1/flexible/resync` and `/sync` answer `{ applied }`). */
export interface SyncApplied {
  syncCounter: number;
  licenses: number;
  seats: number;
  revokedLeases: number;
  validUntil: string;
}

/** `GET /api/v1/flexible/status`, the parts the sync indicator shows. */
export interface FlexibleStatus {
  enrolled: boolean;
  lastSync: { appliedAt: string } | null;
  validUntil: string | null;
  expired: boolean;
  lastFailure: { at: string; code: string; message: string } | null;
}

/** `POST /api/v1/flexible/report`: a Report File made for the Cloud. */
export interface ReportMade {
  file: string;
  sequence: number;
  hours: number;
}
