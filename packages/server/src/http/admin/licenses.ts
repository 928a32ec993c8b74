import { MAX_DOCUMENT_BYTES } from '@tessera/core';
import { errorSchema } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { SERVER_POLICY } from '../../domain/policy.js';
import type { AdminApiContext } from './context.js';

const fileBody = {
  type: 'object',
  required: ['file'],
  additionalProperties: false,
  properties: { file: { type: 'string', minLength: 1, maxLength: MAX_DOCUMENT_BYTES } },
};

const featureView = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    count: { type: 'integer' },
    inUse: { type: 'integer' },
    available: { type: 'integer' },
    expires: { type: ['string', 'null'] },
    maintenanceUntil: { type: ['string', 'null'] },
    expired: { type: 'boolean' },
  },
};

const licenseView = {
  type: 'object',
  properties: {
    licenseId: { type: 'string' },
    revision: { type: 'integer' },
    customer: { type: 'string' },
    mode: { type: 'string' },
    issuedAt: { type: 'string' },
    installedAt: { type: 'string' },
    features: { type: 'array', items: featureView },
    revokedLeases: { type: 'integer' },
  },
};

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

/** The seed's license buttons: Make Server ID File, Install, Uninstall, Renew; and the tree. */
export function registerLicenseRoutes(app: FastifyInstance, ctx: AdminApiContext): void {
  app.get(
    '/api/v1/licenses',
    {
      config: { role: 'view' },
      schema: {
        summary: 'The license tree: server, licenses, features, seats in use, dates',
        tags: ['licenses'],
        response: {
          200: {
            type: 'object',
            properties: {
              server: { type: 'object', additionalProperties: true },
              licenses: { type: 'array', items: licenseView },
              uninstalled: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    licenseId: { type: 'string' },
                    revision: { type: 'integer' },
                    uninstalledAt: { type: 'string' },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async () => ctx.licenses.tree(),
  );

  app.post<{ Body: { file: string } }>(
    '/api/v1/licenses',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Install License: a license file signed by the vendor and bound to this server',
        tags: ['licenses'],
        body: fileBody,
        response: { 201: licenseView, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.licenses.install(request.actor!, request.body.file)),
  );

  app.post<{ Body: { file: string } }>(
    '/api/v1/licenses/renew',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Renew License: same license id, higher revision, same binding',
        tags: ['licenses'],
        body: fileBody,
        response: { 200: licenseView, ...errors },
      },
    },
    async (request) => ctx.licenses.renew(request.actor!, request.body.file),
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/licenses/:id/uninstall',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Uninstall License (permanent); returns the signed uninstall certificate',
        tags: ['licenses'],
        params: { type: 'object', properties: { id: { type: 'string', maxLength: SERVER_POLICY.maxIdLength } } },
        response: {
          200: {
            type: 'object',
            properties: { certificate: { type: 'string' }, revokedLeases: { type: 'integer' } },
          },
          ...errors,
        },
      },
    },
    async (request) => ctx.licenses.uninstall(request.actor!, request.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/licenses/:id/certificate',
    {
      config: { role: 'view' },
      schema: {
        summary: 'The uninstall certificate of an uninstalled license, again',
        tags: ['licenses'],
        params: { type: 'object', properties: { id: { type: 'string', maxLength: SERVER_POLICY.maxIdLength } } },
        response: { 200: { type: 'object', properties: { certificate: { type: 'string' } } }, ...errors },
      },
    },
    async (request) => ({ certificate: ctx.licenses.certificate(request.params.id) }),
  );

  app.post(
    '/api/v1/server-id-file',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Make Server ID File: info.bts, signed by this server',
        tags: ['licenses'],
        response: { 200: { type: 'object', properties: { file: { type: 'string' } } }, ...errors },
      },
    },
    async (request) => ({ file: await ctx.licenses.makeServerIdFile(request.actor!) }),
  );
}
