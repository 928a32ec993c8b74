import { endOfDateMs } from '../dates.js';

/**
 * One license's share of one feature, as the lease engine sees it. `inUse` counts seats
 * reserved by leases (committed or about to be).
 */
export interface SeatSource {
  licenseId: string;
  count: number;
  inUse: number;
  /** `YYYY-MM-DD` inclusive, or null for no expiry. */
  expires: string | null;
  /** `YYYY-MM-DD` inclusive, or null for no maintenance limit. */
  maintenanceUntil: string | null;
}

export interface SeatRequest {
  count: number;
  /** The client's software release date, `YYYY-MM-DD`. */
  releaseDate: string;
}

export interface SelectContext {
  /** Wall-clock now, ms. */
  nowMs: number;
  /** True when the clock guard says the wall clock went back: time-limited seats are refused. */
  clockTampered: boolean;
}

export type SelectResult =
  | { ok: true; source: SeatSource }
  | {
      ok: false;
      code: 'NO_SEATS' | 'UNKNOWN_FEATURE' | 'LICENSE_EXPIRED' | 'MAINTENANCE_EXPIRED' | 'CLOCK_TAMPERED';
      message: string;
    };

export function isExpired(source: Pick<SeatSource, 'expires'>, nowMs: number): boolean {
  return source.expires !== null && nowMs > endOfDateMs(source.expires);
}

export function coversRelease(source: Pick<SeatSource, 'maintenanceUntil'>, releaseDate: string): boolean {
  return source.maintenanceUntil === null || releaseDate <= source.maintenanceUntil;
}

/** Sort key for "best fit": earliest maintenance date, then earliest expiry; no date sorts last. */
function fitOrder(a: SeatSource, b: SeatSource): number {
  const m = cmpDate(a.maintenanceUntil, b.maintenanceUntil);
  if (m !== 0) return m;
  const e = cmpDate(a.expires, b.expires);
  if (e !== 0) return e;
  return a.licenseId < b.licenseId ? -1 : a.licenseId > b.licenseId ? 1 : 0;
}

function cmpDate(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/**
 * Picks the license a lease draws all its seats from (docs/licensing.md): among the licenses that
 * can serve the client (not expired, maintenance covering its release date, able to hold
 * `count` seats, not time-limited while the clock is tampered) the best fit with enough
 * free seats. Otherwise the denial, by precedence: NO_SEATS if any could serve the client,
 * then CLOCK_TAMPERED, MAINTENANCE_EXPIRED, LICENSE_EXPIRED; UNKNOWN_FEATURE if there is none.
 */
export function selectSeatSource(sources: readonly SeatSource[], req: SeatRequest, ctx: SelectContext): SelectResult {
  if (sources.length === 0) {
    return { ok: false, code: 'UNKNOWN_FEATURE', message: 'no installed license has this feature' };
  }
  let best: SeatSource | undefined;
  let anyServes = false;
  let tampered = false;
  let maintenance = false;
  let tooSmall = false;
  for (const s of sources) {
    if (isExpired(s, ctx.nowMs)) continue;
    if (ctx.clockTampered && s.expires !== null) {
      tampered = true;
      continue;
    }
    if (!coversRelease(s, req.releaseDate)) {
      maintenance = true;
      continue;
    }
    if (req.count > s.count) {
      tooSmall = true;
      continue;
    }
    anyServes = true;
    if (s.count - s.inUse >= req.count && (best === undefined || fitOrder(s, best) < 0)) best = s;
  }
  if (best) return { ok: true, source: best };
  if (anyServes) return { ok: false, code: 'NO_SEATS', message: `all seats that could serve this client are in use` };
  if (tooSmall) {
    return { ok: false, code: 'NO_SEATS', message: `no single license holds ${req.count} seats of this feature` };
  }
  if (tampered) {
    return {
      ok: false,
      code: 'CLOCK_TAMPERED',
      message: 'the system clock is behind time already seen; time-limited seats are refused until it is right',
    };
  }
  if (maintenance) {
    return {
      ok: false,
      code: 'MAINTENANCE_EXPIRED',
      message: `software released ${req.releaseDate} is after the maintenance date of every license with this feature`,
    };
  }
  return { ok: false, code: 'LICENSE_EXPIRED', message: 'every license with this feature has expired' };
}

/** A held lease as revocation sees it; `order` grows with creation time. */
export interface HeldLease {
  leaseId: string;
  count: number;
  order: number;
}

/**
 * When seats go away under held leases, the newest leases lose theirs first, and only as
 * many as needed to fit `seats` (docs/licensing.md). Returns the lease ids to revoke.
 */
export function leasesToRevoke(held: readonly HeldLease[], seats: number): string[] {
  let inUse = 0;
  for (const l of held) inUse += l.count;
  if (inUse <= seats) return [];
  const newestFirst = [...held].sort((a, b) => b.order - a.order);
  const out: string[] = [];
  for (const l of newestFirst) {
    if (inUse <= seats) break;
    out.push(l.leaseId);
    inUse -= l.count;
  }
  return out;
}
