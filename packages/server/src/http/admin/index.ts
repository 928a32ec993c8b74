import type { FastifyInstance } from 'fastify';
import { registerAccountRoutes } from './account.js';
import { installAdminAuth } from './auth.js';
import type { AdminApiContext } from './context.js';
import { registerLeaseRoutes } from './leases.js';
import { registerLicenseRoutes } from './licenses.js';
import { registerSystemRoutes } from './system.js';

export type { AdminApiContext } from './context.js';

/** The admin API: what the Dashboard and the CLI call. Every route but two needs credentials. */
export function registerAdminApi(app: FastifyInstance, ctx: AdminApiContext): void {
  installAdminAuth(app, ctx);
  registerSystemRoutes(app, ctx);
  registerLicenseRoutes(app, ctx);
  registerLeaseRoutes(app, ctx);
  registerAccountRoutes(app, ctx);
}
