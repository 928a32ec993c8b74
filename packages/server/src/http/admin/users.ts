import { MAX_PASSWORD_LENGTH } from '@tessera/core';
import { errorSchema, noContent, oneOf, orNull, type Static, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import type { AdminApiContext } from './context.js';

const ROLES = ['view', 'manage', 'admin'] as const;
const role = oneOf(ROLES);

const userView = Type.Object({
  username: Type.String(),
  role,
  mustChange: Type.Boolean(),
  disabled: Type.Boolean(),
  createdAt: Type.String(),
  lastSignInAt: orNull(Type.String()),
});

export type UserView = Static<typeof userView>;

const usernameParams = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 32 }) },
  { additionalProperties: false },
);

/** What a refusal of a user action can answer, besides the guard's statuses. */
const refusals = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

/**
 * The License Server's users (admin role): list, add, role, disable / enable, reset password,
 * delete. Each action is audited by the user service, with the old and the new value.
 */
export function registerUserRoutes(app: FastifyInstance, ctx: AdminApiContext): void {
  const api = typed(app);
  api.get(
    '/api/v1/users',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Users: role, disabled, must change the password, last sign-in',
        tags: ['users'],
        response: {
          200: Type.Object({ users: Type.Array(userView) }),
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async () => ({ users: ctx.users.list() }),
  );

  api.post(
    '/api/v1/users',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Add a user (who must change the password at first sign-in)',
        tags: ['users'],
        body: Type.Object(
          {
            username: Type.String({ maxLength: 32 }),
            password: Type.String({ maxLength: MAX_PASSWORD_LENGTH }),
            role,
          },
          { additionalProperties: false },
        ),
        response: { 201: noContent, 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      await ctx.auth.addUser(request.actor!, request.body.username, request.body.password, request.body.role);
      return reply.code(201).send();
    },
  );

  api.put(
    '/api/v1/users/:username/role',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Change a user’s role (never the last enabled admin’s, nor your own)',
        tags: ['users'],
        params: usernameParams,
        body: Type.Object({ role }, { additionalProperties: false }),
        response: { 200: userView, ...refusals },
      },
    },
    async (request) => ctx.users.setRole(request.actor!, request.params.username, request.body.role),
  );

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    api.post(
      `/api/v1/users/:username/${verb}`,
      {
        config: { role: 'admin' },
        schema: {
          summary: disabled
            ? 'Disable a user: they cannot sign in, and their sessions end at once'
            : 'Enable a disabled user again',
          tags: ['users'],
          params: usernameParams,
          response: { 200: userView, ...refusals },
        },
      },
      async (request) => ctx.users.setDisabled(request.actor!, request.params.username, disabled),
    );
  }

  api.post(
    '/api/v1/users/:username/reset-password',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Give a user a new random password, shown once, to be changed at the next sign-in',
        tags: ['users'],
        params: usernameParams,
        response: {
          200: Type.Object({ username: Type.String(), password: Type.String() }),
          ...refusals,
        },
      },
    },
    async (request) => ctx.users.resetPassword(request.actor!, request.params.username),
  );

  api.delete(
    '/api/v1/users/:username',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Delete a user (never the last enabled admin, nor yourself); their sessions end',
        tags: ['users'],
        params: usernameParams,
        response: { 204: noContent, ...refusals },
      },
    },
    async (request, reply) => {
      ctx.users.delete(request.actor!, request.params.username);
      return reply.code(204).send();
    },
  );
}
