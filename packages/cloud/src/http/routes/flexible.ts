/**
 * Flexible licensing over HTTP: the sync endpoint of every licensing node (`POST /v1/sync`,
 * whose only credential is the Report's signature), and the vendor API's enrollment codes,
 * allocations, sync status and usage.
 */
import { MAX_DOCUMENT_BYTES } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { errors, featureNameSchema, idParam, listOf } from '../schemas.js';

const str = { type: 'string' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;

const enrollmentSchema = {
  type: 'object',
  properties: {
    id: str,
    customerId: str,
    createdAt: str,
    expiresAt: str,
    usedAt: strOrNull,
    serverId: strOrNull,
    code: { type: 'string', description: 'the one-time code: answered once, when made' },
  },
} as const;

const allocationSchema = {
  type: 'object',
  properties: {
    serverId: str,
    customerId: str,
    features: listOf({
      type: 'object',
      properties: {
        feature: str,
        count: int,
        entitlements: listOf({
          type: 'object',
          properties: { entitlementId: str, count: int, licenseId: str, revision: int },
        }),
      },
    }),
  },
} as const;

const syncStatusSchema = {
  type: 'object',
  properties: {
    serverId: str,
    customerId: str,
    syncCounter: int,
    lastSequence: int,
    lastReportAt: strOrNull,
    lastSyncAt: strOrNull,
    validUntil: strOrNull,
    acknowledgedThrough: strOrNull,
    lastSync: strOrNull,
    flags: listOf({
      type: 'object',
      properties: { id: str, kind: str, at: str, detail: {} },
    }),
  },
} as const;

const flexibleServerSchema = {
  type: 'object',
  properties: {
    id: str,
    customerId: str,
    hostName: str,
    productVersion: str,
    registeredAt: str,
    enrolledAt: strOrNull,
    features: listOf({
      type: 'object',
      properties: { feature: str, count: int, delivered: int },
    }),
    sync: {
      type: 'object',
      properties: {
        syncCounter: int,
        lastSequence: int,
        lastReportAt: strOrNull,
        lastSyncAt: strOrNull,
        validUntil: strOrNull,
        acknowledgedThrough: strOrNull,
      },
    },
    flags: listOf({ type: 'object', properties: { kind: str, count: int, lastAt: str } }),
  },
} as const;

const usagePoint = {
  type: 'object',
  properties: { peakSeats: int, seatSeconds: int, checkouts: int, denials: int },
} as const;

const usageSchema = {
  type: 'object',
  properties: {
    customerId: strOrNull,
    serverId: strOrNull,
    bucket: str,
    from: str,
    series: listOf({
      type: 'object',
      properties: {
        serverId: str,
        feature: str,
        points: listOf({ ...usagePoint, properties: { t: str, ...usagePoint.properties } }),
      },
    }),
    totals: listOf({ ...usagePoint, properties: { feature: str, ...usagePoint.properties } }),
  },
} as const;

export function registerFlexibleRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  app.post<{ Body: { report: string } }>(
    '/v1/sync',
    {
      schema: {
        summary:
          "Flexible sync: a License Server's signed Report in, its signed Sync out (also a PLS relaying an ALS's Report File)",
        tags: ['licensing'],
        body: {
          type: 'object',
          required: ['report'],
          additionalProperties: false,
          properties: { report: { type: 'string', minLength: 1, maxLength: MAX_DOCUMENT_BYTES } },
        },
        response: { 200: { type: 'object', properties: { sync: str } }, ...errors },
      },
    },
    async (request) => {
      const { sync } = await ctx.sync.sync(request.body.report);
      return { sync };
    },
  );

  app.post<{ Body: { customerId?: string } }>(
    '/api/v1/enrollments',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Make a one-time enrollment code for a flexible License Server (shown once, valid 7 days)',
        tags: ['flexible'],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { customerId: { type: 'string', maxLength: 128 } },
        },
        response: { 201: enrollmentSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.flexible.enroll(actorOf(request), request.body ?? {})),
  );

  app.get<{ Querystring: { customerId?: string } }>(
    '/api/v1/enrollments',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Enrollment codes made (never the codes themselves), newest first',
        tags: ['flexible'],
        querystring: { type: 'object', properties: { customerId: { type: 'string', maxLength: 128 } } },
        response: { 200: listOf(enrollmentSchema), ...errors },
      },
    },
    async (request) => ctx.flexible.enrollments(actorOf(request), request.query.customerId),
  );

  app.get<{ Querystring: { customerId?: string } }>(
    '/api/v1/flexible/servers',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary:
          "Flexible License Servers (synced, or holding an allocation) with seats per feature, what their last Sync carried, sync state and clone flags; a customer's user sees its own",
        tags: ['flexible'],
        querystring: { type: 'object', properties: { customerId: { type: 'string', maxLength: 128 } } },
        response: { 200: listOf(flexibleServerSchema), ...errors },
      },
    },
    async (request) => ctx.flexible.flexibleServers(actorOf(request), request.query.customerId),
  );

  registerAllocationRoutes(app, ctx);
}

/** Flexible seats given to one server, and the usage servers report. */
function registerAllocationRoutes(app: FastifyInstance, ctx: CloudHttpContext): void {
  app.get<{ Params: { id: string } }>(
    '/api/v1/servers/:id/allocations',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "A server's flexible allocation",
        tags: ['flexible'],
        params: idParam,
        response: { 200: allocationSchema, ...errors },
      },
    },
    async (request) => ctx.flexible.allocations(actorOf(request), request.params.id),
  );

  app.put<{ Params: { id: string }; Body: { features: { feature: string; count: number }[] } }>(
    '/api/v1/servers/:id/allocations',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary:
          "Set a server's flexible allocation (features not named go to 0); effective at its next sync. Over-allocation: 409 OVER_ALLOCATION, nothing changed",
        tags: ['flexible'],
        params: idParam,
        body: {
          type: 'object',
          required: ['features'],
          additionalProperties: false,
          properties: {
            features: listOf({
              type: 'object',
              required: ['feature', 'count'],
              additionalProperties: false,
              properties: { feature: featureNameSchema, count: { type: 'integer', minimum: 0 } },
            }),
          },
        },
        response: { 200: allocationSchema, ...errors },
      },
    },
    async (request) => ctx.flexible.allocate(actorOf(request), request.params.id, request.body),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/servers/:id/sync',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: "A server's Report/Sync state: counter, last sequence, last sync (file), valid-until, clone flags",
        tags: ['flexible'],
        params: idParam,
        response: { 200: syncStatusSchema, ...errors },
      },
    },
    async (request) => ctx.sync.status(actorOf(request), request.params.id),
  );

  app.get<{ Querystring: { customerId?: string; serverId?: string; days?: number; bucket?: 'hour' | 'day' } }>(
    '/api/v1/usage',
    {
      config: { cloudAuth: 'user' },
      schema: {
        summary: 'Reported usage for charts: series per server and feature, by hour or day, and totals per feature',
        tags: ['flexible'],
        querystring: {
          type: 'object',
          properties: {
            customerId: { type: 'string', maxLength: 128 },
            serverId: { type: 'string', maxLength: 128 },
            days: { type: 'integer', minimum: 1, maximum: 366, default: 30 },
            bucket: { type: 'string', enum: ['hour', 'day'], default: 'day' },
          },
        },
        response: { 200: usageSchema, ...errors },
      },
    },
    async (request) => ctx.sync.usage(actorOf(request), request.query),
  );
}
