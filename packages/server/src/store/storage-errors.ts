import { TesseraError } from '@tessera/core';

/** Error codes (SQLite's, or errno from writing a file) that mean the disk or quota is full. */
const FULL = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
/** Error codes that mean the data directory cannot be written for another reason. */
const FAILED = /^(SQLITE_IOERR|SQLITE_READONLY|SQLITE_CANTOPEN)|^(EIO|EROFS)$/;

/**
 * The typed error for a write that failed because of the data directory's storage, or
 * undefined for any other error. Every write of the License Server is a transaction (or a
 * file written atomically), so such a failure changed nothing: the message says so.
 */
export function storageFailure(err: unknown): TesseraError | undefined {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof TesseraError) {
      return e.code === 'STORAGE_FULL' || e.code === 'STORAGE_FAILED' ? e : undefined;
    }
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && FULL.has(code)) {
      return new TesseraError(
        'STORAGE_FULL',
        `the disk of the License Server's data directory is full (${code}); nothing was changed. ` +
          'Free some space: the server goes on by itself',
        { cause: err },
      );
    }
    if (typeof code === 'string' && FAILED.test(code)) {
      return new TesseraError(
        'STORAGE_FAILED',
        `the License Server could not write to its data directory (${code}); nothing was changed`,
        { cause: err },
      );
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Runs a write; a storage failure comes out as STORAGE_FULL / STORAGE_FAILED, anything else unchanged. */
export function storageWrite<T>(write: () => T): T {
  try {
    return write();
  } catch (err) {
    throw storageFailure(err) ?? err;
  }
}
