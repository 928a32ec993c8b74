/**
 * The one catalog of Tessera error codes. Every refusal that crosses a process boundary
 * (HTTP, CLI exit, SDK result) carries one of these codes; the HTTP status lives here so
 * that server, cloud and CLI map errors the same way.
 */
import type { LeaseGoneReason } from './protocol.js';

export const ERROR_CATALOG = {
  // client protocol: denials
  NO_SEATS: { status: 409, message: 'all seats that could serve this client are in use' },
  UNKNOWN_FEATURE: { status: 404, message: 'no installed license has this feature' },
  LICENSE_EXPIRED: { status: 403, message: 'every license with this feature has expired' },
  MAINTENANCE_EXPIRED: {
    status: 403,
    message: "the client's release date is after the maintenance date of every license with this feature",
  },
  CLOCK_TAMPERED: {
    status: 503,
    message: 'the system clock is behind time already seen; time-limited seats are refused until it is right',
  },
  LEASE_GONE: { status: 410, message: 'this lease is no longer held' },
  // generic request errors
  BAD_REQUEST: { status: 400, message: 'the request is malformed' },
  UNAUTHORIZED: { status: 401, message: 'valid credentials are required' },
  FORBIDDEN: { status: 403, message: 'not allowed' },
  NOT_FOUND: { status: 404, message: 'not found' },
  REQUEST_TIMEOUT: { status: 408, message: 'the request did not arrive in time' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  URI_TOO_LONG: { status: 414, message: 'the request URL is too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'this route does not take a body of that content type' },
  HEADERS_TOO_LARGE: { status: 431, message: 'the request headers are too large' },
  RATE_LIMITED: { status: 429, message: 'too many requests; slow down' },
  UNAVAILABLE: { status: 503, message: 'the server cannot take this request now; try again' },
  INTERNAL: { status: 500, message: 'internal error' },
  // storage of the server's own data directory
  STORAGE_FULL: {
    status: 507,
    message: "the server's disk is full; nothing was changed. Free some space: the server goes on by itself",
  },
  STORAGE_FAILED: {
    status: 503,
    message: 'the server could not write to its data directory (an I/O error); nothing was changed',
  },
  // documents
  DOC_MALFORMED: { status: 400, message: 'the document is not a well-formed Tessera file' },
  DOC_BAD_SIGNATURE: { status: 400, message: 'the document signature does not verify' },
  DOC_UNKNOWN_KEY: { status: 400, message: 'the document is signed by a key this server does not trust' },
  DOC_WRONG_TYPE: { status: 400, message: 'the document is of the wrong type for this action' },
  DOC_INVALID: { status: 400, message: 'the document content is invalid' },
  DOC_ISSUED_IN_FUTURE: {
    status: 409,
    message: "the document was issued later than this machine's clock allows; check the clock",
  },
  // license lifecycle
  WRONG_SERVER: { status: 409, message: 'the license is bound to another server' },
  FINGERPRINT_MISMATCH: { status: 409, message: "the license's hardware binding does not match this machine" },
  LICENSE_UNINSTALLED: {
    status: 409,
    message: 'this license was uninstalled from this server and can never be installed again',
  },
  LICENSE_EXISTS: { status: 409, message: 'this license is already installed; use Renew License for a newer revision' },
  LICENSE_NOT_INSTALLED: { status: 404, message: 'no license with this id is installed' },
  REVISION_NOT_NEWER: { status: 409, message: 'a renewal must carry a higher revision than the installed license' },
  BINDING_CHANGED: { status: 409, message: 'a renewal must keep the binding of the installed license' },
  NO_HARDWARE_FACTORS: {
    status: 400,
    message: 'the server names no hardware factor; a license bound to it would fit any machine holding its key',
  },
  // flexible licensing (docs/flexible.md)
  SYNC_EXPIRED: {
    status: 503,
    message: 'the seats of flexible licenses are refused: the last Sync is past its valid-until; resync with the Cloud',
  },
  SYNC_NOT_NEWER: {
    status: 409,
    message: 'this Sync is not newer than the last one applied (a replay or an older Sync); nothing was changed',
  },
  MODE_MISMATCH: { status: 409, message: 'this action is not available in the mode the License Server runs in' },
  CLOUD_UNREACHABLE: { status: 503, message: 'no Cloud node could be reached' },
  // flexible licensing (Report / Sync at the Cloud)
  ENROLLMENT_INVALID: {
    status: 403,
    message: 'the enrollment code is unknown, used or expired, or does not fit this server',
  },
  SERVER_UNKNOWN: {
    status: 403,
    message: 'this server is not registered with the Cloud; enroll it with a code from the portal',
  },
  REPORT_REPLAYED: {
    status: 409,
    message:
      'a different report with this sequence was already received from this server (flagged as a possible clone)',
  },
  // admin
  PASSWORD_CHANGE_REQUIRED: { status: 403, message: 'the initial password must be changed first' },
  CONFLICT: { status: 409, message: 'the request conflicts with the current state' },
  LAST_ADMIN: {
    status: 409,
    message: 'this would leave no enabled user with the admin role; make another user an admin first',
  },
  OWN_ACCOUNT: {
    status: 409,
    message: 'you cannot do this to your own account; ask another admin (or use `tessera user` on the data dir)',
  },
  SETTINGS_INVALID: { status: 400, message: 'a setting is invalid; nothing was changed' },
  DATA_DIR_LOCKED: { status: 409, message: 'the data directory is in use by another process' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/**
 * Why a lease went away, in words: the `message` of a 410 LEASE_GONE whose `reason` is the
 * key. One set for the License Server and the Cloud, so a client hears the same words from
 * both; "license" also covers a Cloud subscription's entitlement.
 */
export const LEASE_GONE_REASONS = {
  EXPIRED: 'the lease lapsed: no heartbeat within its lease time',
  RELEASED: 'the lease was released',
  LICENSE_UNINSTALLED: 'the license behind this lease was uninstalled',
  LICENSE_EXPIRED: 'the license or subscription behind this lease has ended',
  SEATS_REDUCED: 'the license or subscription behind this lease now holds fewer seats',
  REVOKED_BY_ADMIN: 'an administrator released this seat',
  SYNC_EXPIRED: 'the flexible license behind this lease is past the valid-until of its last Sync',
  UNKNOWN_LEASE: 'this pool holds no such lease',
} as const satisfies Record<LeaseGoneReason, string>;

/** The words of a lease-gone reason (an unknown one reads as a lease this pool does not hold). */
export function leaseGoneMessage(reason: LeaseGoneReason): string {
  return LEASE_GONE_REASONS[reason] ?? LEASE_GONE_REASONS.UNKNOWN_LEASE;
}

/** HTTP status for a code. */
export function statusOf(code: ErrorCode): number {
  return ERROR_CATALOG[code].status;
}

/**
 * A refusal with a stable code. Domain code throws it (or returns it as a result) and the
 * transport layers map it: HTTP status from the catalog, CLI exit code 1 with `message`.
 *
 * @example
 * throw new TesseraError('WRONG_SERVER', 'license lic_1 is bound to srv_abc, this is srv_def');
 */
export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly reason: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    opts?: { reason?: string; details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message ?? ERROR_CATALOG[code].message, opts?.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TesseraError';
    this.code = code;
    this.reason = opts?.reason;
    this.details = opts?.details;
  }

  get status(): number {
    return statusOf(this.code);
  }
}

export function isTesseraError(e: unknown): e is TesseraError {
  return e instanceof TesseraError;
}
