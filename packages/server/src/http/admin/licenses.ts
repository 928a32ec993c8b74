import { MAX_DOCUMENT_BYTES } from '@tessera/core';
import { errorSchema, oneOf, orNull, type Static, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { SERVER_POLICY } from '../../domain/policy.js';
import type { AdminApiContext } from './context.js';

const fileBody = Type.Object(
  { file: Type.String({ minLength: 1, maxLength: MAX_DOCUMENT_BYTES }) },
  { additionalProperties: false },
);

const licenseFeatureView = Type.Object({
  name: Type.String(),
  count: Type.Integer(),
  inUse: Type.Integer(),
  available: Type.Integer(),
  expires: orNull(Type.String()),
  maintenanceUntil: orNull(Type.String()),
  expired: Type.Boolean(),
});

const licenseView = Type.Object({
  licenseId: Type.String(),
  revision: Type.Integer(),
  customer: Type.String(),
  mode: oneOf(['perpetual', 'flexible'], { description: '`flexible`: brought by the last Sync, not installed' }),
  issuedAt: Type.String(),
  installedAt: Type.String(),
  features: Type.Array(licenseFeatureView),
});

/** Install and Renew answer the license, Renew with the leases its smaller counts revoked. */
const installedLicense = Type.Object({
  ...licenseView.properties,
  revokedLeases: Type.Optional(Type.Integer()),
});

const licenseTree = Type.Object({
  server: Type.Object(
    {
      serverId: Type.String(),
      hostName: Type.String(),
      poolId: Type.String(),
      version: Type.String(),
      clockTampered: Type.Boolean(),
    },
    { additionalProperties: true },
  ),
  licenses: Type.Array(licenseView),
  uninstalled: Type.Array(
    Type.Object({ licenseId: Type.String(), revision: Type.Integer(), uninstalledAt: Type.String() }),
  ),
});

const licenseIdParams = Type.Object({ id: Type.String({ maxLength: SERVER_POLICY.maxIdLength }) });

export type LicenseFeatureView = Static<typeof licenseFeatureView>;
export type LicenseView = Static<typeof licenseView>;
export type LicenseTree = Static<typeof licenseTree>;

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

/** The seed's license buttons: Make Server ID File, Install, Uninstall, Renew; and the tree. */
export function registerLicenseRoutes(app: FastifyInstance, ctx: AdminApiContext): void {
  const api = typed(app);
  api.get(
    '/api/v1/licenses',
    {
      config: { role: 'view' },
      schema: {
        summary: 'The license tree: server, licenses, features, seats in use, dates',
        tags: ['licenses'],
        response: { 200: licenseTree, ...errors },
      },
    },
    async () => ctx.licenses.tree(),
  );

  api.post(
    '/api/v1/licenses',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Install License: a license file signed by the vendor and bound to this server',
        tags: ['licenses'],
        body: fileBody,
        response: { 201: installedLicense, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.licenses.install(request.actor!, request.body.file)),
  );

  api.post(
    '/api/v1/licenses/renew',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Renew License: same license id, higher revision, same binding',
        tags: ['licenses'],
        body: fileBody,
        response: { 200: installedLicense, ...errors },
      },
    },
    async (request) => ctx.licenses.renew(request.actor!, request.body.file),
  );

  api.post(
    '/api/v1/licenses/:id/uninstall',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Uninstall License (permanent); returns the signed uninstall certificate',
        tags: ['licenses'],
        params: licenseIdParams,
        response: {
          200: Type.Object({ certificate: Type.String(), revokedLeases: Type.Integer() }),
          ...errors,
        },
      },
    },
    async (request) => ctx.licenses.uninstall(request.actor!, request.params.id),
  );

  api.get(
    '/api/v1/licenses/:id/certificate',
    {
      config: { role: 'view' },
      schema: {
        summary: 'The uninstall certificate of an uninstalled license, again',
        tags: ['licenses'],
        params: licenseIdParams,
        response: { 200: Type.Object({ certificate: Type.String() }), ...errors },
      },
    },
    async (request) => ({ certificate: ctx.licenses.certificate(request.params.id) }),
  );

  api.post(
    '/api/v1/server-id-file',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Make Server ID File: info.bts, signed by this server',
        tags: ['licenses'],
        response: { 200: Type.Object({ file: Type.String() }), ...errors },
      },
    },
    async (request) => ({ file: await ctx.licenses.makeServerIdFile(request.actor!) }),
  );
}
