import type { Clock } from '@tessera/core';
import type { CommitRider } from '../store/commit-queue.js';
import type { Store, UsageHourRow } from '../store/store.js';
import type { UsageRepo } from '../store/usage.js';
import type { EngineEvent } from './leases/lease-engine.js';

/** Behaviour knobs of the usage meter. */
export const USAGE_POLICY = {
  /**
   * The running hour is also written at least this often. Changes that come with a lease
   * write (a checkout, a release) commit in that write's transaction; this bounds what a crash
   * can lose of the rest (denials, seat time since the last write).
   */
  flushEveryMs: 10_000,
  /** Longest range the usage API serves: the Usage page's longest choice, 90 days. */
  maxDays: 90,
  /**
   * Most whole hours a roll fills in for seats held while no timer fired (a suspended
   * machine): beyond a month the figures would be guesses.
   */
  maxIdleHours: 31 * 24,
} as const;

const HOUR_MS = 3600_000;

/** `YYYY-MM-DDTHH:00:00Z` of the UTC hour that holds `ms`. */
export function hourOf(ms: number): string {
  return `${new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13)}:00:00Z`;
}

/** What the meter needs of the lease engine. */
export interface MeteredEngine {
  onEvent(listener: (e: EngineEvent) => void): () => void;
  /** Seats in use per feature now (leases loaded at start count). */
  features(): { features: { feature: string; inUse: number }[] };
}

interface Running {
  /** Seats in use now. */
  seats: number;
  /** The running hour's values so far. */
  peak: number;
  seatMs: number;
  checkouts: number;
  denials: number;
  /** Refusals by code other than NO_SEATS. */
  refusals: Map<string, number>;
  /** When `seats` last changed or was last integrated, epoch ms. */
  since: number;
  /** Something changed since the last write. */
  dirty: boolean;
}

export interface UsageMeterOptions {
  engine: MeteredEngine;
  store: Store;
  clock: Clock;
  /** How writes reach the database; the server passes its group-commit queue. */
  write: (op: () => void) => Promise<unknown>;
  /**
   * Lets the meter add its dirty rows to every transaction of the lease writes, so a seat
   * acknowledged to a client is counted on disk with it (the server passes its queue's).
   */
  addRider?: (rider: CommitRider) => void;
  flushEveryMs?: number;
}

/**
 * Usage per feature and closed UTC hour (docs/flexible.md): peak seats in use, seat-seconds,
 * checkouts and denials for lack of seats, as absolute values for the Cloud to upsert.
 * Counts only: no client, host, user or app name is ever seen here.
 *
 * The running hour lives in memory. What changes with a lease (checkouts, peak, seat time)
 * is written in the same transaction as that lease, so nothing acknowledged to a client is
 * lost to a crash; the rest (denials, seat time since) at least every ten seconds and at
 * shutdown. At start the meter carries on from the hour already on disk.
 */
export class UsageMeter {
  private readonly repo: UsageRepo;
  private readonly running = new Map<string, Running>();
  private hour: string;
  private hourEndsAt: number;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly o: UsageMeterOptions) {
    this.repo = o.store.usage;
    const now = o.clock.now();
    this.hour = hourOf(now);
    this.hourEndsAt = Date.parse(this.hour) + HOUR_MS;
    for (const f of o.engine.features().features) {
      if (f.inUse > 0) this.entry(f.feature, now).seats = f.inUse;
    }
    for (const r of this.running.values()) r.peak = Math.max(r.peak, r.seats);
  }

  /** Starts listening to the engine and the periodic flush. */
  start(): void {
    if (this.unsubscribe) return;
    this.o.addRider?.({ collect: () => this.writeDirty(), rolledBack: () => this.markDirtyAgain() });
    this.unsubscribe = this.o.engine.onEvent((e) => this.onEvent(e));
    this.timer = setInterval(() => {
      void this.flush();
    }, this.o.flushEveryMs ?? USAGE_POLICY.flushEveryMs);
    this.timer.unref();
  }

  /** Stops and writes the running hour (call before the database closes). */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Writes the running hour's values now (and any hour that just closed). */
  flush(): Promise<void> {
    const now = this.o.clock.now();
    this.roll(now);
    const rows: UsageHourRow[] = [];
    for (const [feature, r] of this.running) {
      this.integrate(r, now);
      if (!r.dirty) continue;
      r.dirty = false;
      rows.push(this.rowOf(feature, this.hour, r));
    }
    if (rows.length > 0) this.queueWrite(rows);
    return this.flushing;
  }

  /** Dirty rows of the running hour, written inside a transaction under way; false when none. */
  private pendingRows: UsageHourRow[] = [];
  private writeDirty(): boolean {
    const now = this.o.clock.now();
    // Closing an hour queues its own write; here only the running hour, as it stands.
    if (now >= this.hourEndsAt) return false;
    const rows: UsageHourRow[] = [];
    for (const [feature, r] of this.running) {
      if (!r.dirty) continue;
      this.integrate(r, now);
      r.dirty = false;
      rows.push(this.rowOf(feature, this.hour, r));
    }
    for (const row of rows) this.repo.upsert(row);
    this.pendingRows = rows;
    return rows.length > 0;
  }

  private markDirtyAgain(): void {
    for (const row of this.pendingRows) {
      const r = this.running.get(row.feature);
      if (r && row.hour === this.hour) r.dirty = true;
    }
    this.pendingRows = [];
  }

  /** The running hour's values, as they would be written now (for the usage API). */
  current(): UsageHourRow[] {
    const now = this.o.clock.now();
    this.roll(now);
    const out: UsageHourRow[] = [];
    for (const [feature, r] of this.running) {
      this.integrate(r, now);
      if (r.peak > 0 || r.checkouts > 0 || r.denials > 0 || r.refusals.size > 0 || r.seatMs > 0)
        out.push(this.rowOf(feature, this.hour, r));
    }
    return out;
  }

  /** Stored hours in [fromMs, toMs), with the running hour's live values in place of its stored ones. */
  hours(fromMs: number, toMs: number): UsageHourRow[] {
    const live = this.current();
    const fromHour = hourOf(fromMs);
    const toHour = hourOf(toMs + HOUR_MS - 1);
    const stored = this.repo.range(fromHour, toHour);
    const refusals = new Map<string, Record<string, number>>();
    for (const x of this.repo.refusalRange(fromHour, toHour)) {
      const key = `${x.feature}\n${x.hour}`;
      refusals.set(key, { ...refusals.get(key), [x.code]: x.count });
    }
    for (const r of stored) {
      const byCode = refusals.get(`${r.feature}\n${r.hour}`);
      if (byCode) r.refusals = byCode;
    }
    const liveKeys = new Set(live.map((r) => `${r.feature}\n${r.hour}`));
    const inRange = live.filter((r) => r.hour >= hourOf(fromMs) && Date.parse(r.hour) < toMs);
    return [...stored.filter((r) => !liveKeys.has(`${r.feature}\n${r.hour}`)), ...inRange].sort((a, b) =>
      a.feature === b.feature ? (a.hour < b.hour ? -1 : 1) : a.feature < b.feature ? -1 : 1,
    );
  }

  private onEvent(e: EngineEvent): void {
    const now = this.o.clock.now();
    this.roll(now);
    if (e.kind === 'denied') {
      // A feature no license has is a name a client merely asked for: counting it would let any
      // client grow the table with made-up names. Every other code implies a license exists.
      if (e.code === 'UNKNOWN_FEATURE') return;
      const r = this.entry(e.feature, now);
      if (e.code === 'NO_SEATS') r.denials += 1;
      else r.refusals.set(e.code, (r.refusals.get(e.code) ?? 0) + 1);
      r.dirty = true;
      return;
    }
    const r = this.entry(e.feature, now);
    this.integrate(r, now);
    if (e.kind === 'granted') {
      r.seats += e.count;
      r.checkouts += 1;
      r.peak = Math.max(r.peak, r.seats);
    } else {
      r.seats = Math.max(0, r.seats - e.count);
    }
    r.dirty = true;
  }

  /** The running values of `feature`, resumed from disk the first time it is seen this hour. */
  private entry(feature: string, now: number): Running {
    let r = this.running.get(feature);
    if (!r) {
      const stored = this.repo.get(feature, this.hour);
      r = {
        seats: 0,
        peak: stored?.peakSeats ?? 0,
        seatMs: (stored?.seatSeconds ?? 0) * 1000,
        checkouts: stored?.checkouts ?? 0,
        denials: stored?.denials ?? 0,
        refusals: new Map(Object.entries(stored ? this.repo.refusalsOf(feature, this.hour) : {})),
        since: now,
        dirty: false,
      };
      this.running.set(feature, r);
    }
    return r;
  }

  /** Adds the seat time since the last change. */
  private integrate(r: Running, now: number): void {
    const until = Math.min(now, this.hourEndsAt);
    if (until > r.since) r.seatMs += r.seats * (until - r.since);
    r.since = Math.max(r.since, until);
  }

  /** Closes the running hour (and any empty ones after it) once `now` is past its end. */
  private roll(now: number): void {
    if (now < this.hourEndsAt) return;
    const closing: UsageHourRow[] = [];
    for (const [feature, r] of this.running) {
      this.integrate(r, this.hourEndsAt);
      if (r.dirty || r.seats > 0) closing.push(this.rowOf(feature, this.hour, r));
    }
    const newHour = hourOf(now);
    const newStart = Date.parse(newHour);
    // Whole hours passed without a roll (no timer fired): the seats held stayed held all along.
    const skipped = Math.min((newStart - this.hourEndsAt) / HOUR_MS, USAGE_POLICY.maxIdleHours);
    for (let i = skipped; i >= 1; i--) {
      const hour = hourOf(newStart - i * HOUR_MS);
      for (const [feature, r] of this.running) {
        if (r.seats > 0) {
          closing.push({ feature, hour, peakSeats: r.seats, seatSeconds: r.seats * 3600, checkouts: 0, denials: 0 });
        }
      }
    }
    if (closing.length > 0) this.queueWrite(closing);
    for (const [feature, r] of [...this.running]) {
      if (r.seats === 0) {
        this.running.delete(feature);
        continue;
      }
      r.peak = r.seats;
      r.seatMs = 0;
      r.checkouts = 0;
      r.denials = 0;
      r.refusals = new Map();
      r.since = newStart;
      r.dirty = true;
    }
    this.hour = newHour;
    this.hourEndsAt = newStart + HOUR_MS;
  }

  private rowOf(feature: string, hour: string, r: Running): UsageHourRow {
    return {
      feature,
      hour,
      peakSeats: r.peak,
      seatSeconds: Math.round(r.seatMs / 1000),
      checkouts: r.checkouts,
      denials: r.denials,
      ...(r.refusals.size > 0 ? { refusals: Object.fromEntries(r.refusals) } : {}),
    };
  }

  private queueWrite(rows: UsageHourRow[]): void {
    const repo = this.repo;
    const done = this.o.write(() => {
      for (const row of rows) repo.upsert(row);
    });
    this.flushing = this.flushing.then(
      () => done.then(() => undefined),
      () => done.then(() => undefined),
    );
    // A failed write is retried by the next flush: mark the features dirty again.
    done.catch(() => {
      for (const row of rows) {
        const r = this.running.get(row.feature);
        if (r && row.hour === this.hour) r.dirty = true;
      }
    });
  }
}
