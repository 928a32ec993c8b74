import { TesseraError } from '../errors.js';
import { CLOCK_GUARD_POLICY } from './policy.js';

/** The mark as persisted: its value, and the local clock when it was written. */
export interface PersistedClockMark {
  mark: number;
  /** Absent for a mark written by a version that did not record it. */
  writtenAt: number | undefined;
}

/** What {@link ClockGuard.restore} made of a persisted mark. */
export type ClockMarkRestore =
  | { restored: number; clamped: false }
  | { restored: number; clamped: true; from: number; why: string };

/**
 * The clock guard (docs/licensing.md), as pure state: a high-water mark of wall-clock time that
 * only moves forward. It moves with the local clock, and with a signed document's `issuedAt`
 * only as far as the local clock: a document never moves it past now, so a document issued in
 * the future (a vendor's clock ahead, or a forged date under a valid signature) cannot lock
 * time-limited seats out. The owner persists `mark` with the time it wrote it and feeds both
 * back at start through `restore`.
 */
export class ClockGuard {
  private highWater: number;
  readonly toleranceMs: number;

  constructor(mark = 0, toleranceMs: number = CLOCK_GUARD_POLICY.toleranceMs) {
    this.highWater = mark;
    this.toleranceMs = toleranceMs;
  }

  get mark(): number {
    return this.highWater;
  }

  /** True when `nowMs` is behind the mark by more than the tolerance. */
  isTampered(nowMs: number): boolean {
    return nowMs < this.highWater - this.toleranceMs;
  }

  /** Records that time `nowMs` was seen; returns true when the mark moved. Ignored while tampered. */
  observe(nowMs: number): boolean {
    if (nowMs > this.highWater) {
      this.highWater = nowMs;
      return true;
    }
    return false;
  }

  /** A signed document issued at `issuedMs` was accepted at `nowMs`: time is at least that, up to now. */
  acceptIssuedAt(issuedMs: number, nowMs: number): boolean {
    return this.observe(Math.min(issuedMs, nowMs));
  }

  /**
   * A fresh Sync resets the mark: the vendor's word on time replaces ours, even
   * downwards, but never past the local clock.
   */
  reset(toMs: number, nowMs: number): void {
    this.highWater = Math.min(toMs, nowMs);
  }

  /**
   * Takes a persisted mark back at start. The mark is never more than the local clock that
   * wrote it, so a mark beyond the time it was written (plus the tolerance) came from a
   * document, not from elapsed time: it is clamped to that time. A mark written without its
   * time (by a version that let documents move it) and ahead of the clock now cannot be told
   * apart from a clock set back, and is not trusted: it is clamped to now.
   */
  restore(p: PersistedClockMark, nowMs: number): ClockMarkRestore {
    let restored = p.mark;
    let why: string | undefined;
    if (p.writtenAt !== undefined && p.mark > p.writtenAt + this.toleranceMs) {
      restored = p.writtenAt;
      why = `it is ahead of the clock that wrote it (${iso(p.writtenAt)}), so a document moved it, not time`;
    } else if (p.writtenAt === undefined && p.mark > nowMs + this.toleranceMs) {
      restored = nowMs;
      why = 'it was written without its time by an earlier version, which let signed documents move it';
    }
    if (restored > this.highWater) this.highWater = restored;
    return why === undefined ? { restored, clamped: false } : { restored, clamped: true, from: p.mark, why };
  }
}

/**
 * Refuses a signed document issued more than the tolerance ahead of the local clock: either
 * the vendor's clock or this machine's is wrong, and accepting it would let a date in the
 * future decide what time it is.
 *
 * @throws TesseraError DOC_ISSUED_IN_FUTURE naming the document, its issuedAt, the clock and the tolerance.
 */
export function assertIssuedNotAhead(
  what: string,
  issuedAt: string,
  nowMs: number,
  toleranceMs: number = CLOCK_GUARD_POLICY.toleranceMs,
): void {
  const issuedMs = Date.parse(issuedAt);
  if (!(issuedMs > nowMs + toleranceMs)) return;
  throw new TesseraError(
    'DOC_ISSUED_IN_FUTURE',
    `${what} was issued at ${issuedAt}, but this machine's clock says ${iso(nowMs)}: more than the ` +
      `${toleranceMs / 60_000} minutes' tolerance ahead. Check this machine's clock (and the issuer's); nothing was changed`,
    { details: { issuedAt, clock: iso(nowMs), toleranceSeconds: toleranceMs / 1000 } },
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
