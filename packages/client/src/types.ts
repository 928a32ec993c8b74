/**
 * Public types of the SDK that are not the wire format (that is `@tessera/core`'s protocol.ts).
 */
import type { Clock } from '@tessera/core';
import type { Lease } from './lease.js';

/** Why a checkout was refused. All but `UNAVAILABLE` come from a server; `UNAVAILABLE` means none answered. */
export type DenialCode =
  | 'NO_SEATS'
  | 'UNKNOWN_FEATURE'
  | 'LICENSE_EXPIRED'
  | 'MAINTENANCE_EXPIRED'
  | 'CLOCK_TAMPERED'
  | 'UNAUTHORIZED'
  | 'BAD_REQUEST'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE';

export interface CheckoutDenial {
  ok: false;
  code: DenialCode;
  /** Human-readable; for `UNAVAILABLE` it lists each server tried and why it failed. */
  message: string;
  /** URL of the server that gave the answer (absent for `UNAVAILABLE`). */
  server?: string;
}

export interface CheckoutGrant {
  ok: true;
  lease: Lease;
}

/** A checkout's outcome: a denial is an ordinary result, not an exception. */
export type CheckoutResult = CheckoutGrant | CheckoutDenial;

export interface CheckoutOptions {
  /** Seats to draw from one license; default 1. */
  count?: number;
  /** Overrides the client's `releaseDate` for this checkout (`YYYY-MM-DD`). */
  releaseDate?: string;
}

/**
 * Where the SDK reports what it does. Every method is optional and the SDK prints nothing
 * by itself: an SDK that writes to a host application's stdout is a nuisance.
 */
export interface ClientLogger {
  debug?(message: string, data?: Record<string, unknown>): void;
  warn?(message: string, data?: Record<string, unknown>): void;
  error?(message: string, data?: Record<string, unknown>): void;
}

/** Opaque handle of a scheduled callback. */
export type TimerHandle = unknown;

/**
 * The timer functions the SDK schedules heartbeats and cache expiry with; tests pass manual
 * ones. The default calls `unref()` on each timer so that held leases never keep a process alive.
 */
export interface Timers {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface LicenseClientOptions {
  /** Application name sent with each checkout. */
  app?: string;
  /** Application version sent with each checkout. */
  version?: string;
  /**
   * The application's release date, `YYYY-MM-DD`, set at build time by the app; servers
   * compare it with each license's maintenance date. Absent means "released today".
   */
  releaseDate?: string;
  /** Id of this client; default a random UUID made by the constructor. */
  clientId?: string;
  /** Host name sent with each checkout; `openLicenseClient` fills in the machine's name. */
  host?: string;
  /** HTTP implementation; default the global `fetch` (Node 20's keeps connections alive). */
  fetch?: typeof fetch;
  /** Monotonic time for lease deadlines; default `performance.now()`. */
  clock?: Clock;
  timers?: Timers;
  /** Per-request timeout in milliseconds; default 5000. A timeout counts as a transport error. */
  requestTimeoutMs?: number;
  logger?: ClientLogger;
}
