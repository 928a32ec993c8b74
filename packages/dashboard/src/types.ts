/** The admin API's JSON, as the Dashboard reads it (DESIGN §2: the Dashboard knows only these types). */

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
  /** Flexible modes: when the last sync with the Cloud succeeded (absent until that issue lands). */
  lastSyncAt?: string | null;
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
  mode: string;
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

export interface UsageFeature {
  feature: string;
  licensed: number;
  peak: number[];
  denials: number[];
  checkouts: number[];
  seatSeconds: number[];
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
  outcome: string;
  detail: unknown;
}

export interface UserView {
  username: string;
  role: Role;
  mustChange: boolean;
  createdAt: string;
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
