import { TesseraError } from '@tessera/core';
import { errorSchema } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { SERVER_POLICY } from '../../domain/policy.js';
import type { AdminApiContext } from './context.js';

/** Who holds seats, and releasing one by hand. */
export function registerLeaseRoutes(app: FastifyInstance, ctx: AdminApiContext): void {
  app.get<{ Querystring: { feature: string } }>(
    '/api/v1/leases',
    {
      config: { role: 'view' },
      schema: {
        summary: 'Leases held for a feature: client id, host, app, since',
        tags: ['leases'],
        querystring: {
          type: 'object',
          required: ['feature'],
          properties: { feature: { type: 'string', minLength: 1, maxLength: SERVER_POLICY.maxFeatureNameLength } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              leases: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    leaseId: { type: 'string' },
                    licenseId: { type: 'string' },
                    feature: { type: 'string' },
                    count: { type: 'integer' },
                    clientId: { type: 'string' },
                    host: { type: ['string', 'null'] },
                    app: { type: ['string', 'null'] },
                    version: { type: ['string', 'null'] },
                    releaseDate: { type: 'string' },
                    since: { type: 'string' },
                  },
                },
              },
            },
          },
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

  app.delete<{ Params: { id: string } }>(
    '/api/v1/leases/:id',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Release a seat held by a client; it hears REVOKED_BY_ADMIN at its next heartbeat',
        tags: ['leases'],
        params: { type: 'object', properties: { id: { type: 'string', maxLength: SERVER_POLICY.maxIdLength } } },
        response: { 204: { type: 'null' }, 401: errorSchema, 403: errorSchema, 404: errorSchema, 507: errorSchema },
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
