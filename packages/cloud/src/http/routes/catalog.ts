import { Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { featureViewSchema } from '../../domain/views.js';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { errors, featureNameSchema, listOf } from '../schemas.js';

/** The feature catalog. */
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
}
