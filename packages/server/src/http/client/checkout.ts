import { type CheckoutRequest, isTesseraError } from '@tessera/core';
import { checkoutBodySchema, errorSchema, leaseSchema, sendError } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { storageFailure } from '../../store/storage-errors.js';
import type { ClientApiContext } from './context.js';

/** `POST /v1/leases`: take `count` seats of a feature; 201 only once the lease is on disk. */
export function registerCheckout(app: FastifyInstance, ctx: ClientApiContext): void {
  const granted = ctx.metrics.checkouts.labels('granted');
  app.post<{ Body: CheckoutRequest }>(
    '/v1/leases',
    {
      schema: {
        summary: 'Check out seats of a feature',
        tags: ['client'],
        body: checkoutBodySchema,
        response: {
          201: leaseSchema,
          400: errorSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema,
          429: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request, reply) => {
      if (ctx.pendingWrites() >= ctx.maxPendingWrites) {
        ctx.metrics.checkouts.labels('RATE_LIMITED').inc();
        return sendError(reply, 'RATE_LIMITED', 'the server is writing as fast as it can; retry shortly');
      }
      ctx.flexible?.checkExpiry();
      let outcome: Awaited<ReturnType<typeof ctx.engine.checkout>>;
      try {
        outcome = await ctx.engine.checkout(request.body);
      } catch (err) {
        // A full disk stays 503 UNAVAILABLE on the client protocol (the SDKs fail over on it),
        // with the cause as `reason`; the commit queue logs it once, not per checkout.
        const storage = storageFailure(err);
        if (isTesseraError(err) && !storage) throw err;
        if (!storage) request.log.error({ err }, 'checkout write failed');
        ctx.metrics.checkouts.labels('UNAVAILABLE').inc();
        return sendError(
          reply,
          'UNAVAILABLE',
          storage
            ? `the lease could not be stored: ${storage.message}`
            : 'the lease could not be stored; nothing was granted',
          { reason: storage?.code },
        );
      }
      if (!outcome.ok) {
        const refusal = outcome.code === 'UNKNOWN_FEATURE' ? ctx.flexible?.refusal(request.body.feature) : undefined;
        if (refusal) {
          ctx.metrics.checkouts.labels(refusal.code).inc();
          return sendError(reply, refusal.code, refusal.message);
        }
        ctx.metrics.checkouts.labels(outcome.code).inc();
        return sendError(reply, outcome.code, outcome.message);
      }
      granted.inc();
      return reply.code(201).send(outcome.lease);
    },
  );
}
