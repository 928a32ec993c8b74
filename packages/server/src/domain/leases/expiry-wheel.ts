/**
 * A timer wheel for lease deadlines (lapsed leases freed within a second, without
 * scanning every lease each second). Slot `s` holds entries whose deadline is at most
 * `s * slotMs`; it is processed once the clock reaches that instant, so every entry in it is
 * either due or was moved later by a heartbeat. A heartbeat only moves the deadline: the entry
 * is re-slotted when its old slot comes up, so a heartbeat costs O(1) and each entry is touched
 * about once per TTL.
 */
import { SERVER_POLICY } from '../policy.js';

export interface WheelEntry {
  /** Monotonic ms after which the entry is due. */
  deadline: number;
}

export class ExpiryWheel<T extends WheelEntry> {
  private readonly slots = new Map<number, T[]>();
  /** Lowest slot not yet processed. */
  private cursor: number;

  constructor(
    startMs: number,
    private readonly slotMs: number = SERVER_POLICY.expirySlotMs,
  ) {
    this.cursor = Math.floor(startMs / slotMs);
  }

  add(entry: T): void {
    const slot = Math.max(Math.ceil(entry.deadline / this.slotMs), this.cursor);
    let list = this.slots.get(slot);
    if (!list) {
      list = [];
      this.slots.set(slot, list);
    }
    list.push(entry);
  }

  /**
   * Calls `due` for each live entry whose deadline has passed at `nowMs`; live entries whose
   * deadline moved are put back. `isLive` drops entries removed meanwhile (released leases).
   */
  advance(nowMs: number, isLive: (e: T) => boolean, due: (e: T) => void): void {
    const last = Math.floor(nowMs / this.slotMs);
    for (; this.cursor <= last; this.cursor++) {
      const list = this.slots.get(this.cursor);
      if (!list) continue;
      this.slots.delete(this.cursor);
      for (const e of list) {
        if (!isLive(e)) continue;
        if (e.deadline <= nowMs) due(e);
        else this.add(e);
      }
    }
  }
}
