import { errorSchema, noContent, oneOf, orNull, SESSION_POLICY, type Static, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { userViewSchema } from '../../domain/views.js';
import { actorOf, SESSION_COOKIE, sessionCookie, sessionOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { errors } from '../schemas.js';

const sessionView = Type.Object({
  username: Type.String(),
  role: oneOf(['vendor', 'customer']),
  customerId: orNull(Type.String()),
  mustChange: Type.Boolean(),
  csrfToken: orNull(Type.String({ description: 'null for a token or Basic caller, which has no session' })),
  expiresAt: orNull(Type.String()),
});

/** A sign-in's answer and `GET /api/v1/session`. */
export type SessionView = Static<typeof sessionView>;

/** User names and passwords as the vendor API takes them. */
const username = Type.String({ maxLength: 64 });
const password = Type.String({ maxLength: 1024 });

/**
 * Portal sessions (`POST /api/v1/session` signs in and is public; `GET` says who; `DELETE`
 * signs out) and the caller's own account (`GET /api/v1/me`, `POST /api/v1/me/password`).
 */
export function registerSessionRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  const maxAge = Math.floor(SESSION_POLICY.maxAgeMs / 1000);
  const api = typed(app);

  api.post(
    '/api/v1/session',
    {
      schema: {
        summary: 'Sign in to the portal: sets an HttpOnly, SameSite=Strict session cookie',
        tags: ['session'],
        body: Type.Object({ username, password }, { additionalProperties: false }),
        response: { 200: sessionView, ...errors, 429: errorSchema },
      },
    },
    async (request, reply) => {
      const { sessionId, session } = await ctx.sessions.signIn(
        request.body.username,
        request.body.password,
        request.ip,
      );
      reply.header('set-cookie', sessionCookie(sessionId, maxAge, ctx.secureCookies));
      return {
        username: session.username,
        role: session.actor.role,
        customerId: session.actor.customerId,
        mustChange: session.mustChange,
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt,
      };
    },
  );

  api.get(
    '/api/v1/session',
    {
      config: { cloudAuth: 'user', allowWhilePasswordChangeRequired: true },
      schema: {
        summary: 'Who is signed in (with the CSRF token)',
        tags: ['session'],
        response: { 200: sessionView, ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const session = sessionOf(request);
      const me = await ctx.auth.me(actor);
      return {
        username: me.username,
        role: actor.role,
        customerId: actor.customerId,
        mustChange: me.mustChange,
        csrfToken: session?.csrfToken ?? null,
        expiresAt: session?.expiresAt ?? null,
      };
    },
  );

  api.delete(
    '/api/v1/session',
    {
      config: { cloudAuth: 'user', allowWhilePasswordChangeRequired: true },
      schema: { summary: 'Sign out', tags: ['session'], response: { 204: noContent, ...errors } },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      if (session) await ctx.sessions.signOut(session);
      reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
      return reply.code(204).send();
    },
  );

  api.get(
    '/api/v1/me',
    {
      config: { cloudAuth: 'user', allowWhilePasswordChangeRequired: true },
      schema: { summary: 'The calling user', tags: ['session'], response: { 200: userViewSchema, ...errors } },
    },
    async (request) => ctx.auth.me(actorOf(request)),
  );

  api.post(
    '/api/v1/me/password',
    {
      config: { cloudAuth: 'user', allowWhilePasswordChangeRequired: true },
      schema: {
        summary: "Change the caller's password (required before anything else after the first sign-in)",
        tags: ['session'],
        body: Type.Object({ current: password, next: password }, { additionalProperties: false }),
        response: { 204: noContent, ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await ctx.auth.changePassword(actor.username ?? '', request.body.current, request.body.next);
      ctx.afterPasswordChange?.(actor.username ?? '');
      const session = sessionOf(request);
      if (session) await ctx.sessions.endOtherSessions(session);
      return reply.code(204).send();
    },
  );
}
