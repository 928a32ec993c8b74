import type { LeaseGoneReason } from '@tessera/core';

/**
 * Why recently ended leases ended, so a holder's next heartbeat hears the reason without a
 * read from disk. Two generations: the older is dropped whole, so old entries fall away
 * without a scan.
 */
export class RecentlyGone {
  private current = new Map<string, LeaseGoneReason>();
  private previous = new Map<string, LeaseGoneReason>();
  private lastRotation: number;

  constructor(startMs: number) {
    this.lastRotation = startMs;
  }

  add(leaseId: string, reason: LeaseGoneReason): void {
    this.current.set(leaseId, reason);
  }

  get(leaseId: string): LeaseGoneReason | undefined {
    return this.current.get(leaseId) ?? this.previous.get(leaseId);
  }

  /** Drops the older generation once more than `keepMs` passed since the last drop (monotonic ms). */
  rotate(nowMs: number, keepMs: number): void {
    if (nowMs - this.lastRotation <= keepMs) return;
    this.previous = this.current;
    this.current = new Map();
    this.lastRotation = nowMs;
  }
}
