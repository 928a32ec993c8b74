import { errorSchema, type Static, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { SERVER_POLICY } from '../../domain/policy.js';
import { hourOf, USAGE_POLICY, type UsageMeter } from '../../domain/usage-meter.js';

const HOUR_MS = 3600_000;

export interface UsageRouteOptions {
  meter: UsageMeter;
  /** Seats licensed per feature now, for the capacity line of the chart. */
  licensed: () => { feature: string; total: number }[];
  now: () => number;
}

const series = Type.Array(Type.Integer());

/** One feature's hourly series, oldest hour first. */
/**
 * Checkouts of one feature refused in one hour (index into the series) for one reason; a
 * feature's list holds every refusal of the range (NO_SEATS included, also counted in
 * `denials`), sparse: only hours with refusals, oldest first.
 */
const usageRefusalView = Type.Object({ hour: Type.Integer(), code: Type.String(), count: Type.Integer() });

const usageFeatureView = Type.Object({
  feature: Type.String(),
  licensed: Type.Integer(),
  peak: series,
  denials: series,
  checkouts: series,
  seatSeconds: series,
  refusals: Type.Array(usageRefusalView),
});

/** The answer of `GET /api/v1/usage`. */
const usageView = Type.Object({ from: Type.String(), hours: Type.Integer(), features: Type.Array(usageFeatureView) });

export type UsageFeatureView = Static<typeof usageFeatureView>;
export type UsageView = Static<typeof usageView>;
export type UsageRefusalView = Static<typeof usageRefusalView>;

/**
 * `GET /api/v1/usage?days=7`: per feature, one value per UTC hour (oldest first, the running
 * hour last) of peak seats, denials for lack of seats, checkouts and seat-seconds, and every
 * refusal by code; what an operator reads to decide whether to buy more seats, and why
 * clients were turned away.
 */
export function registerUsageRoutes(app: FastifyInstance, o: UsageRouteOptions): void {
  typed(app).get(
    '/api/v1/usage',
    {
      config: { role: 'view' },
      schema: {
        summary: 'Usage per feature per hour: peak seats, denials, checkouts, seat-seconds',
        tags: ['usage'],
        querystring: Type.Object({
          days: Type.Optional(
            Type.Integer({ minimum: 1, maximum: USAGE_POLICY.maxDays, default: SERVER_POLICY.usageDaysDefault }),
          ),
        }),
        response: { 200: usageView, 400: errorSchema, 401: errorSchema, 403: errorSchema },
      },
    },
    async (request): Promise<UsageView> => {
      const hours = (request.query.days ?? SERVER_POLICY.usageDaysDefault) * 24;
      const to = Date.parse(hourOf(o.now())) + HOUR_MS;
      const fromMs = to - hours * HOUR_MS;
      const byFeature = new Map<string, UsageFeatureView>();
      const entry = (feature: string) => {
        let e = byFeature.get(feature);
        if (!e) {
          const zeros = () => new Array<number>(hours).fill(0);
          e = {
            feature,
            licensed: 0,
            peak: zeros(),
            denials: zeros(),
            checkouts: zeros(),
            seatSeconds: zeros(),
            refusals: [],
          };
          byFeature.set(feature, e);
        }
        return e;
      };
      for (const f of o.licensed()) entry(f.feature).licensed = f.total;
      for (const row of o.meter.hours(fromMs, to)) {
        const i = Math.round((Date.parse(row.hour) - fromMs) / HOUR_MS);
        if (i < 0 || i >= hours) continue;
        const e = entry(row.feature);
        e.peak[i] = row.peakSeats;
        e.denials[i] = row.denials;
        e.checkouts[i] = row.checkouts;
        e.seatSeconds[i] = row.seatSeconds;
        const byCode: Record<string, number> = {
          ...(row.denials > 0 ? { NO_SEATS: row.denials } : {}),
          ...row.refusals,
        };
        for (const code of Object.keys(byCode).sort()) e.refusals.push({ hour: i, code, count: byCode[code]! });
      }
      return {
        from: new Date(fromMs).toISOString(),
        hours,
        features: [...byFeature.values()].sort((a, b) => (a.feature < b.feature ? -1 : 1)),
      };
    },
  );
}
