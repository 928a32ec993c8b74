import { Readable } from 'node:stream';
import { errorSchema, textResponse } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { SeatHolders } from '../../domain/leases/seat-holders.js';
import { SERVER_POLICY } from '../../domain/policy.js';
import {
  LEASE_SORT_COLUMNS,
  type LeaseFilter,
  type LeaseSortKey,
  type SortDirection,
} from '../../store/lease-listing.js';
import type { AdminApiContext } from './context.js';

interface FilterQuery {
  feature?: string;
  user?: string;
  host?: string;
  q?: string;
}

interface PageQuery extends FilterQuery {
  sort?: LeaseSortKey;
  dir?: SortDirection;
  page?: number;
  limit?: number;
}

const filterProperties = {
  feature: { type: 'string', minLength: 1, maxLength: SERVER_POLICY.maxFeatureNameLength },
  // A client id and a host are as long as the client protocol lets them be.
  user: { type: 'string', minLength: 1, maxLength: 128 },
  host: { type: 'string', minLength: 1, maxLength: 255 },
  q: { type: 'string', maxLength: SERVER_POLICY.seatsSearchMaxLength },
} as const;

const seatSchema = {
  type: 'object',
  properties: {
    leaseId: { type: 'string' },
    licenseId: { type: 'string' },
    feature: { type: 'string' },
    count: { type: 'integer' },
    clientId: { type: 'string' },
    host: { type: ['string', 'null'] },
    app: { type: ['string', 'null'] },
    version: { type: ['string', 'null'] },
    releaseDate: { type: 'string' },
    since: { type: 'string' },
    expiresAt: { type: ['string', 'null'] },
  },
} as const;

function filterOf(q: FilterQuery): LeaseFilter {
  return {
    ...(q.feature === undefined ? {} : { feature: q.feature }),
    ...(q.user === undefined ? {} : { user: q.user }),
    ...(q.host === undefined ? {} : { host: q.host }),
    ...(q.q === undefined || q.q.trim() === '' ? {} : { search: q.q.trim() }),
  };
}

/** Every seat holder across licenses and features (the Sessions page): a page, a CSV export, a bulk release. */
export function registerSeatRoutes(app: FastifyInstance, ctx: AdminApiContext): void {
  const holders = new SeatHolders(ctx.store, ctx.engine, ctx.audit);

  app.get<{ Querystring: PageQuery }>(
    '/api/v1/seats',
    {
      config: { role: 'view' },
      schema: {
        summary: 'Leases held across licenses and features: one page, sorted and filtered, with the total',
        tags: ['leases'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterProperties,
            sort: { type: 'string', enum: Object.keys(LEASE_SORT_COLUMNS), default: 'since' },
            dir: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
            page: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 },
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: SERVER_POLICY.seatsPageMax,
              default: SERVER_POLICY.seatsPageDefault,
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              total: { type: 'integer' },
              page: { type: 'integer' },
              limit: { type: 'integer' },
              seats: { type: 'array', items: seatSchema },
            },
          },
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => {
      const q = request.query;
      return holders.page({
        filter: filterOf(q),
        sort: q.sort ?? 'since',
        dir: q.dir ?? 'desc',
        page: q.page ?? 1,
        limit: q.limit ?? SERVER_POLICY.seatsPageDefault,
      });
    },
  );

  app.get<{ Querystring: FilterQuery }>(
    '/api/v1/seats/export',
    {
      config: { role: 'view' },
      schema: {
        summary: 'Every lease the filters match, as CSV (formula-safe), in the order they were taken',
        tags: ['leases'],
        querystring: { type: 'object', additionalProperties: false, properties: filterProperties },
        response: {
          200: textResponse('text/csv', 'lease id, feature, count, user, host, app, version, license, since, expires'),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request, reply) => {
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="seats.csv"')
        .header('cache-control', 'no-store');
      return reply.send(Readable.from(holders.csv(filterOf(request.query))));
    },
  );

  app.post<{ Body: { leaseIds: string[] } }>(
    '/api/v1/seats/release',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Release several seats; each holder hears REVOKED_BY_ADMIN at its next heartbeat',
        tags: ['leases'],
        body: {
          type: 'object',
          required: ['leaseIds'],
          additionalProperties: false,
          properties: {
            leaseIds: {
              type: 'array',
              minItems: 1,
              maxItems: SERVER_POLICY.seatsReleaseMax,
              items: { type: 'string', minLength: 1, maxLength: SERVER_POLICY.maxIdLength },
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { released: { type: 'integer' }, notFound: { type: 'array', items: { type: 'string' } } },
          },
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          503: errorSchema,
          507: errorSchema,
        },
      },
    },
    async (request) => holders.release(request.actor!, request.body.leaseIds),
  );
}
