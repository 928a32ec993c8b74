import { AUDIT_FILTER_QUERY, auditFilterOf, orNull, type Static, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { accountViewSchema, newAccountViewSchema } from '../../domain/views.js';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { customerIdField, customerQuery, errors, idParam, listOf } from '../schemas.js';

const auditEntrySchema = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  customerId: orNull(Type.String()),
  action: Type.String(),
  target: orNull(Type.String()),
  outcome: Type.String(),
  detail: Type.Unknown(),
});

export type AuditEntryView = Static<typeof auditEntrySchema>;

/** Subscription accounts and the audit log. */
export function registerAccountRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  const api = typed(app);
  api.get(
    '/api/v1/accounts',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Subscription accounts (secrets are never shown again)',
        tags: ['accounts'],
        querystring: customerQuery,
        response: { 200: listOf(accountViewSchema), ...errors },
      },
    },
    async (request) => ctx.accounts.list(actorOf(request), request.query.customerId),
  );

  api.post(
    '/api/v1/accounts',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Make a subscription account: id, generated secret and client_property.conf, shown once',
        tags: ['accounts'],
        body: Type.Object(
          { customerId: Type.Optional(customerIdField), label: Type.Optional(Type.String({ maxLength: 100 })) },
          { additionalProperties: false },
        ),
        response: { 201: newAccountViewSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.accounts.add(actorOf(request), request.body ?? {})),
  );

  api.delete(
    '/api/v1/accounts/:id',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Disable a subscription account',
        tags: ['accounts'],
        params: idParam,
        response: { 200: accountViewSchema, ...errors },
      },
    },
    async (request) => ctx.accounts.disable(actorOf(request), request.params.id),
  );

  api.get(
    '/api/v1/audit',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "The audit log, newest first: everything for vendor staff, one's own customer's otherwise",
        tags: ['audit'],
        querystring: Type.Object({
          ...AUDIT_FILTER_QUERY,
          customerId: Type.Optional(customerIdField),
          before: Type.Optional(Type.String({ maxLength: 128 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        }),
        response: { 200: listOf(auditEntrySchema), ...errors },
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
