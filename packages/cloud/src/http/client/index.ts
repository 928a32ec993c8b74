/**
 * The client protocol v1 of DESIGN §5 on a licensing node: the same paths, bodies and error
 * codes as a License Server's client API, with HTTP Basic auth by subscription account.
 */
import type { CheckoutRequest } from '@tessera/core';
import {
  checkoutBodySchema,
  errorSchema,
  featuresSchema,
  heartbeatSchema,
  leaseParamsSchema,
  leaseSchema,
  sendError,
} from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { accountOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';

const GONE_MESSAGES: Record<string, string> = {
  EXPIRED: 'the lease lapsed: no heartbeat within its lease time',
  RELEASED: 'the lease was released',
  LICENSE_EXPIRED: 'the subscription behind this lease has ended',
  SEATS_REDUCED: 'the subscription behind this lease now holds fewer seats',
  REVOKED_BY_ADMIN: 'an administrator released this seat',
};

export function registerClientProtocol(app: FastifyInstance, ctx: CloudHttpContext): void {
  const config = { cloudAuth: 'account' as const };
  const granted = ctx.metrics.checkouts.labels('granted');
  const hbOk = ctx.metrics.heartbeats.labels('ok');

  app.post<{ Body: CheckoutRequest }>(
    '/v1/leases',
    {
      config,
      schema: {
        summary: 'Check out seats of a subscription feature',
        tags: ['client'],
        security: [{ basic: [] }],
        body: checkoutBodySchema,
        response: {
          201: leaseSchema,
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const outcome = await ctx.seats.checkout(accountOf(request), request.body);
      if (!outcome.ok) {
        ctx.metrics.checkouts.labels(outcome.code).inc();
        return sendError(reply, outcome.code, outcome.message);
      }
      granted.inc();
      return reply.code(201).send(outcome.lease);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/leases/:id/heartbeat',
    {
      config,
      schema: {
        summary: 'Keep a lease alive (any node of the pool answers)',
        tags: ['client'],
        security: [{ basic: [] }],
        params: leaseParamsSchema,
        response: {
          200: heartbeatSchema,
          401: errorSchema,
          410: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const r = await ctx.seats.heartbeat(accountOf(request), request.params.id);
      if (r.ok) {
        hbOk.inc();
        return { expiresAt: r.expiresAt };
      }
      if (r.gone) {
        ctx.metrics.heartbeats.labels('gone').inc();
        return sendError(reply, 'LEASE_GONE', GONE_MESSAGES[r.reason] ?? 'this pool holds no such lease', {
          reason: r.reason,
        });
      }
      ctx.metrics.heartbeats.labels('unavailable').inc();
      return sendError(reply, 'UNAVAILABLE', r.message);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/leases/:id',
    {
      config,
      schema: {
        summary: 'Release a lease (204 also for an unknown id)',
        tags: ['client'],
        security: [{ basic: [] }],
        params: leaseParamsSchema,
        response: { 204: { type: 'null' }, 401: errorSchema, 503: errorSchema },
      },
    },
    async (request, reply) => {
      await ctx.seats.release(accountOf(request), request.params.id);
      ctx.metrics.releases.labels('ok').inc();
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/features',
    {
      config,
      schema: {
        summary: "The account's subscription features, seats and what is free",
        tags: ['client'],
        security: [{ basic: [] }],
        response: { 200: featuresSchema, 401: errorSchema, 503: errorSchema },
      },
    },
    async (request) => ctx.seats.features(accountOf(request)),
  );
}
