import swagger from '@fastify/swagger';
import { PRODUCT_VERSION } from '@tessera/core';
import type { FastifyInstance } from 'fastify';

/**
 * Registers the OpenAPI generator; it must come before the routes, whose JSON schemas become
 * the document served at `GET /openapi.json`.
 */
export async function registerOpenApi(app: FastifyInstance, title: string, description: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title, description, version: PRODUCT_VERSION },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'the CLI token from DIR/admin.token' },
          basic: { type: 'http', scheme: 'basic', description: 'a user name and password' },
        },
      },
    },
  });
}

export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
