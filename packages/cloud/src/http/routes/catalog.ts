import { oneOf, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { featureViewSchema, newUserViewSchema, userViewSchema } from '../../domain/views.js';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { customerIdField, customerQuery, errors, featureNameSchema, listOf } from '../schemas.js';

/** The feature catalog and users. */
export function registerCatalogRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  const api = typed(app);
  api.get(
    '/api/v1/features',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'The feature catalog',
        tags: ['catalog'],
        response: { 200: listOf(featureViewSchema), ...errors },
      },
    },
    async () => ctx.catalog.list(),
  );

  api.post(
    '/api/v1/features',
    {
      config: { cloudAuth: 'vendor' },
      schema: {
        summary: 'Add a feature to the catalog (vendor staff)',
        tags: ['catalog'],
        body: Type.Object(
          { name: featureNameSchema, description: Type.Optional(Type.String({ maxLength: 500 })) },
          { additionalProperties: false },
        ),
        response: { 201: featureViewSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.catalog.add(actorOf(request), request.body)),
  );

  api.get(
    '/api/v1/users',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "Users: every user for vendor staff, one's own customer's otherwise",
        tags: ['users'],
        querystring: customerQuery,
        response: { 200: listOf(userViewSchema), ...errors },
      },
    },
    async (request) => ctx.auth.listUsers(actorOf(request), request.query.customerId),
  );

  api.post(
    '/api/v1/users',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Add a user: vendor staff, or a user of a customer (a password is generated when none is given)',
        tags: ['users'],
        body: Type.Object(
          {
            username: Type.String({ maxLength: 64 }),
            password: Type.Optional(Type.String({ maxLength: 1024 })),
            role: oneOf(['vendor', 'customer']),
            customerId: Type.Optional(customerIdField),
          },
          { additionalProperties: false },
        ),
        response: { 201: newUserViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { customerId, ...rest } = request.body;
      return reply
        .code(201)
        .send(
          await ctx.auth.addUser(actorOf(request), { ...rest, ...(customerId !== undefined ? { customerId } : {}) }),
        );
    },
  );
}
