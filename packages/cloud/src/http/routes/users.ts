import { noContent, oneOf, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { newUserViewSchema, resetPasswordViewSchema, userViewSchema } from '../../domain/views.js';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { customerIdField, customerQuery, errors, listOf } from '../schemas.js';

const usernameParams = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
const role = oneOf(['vendor', 'customer']);

/**
 * Users: vendor staff manage every user, a customer's user its own customer's (others answer
 * 404). Each change is audited by the domain with the old and the new value.
 */
export function registerUserRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  const api = typed(app);
  api.get(
    '/api/v1/users',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "Users: every user for vendor staff, one's own customer's otherwise",
        tags: ['users'],
        querystring: customerQuery,
        response: { 200: listOf(userViewSchema), ...errors },
      },
    },
    async (request) => ctx.auth.listUsers(actorOf(request), request.query.customerId),
  );

  api.post(
    '/api/v1/users',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Add a user: vendor staff, or a user of a customer (a password is generated when none is given)',
        tags: ['users'],
        body: Type.Object(
          {
            username: Type.String({ maxLength: 64 }),
            password: Type.Optional(Type.String({ maxLength: 1024 })),
            role,
            customerId: Type.Optional(customerIdField),
          },
          { additionalProperties: false },
        ),
        response: { 201: newUserViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { customerId, ...rest } = request.body;
      return reply
        .code(201)
        .send(
          await ctx.auth.addUser(actorOf(request), { ...rest, ...(customerId !== undefined ? { customerId } : {}) }),
        );
    },
  );

  api.put(
    '/api/v1/users/:username/role',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary:
          "Make a user vendor staff or a customer's user (vendor staff only; never the last enabled vendor staff user, nor yourself); its API tokens are revoked",
        tags: ['users'],
        params: usernameParams,
        body: Type.Object({ role, customerId: Type.Optional(customerIdField) }, { additionalProperties: false }),
        response: { 200: userViewSchema, ...errors },
      },
    },
    async (request) => ctx.users.setRole(actorOf(request), request.params.username, request.body),
  );

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    api.post(
      `/api/v1/users/:username/${verb}`,
      {
        config: { cloudAuth: 'user' },
        schema: {
          summary: disabled
            ? 'Disable a user: it cannot sign in nor use its API tokens, and its sessions end at once'
            : 'Enable a disabled user again',
          tags: ['users'],
          params: usernameParams,
          response: { 200: userViewSchema, ...errors },
        },
      },
      async (request) => ctx.users.setDisabled(actorOf(request), request.params.username, disabled),
    );
  }

  api.post(
    '/api/v1/users/:username/reset-password',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Give a user a new random password, shown once, to be changed at the next sign-in; its sessions end',
        tags: ['users'],
        params: usernameParams,
        response: { 200: resetPasswordViewSchema, ...errors },
      },
    },
    async (request) => {
      const reset = await ctx.users.resetPassword(actorOf(request), request.params.username);
      // The first password's file would now mislead whoever reads it.
      ctx.afterPasswordChange?.(reset.username);
      return reset;
    },
  );

  api.delete(
    '/api/v1/users/:username',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary:
          'Delete a user with its sessions and API tokens (never the last enabled vendor staff user, nor yourself)',
        tags: ['users'],
        params: usernameParams,
        response: { 204: noContent, ...errors },
      },
    },
    async (request, reply) => {
      await ctx.users.delete(actorOf(request), request.params.username);
      return reply.code(204).send();
    },
  );
}
