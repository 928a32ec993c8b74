import type { FastifyInstance } from 'fastify';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { customerSchema, errors, idParam, listOf } from '../schemas.js';

const usageSchema = {
  type: 'object',
  properties: {
    poolId: { type: 'string' },
    features: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          feature: { type: 'string' },
          total: { type: 'integer' },
          inUse: { type: 'integer' },
          available: { type: 'integer' },
          licenses: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                licenseId: { type: 'string' },
                count: { type: 'integer' },
                inUse: { type: 'integer' },
                expires: { type: ['string', 'null'] },
                maintenanceUntil: { type: ['string', 'null'] },
              },
            },
          },
        },
      },
    },
    holders: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          feature: { type: 'string' },
          count: { type: 'integer' },
          entitlementId: { type: 'string' },
          accountId: { type: 'string' },
          clientId: { type: 'string' },
          host: { type: ['string', 'null'] },
          app: { type: ['string', 'null'] },
          version: { type: ['string', 'null'] },
          nodeId: { type: 'string' },
          since: { type: 'string' },
          expiresAt: { type: 'string' },
        },
      },
    },
  },
} as const;

/** Customers, and a customer's subscription seats in use. */
export function registerCustomerRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  app.get(
    '/api/v1/customers',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "Customers: all for vendor staff, one's own otherwise",
        tags: ['customers'],
        response: { 200: listOf(customerSchema), ...errors },
      },
    },
    async (request) => ctx.customers.list(actorOf(request)),
  );

  app.post<{ Body: { name: string } }>(
    '/api/v1/customers',
    {
      config: { cloudAuth: 'vendor' },
      schema: {
        summary: 'Add a customer (vendor staff)',
        tags: ['customers'],
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 201: customerSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.customers.add(actorOf(request), request.body)),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/customers/:id',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'One customer',
        tags: ['customers'],
        params: idParam,
        response: { 200: customerSchema, ...errors },
      },
    },
    async (request) => ctx.customers.get(actorOf(request), request.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/customers/:id/subscription',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "A customer's subscription seats: totals, in use, and who holds them",
        tags: ['customers'],
        params: idParam,
        response: { 200: usageSchema, ...errors },
      },
    },
    async (request) => {
      const customer = await ctx.customers.get(actorOf(request), request.params.id);
      return ctx.seats.usage(customer.id, customer.poolId);
    },
  );
}
