import { AUDIT_FILTER_QUERY, type AuditFilter, auditFilterOf, errorSchema, textResponse } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { SERVER_POLICY } from '../../domain/policy.js';
import type { AdminApiContext } from './context.js';

/** Health, server facts, metrics and the audit log. */
export function registerSystemRoutes(app: FastifyInstance, ctx: AdminApiContext): void {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Ready; names this running instance (the CLI checks the nonce from DIR/server.json)',
        tags: ['system'],
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string' }, nonce: { type: 'string' }, serverId: { type: 'string' } },
          },
        },
      },
    },
    async () => ({ status: 'ok', nonce: ctx.nonce, serverId: ctx.serverId }),
  );

  app.get(
    '/api/v1/server',
    {
      config: { role: 'view', allowWhilePasswordChangeRequired: true },
      schema: {
        summary: 'This server: id, mode, addresses, lease settings, clock state',
        tags: ['system'],
        response: { 200: { type: 'object', additionalProperties: true }, 401: errorSchema, 403: errorSchema },
      },
    },
    async (request) => ({ ...ctx.info(), you: request.actor }),
  );

  app.get(
    '/metrics',
    {
      config: { role: 'view' },
      schema: {
        summary: 'Prometheus metrics',
        tags: ['system'],
        response: { 200: textResponse('text/plain; version=0.0.4', 'Prometheus text exposition format') },
      },
    },
    async (_request, reply) => {
      reply.header('content-type', ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  );

  app.get<{ Querystring: AuditFilter & { before?: number; limit?: number } }>(
    '/api/v1/audit',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'The audit log, newest first',
        tags: ['system'],
        querystring: {
          type: 'object',
          properties: {
            ...AUDIT_FILTER_QUERY,
            before: { type: 'integer', minimum: 1 },
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: SERVER_POLICY.auditPageMax,
              default: SERVER_POLICY.auditPageDefault,
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              entries: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    at: { type: 'string' },
                    actor: { type: 'string' },
                    action: { type: 'string' },
                    target: { type: ['string', 'null'] },
                    outcome: { type: 'string' },
                    detail: {},
                  },
                },
              },
            },
          },
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => ({
      entries: ctx.audit.page(
        request.query.before,
        request.query.limit ?? SERVER_POLICY.auditPageDefault,
        auditFilterOf(request.query),
      ),
    }),
  );
}
