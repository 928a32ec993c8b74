import { MAX_FEATURE_COUNT } from '@tessera/core';
import { oneOf, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { ENTITLEMENT_TYPES, entitlementChangeResultSchema, entitlementViewSchema } from '../../domain/views.js';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { customerIdField, dateOrNull, errors, featureNameSchema, idParam, listOf } from '../schemas.js';

const count = Type.Integer({ minimum: 1, maximum: MAX_FEATURE_COUNT });
const entitlementType = oneOf(ENTITLEMENT_TYPES);

/** Entitlements: what customers bought. */
export function registerEntitlementRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  const api = typed(app);
  api.get(
    '/api/v1/entitlements',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "Entitlements: all for vendor staff, one's own customer's otherwise",
        tags: ['entitlements'],
        querystring: Type.Object({
          customerId: Type.Optional(customerIdField),
          type: Type.Optional(entitlementType),
          feature: Type.Optional(featureNameSchema),
        }),
        response: { 200: listOf(entitlementViewSchema), ...errors },
      },
    },
    async (request) => ctx.entitlements.list(actorOf(request), request.query),
  );

  api.post(
    '/api/v1/entitlements',
    {
      config: { cloudAuth: 'vendor' },
      schema: {
        summary: 'Add an entitlement to a customer (vendor staff)',
        tags: ['entitlements'],
        body: Type.Object(
          {
            customerId: customerIdField,
            type: entitlementType,
            feature: featureNameSchema,
            count,
            maintenanceUntil: Type.Optional(dateOrNull),
            expires: Type.Optional(dateOrNull),
            termDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36600 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: entitlementViewSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.entitlements.add(actorOf(request), request.body)),
  );

  api.get(
    '/api/v1/entitlements/:id',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'One entitlement',
        tags: ['entitlements'],
        params: idParam,
        response: { 200: entitlementViewSchema, ...errors },
      },
    },
    async (request) => ctx.entitlements.get(actorOf(request), request.params.id),
  );

  api.patch(
    '/api/v1/entitlements/:id',
    {
      config: { cloudAuth: 'vendor' },
      schema: {
        summary:
          'Change count or dates (vendor staff): subscription seats change at once; new perpetual dates re-issue deployments',
        tags: ['entitlements'],
        params: idParam,
        body: Type.Object(
          {
            count: Type.Optional(count),
            maintenanceUntil: Type.Optional(dateOrNull),
            expires: Type.Optional(dateOrNull),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: entitlementChangeResultSchema, ...errors },
      },
    },
    async (request) => ctx.entitlements.update(actorOf(request), request.params.id, request.body),
  );
}
