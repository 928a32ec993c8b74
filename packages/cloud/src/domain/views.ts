/**
 * What the vendor API returns: plain JSON-ready objects. Everything that was created carries
 * its id as `id` (the CLI's `--json` prints it). The portal and the CLI's API client use
 * these types; nothing here carries a secret except the one-time fields named so.
 */
import type {
  AccountRecord,
  CustomerRecord,
  DeploymentLineRecord,
  DeploymentRecord,
  EntitlementRecord,
  EntitlementType,
  FeatureRecord,
  ReturnedSeat,
  ReturnRecord,
  ServerRecord,
  UserRecord,
} from '../store/rows.js';

export type { EntitlementType } from '../store/rows.js';

export interface FeatureView {
  id: string;
  name: string;
  description: string;
  createdAt: string;
}

export interface CustomerView {
  id: string;
  name: string;
  /** The id of this customer's subscription seat pool, the same on every Cloud node. */
  poolId: string;
  createdAt: string;
}

export interface UserView {
  id: string;
  username: string;
  role: 'vendor' | 'customer';
  customerId: string | null;
  mustChange: boolean;
  createdAt: string;
}

/** A new user, with the generated password when none was given (shown once). */
export interface NewUserView extends UserView {
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

export interface ServerView {
  id: string;
  customerId: string;
  hostName: string;
  productVersion: string;
  /** Names of the hardware factors the server reported (their hashes stay inside). */
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
  /** The license id (`lic_...`). */
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

/** A deployment together with the license file of its current revision. */
export interface DeploymentWithFile extends DeploymentView {
  /** The `.lic` file text of `revision`. */
  file: string;
  /** Suggested file name. */
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
  seats: ReturnedSeat[];
}

export interface AccountView {
  id: string;
  /** The HTTP Basic user name (the account id). */
  username: string;
  customerId: string;
  poolId: string;
  label: string;
  createdAt: string;
  disabledAt: string | null;
}

/** A new subscription account: the secret and the generated configuration are shown once. */
export interface NewAccountView extends AccountView {
  /** The generated 256-bit secret; only its SHA-256 is stored. */
  password: string;
  /** A ready `client_property.conf` with the node addresses and these credentials. */
  clientConfig: string;
}

export function featureView(f: FeatureRecord): FeatureView {
  return { id: f.name, name: f.name, description: f.description, createdAt: f.createdAt };
}

export function customerView(c: CustomerRecord, poolId: string): CustomerView {
  return { id: c.id, name: c.name, poolId, createdAt: c.createdAt };
}

export function userView(u: UserRecord): UserView {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    customerId: u.customerId,
    mustChange: u.mustChange,
    createdAt: u.createdAt,
  };
}

export function entitlementView(e: EntitlementRecord): EntitlementView {
  return {
    id: e.id,
    customerId: e.customerId,
    type: e.type,
    feature: e.feature,
    count: e.count,
    used: e.used,
    available: Math.max(0, e.count - e.used),
    maintenanceUntil: e.maintenanceUntil,
    expires: e.expires,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

export function serverView(s: ServerRecord): ServerView {
  return {
    id: s.id,
    customerId: s.customerId,
    hostName: s.hostName,
    productVersion: s.productVersion,
    factors: Object.keys(s.factors).sort(),
    registeredAt: s.registeredAt,
    updatedAt: s.updatedAt,
  };
}

export function deploymentView(
  d: DeploymentRecord,
  lines: readonly DeploymentLineRecord[],
  entitlements: ReadonlyMap<string, EntitlementRecord>,
  revisions: DeploymentView['revisions'],
): DeploymentView {
  return {
    id: d.licenseId,
    licenseId: d.licenseId,
    customerId: d.customerId,
    serverId: d.serverId,
    revision: d.revision,
    status: d.status,
    lines: lines.map((l) => {
      const e = entitlements.get(l.entitlementId);
      return {
        feature: l.feature,
        count: l.count,
        entitlementId: l.entitlementId,
        maintenanceUntil: e?.maintenanceUntil ?? null,
        expires: e?.expires ?? null,
      };
    }),
    revisions,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    returnedAt: d.returnedAt,
  };
}

export function returnView(r: ReturnRecord): ReturnView {
  return {
    id: r.id,
    licenseId: r.licenseId,
    revision: r.revision,
    serverId: r.serverId,
    customerId: r.customerId,
    uninstalledAt: r.uninstalledAt,
    returnedAt: r.returnedAt,
    seats: r.seats,
  };
}

export function accountView(a: AccountRecord, poolId: string): AccountView {
  return {
    id: a.id,
    username: a.id,
    customerId: a.customerId,
    poolId,
    label: a.label,
    createdAt: a.createdAt,
    disabledAt: a.disabledAt,
  };
}
