import { MAX_DOCUMENT_REQUEST_BYTES } from '@tessera/core';
import {
  buildRequestValidator,
  type ConnectionLimits,
  type ConnectionStats,
  installListenerRules,
  LISTENER_POLICY,
  type ListenerPolicy,
  limitConnections,
  listenerOptions,
} from '@tessera/service-kit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { classifyDbOutage } from '../store/db.js';
import { cloudAuthStatuses, installAuth } from './auth.js';
import { registerClientProtocol } from './client/index.js';
import type { CloudHttpContext } from './context.js';
import { registerOpenApi, registerOpenApiRoute } from './openapi.js';
import { registerPortalStatic } from './portal-static.js';
import { registerAccountRoutes } from './routes/accounts.js';
import { registerCatalogRoutes } from './routes/catalog.js';
import { registerCustomerRoutes } from './routes/customers.js';
import { registerDeploymentRoutes } from './routes/deployments.js';
import { registerEntitlementRoutes } from './routes/entitlements.js';
import { registerFlexibleRoutes } from './routes/flexible.js';
import { registerServerRoutes } from './routes/servers.js';
import { registerSessionRoutes } from './routes/session.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerUserRoutes } from './routes/users.js';

export interface CloudAppOptions {
  ctx: CloudHttpContext;
  logger: FastifyBaseLogger;
  /** Host names the vendor API answers to (DNS rebinding); undefined accepts any. */
  allowedHosts: Set<string> | undefined;
  https?: { cert: Buffer; key: Buffer } | undefined;
  /** The built portal (`@tessera/portal`'s dist/), served at `/`; undefined shows how to build it. */
  portalDir?: string | undefined;
  /** Timeouts; default `LISTENER_POLICY`. */
  listenerPolicy?: Readonly<ListenerPolicy> | undefined;
  /** The listener's connection caps (from the open-file limit). */
  connectionLimits: ConnectionLimits;
}

/**
 * The one listener of a Cloud node: vendor API (`/api/v1`), client protocol (`/v1`),
 * `/healthz`, `/metrics`, `/openapi.json`, and the portal's pages at `/` (public; the API keeps its auth).
 */
export async function buildCloudApp(
  o: CloudAppOptions,
): Promise<{ app: FastifyInstance; connections: ConnectionStats }> {
  const app = Fastify({
    ...listenerOptions(o.listenerPolicy ?? LISTENER_POLICY, o.https),
    loggerInstance: o.logger,
    // A log line per request would cost more than a checkout; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // The largest body is a document (a Server ID file, a certificate, a Report): one limit.
    bodyLimit: MAX_DOCUMENT_REQUEST_BYTES,
    schemaController: { compilersFactory: { buildValidator: buildRequestValidator as never } },
  }) as unknown as FastifyInstance;
  const connections = limitConnections(app.server, o.connectionLimits);
  installListenerRules(app, {
    authStatuses: cloudAuthStatuses,
    classify: (err) => {
      const outage = classifyDbOutage(err);
      if (!outage) return undefined;
      // The seat service logs the outage once and probes until it is over.
      o.ctx.seats.noteConnectionError(err);
      return { code: 'UNAVAILABLE', message: outage.message, quiet: true };
    },
  });
  await registerOpenApi(app);
  installAuth(app, {
    auth: o.ctx.auth,
    sessions: o.ctx.sessions,
    accounts: o.ctx.accounts,
    allowedHosts: o.allowedHosts,
  });
  registerSystemRoutes(app, o.ctx);
  registerSessionRoutes(app, o.ctx);
  registerCatalogRoutes(app, o.ctx);
  registerUserRoutes(app, o.ctx);
  registerCustomerRoutes(app, o.ctx);
  registerEntitlementRoutes(app, o.ctx);
  registerServerRoutes(app, o.ctx);
  registerDeploymentRoutes(app, o.ctx);
  registerAccountRoutes(app, o.ctx);
  registerFlexibleRoutes(app, o.ctx);
  registerClientProtocol(app, o.ctx);
  registerOpenApiRoute(app);
  registerPortalStatic(app, o.portalDir);
  return { app, connections };
}
