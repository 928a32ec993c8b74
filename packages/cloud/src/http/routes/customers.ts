import { orNull, type Static, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { customerViewSchema } from '../../domain/views.js';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { errors, idParam, listOf } from '../schemas.js';

/** A customer's subscription pool: its features as `GET /v1/features` counts them, and who holds seats. */
const subscriptionUsageSchema = Type.Object({
  poolId: Type.String(),
  features: Type.Array(
    Type.Object({
      feature: Type.String(),
      total: Type.Integer(),
      inUse: Type.Integer(),
      available: Type.Integer(),
      licenses: Type.Array(
        Type.Object({
          licenseId: Type.String(),
          count: Type.Integer(),
          inUse: Type.Integer(),
          expires: orNull(Type.String()),
          maintenanceUntil: orNull(Type.String()),
        }),
      ),
    }),
  ),
  holders: Type.Array(
    Type.Object({
      feature: Type.String(),
      count: Type.Integer(),
      entitlementId: Type.String(),
      accountId: Type.String(),
      clientId: Type.String(),
      host: orNull(Type.String()),
      app: orNull(Type.String()),
      version: orNull(Type.String()),
      nodeId: Type.String(),
      since: Type.String(),
      expiresAt: Type.String(),
    }),
  ),
});

export type SubscriptionUsage = Static<typeof subscriptionUsageSchema>;

/** Customers, and a customer's subscription seats in use. */
export function registerCustomerRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  const api = typed(app);
  api.get(
    '/api/v1/customers',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "Customers: all for vendor staff, one's own otherwise",
        tags: ['customers'],
        response: { 200: listOf(customerViewSchema), ...errors },
      },
    },
    async (request) => ctx.customers.list(actorOf(request)),
  );

  api.post(
    '/api/v1/customers',
    {
      config: { cloudAuth: 'vendor' },
      schema: {
        summary: 'Add a customer (vendor staff)',
        tags: ['customers'],
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 201: customerViewSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.customers.add(actorOf(request), request.body)),
  );

  api.get(
    '/api/v1/customers/:id',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'One customer',
        tags: ['customers'],
        params: idParam,
        response: { 200: customerViewSchema, ...errors },
      },
    },
    async (request) => ctx.customers.get(actorOf(request), request.params.id),
  );

  api.get(
    '/api/v1/customers/:id/subscription',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "A customer's subscription seats: totals, in use, and who holds them",
        tags: ['customers'],
        params: idParam,
        response: { 200: subscriptionUsageSchema, ...errors },
      },
    },
    async (request) => {
      const customer = await ctx.customers.get(actorOf(request), request.params.id);
      return ctx.seats.usage(customer.id, customer.poolId);
    },
  );
}
