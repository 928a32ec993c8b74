import { MAX_PASSWORD_LENGTH, TesseraError } from '@tessera/core';
import {
  admitSession,
  cookieOf,
  errorSchema,
  noContent,
  oneOf,
  orNull,
  SESSION_POLICY,
  type Static,
  sessionCookieHeader,
  Type,
  typed,
} from '@tessera/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../domain/audit.js';
import { SERVER_POLICY } from '../../domain/policy.js';
import type { SessionInfo, SessionService } from '../../domain/session-service.js';

/** Name of the Dashboard's session cookie. */
export const SESSION_COOKIE = 'tessera_session';
export { CSRF_HEADER } from '@tessera/service-kit';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the caller was authenticated by the Dashboard's session cookie. */
    session?: SessionInfo;
  }
}

/** The session id in the request's cookie header, if any. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  return cookieOf(request, SESSION_COOKIE);
}

/**
 * Authenticates a request by its session cookie (called by the admin auth hook when there is
 * no Authorization header); the CSRF token and the forced password change are checked as in
 * the Cloud (service-kit `admitSession`).
 */
export async function authenticateSession(request: FastifyRequest, sessions: SessionService): Promise<Actor> {
  const id = sessionCookieOf(request);
  const session = id ? await sessions.authenticate(id) : undefined;
  if (!session) throw new TesseraError('UNAUTHORIZED', 'your session has ended; sign in again');
  admitSession(request, session, (s, presented) => sessions.csrfMatches(s, presented));
  request.session = session;
  return session.actor;
}

function cookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return sessionCookieHeader(SESSION_COOKIE, value, maxAgeSeconds, secure);
}

const sessionView = Type.Object({
  username: Type.String(),
  role: oneOf(['view', 'manage', 'admin']),
  mustChange: Type.Boolean(),
  csrfToken: orNull(Type.String({ description: 'null for a token or Basic caller, which has no session' })),
  expiresAt: orNull(Type.String()),
});

/** `GET /api/v1/session` and a sign-in's answer. */
export type SessionView = Static<typeof sessionView>;

function viewOf(session: SessionInfo): SessionView {
  return {
    username: session.username,
    role: session.actor.role,
    mustChange: session.mustChange,
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt,
  };
}

export interface SessionRouteOptions {
  sessions: SessionService;
  /** Adds `Secure` to the cookie; true when the admin listener speaks TLS. */
  secureCookies: boolean;
}

/**
 * `POST /api/v1/session` (sign in; public), `GET` (who am I, with the CSRF token) and
 * `DELETE` (sign out). A password change through a session ends the user's other sessions.
 */
export function registerSessionRoutes(app: FastifyInstance, o: SessionRouteOptions): void {
  const maxAge = Math.floor(SESSION_POLICY.maxAgeMs / 1000);
  const api = typed(app);

  api.post(
    '/api/v1/session',
    {
      // Public: this is how one gets credentials. SameSite=Strict, the Origin check and the
      // JSON body (a cross-site form cannot send one) keep other sites from signing a browser in.
      schema: {
        summary: 'Sign in to the Dashboard: sets an HttpOnly, SameSite=Strict session cookie',
        tags: ['session'],
        body: Type.Object(
          {
            username: Type.String({ minLength: 1, maxLength: SERVER_POLICY.maxSignInNameLength }),
            password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
          },
          { additionalProperties: false },
        ),
        response: { 201: sessionView, 400: errorSchema, 401: errorSchema, 403: errorSchema, 429: errorSchema },
      },
    },
    async (request, reply) => {
      const { sessionId, session } = await o.sessions.signIn(request.body.username, request.body.password);
      reply.header('set-cookie', cookie(sessionId, maxAge, o.secureCookies));
      reply.header('cache-control', 'no-store');
      return reply.code(201).send(viewOf(session));
    },
  );

  api.get(
    '/api/v1/session',
    {
      config: { role: 'view', allowWhilePasswordChangeRequired: true },
      schema: {
        summary: 'Who is signed in: user, role, whether the password must be changed, the CSRF token',
        tags: ['session'],
        response: { 200: sessionView, 401: errorSchema, 403: errorSchema },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (request.session) return viewOf(request.session);
      // A token or Basic caller has no session, hence no CSRF token to learn.
      const actor = request.actor!;
      return { username: actor.id, role: actor.role, mustChange: false, csrfToken: null, expiresAt: null };
    },
  );

  api.delete(
    '/api/v1/session',
    {
      config: { role: 'view', allowWhilePasswordChangeRequired: true },
      schema: {
        summary: 'Sign out: ends the session and clears its cookie',
        tags: ['session'],
        response: { 204: noContent, 401: errorSchema, 403: errorSchema },
      },
    },
    async (request, reply) => {
      if (request.session) await o.sessions.signOut(request.session);
      clearCookie(reply, o.secureCookies);
      return reply.code(204).send();
    },
  );

  app.addHook('onResponse', async (request, reply) => {
    if (
      request.session &&
      request.method === 'POST' &&
      request.routeOptions.url === '/api/v1/account/password' &&
      reply.statusCode === 204
    ) {
      await o.sessions.endOtherSessions(request.session);
    }
  });
}

function clearCookie(reply: FastifyReply, secure: boolean): void {
  reply.header('set-cookie', cookie('', 0, secure));
}
