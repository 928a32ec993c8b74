import { Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { customerViewSchema, subscriptionUsageSchema } from '../../domain/views.js';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { errors, idParam, listOf } from '../schemas.js';

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
