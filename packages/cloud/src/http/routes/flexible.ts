/**
 * Flexible licensing over HTTP: the sync endpoint of every licensing node (`POST /v1/sync`,
 * whose only credential is the Report's signature), and the vendor API's enrollment codes,
 * allocations, sync status and usage.
 */
import { MAX_DOCUMENT_BYTES } from '@tessera/core';
import { oneOf, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import {
  allocationViewSchema,
  enrollmentViewSchema,
  flexibleServerViewSchema,
  newEnrollmentSchema,
  syncStatusViewSchema,
  usageViewSchema,
} from '../../domain/flexible-views.js';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { customerIdField, customerQuery, errors, featureNameSchema, idParam, listOf } from '../schemas.js';

export function registerFlexibleRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  const api = typed(app);
  api.post<{ Body: { report: string } }>(
    '/v1/sync',
    {
      schema: {
        summary:
          "Flexible sync: a License Server's signed Report in, its signed Sync out (also a PLS relaying an ALS's Report File)",
        tags: ['licensing'],
        body: Type.Object(
          { report: Type.String({ minLength: 1, maxLength: MAX_DOCUMENT_BYTES }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ sync: Type.String() }), ...errors },
      },
    },
    async (request) => {
      const { sync } = await ctx.sync.sync(request.body.report);
      return { sync };
    },
  );

  api.post(
    '/api/v1/enrollments',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Make a one-time enrollment code for a flexible License Server (shown once, valid 7 days)',
        tags: ['flexible'],
        body: Type.Object({ customerId: Type.Optional(customerIdField) }, { additionalProperties: false }),
        response: { 201: newEnrollmentSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.flexible.enroll(actorOf(request), request.body ?? {})),
  );

  api.get(
    '/api/v1/enrollments',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Enrollment codes made (never the codes themselves), newest first',
        tags: ['flexible'],
        querystring: customerQuery,
        response: { 200: listOf(enrollmentViewSchema), ...errors },
      },
    },
    async (request) => ctx.flexible.enrollments(actorOf(request), request.query.customerId),
  );

  api.get(
    '/api/v1/flexible/servers',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary:
          "Flexible License Servers (synced, or holding an allocation) with seats per feature, what their last Sync carried, sync state and clone flags; a customer's user sees its own",
        tags: ['flexible'],
        querystring: customerQuery,
        response: { 200: listOf(flexibleServerViewSchema), ...errors },
      },
    },
    async (request) => ctx.flexible.flexibleServers(actorOf(request), request.query.customerId),
  );

  registerAllocationRoutes(app, ctx);
}

/** Flexible seats given to one server, and the usage servers report. */
function registerAllocationRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  const api = typed(app);
  api.get<{ Params: { id: string } }>(
    '/api/v1/servers/:id/allocations',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "A server's flexible allocation",
        tags: ['flexible'],
        params: idParam,
        response: { 200: allocationViewSchema, ...errors },
      },
    },
    async (request) => ctx.flexible.allocations(actorOf(request), request.params.id),
  );

  api.put(
    '/api/v1/servers/:id/allocations',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary:
          "Set a server's flexible allocation (features not named go to 0); effective at its next sync. Over-allocation: 409 OVER_ALLOCATION, nothing changed",
        tags: ['flexible'],
        params: idParam,
        body: Type.Object(
          {
            features: listOf(
              Type.Object(
                { feature: featureNameSchema, count: Type.Integer({ minimum: 0 }) },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: allocationViewSchema, ...errors },
      },
    },
    async (request) => ctx.flexible.allocate(actorOf(request), request.params.id, request.body),
  );

  api.get(
    '/api/v1/servers/:id/sync',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "A server's Report/Sync state: counter, last sequence, last sync (file), valid-until, clone flags",
        tags: ['flexible'],
        params: idParam,
        response: { 200: syncStatusViewSchema, ...errors },
      },
    },
    async (request) => ctx.sync.status(actorOf(request), request.params.id),
  );

  api.get(
    '/api/v1/usage',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Reported usage for charts: series per server and feature, by hour or day, and totals per feature',
        tags: ['flexible'],
        querystring: Type.Object({
          customerId: Type.Optional(customerIdField),
          serverId: Type.Optional(Type.String({ maxLength: 128 })),
          days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 30 })),
          bucket: Type.Optional(oneOf(['hour', 'day'], { default: 'day' })),
        }),
        response: { 200: usageViewSchema, ...errors },
      },
    },
    async (request) => ctx.sync.usage(actorOf(request), request.query),
  );
}
