/**
 * Who a request is. Vendor API routes (`config.cloudAuth: 'user' | 'vendor'`) take a bearer
 * token, a user name and password (HTTP Basic), or the portal's session cookie (whose
 * state-changing requests must echo the CSRF token); client protocol routes
 * (`cloudAuth: 'account'`) take a subscription account's id and secret (HTTP Basic). Routes
 * without `cloudAuth` are public. A browser's Origin must be this Cloud's own; when the Cloud
 * listens on loopback, the Host header must name loopback too (DNS rebinding).
 */
import { TesseraError } from '@tessera/core';
import {
  admitSession,
  checkHostAndOrigin,
  cookieOf,
  requirePasswordChanged,
  sessionCookieHeader,
  splitAuthorization,
} from '@tessera/service-kit';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { AccountContext, AccountService } from '../domain/account-service.js';
import type { Actor } from '../domain/actor.js';
import type { AuthService } from '../domain/auth-service.js';
import type { SessionInfo, SessionService } from '../domain/session-service.js';

export type CloudAuth = 'user' | 'vendor' | 'account';

/** What the auth hook learned about a request. */
export interface CloudRequestState {
  actor?: Actor;
  session?: SessionInfo;
  account?: AccountContext;
}

declare module 'fastify' {
  interface FastifyRequest {
    tesseraCloud?: CloudRequestState;
  }
  interface FastifyContextConfig {
    /** Who may call the route; absent means public. */
    cloudAuth?: CloudAuth;
    /** Reachable while the user must still change the initial password. */
    allowWhilePasswordChangeRequired?: boolean;
  }
}

/** Name of the portal's session cookie. */
export const SESSION_COOKIE = 'tessera_cloud_session';
export { CSRF_HEADER } from '@tessera/service-kit';

/** The actor of an authenticated vendor API request. */
export function actorOf(request: FastifyRequest): Actor {
  const actor = request.tesseraCloud?.actor;
  if (!actor) throw new TesseraError('UNAUTHORIZED', 'this route needs credentials');
  return actor;
}

/** The subscription account of an authenticated client protocol request. */
export function accountOf(request: FastifyRequest): AccountContext {
  const account = request.tesseraCloud?.account;
  if (!account) throw new TesseraError('UNAUTHORIZED', 'subscription account credentials are required');
  return account;
}

export function sessionOf(request: FastifyRequest): SessionInfo | undefined {
  return request.tesseraCloud?.session;
}

export interface AuthHookOptions {
  auth: AuthService;
  sessions: SessionService;
  accounts: AccountService;
  /** Host names (no port) accepted in the Host header; undefined accepts any. */
  allowedHosts: Set<string> | undefined;
}

export function installAuth(app: FastifyInstance, o: AuthHookOptions): void {
  app.addHook('onRequest', async (request, reply) => {
    const mode = request.routeOptions.config?.cloudAuth;
    if (mode === 'account') {
      const creds = basicCredentials(request.headers.authorization);
      if (!creds) {
        reply.header('www-authenticate', 'Basic realm="Tessera licensing", charset="UTF-8"');
        throw new TesseraError('UNAUTHORIZED', 'subscription account credentials (HTTP Basic) are required');
      }
      const check = await o.accounts.authenticate(creds.username, creds.password);
      if (!check.ok) {
        if (check.unavailable) throw new TesseraError('UNAVAILABLE', 'the account cannot be checked now; try again');
        reply.header('www-authenticate', 'Basic realm="Tessera licensing", charset="UTF-8"');
        throw new TesseraError('UNAUTHORIZED', 'unknown or disabled subscription account, or wrong secret');
      }
      request.tesseraCloud = { account: check.account };
      return;
    }
    checkHostAndOrigin(request, o.allowedHosts);
    if (!mode) return;
    const header = request.headers.authorization ?? '';
    const [scheme, value] = splitAuthorization(header);
    let actor: Actor | undefined;
    let session: SessionInfo | undefined;
    if (scheme === 'bearer' && value) {
      actor = await o.auth.authenticateToken(value);
      if (!actor) throw new TesseraError('UNAUTHORIZED', 'the token is not valid');
    } else if (scheme === 'basic' && value) {
      const creds = basicCredentials(header);
      if (!creds) throw new TesseraError('UNAUTHORIZED', 'malformed Basic credentials');
      const check = await o.auth.authenticatePassword(creds.username, creds.password, request.ip);
      if (!check.ok) throw new TesseraError('UNAUTHORIZED', 'wrong user name or password');
      requirePasswordChanged(request, check.mustChange);
      actor = check.actor;
    } else if (!header && sessionCookieOf(request) !== undefined) {
      const id = sessionCookieOf(request) as string;
      session = await o.sessions.authenticate(id);
      if (!session) throw new TesseraError('UNAUTHORIZED', 'your session has ended; sign in again');
      admitSession(request, session, (x, presented) => o.sessions.csrfMatches(x, presented));
      actor = session.actor;
    } else {
      throw new TesseraError('UNAUTHORIZED', 'this route needs a bearer token, user credentials or a session');
    }
    if (mode === 'vendor' && actor.role !== 'vendor') {
      throw new TesseraError('FORBIDDEN', 'only vendor staff may do this');
    }
    request.tesseraCloud = session ? { actor, session } : { actor };
  });
}

/**
 * What the hook above can answer for a route, for its OpenAPI entry: client protocol routes
 * 401 and 503 (an account not checkable while the database is away); the others 403 (Host,
 * Origin), and where they need credentials 401, 403 and 429 (password guessing).
 */
export function cloudAuthStatuses(route: RouteOptions): number[] {
  const mode = route.config?.cloudAuth;
  if (mode === 'account') return [401, 503];
  return mode ? [401, 403, 429] : [403];
}

/** RFC 7617 credentials from an Authorization header, or undefined. */
export function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  if (!header) return undefined;
  const [scheme, value] = splitAuthorization(header);
  if (scheme !== 'basic' || !value) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function sessionCookieOf(request: FastifyRequest): string | undefined {
  return cookieOf(request, SESSION_COOKIE);
}

/** The Set-Cookie value of a portal session. */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return sessionCookieHeader(SESSION_COOKIE, value, maxAgeSeconds, secure);
}
