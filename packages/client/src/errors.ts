/**
 * The one exception type of the SDK, for calls whose failure is not an ordinary result
 * (`features()`); checkouts return denials instead of throwing.
 */
export class LicenseClientError extends Error {
  /** A Tessera error code from the server (e.g. `UNAUTHORIZED`), or `UNAVAILABLE` when no server answered. */
  readonly code: string;
  /** URL of the server that answered, when one did. */
  readonly server: string | undefined;
  /** HTTP status of that answer, when there was one. */
  readonly status: number | undefined;

  constructor(code: string, message: string, opts?: { server?: string; status?: number; cause?: unknown }) {
    super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LicenseClientError';
    this.code = code;
    this.server = opts?.server;
    this.status = opts?.status;
  }
}
