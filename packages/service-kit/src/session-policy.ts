/**
 * Browser sessions of both products (the License Server's Dashboard, the Cloud's portal): how
 * long one lives and how a session id looks (docs/security.md). One policy, so an operator
 * who knows one product's sign-out times knows the other's.
 */

const HOUR_MS = 3_600_000;

export const SESSION_POLICY = {
  /** A session unused this long is over (an operator who walked away is signed out). */
  idleMs: 8 * HOUR_MS,
  /** A session is over this long after sign-in, however busy. */
  maxAgeMs: 24 * HOUR_MS,
  /** `last_seen` is written at most this often per session, not on every request. */
  touchEveryMs: 60_000,
  /** Expired sessions are swept at most this often (at sign-in). */
  pruneEveryMs: 10 * 60_000,
  /** Random bytes of a session id and of a CSRF token (256 bits, as every machine secret). */
  secretBytes: 32,
} as const;

/** What a session id looks like: 32 random bytes, base64url. Anything else names no session. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The times of a session row that decide when it ends. */
export interface SessionTimes {
  /** Epoch ms of sign-in. */
  createdAt: number;
  /** Epoch ms of the last request seen. */
  lastSeen: number;
}

/** True once the session is idle too long or too old. */
export function sessionExpired(row: SessionTimes, now: number): boolean {
  return now - row.lastSeen > SESSION_POLICY.idleMs || now - row.createdAt > SESSION_POLICY.maxAgeMs;
}

/** When the session ends if it stays idle (or at its maximum age, whichever is first), epoch ms. */
export function sessionEndsAt(row: SessionTimes): number {
  return Math.min(row.lastSeen + SESSION_POLICY.idleMs, row.createdAt + SESSION_POLICY.maxAgeMs);
}
