/**
 * The Usage page's figures, apart from drawing: the ranges it offers, hours grouped into the
 * bars it draws (an hour each up to a week, a local day each beyond), the local midnights its
 * day lines fall on, the words for each refusal code, and the CSV of the hours shown. Pure: the
 * browser's time zone is the only outside input (through Date's local fields).
 */
import { csvCell } from '@tessera/web-kit/csv';
import { localTime } from '@tessera/web-kit/format';
import type { UsageFeature } from './types.js';

const HOUR_MS = 3600_000;

/** The ranges the page offers, as the server's `days` parameter. */
export const USAGE_RANGES = [
  { id: '24h', label: '24 hours', days: 1 },
  { id: '7d', label: '7 days', days: 7 },
  { id: '30d', label: '30 days', days: 30 },
  { id: '90d', label: '90 days', days: 90 },
] as const;
export type UsageRangeId = (typeof USAGE_RANGES)[number]['id'];

/** One bar: hours [first, end) of the series, summed (peak: the highest). */
export interface UsageBucket {
  first: number;
  end: number;
  startMs: number;
  endMs: number;
  peak: number;
  checkouts: number;
  seatSeconds: number;
  /** Refusals by code, NO_SEATS included. */
  refusals: Map<string, number>;
}

/** What each refusal code means, in the words an operator reads on the page. */
export const REFUSAL_WORDS: Record<string, string> = {
  NO_SEATS: 'all seats in use',
  LICENSE_EXPIRED: 'license expired',
  MAINTENANCE_EXPIRED: "client's release after the maintenance date",
  CLOCK_TAMPERED: 'clock set back',
};

export function refusalWords(code: string): string {
  return REFUSAL_WORDS[code] ?? code;
}

/** The local calendar day of an instant, as a grouping key. */
function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/**
 * Groups a feature's hours into bars: one per hour for ranges up to `hourlyUpTo` hours, else
 * one per local day (the first and last may be partial days).
 */
export function usageBuckets(f: UsageFeature, fromMs: number, hours: number, hourlyUpTo = 7 * 24): UsageBucket[] {
  const refusalsAt = new Map<number, Map<string, number>>();
  for (const r of f.refusals) {
    const m = refusalsAt.get(r.hour) ?? new Map<string, number>();
    m.set(r.code, (m.get(r.code) ?? 0) + r.count);
    refusalsAt.set(r.hour, m);
  }
  const buckets: UsageBucket[] = [];
  let cur: UsageBucket | undefined;
  let curKey = '';
  for (let i = 0; i < hours; i++) {
    const at = fromMs + i * HOUR_MS;
    const key = hours <= hourlyUpTo ? String(i) : localDay(at);
    if (!cur || key !== curKey) {
      cur = { first: i, end: i, startMs: at, endMs: at, peak: 0, checkouts: 0, seatSeconds: 0, refusals: new Map() };
      curKey = key;
      buckets.push(cur);
    }
    cur.end = i + 1;
    cur.endMs = at + HOUR_MS;
    cur.peak = Math.max(cur.peak, f.peak[i] ?? 0);
    cur.checkouts += f.checkouts[i] ?? 0;
    cur.seatSeconds += f.seatSeconds[i] ?? 0;
    for (const [code, n] of refusalsAt.get(i) ?? []) cur.refusals.set(code, (cur.refusals.get(code) ?? 0) + n);
  }
  return buckets;
}

/** The local midnights in (fromMs, toMs], where the chart draws its day lines. */
export function localMidnights(fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  const d = new Date(fromMs);
  d.setHours(24, 0, 0, 0);
  while (d.getTime() <= toMs) {
    out.push(d.getTime());
    d.setDate(d.getDate() + 1);
    d.setHours(0, 0, 0, 0);
  }
  return out;
}

/** Total refusals by code over some buckets, most first. */
export function refusalTotals(buckets: readonly UsageBucket[]): [string, number][] {
  const totals = new Map<string, number>();
  for (const b of buckets) for (const [code, n] of b.refusals) totals.set(code, (totals.get(code) ?? 0) + n);
  return [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** "3 (NO_SEATS 2, LICENSE_EXPIRED 1)", or "none". */
export function refusalSummary(byCode: Iterable<[string, number]>): string {
  const list = [...byCode];
  const total = list.reduce((a, [, n]) => a + n, 0);
  if (total === 0) return 'none';
  return `${total} (${list.map(([code, n]) => `${code} ${n}`).join(', ')})`;
}

/** One bar in words: when, and every figure of it. */
export function bucketText(b: UsageBucket, licensed: number, daily: boolean): string {
  const when = daily ? `${localTime(b.startMs).slice(0, 10)} (day)` : localTime(b.startMs);
  const seatHours = Math.round(b.seatSeconds / 360) / 10;
  return `${when}: peak ${b.peak} of ${licensed} seats, ${b.checkouts} checkouts, refused ${refusalSummary(
    [...b.refusals].sort((x, y) => y[1] - x[1]),
  )}, ${seatHours} seat-hours`;
}

/** The hours shown, one row per feature and hour: local time and the UTC instant, every figure. */
export function usageCsv(features: readonly UsageFeature[], fromMs: number, hours: number): string {
  const codes = [...new Set(features.flatMap((f) => f.refusals.map((r) => r.code)))].sort();
  const head = [
    'hour_local',
    'hour_utc',
    'feature',
    'licensed',
    'peak_seats',
    'checkouts',
    'seat_seconds',
    'refused_no_seats',
    ...codes.filter((c) => c !== 'NO_SEATS').map((c) => `refused_${c.toLowerCase()}`),
  ];
  const lines = [head.join(',')];
  for (const f of features) {
    const refusals = new Map(f.refusals.map((r) => [`${r.hour}\n${r.code}`, r.count]));
    for (let i = 0; i < hours; i++) {
      const at = fromMs + i * HOUR_MS;
      const byCode = codes.filter((c) => c !== 'NO_SEATS').map((c) => refusals.get(`${i}\n${c}`) ?? 0);
      lines.push(
        [
          csvCell(localTime(at)),
          new Date(at).toISOString(),
          csvCell(f.feature),
          f.licensed,
          f.peak[i] ?? 0,
          f.checkouts[i] ?? 0,
          f.seatSeconds[i] ?? 0,
          f.denials[i] ?? 0,
          ...byCode,
        ].join(','),
      );
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
