import { featuresSchema } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ClientApiContext } from './context.js';

/** `GET /v1/features`: what this pool has and what is free. */
export function registerFeatures(app: FastifyInstance, ctx: ClientApiContext): void {
  app.get(
    '/v1/features',
    {
      schema: {
        summary: 'Features, seats and licenses of this pool',
        tags: ['client'],
        response: { 200: featuresSchema },
      },
    },
    async () => ctx.engine.features(),
  );
}
