import { MAX_FEATURE_COUNT } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import type { EntitlementChange, NewEntitlement } from '../../domain/entitlement-service.js';
import type { EntitlementType } from '../../domain/views.js';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { dateOrNull, entitlementSchema, errors, featureNameSchema, idParam, listOf } from '../schemas.js';

const count = { type: 'integer', minimum: 1, maximum: MAX_FEATURE_COUNT } as const;

/** Entitlements: what customers bought. */
export function registerEntitlementRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  app.get<{ Querystring: { customerId?: string; type?: EntitlementType; feature?: string } }>(
    '/api/v1/entitlements',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "Entitlements: all for vendor staff, one's own customer's otherwise",
        tags: ['entitlements'],
        querystring: {
          type: 'object',
          properties: {
            customerId: { type: 'string', maxLength: 128 },
            type: { type: 'string', enum: ['perpetual', 'flexible', 'subscription'] },
            feature: featureNameSchema,
          },
        },
        response: { 200: listOf(entitlementSchema), ...errors },
      },
    },
    async (request) => ctx.entitlements.list(actorOf(request), request.query),
  );

  app.post<{ Body: NewEntitlement }>(
    '/api/v1/entitlements',
    {
      config: { cloudAuth: 'vendor' },
      schema: {
        summary: 'Add an entitlement to a customer (vendor staff)',
        tags: ['entitlements'],
        body: {
          type: 'object',
          required: ['customerId', 'type', 'feature', 'count'],
          additionalProperties: false,
          properties: {
            customerId: { type: 'string', maxLength: 128 },
            type: { type: 'string', enum: ['perpetual', 'flexible', 'subscription'] },
            feature: featureNameSchema,
            count,
            maintenanceUntil: dateOrNull,
            expires: dateOrNull,
            termDays: { type: 'integer', minimum: 1, maximum: 36600 },
          },
        },
        response: { 201: entitlementSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.entitlements.add(actorOf(request), request.body)),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/entitlements/:id',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'One entitlement',
        tags: ['entitlements'],
        params: idParam,
        response: { 200: entitlementSchema, ...errors },
      },
    },
    async (request) => ctx.entitlements.get(actorOf(request), request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: EntitlementChange }>(
    '/api/v1/entitlements/:id',
    {
      config: { cloudAuth: 'vendor' },
      schema: {
        summary:
          'Change count or dates (vendor staff): subscription seats change at once; new perpetual dates re-issue deployments',
        tags: ['entitlements'],
        params: idParam,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { count, maintenanceUntil: dateOrNull, expires: dateOrNull },
        },
        response: { 200: entitlementSchema, ...errors },
      },
    },
    async (request) => ctx.entitlements.update(actorOf(request), request.params.id, request.body),
  );
}
