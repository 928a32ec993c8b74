/**
 * What a licensing node remembers so that a database outage does not cost its clients their
 * seats (docs/cloud.md, "Failure behaviour"): the leases it knows and their last confirmed
 * expiry, so their heartbeats are answered from memory; the releases and heartbeats it took
 * meanwhile, owed to the database and handed back when it is there again. It also knows
 * whether the database is away, says so once per outage, and probes it until it is back.
 */
import type { Clock } from '@tessera/core';
import type { LeaseExpiry } from '../../store/rows.js';
import { SEAT_POLICY } from '../policy.js';
import type { HeartbeatOutcome, OutageClassifier, SeatLogger, SeatStats } from './outcomes.js';
import type { SeatStore } from './seat-store.js';

/** What this node remembers of a lease, to answer its heartbeats while the database is away. */
interface HeldLease {
  customerId: string;
  /** Expiry on the database's clock, as last confirmed. */
  expiresAt: number;
  /** The same instant on this node's monotonic clock. */
  deadline: number;
}

/** What was owed to the database when it came back. */
export interface OwedWrites {
  /** Releases taken while it was away: lease id -> customer. */
  releases: Map<string, string>;
  /** Heartbeats answered from memory meanwhile: customer -> lease ids. */
  heartbeats: Map<string, Set<string>>;
}

export interface OutageLedgerOptions extends OutageClassifier {
  store: Pick<SeatStore, 'ping'>;
  clock: Clock;
  logger: SeatLogger;
  stats: SeatStats;
  /** Called once the database is back, with what is owed to it (to be written first). */
  onBack: (owed: OwedWrites) => void;
}

export class OutageLedger {
  private down = false;
  /** What the outage is, while `down`: its kind and the message clients get. */
  private outage: { kind: string; message: string } | undefined;
  private downSince = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private stopped = false;
  private readonly held = new Map<string, HeldLease>();
  private owedReleases = new Map<string, string>();
  private owedHeartbeats = new Map<string, Set<string>>();

  constructor(private readonly o: OutageLedgerOptions) {}

  /** True while the database is unreachable. */
  get isDown(): boolean {
    return this.down;
  }

  /** Leases this node remembers (granted or heartbeated here, not yet lapsed). */
  get leasesInMemory(): number {
    return this.held.size;
  }

  /** Why checkouts get 503 now, in words. */
  message(): string {
    return this.outage?.message ?? 'the license database is unreachable; try again';
  }

  /** Stops probing; an outage met from now on is not recorded (the node is going away). */
  stop(): void {
    this.stopped = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
  }

  /** True when `err` means the database is away; the outage is then recorded. */
  noteError(err: unknown): boolean {
    if (!this.o.isUnavailable(err)) return false;
    this.markDown(err);
    return true;
  }

  /** A lease granted or extended now, until `x.expiresAt` on the database's clock. */
  remember(customerId: string, leaseId: string, x: LeaseExpiry, monotonicNow: number): void {
    this.held.set(leaseId, { customerId, expiresAt: x.expiresAt, deadline: monotonicNow + (x.expiresAt - x.dbNow) });
  }

  forget(leaseId: string): void {
    this.held.delete(leaseId);
  }

  /** Forgets leases whose last known expiry passed more than `graceMs` ago. */
  forgetLapsed(monotonicNow: number, graceMs: number): void {
    for (const [id, h] of this.held) if (h.deadline < monotonicNow - graceMs) this.held.delete(id);
  }

  /** A release taken while the database is away, to write when it is back. */
  oweRelease(customerId: string, leaseId: string): void {
    this.held.delete(leaseId);
    if (this.owedReleases.size < SEAT_POLICY.maxOwedReleases) this.owedReleases.set(leaseId, customerId);
  }

  /**
   * A heartbeat answered without the database: yes while this node knows the lease and its
   * last confirmed expiry has not passed (the heartbeat is owed to the database, written when
   * it is back); otherwise 503, so the client keeps trying rather than giving the seat up.
   */
  fromMemory(customerId: string, leaseId: string): HeartbeatOutcome {
    const h = this.held.get(leaseId);
    if (h && h.customerId === customerId && h.deadline > this.o.clock.monotonic()) {
      this.o.stats.heartbeatsFromMemory++;
      let owed = this.owedHeartbeats.get(customerId);
      if (!owed) {
        owed = new Set();
        this.owedHeartbeats.set(customerId, owed);
      }
      owed.add(leaseId);
      return { ok: true, expiresAt: new Date(h.expiresAt).toISOString() };
    }
    return { ok: false, gone: false, message: `${this.message()} (keep heartbeating)` };
  }

  markDown(err: unknown): void {
    if (this.down || this.stopped) return;
    this.down = true;
    this.downSince = this.o.clock.monotonic();
    const outage = this.o.describeOutage?.(err);
    this.outage = outage && { kind: outage.kind, message: outage.message };
    // Once per outage, whatever its kind and however many requests meet it.
    this.o.logger.warn(
      { outage: outage?.kind ?? 'unknown', err: outage?.cause ?? (err as Error)?.message ?? String(err) },
      `${outage?.message ?? 'the license database is unreachable'}: checkouts get 503, heartbeats of known leases are answered from memory`,
    );
    this.probeTimer = setInterval(() => void this.probe(), SEAT_POLICY.probeMs);
    this.probeTimer.unref();
  }

  /**
   * The probe met another kind of outage than the one that began it (connections killed, then
   * refused because the database takes none): told once, and clients hear the current one.
   */
  private outageChanged(err: unknown): void {
    const outage = this.o.describeOutage?.(err);
    if (!outage || outage.kind === this.outage?.kind) return;
    this.outage = { kind: outage.kind, message: outage.message };
    this.o.logger.warn(
      { outage: outage.kind, err: outage.cause },
      `the license database is still away: ${outage.message}`,
    );
  }

  private async probe(): Promise<void> {
    if (this.probing || !this.down) return;
    this.probing = true;
    try {
      await this.o.store.ping();
    } catch (err) {
      this.outageChanged(err);
      return;
    } finally {
      this.probing = false;
    }
    this.down = false;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.o.logger.info(
      { outage: this.outage?.kind ?? 'unknown', ms: Math.round(this.o.clock.monotonic() - this.downSince) },
      'the license database is back: serving checkouts again',
    );
    this.outage = undefined;
    const owed: OwedWrites = { releases: this.owedReleases, heartbeats: this.owedHeartbeats };
    this.owedReleases = new Map();
    this.owedHeartbeats = new Map();
    this.o.onBack(owed);
  }
}
