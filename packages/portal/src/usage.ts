/**
 * Flexible usage for the charts: the Cloud's series (per server and feature, by hour or day)
 * folded into one row of buckets per feature, every bucket of the range present (empty ones
 * at zero), and totals that agree with the bars.
 */
import type { UsagePoint, UsageView } from './types.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The ranges offered, in days; a range longer than `HOURLY_UP_TO_DAYS` is charted by day. */
export const USAGE_RANGES = [1, 2, 7, 30, 90] as const;
export const HOURLY_UP_TO_DAYS = 7;

export function bucketFor(days: number): 'hour' | 'day' {
  return days <= HOURLY_UP_TO_DAYS ? 'hour' : 'day';
}

/**
 * Every bucket from `from` (an hour mark) to `nowMs`: hour marks, or UTC days `YYYY-MM-DD`.
 * The last one is the bucket now in progress (a server reports only closed hours, so it fills later).
 */
export function bucketsOf(from: string, bucket: 'hour' | 'day', nowMs: number): string[] {
  const start = Date.parse(from);
  if (Number.isNaN(start)) return [];
  const out: string[] = [];
  if (bucket === 'hour') {
    for (let t = Math.floor(start / HOUR_MS) * HOUR_MS; t <= nowMs; t += HOUR_MS) {
      out.push(`${new Date(t).toISOString().slice(0, 13)}:00:00Z`);
    }
  } else {
    for (let t = Math.floor(start / DAY_MS) * DAY_MS; t <= nowMs; t += DAY_MS) {
      out.push(new Date(t).toISOString().slice(0, 10));
    }
  }
  return out;
}

export interface FeatureUsage {
  feature: string;
  /** One point per bucket of the range, in order. */
  points: UsagePoint[];
  /** Servers that reported this feature in the range. */
  servers: string[];
  /** The highest bar: the largest peak of one bucket (servers' peaks added). */
  peakSeats: number;
  seatSeconds: number;
  checkouts: number;
  denials: number;
}

/**
 * One row of buckets per feature. With several servers a bucket's peak is the sum of each
 * server's peak in it (their seats are separate; the peaks need not fall in the same minute,
 * so this is the most that can have been in use at once). Seat time, checkouts and denials add up.
 */
export function featureUsage(view: UsageView, nowMs: number): FeatureUsage[] {
  const buckets = bucketsOf(view.from, view.bucket, nowMs);
  const byFeature = new Map<string, { points: Map<string, UsagePoint>; servers: Set<string> }>();
  for (const s of view.series) {
    let f = byFeature.get(s.feature);
    if (!f) {
      f = { points: new Map(), servers: new Set() };
      byFeature.set(s.feature, f);
    }
    f.servers.add(s.serverId);
    for (const p of s.points) {
      const q = f.points.get(p.t) ?? { t: p.t, peakSeats: 0, seatSeconds: 0, checkouts: 0, denials: 0 };
      q.peakSeats += p.peakSeats;
      q.seatSeconds += p.seatSeconds;
      q.checkouts += p.checkouts;
      q.denials += p.denials;
      f.points.set(p.t, q);
    }
  }
  return [...byFeature.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([feature, f]) => {
      // Buckets the Cloud has that the range does not list (a server clock a little ahead) are kept, in order.
      const keys = [...new Set([...buckets, ...f.points.keys()])].sort();
      const points = keys.map((t) => f.points.get(t) ?? { t, peakSeats: 0, seatSeconds: 0, checkouts: 0, denials: 0 });
      return {
        feature,
        points,
        servers: [...f.servers].sort(),
        peakSeats: Math.max(0, ...points.map((p) => p.peakSeats)),
        seatSeconds: points.reduce((a, p) => a + p.seatSeconds, 0),
        checkouts: points.reduce((a, p) => a + p.checkouts, 0),
        denials: points.reduce((a, p) => a + p.denials, 0),
      };
    });
}

/** Totals per server and feature, for the table under the charts. */
export function serverTotals(
  view: UsageView,
): { serverId: string; feature: string; peakSeats: number; seatSeconds: number; checkouts: number; denials: number }[] {
  return view.series.map((s) => ({
    serverId: s.serverId,
    feature: s.feature,
    peakSeats: Math.max(0, ...s.points.map((p) => p.peakSeats)),
    seatSeconds: s.points.reduce((a, p) => a + p.seatSeconds, 0),
    checkouts: s.points.reduce((a, p) => a + p.checkouts, 0),
    denials: s.points.reduce((a, p) => a + p.denials, 0),
  }));
}

/** Seat-seconds as seat-hours with one decimal: 5400 is 1.5. */
export function seatHours(seatSeconds: number): number {
  return Math.round(seatSeconds / 360) / 10;
}
