import { oneOf, openObject, Type, textResponse, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import type { CloudHttpContext } from '../context.js';
import { errors } from '../schemas.js';

const PEM = 'application/x-pem-file';
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4';

/** `/healthz`, `/metrics`, `GET /api/v1/info`, `GET /api/v1/vendor-key`. */
export function registerSystemRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  const api = typed(app);
  api.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: 200 once the node serves; says whether it reaches its database',
        tags: ['system'],
        response: {
          200: Type.Object({
            status: Type.String(),
            nonce: Type.String(),
            nodeId: Type.String(),
            database: oneOf(['up', 'down']),
          }),
        },
      },
    },
    async () => ({
      status: 'ok',
      nonce: ctx.nonce,
      nodeId: ctx.nodeId,
      database: ctx.seats.databaseUp ? ('up' as const) : ('down' as const),
    }),
  );

  api.get(
    '/metrics',
    {
      config: { cloudAuth: 'vendor' },
      schema: {
        summary: 'Prometheus metrics (vendor staff)',
        tags: ['system'],
        response: { 200: textResponse(PROMETHEUS_TEXT, 'Prometheus text exposition format') },
      },
    },
    async (_request, reply) => {
      reply.header('content-type', ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  );

  api.get(
    '/api/v1/info',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'This Cloud: node, version, vendor key, live nodes, settings',
        tags: ['system'],
        // Open: the node's settings are listed as they are, whatever they become.
        response: { 200: openObject, ...errors },
      },
    },
    async () => ctx.info(),
  );

  api.get(
    '/api/v1/vendor-key',
    {
      schema: {
        summary: 'The vendor public key (PEM) License Servers trust for licenses from this Cloud',
        tags: ['system'],
        response: { 200: textResponse(PEM, 'the public key, PEM (SPKI)') },
      },
    },
    async (_request, reply) => {
      reply.header('content-type', PEM);
      return ctx.vendorPublicKeyPem;
    },
  );
}
