import { AUDIT_FILTER_QUERY, type AuditFilter, auditFilterOf } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { accountSchema, errors, idParam, listOf } from '../schemas.js';

/** Subscription accounts and the audit log. */
export function registerAccountRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  app.get<{ Querystring: { customerId?: string } }>(
    '/api/v1/accounts',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Subscription accounts (secrets are never shown again)',
        tags: ['accounts'],
        querystring: { type: 'object', properties: { customerId: { type: 'string', maxLength: 128 } } },
        response: { 200: listOf(accountSchema), ...errors },
      },
    },
    async (request) => ctx.accounts.list(actorOf(request), request.query.customerId),
  );

  app.post<{ Body: { customerId?: string; label?: string } }>(
    '/api/v1/accounts',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Make a subscription account: id, generated secret and client_property.conf, shown once',
        tags: ['accounts'],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { customerId: { type: 'string', maxLength: 128 }, label: { type: 'string', maxLength: 100 } },
        },
        response: { 201: accountSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.accounts.add(actorOf(request), request.body ?? {})),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/accounts/:id',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Disable a subscription account',
        tags: ['accounts'],
        params: idParam,
        response: { 200: accountSchema, ...errors },
      },
    },
    async (request) => ctx.accounts.disable(actorOf(request), request.params.id),
  );

  app.get<{ Querystring: AuditFilter & { customerId?: string; before?: string; limit?: number } }>(
    '/api/v1/audit',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "The audit log, newest first: everything for vendor staff, one's own customer's otherwise",
        tags: ['audit'],
        querystring: {
          type: 'object',
          properties: {
            ...AUDIT_FILTER_QUERY,
            customerId: { type: 'string', maxLength: 128 },
            before: { type: 'string', maxLength: 128 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                at: { type: 'string' },
                actor: { type: 'string' },
                customerId: { type: ['string', 'null'] },
                action: { type: 'string' },
                target: { type: ['string', 'null'] },
                outcome: { type: 'string' },
                detail: {},
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request) =>
      ctx.audit.page(
        actorOf(request),
        { customerId: request.query.customerId, beforeId: request.query.before, limit: request.query.limit },
        auditFilterOf(request.query),
      ),
  );
}
