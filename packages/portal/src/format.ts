/** Dates and numbers as the portal shows them: ids, shares and seat pools (the date helpers are web-kit's). */
import { dateState } from '@tessera/web-kit/format';

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
