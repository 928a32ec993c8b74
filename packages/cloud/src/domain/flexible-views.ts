/**
 * The views of flexible licensing the vendor API answers with (http/routes/flexible.ts), each
 * written once as its schema (see views.ts): the services return these types, the routes
 * answer with these schemas.
 */
import { oneOf, orNull, type Static, Type } from '@tessera/service-kit';

const enrollmentProperties = {
  id: Type.String(),
  customerId: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.String(),
  usedAt: orNull(Type.String()),
  serverId: orNull(Type.String()),
};

export const enrollmentViewSchema = Type.Object(enrollmentProperties);
/** A code just made: the only answer that carries it. */
export const newEnrollmentSchema = Type.Object({
  ...enrollmentProperties,
  code: Type.String({ description: 'the one-time code: answered once, when made' }),
});

export const allocationViewSchema = Type.Object({
  serverId: Type.String(),
  customerId: Type.String(),
  features: Type.Array(
    Type.Object({
      feature: Type.String(),
      count: Type.Integer(),
      entitlements: Type.Array(
        Type.Object({
          entitlementId: Type.String(),
          count: Type.Integer(),
          licenseId: Type.String(),
          revision: Type.Integer(),
        }),
      ),
    }),
    { description: 'features with seats allocated, each with the entitlements they are drawn from' },
  ),
});

const syncState = {
  syncCounter: Type.Integer(),
  lastSequence: Type.Integer(),
  lastReportAt: orNull(Type.String()),
  lastSyncAt: orNull(Type.String()),
  validUntil: orNull(Type.String()),
  acknowledgedThrough: orNull(Type.String()),
};

export const syncStatusViewSchema = Type.Object({
  serverId: Type.String(),
  customerId: Type.String(),
  ...syncState,
  lastSync: orNull(Type.String({ description: 'the last Sync file sent to this server' })),
  flags: Type.Array(Type.Object({ id: Type.String(), kind: Type.String(), at: Type.String(), detail: Type.Unknown() })),
});

export const flexibleServerViewSchema = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  hostName: Type.String(),
  productVersion: Type.String(),
  registeredAt: Type.String(),
  enrolledAt: orNull(
    Type.String({
      description: 'when it enrolled with a one-time code; null for a server registered from its Server ID file',
    }),
  ),
  features: Type.Array(Type.Object({ feature: Type.String(), count: Type.Integer(), delivered: Type.Integer() }), {
    description: '`count` allocated now, `delivered` what its last Sync carried; they differ until its next sync',
  }),
  sync: Type.Object(syncState),
  flags: Type.Array(Type.Object({ kind: Type.String(), count: Type.Integer(), lastAt: Type.String() }), {
    description: 'signs of a cloned server, counted per kind',
  }),
});

const usageFigures = {
  peakSeats: Type.Integer(),
  seatSeconds: Type.Integer(),
  checkouts: Type.Integer(),
  denials: Type.Integer(),
};

const usagePointSchema = Type.Object({
  t: Type.String({ description: 'start of the bucket: an hour mark, or a day `YYYY-MM-DD`' }),
  ...usageFigures,
});

export const usageViewSchema = Type.Object({
  customerId: orNull(Type.String()),
  serverId: orNull(Type.String()),
  bucket: oneOf(['hour', 'day']),
  from: Type.String({ description: 'first hour included (an hour mark)' }),
  series: Type.Array(
    Type.Object({ serverId: Type.String(), feature: Type.String(), points: Type.Array(usagePointSchema) }),
  ),
  totals: Type.Array(Type.Object({ feature: Type.String(), ...usageFigures })),
});

export type EnrollmentView = Static<typeof enrollmentViewSchema>;
export type AllocationView = Static<typeof allocationViewSchema>;
export type SyncStatusView = Static<typeof syncStatusViewSchema>;
export type FlexibleServerView = Static<typeof flexibleServerViewSchema>;
export type UsagePoint = Static<typeof usagePointSchema>;
export type UsageView = Static<typeof usageViewSchema>;
