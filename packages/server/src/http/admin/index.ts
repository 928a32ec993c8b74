import type { FastifyInstance } from 'fastify';
import type { FlexibleActions } from '../../domain/flexible/flexible-actions.js';
import type { SessionService } from '../../domain/session-service.js';
import type { UsageMeter } from '../../domain/usage-meter.js';
import { registerAccountRoutes } from './account.js';
import { installAdminAuth } from './auth.js';
import type { AdminApiContext } from './context.js';
import { registerDashboardStatic } from './dashboard-static.js';
import { registerEventRoutes } from './events.js';
import { registerFlexibleRoutes } from './flexible.js';
import { registerLeaseRoutes } from './leases.js';
import { registerLicenseRoutes } from './licenses.js';
import { registerSeatRoutes } from './seats.js';
import { registerSessionRoutes } from './session.js';
import { registerSettingsRoutes } from './settings.js';
import { registerSystemRoutes } from './system.js';
import { registerUsageRoutes } from './usage.js';
import { registerUserRoutes } from './users.js';

export { adminAuthStatuses } from './auth.js';
export type { AdminApiContext } from './context.js';

/** What the Dashboard adds to the admin API: sessions, live events, usage, its static files. */
export interface DashboardApiOptions {
  sessions: SessionService;
  usage: UsageMeter;
  /** The built Dashboard (`@tessera/dashboard`'s dist/); undefined shows how to build it. */
  staticDir: string | undefined;
  /** Session cookies get `Secure` (the admin listener speaks TLS). */
  secureCookies: boolean;
  now: () => number;
}

/**
 * The admin API: what the Dashboard and the CLI call. Every route needs credentials but
 * /healthz, /openapi.json, sign-in and the Dashboard's static files.
 */
export function registerAdminApi(
  app: FastifyInstance,
  ctx: AdminApiContext,
  dashboard?: DashboardApiOptions,
  flexible?: FlexibleActions,
): void {
  installAdminAuth(app, ctx, dashboard?.sessions);
  registerSystemRoutes(app, ctx);
  registerLicenseRoutes(app, ctx);
  registerLeaseRoutes(app, ctx);
  registerSeatRoutes(app, ctx);
  registerAccountRoutes(app, ctx);
  registerUserRoutes(app, ctx);
  registerSettingsRoutes(app, ctx.settings);
  if (flexible) registerFlexibleRoutes(app, flexible);
  if (dashboard) {
    registerSessionRoutes(app, { sessions: dashboard.sessions, secureCookies: dashboard.secureCookies });
    registerEventRoutes(app, { engine: ctx.engine, sessions: dashboard.sessions });
    registerUsageRoutes(app, {
      meter: dashboard.usage,
      licensed: () => ctx.engine.features().features,
      now: dashboard.now,
    });
    registerDashboardStatic(app, dashboard.staticDir);
  }
}
