/** Dates and numbers as the portal shows them. Dates of entitlements and licenses are whole UTC days. */

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of an instant, in UTC. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Whole days from today (UTC) to a date; negative once it has passed. */
export function daysUntil(date: string, nowMs: number): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${isoDay(nowMs)}T00:00:00Z`)) / DAY_MS);
}

/** Soon means within this many days: such dates are marked. */
export const SOON_DAYS = 30;

export type DateState = 'none' | 'ok' | 'soon' | 'past';

export function dateState(date: string | null, nowMs: number): DateState {
  if (date === null) return 'none';
  const d = daysUntil(date, nowMs);
  if (d < 0) return 'past';
  return d <= SOON_DAYS ? 'soon' : 'ok';
}

/** "in 12 days", "today", "3 days ago". */
export function relativeDays(date: string, nowMs: number): string {
  const d = daysUntil(date, nowMs);
  if (d === 0) return 'today';
  if (d === 1) return 'tomorrow';
  if (d === -1) return 'yesterday';
  return d > 0 ? `in ${d} days` : `${-d} days ago`;
}

/** An instant in the viewer's local time, to the minute: "2026-03-10 14:05". */
export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `srv_abcdef…` shortened for tables: the prefix and the first characters after it. */
export function shortId(id: string, keep = 10): string {
  const us = id.indexOf('_');
  const head = us >= 0 ? us + 1 + keep : keep;
  return id.length > head + 1 ? `${id.slice(0, head)}…` : id;
}

/** The share of a pool that is taken, 0..1 (0 for an empty pool). */
export function share(used: number, count: number): number {
  return count > 0 ? Math.min(1, Math.max(0, used / count)) : 0;
}

export const TYPE_NAMES: Record<'perpetual' | 'flexible' | 'subscription', string> = {
  perpetual: 'Perpetual',
  flexible: 'Flexible',
  subscription: 'Subscription',
};

/**
 * Seat totals per feature of some entitlements: what the pool cards show.
 * Expired entitlements are left out of `available` (their seats cannot be drawn).
 */
export function poolTotals(
  entitlements: readonly { feature: string; count: number; used: number; available: number; expires: string | null }[],
  nowMs: number,
): { feature: string; count: number; used: number; available: number }[] {
  const by = new Map<string, { feature: string; count: number; used: number; available: number }>();
  for (const e of entitlements) {
    const t = by.get(e.feature) ?? { feature: e.feature, count: 0, used: 0, available: 0 };
    t.count += e.count;
    t.used += e.used;
    if (dateState(e.expires, nowMs) !== 'past') t.available += e.available;
    by.set(e.feature, t);
  }
  return [...by.values()].sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
}
