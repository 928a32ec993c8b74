import { TesseraError } from '@tessera/core';
import { errorSchema, noContent, orNull, type Static, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { SERVER_POLICY } from '../../domain/policy.js';
import type { AdminApiContext } from './context.js';

/** A lease as the admin API shows it (the Sessions page's rows add their expiry). */
export const leaseView = Type.Object({
  leaseId: Type.String(),
  licenseId: Type.String(),
  feature: Type.String(),
  count: Type.Integer(),
  clientId: Type.String(),
  host: orNull(Type.String()),
  app: orNull(Type.String()),
  version: orNull(Type.String()),
  releaseDate: Type.String(),
  since: Type.String(),
});

export type LeaseView = Static<typeof leaseView>;

/** Who holds seats, and releasing one by hand. */
export function registerLeaseRoutes(app: FastifyInstance, ctx: AdminApiContext): void {
  const api = typed(app);
  api.get(
    '/api/v1/leases',
    {
      config: { role: 'view' },
      schema: {
        summary: 'Leases held for a feature: client id, host, app, since',
        tags: ['leases'],
        querystring: Type.Object({
          feature: Type.String({ minLength: 1, maxLength: SERVER_POLICY.maxFeatureNameLength }),
        }),
        response: {
          200: Type.Object({ leases: Type.Array(leaseView) }),
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => ({
      leases: ctx.store.leases
        .byFeature(request.query.feature)
        .filter((l) => ctx.engine.hasLease(l.leaseId))
        .map((l) => ({ ...l, since: new Date(l.createdAt).toISOString() })),
    }),
  );

  api.delete(
    '/api/v1/leases/:id',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Release a seat held by a client; it hears REVOKED_BY_ADMIN at its next heartbeat',
        tags: ['leases'],
        params: Type.Object({ id: Type.String({ maxLength: SERVER_POLICY.maxIdLength }) }),
        response: { 204: noContent, 401: errorSchema, 403: errorSchema, 404: errorSchema, 507: errorSchema },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      const entry = { actor: request.actor!, action: 'lease.release', target: id } as const;
      // The audit entry commits with the revocation: both happen, or neither.
      const done = await ctx.engine.revoke(id, ctx.audit.writer({ ...entry, outcome: 'ok' }));
      if (!done) {
        ctx.audit.recordRefusal({ ...entry, outcome: 'refused:NOT_FOUND' });
        throw new TesseraError('NOT_FOUND', `no lease ${id} is held`);
      }
      return reply.code(204).send();
    },
  );
}
