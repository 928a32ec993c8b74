import { CLOCK_GUARD_POLICY } from './policy.js';

/**
 * The clock guard of DESIGN §4, as pure state: a high-water mark of wall-clock time that
 * only moves forward, never below the newest signed `issuedAt` accepted. The owner persists
 * `mark` and feeds it back at start.
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

  /** A signed document issued at `issuedMs` was accepted: time is at least that. */
  acceptIssuedAt(issuedMs: number): boolean {
    return this.observe(issuedMs);
  }

  /** A fresh Sync resets the mark (DESIGN §4): the vendor's word on time replaces ours. */
  reset(toMs: number): void {
    this.highWater = toMs;
  }
}
