/**
 * Which entitlements a deployment's seats come from: requests checked, and seats drawn
 * under the entitlements' row locks so that two nodes cannot over-allocate.
 */
import { type Clock, isExpired, type LicenseFeature, MAX_FEATURE_COUNT, TesseraError } from '@tessera/core';
import type { DeploymentLineRecord, EntitlementRecord } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { INPUT_RULES } from './policy.js';

/** Seats of one feature asked for; `entitlementId` picks the entitlement to draw from. */
export interface FeatureRequest {
  name: string;
  count: number;
  entitlementId?: string | undefined;
}

/** What drawing seats decided: the new lines and the entitlements' new `used`. */
export interface Draw {
  lines: Map<string, DeploymentLineRecord>;
  entitlements: Map<string, EntitlementRecord>;
  changed: Set<string>;
}

/**
 * Decides which entitlement each requested feature draws from and checks that the seats
 * are free; changes nothing in the database (the caller writes `changed`). A license holds
 * each feature once, so a feature already in the deployment draws from the same
 * entitlement; a new one from the customer's live perpetual entitlement of it with enough
 * free seats and the latest maintenance date (then the latest expiry).
 */
export async function drawSeats(
  tx: Store,
  clock: Clock,
  licenseId: string,
  customerId: string,
  existing: readonly DeploymentLineRecord[],
  requests: readonly FeatureRequest[],
): Promise<Draw> {
  const lines = new Map(existing.map((l) => [l.feature, { ...l }] as const));
  const locked = await tx.entitlements.lockForSeats(
    'perpetual',
    requests.map((r) => ({ customerId, feature: r.name })),
    [...requests.flatMap((r) => (r.entitlementId ? [r.entitlementId] : [])), ...existing.map((l) => l.entitlementId)],
  );
  const entitlements = new Map<string, EntitlementRecord>(locked.map((e) => [e.id, { ...e }]));
  const changed = new Set<string>();
  const nowMs = clock.now();
  for (const r of requests) {
    const line = lines.get(r.name);
    let candidates = [...entitlements.values()].filter(
      (e) => e.customerId === customerId && e.type === 'perpetual' && e.feature === r.name,
    );
    if (r.entitlementId !== undefined) {
      const e = entitlements.get(r.entitlementId);
      if (!e || e.customerId !== customerId || e.type !== 'perpetual' || e.feature !== r.name) {
        throw new TesseraError(
          'BAD_REQUEST',
          `entitlement ${r.entitlementId} is not a perpetual entitlement of feature ${r.name} of this customer`,
        );
      }
      candidates = [e];
    }
    if (line) {
      if (r.entitlementId !== undefined && r.entitlementId !== line.entitlementId) {
        throw new TesseraError(
          'CONFLICT',
          `this license draws ${r.name} from ${line.entitlementId}; a license holds each feature once`,
        );
      }
      candidates = [entitlements.get(line.entitlementId)!];
    }
    if (candidates.length === 0) {
      if (!(await tx.features.get(r.name))) {
        throw new TesseraError('UNKNOWN_FEATURE', `feature ${r.name} is not in the catalog`);
      }
      throw new TesseraError('CONFLICT', `customer ${customerId} holds no perpetual entitlement of ${r.name}`, {
        reason: 'NOT_ENTITLED',
      });
    }
    const live = candidates.filter((e) => !isExpired(e, nowMs));
    if (live.length === 0) {
      throw new TesseraError(
        'LICENSE_EXPIRED',
        `every perpetual entitlement of ${r.name} of this customer has expired`,
      );
    }
    const fitting = live.filter((e) => e.count - e.used >= r.count).sort(bestFirst);
    const pick = fitting[0];
    if (!pick) {
      const free = live.reduce((n, e) => n + Math.max(0, e.count - e.used), 0);
      const detail = live.map((e) => `${e.id}: ${Math.max(0, e.count - e.used)} of ${e.count} free`).join(', ');
      throw new TesseraError(
        'CONFLICT',
        `${r.count} seat${r.count === 1 ? '' : 's'} of ${r.name} asked, but only ${free} ${free === 1 ? 'is' : 'are'} free (${detail}); nothing was changed`,
        { reason: 'OVER_ALLOCATION', details: { feature: r.name, asked: r.count, free } },
      );
    }
    pick.used += r.count;
    changed.add(pick.id);
    lines.set(r.name, {
      licenseId,
      feature: r.name,
      entitlementId: pick.id,
      count: (line?.count ?? 0) + r.count,
    });
  }
  return { lines, entitlements, changed };
}

export function featuresOf(
  lines: readonly DeploymentLineRecord[],
  ents: ReadonlyMap<string, EntitlementRecord>,
): LicenseFeature[] {
  return [...lines]
    .sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0))
    .map((l) => {
      const e = ents.get(l.entitlementId);
      return {
        name: l.feature,
        count: l.count,
        expires: e?.expires ?? null,
        maintenanceUntil: e?.maintenanceUntil ?? null,
      };
    });
}

export function sameFeatures(a: readonly LicenseFeature[], b: readonly LicenseFeature[]): boolean {
  if (a.length !== b.length) return false;
  const key = (f: LicenseFeature) => `${f.name}|${f.count}|${f.expires}|${f.maintenanceUntil}`;
  const as = a.map(key).sort();
  const bs = b.map(key).sort();
  return as.every((k, i) => k === bs[i]);
}

/** Latest maintenance date first (no limit is best), then latest expiry (never is best), then oldest. */
function bestFirst(a: EntitlementRecord, b: EntitlementRecord): number {
  const m = laterFirst(a.maintenanceUntil, b.maintenanceUntil);
  if (m !== 0) return m;
  const e = laterFirst(a.expires, b.expires);
  if (e !== 0) return e;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function laterFirst(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a > b ? -1 : 1;
}

/**
 * Checks a list of requested features: 1 to 100 of them, names of the catalog's form,
 * counts integers ≥ 1, no feature twice.
 *
 * @throws TesseraError BAD_REQUEST naming the bad entry.
 */
export function validateFeatures(features: unknown): FeatureRequest[] {
  if (!Array.isArray(features) || features.length === 0) {
    throw new TesseraError('BAD_REQUEST', 'at least one feature (NAME=COUNT) is needed');
  }
  if (features.length > INPUT_RULES.maxFeaturesPerRequest) {
    throw new TesseraError('BAD_REQUEST', `at most ${INPUT_RULES.maxFeaturesPerRequest} features at once`);
  }
  const seen = new Set<string>();
  return features.map((f: unknown, i: number) => {
    const o = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
    if (typeof o.name !== 'string' || !INPUT_RULES.featureName.test(o.name)) {
      throw new TesseraError('BAD_REQUEST', `features[${i}].name must be 1–64 characters of A-Z a-z 0-9 . _ -`);
    }
    if (typeof o.count !== 'number' || !Number.isSafeInteger(o.count) || o.count < 1 || o.count > MAX_FEATURE_COUNT) {
      throw new TesseraError(
        'BAD_REQUEST',
        `features[${i}].count must be an integer from 1 to ${MAX_FEATURE_COUNT}, got ${JSON.stringify(o.count)}`,
      );
    }
    if (seen.has(o.name)) throw new TesseraError('BAD_REQUEST', `feature ${o.name} is given twice`);
    seen.add(o.name);
    if (o.entitlementId !== undefined && typeof o.entitlementId !== 'string') {
      throw new TesseraError('BAD_REQUEST', `features[${i}].entitlementId must be a string`);
    }
    return { name: o.name, count: o.count, entitlementId: o.entitlementId as string | undefined };
  });
}
