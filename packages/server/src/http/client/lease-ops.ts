import { errorSchema, heartbeatSchema, leaseParamsSchema, sendError } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { storageFailure } from '../../store/storage-errors.js';
import type { ClientApiContext } from './context.js';

/** `POST /v1/leases/{id}/heartbeat` (in memory: heartbeats are not written) and `DELETE /v1/leases/{id}`. */
export function registerLeaseOps(app: FastifyInstance, ctx: ClientApiContext): void {
  const ok = ctx.metrics.heartbeats.labels('ok');
  const gone = ctx.metrics.heartbeats.labels('gone');
  app.post<{ Params: { id: string } }>(
    '/v1/leases/:id/heartbeat',
    {
      schema: {
        summary: 'Keep a lease alive',
        tags: ['client'],
        params: leaseParamsSchema,
        response: {
          200: heartbeatSchema,
          410: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const r = ctx.engine.heartbeat(request.params.id);
      if (r.ok) {
        ok.inc();
        return { expiresAt: r.expiresAt };
      }
      gone.inc();
      return sendError(reply, 'LEASE_GONE', leaseGoneMessage(r.reason), { reason: r.reason });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/leases/:id',
    {
      schema: {
        summary: 'Release a lease (204 also for an unknown id)',
        tags: ['client'],
        params: leaseParamsSchema,
        response: { 204: { type: 'null' }, 503: errorSchema },
      },
    },
    async (request, reply) => {
      try {
        await ctx.engine.release(request.params.id);
      } catch (err) {
        const storage = storageFailure(err);
        if (!storage) request.log.error({ err }, 'release write failed');
        return sendError(
          reply,
          'UNAVAILABLE',
          storage
            ? `the release could not be stored (${storage.message}); the lease is still held`
            : 'the release could not be stored; the lease is still held',
          { reason: storage?.code },
        );
      }
      ctx.metrics.releases.inc();
      return reply.code(204).send();
    },
  );
}

function leaseGoneMessage(reason: string): string {
  switch (reason) {
    case 'EXPIRED':
      return 'the lease lapsed: no heartbeat within its lease time';
    case 'RELEASED':
      return 'the lease was released';
    case 'LICENSE_UNINSTALLED':
      return 'the license behind this lease was uninstalled';
    case 'LICENSE_EXPIRED':
      return 'the license behind this lease expired';
    case 'SEATS_REDUCED':
      return 'the license behind this lease now holds fewer seats';
    case 'REVOKED_BY_ADMIN':
      return 'an administrator released this seat';
    default:
      return 'this server holds no such lease';
  }
}
