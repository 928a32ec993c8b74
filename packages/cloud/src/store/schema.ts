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

export interface CloudDatabase {
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
