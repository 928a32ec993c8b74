import type { FastifyInstance } from 'fastify';
import type { ClientApiContext } from './context.js';

const featuresSchema = {
  type: 'object',
  required: ['poolId', 'features'],
  properties: {
    poolId: { type: 'string' },
    features: {
      type: 'array',
      items: {
        type: 'object',
        required: ['feature', 'total', 'inUse', 'available', 'licenses'],
        properties: {
          feature: { type: 'string' },
          total: { type: 'integer' },
          inUse: { type: 'integer' },
          available: { type: 'integer' },
          licenses: {
            type: 'array',
            items: {
              type: 'object',
              required: ['licenseId', 'count', 'inUse', 'expires', 'maintenanceUntil'],
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
  },
};

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
