/**
 * What a deployment form offers: per feature, the seats a customer can still draw from its
 * live perpetual entitlements. Pure, so it is tested without a browser.
 */
import type { DeploymentLineView, EntitlementView } from './types.js';

export interface FeatureChoice {
  feature: string;
  /** Live perpetual entitlements of the feature, best first (latest maintenance, then latest expiry). */
  entitlements: EntitlementView[];
  /** Seats one request can draw: the most free in a single entitlement (a line draws from one). */
  maxOneDraw: number;
  /** Seats free over all of them. */
  free: number;
  /** When the deployment holds this feature already: the entitlement its line draws from. */
  boundTo?: string;
}

function laterFirst(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a > b ? -1 : 1;
}

/** The server's own order (DeploymentService.bestFirst): where a request without entitlementId draws from. */
export function bestFirst(a: EntitlementView, b: EntitlementView): number {
  return (
    laterFirst(a.maintenanceUntil, b.maintenanceUntil) || laterFirst(a.expires, b.expires) || (a.id < b.id ? -1 : 1)
  );
}

export function featureChoices(
  entitlements: readonly EntitlementView[],
  todayIso: string,
  existing: readonly DeploymentLineView[] = [],
): FeatureChoice[] {
  const byFeature = new Map<string, EntitlementView[]>();
  for (const e of entitlements) {
    if (e.type !== 'perpetual') continue;
    if (e.expires !== null && e.expires < todayIso) continue;
    const list = byFeature.get(e.feature) ?? [];
    list.push(e);
    byFeature.set(e.feature, list);
  }
  const out: FeatureChoice[] = [];
  for (const [feature, list] of byFeature) {
    const line = existing.find((l) => l.feature === feature);
    const usable = line ? list.filter((e) => e.id === line.entitlementId) : list;
    usable.sort(bestFirst);
    out.push({
      feature,
      entitlements: usable,
      maxOneDraw: usable.reduce((m, e) => Math.max(m, e.available), 0),
      free: usable.reduce((n, e) => n + e.available, 0),
      ...(line ? { boundTo: line.entitlementId } : {}),
    });
  }
  return out.sort((a, b) => (a.feature < b.feature ? -1 : 1));
}

/** "asr × 4, tts × 2". */
export function linesText(lines: readonly { feature: string; count: number }[]): string {
  return lines.map((l) => `${l.feature} × ${l.count}`).join(', ');
}
