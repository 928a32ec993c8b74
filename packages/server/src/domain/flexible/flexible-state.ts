/**
 * The flexible state as the database keeps it and the service shows it: the keys of its
 * state table, what a Sync or a Report comes to, the status the Dashboard shows, and the
 * flexible licenses to serve at start.
 */
import type { FactorHashes, LicenseClaims } from '@tessera/core';
import type { Store } from '../../store/store.js';
import type { LicensingMode } from '../licensing-mode.js';
import type { SyncClaims } from './documents.js';

export const KEY = {
  enrollCode: 'enrollment.code',
  /** Monotonic ms spent since the last Sync was applied, as of the last write. */
  elapsedMs: 'sync.elapsedMs',
  /** Ms from applying the last Sync to its valid-until, by the wall clock at that time. */
  budgetMs: 'sync.budgetMs',
  lastFailure: 'sync.lastFailure',
  cloudUrls: 'cloud.urls',
  mode: 'mode',
} as const;

export interface SyncApplied {
  syncCounter: number;
  licenses: number;
  seats: number;
  revokedLeases: number;
  acknowledgedThrough: string | null;
  validUntil: string;
}

export interface ReportMade {
  file: string;
  sequence: number;
  hours: number;
  acknowledgedThrough: string | null;
  enrollment: boolean;
}

export interface FlexibleStatus {
  mode: LicensingMode;
  serverId: string;
  enrolled: boolean;
  enrollmentPending: boolean;
  cloudUrls: string[];
  reportSequence: number;
  pendingHours: number;
  lastSync: {
    syncCounter: number;
    appliedAt: string;
    source: 'online' | 'file';
    issuedAt: string;
    validUntil: string;
    acknowledgedThrough: string | null;
    nextSyncSeconds: number;
  } | null;
  /** valid-until as this server measures it (the earlier of the Sync's and the monotonic one). */
  validUntil: string | null;
  expired: boolean;
  lastFailure: { at: string; code: string; message: string } | null;
  nextAttemptAt: string | null;
  licenses: { licenseId: string; revision: number; customer: string; features: { name: string; count: number }[] }[];
}

/** Licenses of a Sync as the lease engine serves them. */
export function claimsOfSync(sync: SyncClaims, factors: FactorHashes): LicenseClaims[] {
  return sync.licenses
    .map((l) => ({
      licenseId: l.licenseId,
      revision: l.revision,
      customer: l.customer,
      binding: { serverId: sync.serverId, factors },
      features: l.features.filter((f) => f.count > 0),
      issuedAt: sync.issuedAt,
    }))
    .filter((c) => c.features.length > 0);
}

/**
 * The flexible licenses to load into the lease engine at start: those of the last Sync, if it
 * is still within valid-until (by the wall clock and by the monotonic time already spent).
 */
export function flexibleLicensesAtStart(store: Store, nowMs: number): LicenseClaims[] {
  const repo = store.flexible;
  const last = repo.lastSync();
  if (!last) return [];
  const elapsed = Number(repo.state(KEY.elapsedMs) ?? '0');
  const budget = Number(repo.state(KEY.budgetMs) ?? '0');
  if (nowMs > Date.parse(last.validUntil) || elapsed > budget) return [];
  const perpetual = new Set(store.licenses.all().map((r) => r.licenseId));
  return repo
    .licenses()
    .map((r) => r.claims)
    .filter((c) => !perpetual.has(c.licenseId));
}

/** The later of two UTC hours (`YYYY-MM-DDTHH:00:00Z` sorts as text); null is earliest. */
export function maxHour(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}
