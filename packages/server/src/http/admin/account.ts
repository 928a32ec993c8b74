import { MAX_PASSWORD_LENGTH, TesseraError } from '@tessera/core';
import { errorSchema, noContent, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import type { AdminApiContext } from './context.js';

/** Changing one's password (the only route open before the initial one is changed). */
export function registerAccountRoutes(app: FastifyInstance, ctx: AdminApiContext): void {
  typed(app).post(
    '/api/v1/account/password',
    {
      config: { role: 'view', allowWhilePasswordChangeRequired: true },
      schema: {
        summary: 'Change the signed-in user’s password',
        tags: ['account'],
        body: Type.Object(
          {
            currentPassword: Type.String({ maxLength: MAX_PASSWORD_LENGTH }),
            newPassword: Type.String({ maxLength: MAX_PASSWORD_LENGTH }),
          },
          { additionalProperties: false },
        ),
        response: { 204: noContent, 400: errorSchema, 401: errorSchema, 403: errorSchema },
      },
    },
    async (request, reply) => {
      const actor = request.actor!;
      if (!actor.id.startsWith('user:')) {
        throw new TesseraError('BAD_REQUEST', 'a token has no password; sign in as a user to change one');
      }
      await ctx.auth.changePassword(actor.id.slice(5), request.body.currentPassword, request.body.newPassword);
      return reply.code(204).send();
    },
  );
}
