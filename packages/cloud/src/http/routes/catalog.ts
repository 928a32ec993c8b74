import type { FastifyInstance } from 'fastify';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { errors, featureNameSchema, featureSchema, listOf, userSchema } from '../schemas.js';

/** The feature catalog and users. */
export function registerCatalogRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  app.get(
    '/api/v1/features',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'The feature catalog',
        tags: ['catalog'],
        response: { 200: listOf(featureSchema), ...errors },
      },
    },
    async () => ctx.catalog.list(),
  );

  app.post<{ Body: { name: string; description?: string } }>(
    '/api/v1/features',
    {
      config: { cloudAuth: 'vendor' },
      schema: {
        summary: 'Add a feature to the catalog (vendor staff)',
        tags: ['catalog'],
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: featureNameSchema, description: { type: 'string', maxLength: 500 } },
        },
        response: { 201: featureSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.catalog.add(actorOf(request), request.body)),
  );

  app.get<{ Querystring: { customerId?: string } }>(
    '/api/v1/users',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "Users: every user for vendor staff, one's own customer's otherwise",
        tags: ['users'],
        querystring: { type: 'object', properties: { customerId: { type: 'string', maxLength: 128 } } },
        response: { 200: listOf(userSchema), ...errors },
      },
    },
    async (request) => ctx.auth.listUsers(actorOf(request), request.query.customerId),
  );

  app.post<{ Body: { username: string; password?: string; role: 'vendor' | 'customer'; customerId?: string } }>(
    '/api/v1/users',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Add a user: vendor staff, or a user of a customer (a password is generated when none is given)',
        tags: ['users'],
        body: {
          type: 'object',
          required: ['username', 'role'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', maxLength: 64 },
            password: { type: 'string', maxLength: 1024 },
            role: { type: 'string', enum: ['vendor', 'customer'] },
            customerId: { type: 'string', maxLength: 128 },
          },
        },
        response: { 201: userSchema, ...errors },
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
