import { Type, textResponse, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { deploymentViewSchema, deploymentWithFileSchema, returnViewSchema } from '../../domain/views.js';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { customerQuery, documentBody, errors, featureRequestSchema, idParam, listOf } from '../schemas.js';

/** `renew` answers whether anything changed (a new revision) besides the deployment. */
const renewedSchema = Type.Object({
  ...deploymentWithFileSchema.properties,
  changed: Type.Boolean({ description: 'a new revision was issued' }),
});

const LICENSE_FILE_TYPE = 'text/plain; charset=utf-8';

/** Deployments (perpetual license files) and returns (uninstall certificates). */
export function registerDeploymentRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  const api = typed(app);
  api.get<{ Querystring: { customerId?: string; serverId?: string } }>(
    '/api/v1/deployments',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Deployments (one license file each)',
        tags: ['deployments'],
        querystring: Type.Object({
          customerId: Type.Optional(Type.String({ maxLength: 128 })),
          serverId: Type.Optional(Type.String({ maxLength: 128 })),
        }),
        response: { 200: listOf(deploymentViewSchema), ...errors },
      },
    },
    async (request) => ctx.deployments.list(actorOf(request), request.query),
  );

  api.post(
    '/api/v1/deployments',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Create a deployment on a registered server: draws perpetual seats, returns the signed license file',
        tags: ['deployments'],
        body: Type.Object(
          { serverId: Type.String({ maxLength: 128 }), features: featureRequestSchema },
          { additionalProperties: false },
        ),
        response: { 201: deploymentWithFileSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.deployments.deploy(actorOf(request), request.body)),
  );

  api.get(
    '/api/v1/deployments/:id',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'One deployment',
        tags: ['deployments'],
        params: idParam,
        response: { 200: deploymentViewSchema, ...errors },
      },
    },
    async (request) => ctx.deployments.get(actorOf(request), request.params.id),
  );

  api.get(
    '/api/v1/deployments/:id/file',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Download the license file (current revision, or ?revision=N)',
        tags: ['deployments'],
        params: idParam,
        querystring: Type.Object({ revision: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: {
          200: textResponse(LICENSE_FILE_TYPE, 'the .lic file, as `tessera license install` takes it'),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const f = await ctx.deployments.file(actorOf(request), request.params.id, request.query.revision);
      reply.header('content-type', LICENSE_FILE_TYPE);
      reply.header('content-disposition', `attachment; filename="${f.fileName}"`);
      reply.header('x-license-revision', String(f.revision));
      return f.file;
    },
  );

  api.post(
    '/api/v1/deployments/:id/licenses',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Add licenses to a deployment: the next revision of its license (install with Renew License)',
        tags: ['deployments'],
        params: idParam,
        body: Type.Object({ features: featureRequestSchema }, { additionalProperties: false }),
        response: { 200: deploymentWithFileSchema, ...errors },
      },
    },
    async (request) => ctx.deployments.addLicenses(actorOf(request), request.params.id, request.body.features),
  );

  api.post(
    '/api/v1/deployments/:id/renew',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "Re-issue with the entitlements' current dates (next revision if anything changed)",
        tags: ['deployments'],
        params: idParam,
        response: { 200: renewedSchema, ...errors },
      },
    },
    async (request) => ctx.deployments.renew(actorOf(request), request.params.id),
  );

  registerReturnRoutes(app, ctx);
}

/** Returns: uninstall certificates that give a license's seats back. */
function registerReturnRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  const api = typed(app);
  api.get<{ Querystring: { customerId?: string } }>(
    '/api/v1/returns',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Returned licenses (uninstall certificates taken back)',
        tags: ['deployments'],
        querystring: customerQuery,
        response: { 200: listOf(returnViewSchema), ...errors },
      },
    },
    async (request) => ctx.deployments.listReturns(actorOf(request), request.query.customerId),
  );

  api.post(
    '/api/v1/returns',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "Return a license with its uninstall certificate: its seats go back to the customer's pool, once",
        tags: ['deployments'],
        body: documentBody('certificate', 'the text of the .uninstall file'),
        response: { 201: returnViewSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await ctx.deployments.returnCertificate(actorOf(request), request.body.certificate)),
  );
}
