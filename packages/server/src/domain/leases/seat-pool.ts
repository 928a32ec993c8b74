import {
  type FeaturesResponse,
  type FeatureView,
  isExpired,
  type LeaseGoneReason,
  type LicenseClaims,
  leasesToRevoke,
  type SeatSource,
} from '@tessera/core';
import type { HeldLeaseRow } from '../../store/store.js';

/** One license's seats of one feature, with the leases drawing on it. */
export interface Source extends SeatSource {
  feature: string;
  leases: Set<Lease>;
}

export type LeaseState = 'pending' | 'held' | 'ending' | 'gone';

export interface Lease {
  readonly id: string;
  source: Source;
  readonly count: number;
  /** Monotonic ms after which the lease lapses. */
  deadline: number;
  /** Creation order; revocation takes the newest first. */
  readonly order: number;
  state: LeaseState;
}

/** A lease a change takes back, and the reason its holder will hear. */
export interface Victim {
  lease: Lease;
  reason: LeaseGoneReason;
}

/**
 * The seats the licenses in the pool give, by feature (for checkouts) and by license (for
 * license changes). Memory only: the lease engine decides when a change comes into it.
 */
export class SeatPool {
  private readonly byFeature = new Map<string, Source[]>();
  private readonly byLicense = new Map<string, Source[]>();

  /** Every source, license by license in the order they came into the pool. */
  *sources(): IterableIterator<Source> {
    for (const sources of this.byLicense.values()) yield* sources;
  }

  sourcesOf(feature: string): Source[] {
    return this.byFeature.get(feature) ?? [];
  }

  attach(claims: LicenseClaims): Source[] {
    const sources: Source[] = claims.features.map((f) => ({
      licenseId: claims.licenseId,
      feature: f.name,
      count: f.count,
      inUse: 0,
      expires: f.expires,
      maintenanceUntil: f.maintenanceUntil,
      leases: new Set<Lease>(),
    }));
    this.byLicense.set(claims.licenseId, sources);
    for (const s of sources) {
      const list = this.byFeature.get(s.feature);
      if (list) list.push(s);
      else this.byFeature.set(s.feature, [s]);
    }
    return sources;
  }

  detach(licenseId: string): Source[] {
    const sources = this.byLicense.get(licenseId) ?? [];
    this.byLicense.delete(licenseId);
    for (const s of sources) {
      const list = (this.byFeature.get(s.feature) ?? []).filter((x) => x !== s);
      if (list.length > 0) this.byFeature.set(s.feature, list);
      else this.byFeature.delete(s.feature);
    }
    return sources;
  }

  /** Features a change of `licenseId` to `claims` (or to nothing) touches: the old ones and the new. */
  featuresOf(licenseId: string, claims: LicenseClaims | null): Set<string> {
    const out = new Set((this.byLicense.get(licenseId) ?? []).map((s) => s.feature));
    for (const f of claims?.features ?? []) out.add(f.name);
    return out;
  }

  /**
   * The leases that would not fit if `licenseId` became `claims` (or went): beyond a feature's
   * new count, newest first, or all of a feature that goes. Decided when the change is queued:
   * every lease admitted before it is written before it (FIFO), and checkouts after it wait.
   */
  victimsOf(licenseId: string, claims: LicenseClaims | null, goneReason: LeaseGoneReason): Victim[] {
    const out: Victim[] = [];
    for (const s of this.byLicense.get(licenseId) ?? []) {
      const live = [...s.leases].filter((l) => l.state !== 'gone');
      const next = claims?.features.find((f) => f.name === s.feature);
      if (!next) {
        for (const lease of live) out.push({ lease, reason: claims ? 'SEATS_REDUCED' : goneReason });
        continue;
      }
      const ids = new Set(
        leasesToRevoke(
          live.map((l) => ({ leaseId: l.id, count: l.count, order: l.order })),
          next.count,
        ),
      );
      for (const lease of live) if (ids.has(lease.id)) out.push({ lease, reason: 'SEATS_REDUCED' });
    }
    return out;
  }

  /** The features and their seats, as `GET /v1/features` shows them. */
  view(poolId: string, now: number): FeaturesResponse {
    const features: FeatureView[] = [];
    for (const [feature, sources] of [...this.byFeature.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      let total = 0;
      let inUse = 0;
      const licenses = sources.map((s) => {
        if (!isExpired(s, now)) total += s.count;
        inUse += s.inUse;
        return {
          licenseId: s.licenseId,
          count: s.count,
          inUse: s.inUse,
          expires: s.expires,
          maintenanceUntil: s.maintenanceUntil,
        };
      });
      features.push({ feature, total, inUse, available: Math.max(0, total - inUse), licenses });
    }
    return { poolId, features };
  }

  /** In-use seats per feature of a license, for the admin tree. */
  usageOf(licenseId: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.byLicense.get(licenseId) ?? []) out.set(s.feature, s.inUse);
    return out;
  }
}

/** Leases on `s` beyond its count, newest first (at start, before anything is served). */
export function overflow(s: Source): Lease[] {
  const live = [...s.leases].filter((l) => l.state !== 'gone');
  const ids = new Set(
    leasesToRevoke(
      live.map((l) => ({ leaseId: l.id, count: l.count, order: l.order })),
      s.count,
    ),
  );
  return live.filter((l) => ids.has(l.id));
}

/** The source of a lease loaded from disk whose license is not in the pool. */
export function placeholderSource(row: HeldLeaseRow): Source {
  return {
    licenseId: row.licenseId,
    feature: row.feature,
    count: 0,
    inUse: 0,
    expires: null,
    maintenanceUntil: null,
    leases: new Set(),
  };
}
