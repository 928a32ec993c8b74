import { Readable } from 'node:stream';
import { errorSchema, oneOf, orNull, type Static, Type, textResponse, typed } from '@tessera/service-kit';
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
import { leaseView } from './leases.js';

const filterQuery = {
  feature: Type.Optional(Type.String({ minLength: 1, maxLength: SERVER_POLICY.maxFeatureNameLength })),
  // A client id and a host are as long as the client protocol lets them be.
  user: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  q: Type.Optional(Type.String({ maxLength: SERVER_POLICY.seatsSearchMaxLength })),
};
const filterQuerySchema = Type.Object(filterQuery, { additionalProperties: false });
type FilterQuery = Static<typeof filterQuerySchema>;

const seatSchema = Type.Object({ ...leaseView.properties, expiresAt: orNull(Type.String()) });

const seatsPage = Type.Object({
  total: Type.Integer(),
  page: Type.Integer(),
  limit: Type.Integer(),
  seats: Type.Array(seatSchema),
});

const seatsReleased = Type.Object({ released: Type.Integer(), notFound: Type.Array(Type.String()) });

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
  const api = typed(app);

  api.get(
    '/api/v1/seats',
    {
      config: { role: 'view' },
      schema: {
        summary: 'Leases held across licenses and features: one page, sorted and filtered, with the total',
        tags: ['leases'],
        querystring: Type.Object(
          {
            ...filterQuery,
            sort: Type.Optional(oneOf(Object.keys(LEASE_SORT_COLUMNS) as LeaseSortKey[], { default: 'since' })),
            dir: Type.Optional(oneOf(['asc', 'desc'] as const, { default: 'desc' })),
            page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
            limit: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: SERVER_POLICY.seatsPageMax,
                default: SERVER_POLICY.seatsPageDefault,
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: seatsPage, 400: errorSchema, 401: errorSchema, 403: errorSchema },
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

  // Not `api`: the answer is a stream, which the typed reply (a string, by its schema) does not take.
  app.get<{ Querystring: FilterQuery }>(
    '/api/v1/seats/export',
    {
      config: { role: 'view' },
      schema: {
        summary: 'Every lease the filters match, as CSV (formula-safe), in the order they were taken',
        tags: ['leases'],
        querystring: filterQuerySchema,
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

  api.post(
    '/api/v1/seats/release',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Release several seats; each holder hears REVOKED_BY_ADMIN at its next heartbeat',
        tags: ['leases'],
        body: Type.Object(
          {
            leaseIds: Type.Array(Type.String({ minLength: 1, maxLength: SERVER_POLICY.maxIdLength }), {
              minItems: 1,
              maxItems: SERVER_POLICY.seatsReleaseMax,
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: seatsReleased,
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
