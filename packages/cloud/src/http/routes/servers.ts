import { MAX_DOCUMENT_BYTES } from '@tessera/core';
import { Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { serverViewSchema } from '../../domain/views.js';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { customerQuery, errors, idParam, listOf } from '../schemas.js';

/** A registration's answer: the server, and whether this call registered it. */
const registeredServerSchema = Type.Object({
  ...serverViewSchema.properties,
  created: Type.Boolean({ description: 'registered by this call (201); false when it was known (200)' }),
});

/** License Servers, registered from their Server ID file. */
export function registerServerRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  const api = typed(app);
  api.get(
    '/api/v1/servers',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Registered License Servers',
        tags: ['servers'],
        querystring: customerQuery,
        response: { 200: listOf(serverViewSchema), ...errors },
      },
    },
    async (request) => ctx.servers.list(actorOf(request), request.query.customerId),
  );

  api.post(
    '/api/v1/servers',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Register a License Server from its Server ID file (info.bts); 201 when new, 200 when known',
        tags: ['servers'],
        body: Type.Object(
          {
            customerId: Type.Optional(
              Type.String({
                maxLength: 128,
                description: "required for vendor staff; a customer's user registers for its own",
              }),
            ),
            file: Type.String({ minLength: 1, maxLength: MAX_DOCUMENT_BYTES, description: 'the text of info.bts' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: registeredServerSchema, 201: registeredServerSchema, ...errors },
      },
    },
    async (request, reply) => {
      const result = await ctx.servers.register(actorOf(request), request.body);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  api.get(
    '/api/v1/servers/:id',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'One server',
        tags: ['servers'],
        params: idParam,
        response: { 200: serverViewSchema, ...errors },
      },
    },
    async (request) => ctx.servers.get(actorOf(request), request.params.id),
  );
}
