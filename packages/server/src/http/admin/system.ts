import {
  AUDIT_FILTER_QUERY,
  auditFilterOf,
  errorSchema,
  oneOf,
  oneOfOrNull,
  orNull,
  type Static,
  Type,
  textResponse,
  typed,
} from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { LICENSING_MODES } from '../../domain/licensing-mode.js';
import { SERVER_POLICY } from '../../domain/policy.js';
import type { AdminApiContext } from './context.js';

const licensingMode = oneOf(LICENSING_MODES);

const serverInfo = Type.Object({
  serverId: Type.String(),
  poolId: Type.String(),
  mode: licensingMode,
  version: Type.String(),
  clientUrl: Type.String(),
  adminUrl: Type.String(),
  portalUrl: orNull(Type.String()),
  leaseSeconds: Type.Number(),
  heartbeatSeconds: Type.Number(),
  clockTampered: Type.Boolean(),
  leasesHeld: Type.Integer(),
  modeChangedFrom: oneOfOrNull(LICENSING_MODES, {
    description: 'the mode the server last ran in, when this start came up in another one (docs/settings.md)',
  }),
  modeSource: orNull(
    Type.String({ description: 'where the mode in force came from then: `flag --mode`, `server.conf` or `default`' }),
  ),
});

/** `GET /api/v1/server` without `you`: what the Dashboard shows about this running server. */
export type ServerInfo = Static<typeof serverInfo>;

const auditEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  target: orNull(Type.String()),
  outcome: Type.String({ description: '`ok`, or `refused:CODE`' }),
  detail: Type.Unknown(),
});

export type AuditEntry = Static<typeof auditEntry>;

/** Health, server facts, metrics and the audit log. */
export function registerSystemRoutes(app: FastifyInstance, ctx: AdminApiContext): void {
  const api = typed(app);
  api.get(
    '/healthz',
    {
      schema: {
        summary: 'Ready; names this running instance (the CLI checks the nonce from DIR/server.json)',
        tags: ['system'],
        response: { 200: Type.Object({ status: Type.String(), nonce: Type.String(), serverId: Type.String() }) },
      },
    },
    async () => ({ status: 'ok', nonce: ctx.nonce, serverId: ctx.serverId }),
  );

  api.get(
    '/api/v1/server',
    {
      config: { role: 'view', allowWhilePasswordChangeRequired: true },
      schema: {
        summary: 'This server: id, mode, addresses, lease settings, clock state; and who asks (`you`)',
        tags: ['system'],
        response: {
          200: Type.Object({
            ...serverInfo.properties,
            you: Type.Object({ id: Type.String(), role: oneOf(['view', 'manage', 'admin']) }),
          }),
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => ({ ...ctx.info(), you: request.actor! }),
  );

  api.get(
    '/metrics',
    {
      config: { role: 'view' },
      schema: {
        summary: 'Prometheus metrics',
        tags: ['system'],
        response: { 200: textResponse('text/plain; version=0.0.4', 'Prometheus text exposition format') },
      },
    },
    async (_request, reply) => {
      reply.header('content-type', ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  );

  api.get(
    '/api/v1/audit',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'The audit log, newest first',
        tags: ['system'],
        querystring: Type.Object({
          ...AUDIT_FILTER_QUERY,
          before: Type.Optional(Type.Integer({ minimum: 1 })),
          limit: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: SERVER_POLICY.auditPageMax,
              default: SERVER_POLICY.auditPageDefault,
            }),
          ),
        }),
        response: {
          200: Type.Object({ entries: Type.Array(auditEntry) }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => ({
      entries: ctx.audit.page(
        request.query.before,
        request.query.limit ?? SERVER_POLICY.auditPageDefault,
        auditFilterOf(request.query),
      ),
    }),
  );
}
