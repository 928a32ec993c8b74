import { MAX_PASSWORD_LENGTH } from '@tessera/core';
import { errorSchema } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../store/store.js';
import type { AdminApiContext } from './context.js';

const ROLES = ['view', 'manage', 'admin'] as const;

const userSchema = {
  type: 'object',
  properties: {
    username: { type: 'string' },
    role: { type: 'string', enum: ROLES },
    mustChange: { type: 'boolean' },
    disabled: { type: 'boolean' },
    createdAt: { type: 'string' },
    lastSignInAt: { type: ['string', 'null'] },
  },
} as const;

const usernameParams = {
  type: 'object',
  required: ['username'],
  additionalProperties: false,
  properties: { username: { type: 'string', minLength: 1, maxLength: 32 } },
} as const;

/** What a refusal of a user action can answer, besides the guard's statuses. */
const refusals = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

/**
 * The License Server's users (admin role): list, add, role, disable / enable, reset password,
 * delete. Each action is audited by the user service, with the old and the new value.
 */
export function registerUserRoutes(app: FastifyInstance, ctx: AdminApiContext): void {
  app.get(
    '/api/v1/users',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Users: role, disabled, must change the password, last sign-in',
        tags: ['users'],
        response: {
          200: { type: 'object', properties: { users: { type: 'array', items: userSchema } } },
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async () => ({ users: ctx.users.list() }),
  );

  app.post<{ Body: { username: string; password: string; role: Role } }>(
    '/api/v1/users',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Add a user (who must change the password at first sign-in)',
        tags: ['users'],
        body: {
          type: 'object',
          required: ['username', 'password', 'role'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', maxLength: 32 },
            password: { type: 'string', maxLength: MAX_PASSWORD_LENGTH },
            role: { type: 'string', enum: ROLES },
          },
        },
        response: { 201: { type: 'null' }, 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      await ctx.auth.addUser(request.actor!, request.body.username, request.body.password, request.body.role);
      return reply.code(201).send();
    },
  );

  app.put<{ Params: { username: string }; Body: { role: Role } }>(
    '/api/v1/users/:username/role',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Change a user’s role (never the last enabled admin’s, nor your own)',
        tags: ['users'],
        params: usernameParams,
        body: {
          type: 'object',
          required: ['role'],
          additionalProperties: false,
          properties: { role: { type: 'string', enum: ROLES } },
        },
        response: { 200: userSchema, ...refusals },
      },
    },
    async (request) => ctx.users.setRole(request.actor!, request.params.username, request.body.role),
  );

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post<{ Params: { username: string } }>(
      `/api/v1/users/:username/${verb}`,
      {
        config: { role: 'admin' },
        schema: {
          summary: disabled
            ? 'Disable a user: they cannot sign in, and their sessions end at once'
            : 'Enable a disabled user again',
          tags: ['users'],
          params: usernameParams,
          response: { 200: userSchema, ...refusals },
        },
      },
      async (request) => ctx.users.setDisabled(request.actor!, request.params.username, disabled),
    );
  }

  app.post<{ Params: { username: string } }>(
    '/api/v1/users/:username/reset-password',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Give a user a new random password, shown once, to be changed at the next sign-in',
        tags: ['users'],
        params: usernameParams,
        response: {
          200: { type: 'object', properties: { username: { type: 'string' }, password: { type: 'string' } } },
          ...refusals,
        },
      },
    },
    async (request) => ctx.users.resetPassword(request.actor!, request.params.username),
  );

  app.delete<{ Params: { username: string } }>(
    '/api/v1/users/:username',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Delete a user (never the last enabled admin, nor yourself); their sessions end',
        tags: ['users'],
        params: usernameParams,
        response: { 204: { type: 'null' }, ...refusals },
      },
    },
    async (request, reply) => {
      ctx.users.delete(request.actor!, request.params.username);
      return reply.code(204).send();
    },
  );
}
