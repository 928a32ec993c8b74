import { TesseraError } from '@tessera/core';
import { checkHostAndOrigin, requirePasswordChanged, splitAuthorization } from '@tessera/service-kit';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { SessionService } from '../../domain/session-service.js';
import type { AdminApiContext } from './context.js';
import { hasRole } from './context.js';
import { authenticateSession, sessionCookieOf } from './session.js';

/**
 * Guards every admin route: the Host header must name this server (DNS rebinding), a
 * browser's Origin must be this server's, and the route's role must be held by the caller,
 * who shows a bearer token (the CLI), a user name and password, or the Dashboard's session
 * cookie (whose state-changing requests must also carry the session's CSRF token). A route
 * without a role in its config is public: /healthz, /openapi.json, sign-in
 * (POST /api/v1/session) and the Dashboard's static files (`config.dashboardStatic`).
 */
export function installAdminAuth(app: FastifyInstance, ctx: AdminApiContext, sessions?: SessionService): void {
  app.addHook('onRequest', async (request) => {
    checkHostAndOrigin(request, ctx.allowedHosts);
    const role = request.routeOptions.config?.role;
    if (!role) return;
    const header = request.headers.authorization ?? '';
    const [scheme, value] = splitAuthorization(header);
    if (scheme === 'bearer' && value) {
      const actor = ctx.auth.authenticateToken(value);
      if (!actor) throw new TesseraError('UNAUTHORIZED', 'the token is not valid');
      request.actor = actor;
    } else if (scheme === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new TesseraError('UNAUTHORIZED', 'malformed Basic credentials');
      const check = await ctx.auth.authenticatePassword(decoded.slice(0, colon), decoded.slice(colon + 1));
      if (!check.ok) {
        throw new TesseraError(
          'UNAUTHORIZED',
          check.disabled ? 'this user is disabled' : 'wrong user name or password',
        );
      }
      requirePasswordChanged(request, check.mustChange);
      request.actor = check.actor;
    } else if (sessions && !header && sessionCookieOf(request) !== undefined) {
      request.actor = await authenticateSession(request, sessions);
    } else {
      throw new TesseraError('UNAUTHORIZED', 'this route needs a bearer token or user credentials');
    }
    if (!hasRole(request.actor, role)) {
      throw new TesseraError('FORBIDDEN', `this action needs the ${role} role; you have ${request.actor.role}`);
    }
  });
}

/**
 * What the hook above can answer for a route, for its OpenAPI entry: 403 anywhere (Host,
 * Origin); 401, 403 (role, password change) and 429 (password guessing) where it needs credentials.
 */
export function adminAuthStatuses(route: RouteOptions): number[] {
  // 507: any call may write (an audit entry, a session's last use) to a disk that is full.
  return route.config?.role ? [401, 403, 429, 507] : [403];
}
