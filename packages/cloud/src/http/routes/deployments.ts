import { textResponse } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import type { FeatureRequest } from '../../domain/deployment-service.js';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import {
  deploymentSchema,
  documentBody,
  errors,
  featureRequestSchema,
  idParam,
  listOf,
  returnSchema,
} from '../schemas.js';

const LICENSE_FILE_TYPE = 'text/plain; charset=utf-8';

/** Deployments (perpetual license files) and returns (uninstall certificates). */
export function registerDeploymentRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  app.get<{ Querystring: { customerId?: string; serverId?: string } }>(
    '/api/v1/deployments',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Deployments (one license file each)',
        tags: ['deployments'],
        querystring: {
          type: 'object',
          properties: { customerId: { type: 'string', maxLength: 128 }, serverId: { type: 'string', maxLength: 128 } },
        },
        response: { 200: listOf(deploymentSchema), ...errors },
      },
    },
    async (request) => ctx.deployments.list(actorOf(request), request.query),
  );

  app.post<{ Body: { serverId: string; features: FeatureRequest[] } }>(
    '/api/v1/deployments',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Create a deployment on a registered server: draws perpetual seats, returns the signed license file',
        tags: ['deployments'],
        body: {
          type: 'object',
          required: ['serverId', 'features'],
          additionalProperties: false,
          properties: { serverId: { type: 'string', maxLength: 128 }, features: featureRequestSchema },
        },
        response: { 201: deploymentSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.deployments.deploy(actorOf(request), request.body)),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/deployments/:id',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'One deployment',
        tags: ['deployments'],
        params: idParam,
        response: { 200: deploymentSchema, ...errors },
      },
    },
    async (request) => ctx.deployments.get(actorOf(request), request.params.id),
  );

  app.get<{ Params: { id: string }; Querystring: { revision?: number } }>(
    '/api/v1/deployments/:id/file',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Download the license file (current revision, or ?revision=N)',
        tags: ['deployments'],
        params: idParam,
        querystring: { type: 'object', properties: { revision: { type: 'integer', minimum: 1 } } },
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

  app.post<{ Params: { id: string }; Body: { features: FeatureRequest[] } }>(
    '/api/v1/deployments/:id/licenses',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Add licenses to a deployment: the next revision of its license (install with Renew License)',
        tags: ['deployments'],
        params: idParam,
        body: {
          type: 'object',
          required: ['features'],
          additionalProperties: false,
          properties: { features: featureRequestSchema },
        },
        response: { 200: deploymentSchema, ...errors },
      },
    },
    async (request) => ctx.deployments.addLicenses(actorOf(request), request.params.id, request.body.features),
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/deployments/:id/renew',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "Re-issue with the entitlements' current dates (next revision if anything changed)",
        tags: ['deployments'],
        params: idParam,
        response: { 200: deploymentSchema, ...errors },
      },
    },
    async (request) => ctx.deployments.renew(actorOf(request), request.params.id),
  );

  registerReturnRoutes(app, ctx);
}

/** Returns: uninstall certificates that give a license's seats back. */
function registerReturnRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  app.get<{ Querystring: { customerId?: string } }>(
    '/api/v1/returns',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Returned licenses (uninstall certificates taken back)',
        tags: ['deployments'],
        querystring: { type: 'object', properties: { customerId: { type: 'string', maxLength: 128 } } },
        response: { 200: listOf(returnSchema), ...errors },
      },
    },
    async (request) => ctx.deployments.listReturns(actorOf(request), request.query.customerId),
  );

  app.post<{ Body: { certificate: string } }>(
    '/api/v1/returns',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "Return a license with its uninstall certificate: its seats go back to the customer's pool, once",
        tags: ['deployments'],
        body: documentBody('certificate', 'the text of the .uninstall file'),
        response: { 201: returnSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await ctx.deployments.returnCertificate(actorOf(request), request.body.certificate)),
  );
}
