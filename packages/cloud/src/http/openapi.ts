import swagger from '@fastify/swagger';
import { PRODUCT_VERSION } from '@tessera/core';
import type { FastifyInstance } from 'fastify';

/**
 * Registers the OpenAPI generator; it must come before the routes, whose JSON schemas make
 * the document served at `GET /openapi.json`.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Tessera Cloud',
        description:
          'The vendor API (`/api/v1`: catalog, customers, entitlements, servers, deployments, returns, ' +
          'subscription accounts) and the client protocol v1 of the licensing nodes (`/v1`).',
        version: PRODUCT_VERSION,
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'an API token, e.g. the CLI token in DIR/admin.token',
          },
          basic: {
            type: 'http',
            scheme: 'basic',
            description: 'vendor API: a user name and password; client protocol: a subscription account id and secret',
          },
        },
      },
    },
  });
}

export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
