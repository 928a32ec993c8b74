/** What the seat engine answers, and what it counts. */
import type { CheckoutResponse, LeaseGoneReason } from '@tessera/core';

export type CheckoutOutcome =
  | { ok: true; lease: CheckoutResponse }
  | {
      ok: false;
      code:
        | 'NO_SEATS'
        | 'UNKNOWN_FEATURE'
        | 'LICENSE_EXPIRED'
        | 'MAINTENANCE_EXPIRED'
        | 'CLOCK_TAMPERED'
        | 'UNAVAILABLE';
      message: string;
    };

export type HeartbeatOutcome =
  | { ok: true; expiresAt: string }
  | { ok: false; gone: true; reason: LeaseGoneReason }
  | { ok: false; gone: false; message: string };

export interface SeatLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Counters for metrics and tests. */
export interface SeatStats {
  batches: number;
  batchOps: number;
  heartbeatBatches: number;
  heartbeats: number;
  heartbeatsFromMemory: number;
  leasesSwept: number;
  lastBatchMs: number;
}

export function newSeatStats(): SeatStats {
  return {
    batches: 0,
    batchOps: 0,
    heartbeatBatches: 0,
    heartbeats: 0,
    heartbeatsFromMemory: 0,
    leasesSwept: 0,
    lastBatchMs: 0,
  };
}

/** What a database outage means, for the log and for the 503s' message (see store/db.ts). */
export interface OutageDescription {
  kind: string;
  message: string;
  cause: string;
}

/** How the seat engine tells a database that is away from one that refuses a statement. */
export interface OutageClassifier {
  /** True for errors that mean "the database cannot be reached" (see store/db.ts). */
  isUnavailable: (err: unknown) => boolean;
  /** What such an error means, for the log (once per outage) and the 503s' message (store/db.ts). */
  describeOutage?: ((err: unknown) => OutageDescription | undefined) | undefined;
}

export function unavailable(message: string): CheckoutOutcome {
  return { ok: false, code: 'UNAVAILABLE', message };
}
