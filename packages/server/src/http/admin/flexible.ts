import { MAX_DOCUMENT_BYTES } from '@tessera/core';
import { errorSchema, oneOf, orNull, type Static, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import type { FlexibleActions } from '../../domain/flexible/flexible-actions.js';
import { LICENSING_MODES } from '../../domain/licensing-mode.js';

const fileBody = Type.Object(
  { file: Type.String({ minLength: 1, maxLength: MAX_DOCUMENT_BYTES }) },
  { additionalProperties: false },
);

const syncApplied = Type.Object({
  syncCounter: Type.Integer(),
  licenses: Type.Integer(),
  seats: Type.Integer(),
  revokedLeases: Type.Integer(),
  acknowledgedThrough: orNull(Type.String()),
  validUntil: Type.String(),
});

const lastSync = Type.Object({
  syncCounter: Type.Integer(),
  appliedAt: Type.String(),
  source: oneOf(['online', 'file']),
  issuedAt: Type.String(),
  validUntil: Type.String(),
  acknowledgedThrough: orNull(Type.String()),
  nextSyncSeconds: Type.Number(),
});

const flexibleStatus = Type.Object({
  mode: oneOf(LICENSING_MODES),
  serverId: Type.String(),
  enrolled: Type.Boolean(),
  enrollmentPending: Type.Boolean(),
  cloudUrls: Type.Array(Type.String()),
  reportSequence: Type.Integer(),
  pendingHours: Type.Integer(),
  lastSync: Type.Union([lastSync, Type.Null()]),
  validUntil: orNull(
    Type.String({
      description: "valid-until as this server measures it (the earlier of the Sync's and the monotonic one)",
    }),
  ),
  expired: Type.Boolean(),
  lastFailure: Type.Union([
    Type.Object({ at: Type.String(), code: Type.String(), message: Type.String() }),
    Type.Null(),
  ]),
  nextAttemptAt: orNull(Type.String()),
  licenses: Type.Array(
    Type.Object({
      licenseId: Type.String(),
      revision: Type.Integer(),
      customer: Type.String(),
      features: Type.Array(Type.Object({ name: Type.String(), count: Type.Integer() })),
    }),
  ),
});

const reportMade = Type.Object({
  file: Type.String(),
  sequence: Type.Integer(),
  hours: Type.Integer(),
  acknowledgedThrough: orNull(Type.String()),
  enrollment: Type.Boolean(),
});

const syncDone = Type.Object({ applied: syncApplied, status: flexibleStatus });

export type SyncApplied = Static<typeof syncApplied>;
export type FlexibleStatus = Static<typeof flexibleStatus>;
export type ReportMade = Static<typeof reportMade>;

const errors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  503: errorSchema,
};

/**
 * Flexible licensing (docs/flexible.md): status, Resync Info, Create Report File, Import Sync File
 * and Send Report File. Each action refuses with MODE_MISMATCH outside its modes.
 */
export function registerFlexibleRoutes(app: FastifyInstance, flexible: FlexibleActions): void {
  const api = typed(app);
  api.get(
    '/api/v1/flexible/status',
    {
      config: { role: 'view' },
      schema: {
        summary: 'Mode, enrollment, last sync, last failure, valid-until, next attempt',
        tags: ['flexible'],
        response: { 200: flexibleStatus, ...errors },
      },
    },
    async () => flexible.status(),
  );

  api.post(
    '/api/v1/flexible/resync',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Resync Info: exchange a Report for a Sync with the Cloud now (modes flexible, pls)',
        tags: ['flexible'],
        response: { 200: syncDone, ...errors },
      },
    },
    async (request) => flexible.resync(request.actor!),
  );

  api.post(
    '/api/v1/flexible/report',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Create Report File: all usage not yet acknowledged, signed by this server',
        tags: ['flexible'],
        response: { 200: reportMade, ...errors },
      },
    },
    async (request) => flexible.createReport(request.actor!),
  );

  api.post(
    '/api/v1/flexible/sync',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Import Sync File: apply a Sync the Cloud made for this server',
        tags: ['flexible'],
        body: fileBody,
        response: { 200: syncDone, ...errors },
      },
    },
    async (request) => flexible.importSync(request.actor!, request.body.file),
  );

  api.post(
    '/api/v1/flexible/relay',
    {
      config: { role: 'manage' },
      schema: {
        summary: "Send Report File (mode pls): forward another server's Report to the Cloud, return the Sync File",
        tags: ['flexible'],
        body: fileBody,
        response: {
          200: Type.Object({ file: Type.String(), serverId: Type.String(), sequence: Type.Integer() }),
          ...errors,
        },
      },
    },
    async (request) => flexible.relay(request.actor!, request.body.file),
  );
}
