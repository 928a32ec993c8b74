import { MAX_DOCUMENT_BYTES } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { errors, idParam, listOf, serverSchema } from '../schemas.js';

/** License Servers, registered from their Server ID file. */
export function registerServerRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  app.get<{ Querystring: { customerId?: string } }>(
    '/api/v1/servers',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Registered License Servers',
        tags: ['servers'],
        querystring: { type: 'object', properties: { customerId: { type: 'string', maxLength: 128 } } },
        response: { 200: listOf(serverSchema), ...errors },
      },
    },
    async (request) => ctx.servers.list(actorOf(request), request.query.customerId),
  );

  app.post<{ Body: { customerId?: string; file: string } }>(
    '/api/v1/servers',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Register a License Server from its Server ID file (info.bts); 201 when new, 200 when known',
        tags: ['servers'],
        body: {
          type: 'object',
          required: ['file'],
          additionalProperties: false,
          properties: {
            customerId: {
              type: 'string',
              maxLength: 128,
              description: "required for vendor staff; a customer's user registers for its own",
            },
            file: { type: 'string', minLength: 1, maxLength: MAX_DOCUMENT_BYTES, description: 'the text of info.bts' },
          },
        },
        response: { 200: serverSchema, 201: serverSchema, ...errors },
      },
    },
    async (request, reply) => {
      const result = await ctx.servers.register(actorOf(request), request.body);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/servers/:id',
    {
      config: { cloudAuth: 'user' },
      schema: { summary: 'One server', tags: ['servers'], params: idParam, response: { 200: serverSchema, ...errors } },
    },
    async (request) => ctx.servers.get(actorOf(request), request.params.id),
  );
}
