/**
 * What the vendor API returns: plain JSON-ready objects. Everything that was created carries
 * its id as `id` (the CLI's `--json` prints it). The portal and the CLI's API client use
 * these types; nothing here carries a secret except the one-time fields named so.
 *
 * Each view is written once, as the JSON schema its routes answer with (TypeBox): the type
 * below is that schema's `Static`, the OpenAPI document shows the same object, and the
 * response is serialized with it (a field missing here is not sent).
 */
import { oneOf, orNull, type Static, Type } from '@tessera/service-kit';
import type {
  AccountRecord,
  CustomerRecord,
  DeploymentLineRecord,
  DeploymentRecord,
  EntitlementRecord,
  FeatureRecord,
  ReturnRecord,
  ServerRecord,
  UserRecord,
} from '../store/rows.js';

export type { EntitlementType } from '../store/rows.js';

export const ENTITLEMENT_TYPES = ['perpetual', 'flexible', 'subscription'] as const;

export const featureViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  createdAt: Type.String(),
});
export type FeatureView = Static<typeof featureViewSchema>;

export const customerViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  poolId: Type.String({
    description: "the id of this customer's subscription seat pool, the same on every Cloud node",
  }),
  createdAt: Type.String(),
});
export type CustomerView = Static<typeof customerViewSchema>;

export const userViewSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: oneOf(['vendor', 'customer']),
  customerId: orNull(Type.String()),
  mustChange: Type.Boolean(),
  disabled: Type.Boolean({ description: 'a disabled user cannot sign in nor use its API tokens' }),
  createdAt: Type.String(),
  lastSignInAt: orNull(Type.String({ description: 'the last portal sign-in (ISO instant); null before the first' })),
});
export type UserView = Static<typeof userViewSchema>;

/** A new user, with the generated password when none was given (shown once). */
export const newUserViewSchema = Type.Object({
  ...userViewSchema.properties,
  password: Type.Optional(
    Type.String({ description: 'the generated password, shown once (only when none was given)' }),
  ),
});
export type NewUserView = Static<typeof newUserViewSchema>;

/** A password an admin reset: shown once, to be changed at the next sign-in. */
export const resetPasswordViewSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  password: Type.String({ description: 'the new password, shown once' }),
});
export type ResetPasswordView = Static<typeof resetPasswordViewSchema>;

export const entitlementViewSchema = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  type: oneOf(ENTITLEMENT_TYPES),
  feature: Type.String(),
  count: Type.Integer(),
  used: Type.Integer({
    description: 'seats taken: deployed (perpetual), held by leases now (subscription), allocated (flexible)',
  }),
  available: Type.Integer(),
  maintenanceUntil: orNull(Type.String()),
  expires: orNull(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type EntitlementView = Static<typeof entitlementViewSchema>;

/** `PATCH /api/v1/entitlements/{id}`: the entitlement, and what its change did. */
export const entitlementChangeResultSchema = Type.Object({
  ...entitlementViewSchema.properties,
  reissued: Type.Array(Type.Object({ licenseId: Type.String(), revision: Type.Integer() }), {
    description: "deployments re-issued with a new revision because the entitlement's dates changed",
  }),
  revokedLeases: Type.Integer({
    description: 'subscription leases revoked (newest first) because the count went below the seats in use',
  }),
});
export type EntitlementChangeResult = Static<typeof entitlementChangeResultSchema>;

export const serverViewSchema = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  hostName: Type.String(),
  productVersion: Type.String(),
  factors: Type.Array(Type.String(), {
    description: 'names of the hardware factors the server reported (their hashes stay inside)',
  }),
  registeredAt: Type.String(),
  updatedAt: Type.String(),
});
export type ServerView = Static<typeof serverViewSchema>;

export const deploymentLineViewSchema = Type.Object({
  feature: Type.String(),
  count: Type.Integer(),
  entitlementId: Type.String(),
  maintenanceUntil: orNull(Type.String()),
  expires: orNull(Type.String()),
});
export type DeploymentLineView = Static<typeof deploymentLineViewSchema>;

export const deploymentViewSchema = Type.Object({
  id: Type.String({ description: 'the license id' }),
  licenseId: Type.String(),
  customerId: Type.String(),
  serverId: Type.String(),
  revision: Type.Integer(),
  status: oneOf(['active', 'returned']),
  lines: Type.Array(deploymentLineViewSchema),
  revisions: Type.Array(Type.Object({ revision: Type.Integer(), issuedAt: Type.String(), reason: Type.String() })),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  returnedAt: orNull(Type.String()),
});
export type DeploymentView = Static<typeof deploymentViewSchema>;

/** A deployment together with the license file of its current revision. */
export const deploymentWithFileSchema = Type.Object({
  ...deploymentViewSchema.properties,
  file: Type.String({ description: 'the license file (.lic) of `revision`' }),
  fileName: Type.String({ description: 'a file name to save it as' }),
});
export type DeploymentWithFile = Static<typeof deploymentWithFileSchema>;

export const returnViewSchema = Type.Object({
  id: Type.String(),
  licenseId: Type.String(),
  revision: Type.Integer(),
  serverId: Type.String(),
  customerId: Type.String(),
  uninstalledAt: Type.String(),
  returnedAt: Type.String(),
  seats: Type.Array(Type.Object({ feature: Type.String(), count: Type.Integer(), entitlementId: Type.String() })),
});
export type ReturnView = Static<typeof returnViewSchema>;

export const accountViewSchema = Type.Object({
  id: Type.String(),
  username: Type.String({ description: 'the HTTP Basic user name (the account id)' }),
  customerId: Type.String(),
  poolId: Type.String(),
  label: Type.String(),
  createdAt: Type.String(),
  disabledAt: orNull(Type.String()),
});
export type AccountView = Static<typeof accountViewSchema>;

/** A new subscription account: the secret and the generated configuration are shown once. */
export const newAccountViewSchema = Type.Object({
  ...accountViewSchema.properties,
  password: Type.String({ description: 'the generated secret, shown once' }),
  clientConfig: Type.String({ description: 'a ready client_property.conf, shown once' }),
});
export type NewAccountView = Static<typeof newAccountViewSchema>;

/** A customer's subscription pool: its features as `GET /v1/features` counts them, and who holds seats. */
export const subscriptionUsageSchema = Type.Object({
  poolId: Type.String(),
  features: Type.Array(
    Type.Object({
      feature: Type.String(),
      total: Type.Integer(),
      inUse: Type.Integer(),
      available: Type.Integer(),
      licenses: Type.Array(
        Type.Object({
          licenseId: Type.String(),
          count: Type.Integer(),
          inUse: Type.Integer(),
          expires: orNull(Type.String()),
          maintenanceUntil: orNull(Type.String()),
        }),
      ),
    }),
  ),
  holders: Type.Array(
    Type.Object({
      feature: Type.String(),
      count: Type.Integer(),
      entitlementId: Type.String(),
      accountId: Type.String(),
      clientId: Type.String(),
      host: orNull(Type.String()),
      app: orNull(Type.String()),
      version: orNull(Type.String()),
      nodeId: Type.String(),
      since: Type.String(),
      expiresAt: Type.String(),
    }),
  ),
});

export type SubscriptionUsage = Static<typeof subscriptionUsageSchema>;

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
    disabled: u.disabled,
    createdAt: u.createdAt,
    lastSignInAt: u.lastSignInAt,
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
