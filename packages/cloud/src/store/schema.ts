/**
 * The Cloud's tables as kysely sees them. The same types serve SQLite and PostgreSQL, so
 * the columns use what both store alike: text, integers (64-bit where they hold epoch
 * milliseconds), JSON as text, booleans as 0/1, dates as `YYYY-MM-DD` text, instants as
 * RFC 3339 text. Lease times are epoch milliseconds of the database's clock.
 */

export type EntitlementType = 'perpetual' | 'flexible' | 'subscription';
export type UserRole = 'vendor' | 'customer';
export type DeploymentStatus = 'active' | 'returned';

export interface MetaTable {
  key: string;
  value: string;
}

export interface UserTable {
  id: string;
  /** Lower case; unique across the Cloud. */
  username: string;
  password_hash: string;
  role: UserRole;
  /** Set for customer users, null for vendor staff. */
  customer_id: string | null;
  /** 1 until the first password change. */
  must_change: number;
  created_at: string;
  /** 1 while the user may not sign in (nor use its API tokens). */
  disabled: number;
  /** The last portal or Dashboard sign-in (ISO instant); null until the first. */
  last_sign_in_at: string | null;
}

export interface ApiTokenTable {
  id: string;
  /** SHA-256 of the token (base64url). */
  token_hash: string;
  user_id: string;
  /** e.g. `cli@node_...`: one CLI token per node data dir. */
  name: string;
  created_at: string;
}

export interface SessionTable {
  /** SHA-256 of the session id in the cookie. */
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  last_seen: number;
}

export interface FeatureTable {
  name: string;
  description: string;
  created_at: string;
}

export interface CustomerTable {
  id: string;
  name: string;
  created_at: string;
}

export interface EntitlementTable {
  id: string;
  customer_id: string;
  type: EntitlementType;
  feature: string;
  count: number;
  /**
   * Seats of this entitlement taken: deployed (perpetual), held by leases (subscription) or
   * allocated to servers (flexible). A CHECK keeps it within 0..count.
   */
  used: number;
  maintenance_until: string | null;
  expires: string | null;
  created_at: string;
  updated_at: string;
}

export interface ServerTable {
  /** `srv_` + thumbprint of the server's key. */
  id: string;
  customer_id: string;
  host_name: string;
  product_version: string;
  public_key_jwk: string;
  /** The factor hashes of the Server ID document, JSON. */
  factors: string;
  /** The Server ID file as uploaded (verified). */
  document: string;
  registered_at: string;
  updated_at: string;
}

export interface DeploymentTable {
  /** The license id (`lic_...`): a deployment is one license file, revised over time. */
  license_id: string;
  customer_id: string;
  server_id: string;
  revision: number;
  status: DeploymentStatus;
  /** The binding of revision 1 (JSON), kept by every later revision. */
  binding: string;
  created_at: string;
  updated_at: string;
  returned_at: string | null;
}

export interface DeploymentLineTable {
  license_id: string;
  feature: string;
  entitlement_id: string;
  count: number;
}

export interface LicenseRevisionTable {
  license_id: string;
  revision: number;
  claims: string;
  file: string;
  issued_at: string;
  reason: string;
}

export interface ReturnTable {
  id: string;
  /** Unique: a license comes back once. */
  license_id: string;
  revision: number;
  server_id: string;
  customer_id: string;
  /** SHA-256 of the certificate's JWS; unique, so the same certificate never counts twice. */
  certificate_hash: string;
  certificate: string;
  uninstalled_at: string;
  returned_at: string;
  /** The seats given back, JSON `[{ feature, count, entitlementId }]`. */
  seats: string;
}

export interface AccountTable {
  /** `acct_...`: also the HTTP Basic user name. */
  id: string;
  customer_id: string;
  /** SHA-256 of the generated secret. */
  secret_hash: string;
  label: string;
  created_at: string;
  disabled_at: string | null;
}

export interface LeaseTable {
  id: string;
  customer_id: string;
  entitlement_id: string;
  feature: string;
  count: number;
  account_id: string;
  client_id: string;
  host: string | null;
  app: string | null;
  version: string | null;
  release_date: string;
  /** The node that granted it. */
  node_id: string;
  created_at: number;
  /** Epoch ms, database clock. */
  expires_at: number;
  ended_at: number | null;
  end_reason: string | null;
}

export interface NodeTable {
  id: string;
  url: string;
  version: string;
  started_at: string;
  /** Epoch ms, database clock: the last time the node said it was alive. */
  seen_at: number;
}

export interface AuditTable {
  id: string;
  at: string;
  actor: string;
  /** The customer the action concerns, when there is one (customers see their own entries). */
  customer_id: string | null;
  action: string;
  target: string | null;
  outcome: string;
  detail: string | null;
}

/** One-time enrollment codes for flexible servers (stored hashed, shown once). */
export interface EnrollmentTable {
  id: string;
  customer_id: string;
  /** SHA-256 (base64url) of the normalized code; unique. */
  code_hash: string;
  created_by: string;
  created_at: string;
  /** RFC 3339; the code is refused from then on. */
  expires_at: string;
  used_at: string | null;
  server_id: string | null;
}

/** Seats of one flexible entitlement allocated to one server; count 0 keeps the revision history. */
export interface AllocationTable {
  server_id: string;
  entitlement_id: string;
  customer_id: string;
  feature: string;
  count: number;
  /** The license id this allocation is issued under in Syncs (stable). */
  license_id: string;
  /** The revision last issued (0 before the first Sync). */
  revision: number;
  /** The features last issued under that revision (JSON), to tell whether a new one is due. */
  issued: string | null;
  updated_at: string;
}

/** A server's Report/Sync state. */
export interface ServerSyncTable {
  server_id: string;
  /** The counter of the last Sync issued (0 before the first). */
  sync_counter: number;
  /** Highest report sequence processed; never goes back. */
  last_sequence: number;
  last_report_at: string | null;
  last_factors: string | null;
  last_sync_at: string | null;
  valid_until: string | null;
  acknowledged_through: string | null;
  /** The last Sync file sent. */
  last_sync: string | null;
}

/** Reports received: one row per (server, sequence), to tell a resend from a clone. */
export interface ReportTable {
  server_id: string;
  sequence: number;
  /** SHA-256 of the report's signed payload. */
  payload_hash: string;
  received_at: string;
  hours: number;
}

/** Usage per (server, feature, closed hour), absolute values as last reported. */
export interface UsageHourTable {
  server_id: string;
  feature: string;
  hour: string;
  customer_id: string;
  peak_seats: number;
  seat_seconds: number;
  checkouts: number;
  denials: number;
  /** The sequence of the report that wrote these values (an older report never overwrites a newer). */
  sequence: number;
}

/** Signs of a possible clone: a sequence reused with other content, a second fingerprint. */
export interface ServerFlagTable {
  id: string;
  server_id: string;
  customer_id: string;
  kind: string;
  at: string;
  detail: string;
}

export interface CloudDatabase {
  enrollments: EnrollmentTable;
  allocations: AllocationTable;
  server_sync: ServerSyncTable;
  reports: ReportTable;
  usage_hours: UsageHourTable;
  server_flags: ServerFlagTable;
  meta: MetaTable;
  users: UserTable;
  api_tokens: ApiTokenTable;
  sessions: SessionTable;
  features: FeatureTable;
  customers: CustomerTable;
  entitlements: EntitlementTable;
  servers: ServerTable;
  deployments: DeploymentTable;
  deployment_lines: DeploymentLineTable;
  license_revisions: LicenseRevisionTable;
  returns: ReturnTable;
  accounts: AccountTable;
  leases: LeaseTable;
  nodes: NodeTable;
  audit: AuditTable;
}
