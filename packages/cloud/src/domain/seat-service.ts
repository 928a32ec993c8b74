/**
 * A licensing node's seat engine: the client protocol (docs/protocol.md) for subscription
 * seats, with the License Server's selection rules (core's `selectSeatSource`), on a database
 * that any number of nodes share. The parts, under seats/:
 *
 * - **the batcher** (seat-batcher.ts) writes checkouts, releases and heartbeats in batches,
 *   with exact counts across nodes (seat-transactions.ts: what one batch does in the database);
 * - **the outage ledger** (outage-ledger.ts) is what the node remembers while the database is
 *   away: checkouts get 503 UNAVAILABLE, a heartbeat of a lease this node knows is answered
 *   from memory until that lease's last known expiry, releases are owed; all of it written
 *   when the database is back;
 * - this service takes the client's requests, reads seats for `GET /v1/features` and the
 *   portal, and sweeps: lapsed leases (by the database's clock, so nodes with different
 *   clocks agree) and leases of subscriptions past their term.
 */
import {
  type CheckoutRequest,
  type Clock,
  type FeaturesResponse,
  type FeatureView,
  isExpired,
  TesseraError,
  utcDate,
} from '@tessera/core';
import type { EntitlementRecord } from '../store/rows.js';
import type { AccountContext } from './account-service.js';
import { SEAT_POLICY } from './policy.js';
import { InFlight, settledWithin } from './seats/in-flight.js';
import { OutageLedger } from './seats/outage-ledger.js';
import {
  type CheckoutOutcome,
  type HeartbeatOutcome,
  newSeatStats,
  type OutageClassifier,
  type SeatLogger,
  type SeatStats,
  unavailable,
} from './seats/outcomes.js';
import { SeatBatcher } from './seats/seat-batcher.js';
import type { SeatStore } from './seats/seat-store.js';
import { freeLeases } from './seats/seat-transactions.js';
import type { SubscriptionUsage } from './views.js';

export type { CheckoutOutcome, HeartbeatOutcome, SeatLogger, SeatStats } from './seats/outcomes.js';
export type { SeatStore } from './seats/seat-store.js';
export type { SubscriptionUsage };

export interface SeatServiceOptions extends OutageClassifier {
  store: SeatStore;
  clock: Clock;
  nodeId: string;
  leaseSeconds: number;
  heartbeatSeconds: number;
  logger: SeatLogger;
  maxBatch?: number;
  sweepMs?: number;
}

/** A customer's subscription seats and their holders, as the portal shows them. */
export class SeatService {
  readonly stats: SeatStats = newSeatStats();
  private readonly ledger: OutageLedger;
  private readonly batcher: SeatBatcher;
  /** Sweeps running, so that stop() can wait for them. */
  private readonly sweeps = new InFlight();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private lastTouch = 0;
  private lastPrune = 0;
  private stopped = false;

  constructor(private readonly o: SeatServiceOptions) {
    this.ledger = new OutageLedger({
      store: o.store,
      clock: o.clock,
      logger: o.logger,
      stats: this.stats,
      isUnavailable: o.isUnavailable,
      describeOutage: o.describeOutage,
      onBack: (owed) => this.writeOwed(owed.releases, owed.heartbeats),
    });
    this.batcher = new SeatBatcher({
      store: o.store,
      ledger: this.ledger,
      clock: o.clock,
      nodeId: o.nodeId,
      leaseSeconds: o.leaseSeconds,
      heartbeatSeconds: o.heartbeatSeconds,
      logger: o.logger,
      stats: this.stats,
      maxBatch: o.maxBatch ?? SEAT_POLICY.maxBatch,
    });
  }

  get leaseSeconds(): number {
    return this.o.leaseSeconds;
  }
  get heartbeatSeconds(): number {
    return this.o.heartbeatSeconds;
  }
  /** False while the database is unreachable. */
  get databaseUp(): boolean {
    return !this.ledger.isDown;
  }
  /** Leases this node remembers (granted or heartbeated here, not yet lapsed). */
  get leasesInMemory(): number {
    return this.ledger.leasesInMemory;
  }

  start(): void {
    this.sweepTimer = setInterval(() => void this.sweeps.track(this.sweep()), this.o.sweepMs ?? SEAT_POLICY.sweepMs);
    this.sweepTimer.unref();
  }

  /** Stops timers and waits for the batches and sweep in flight. Queued requests are answered 503. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.ledger.stop();
    await settledWithin(Promise.all([this.batcher.idle(), this.sweeps.settled()]), SEAT_POLICY.stopWaitMs);
    this.batcher.failQueued('the node is shutting down');
  }

  /** Called with connection errors the pool reports between queries: the database is away. */
  noteConnectionError(err: unknown): void {
    this.ledger.noteError(err);
  }

  // ---------------------------------------------------------------- client protocol

  checkout(account: AccountContext, request: CheckoutRequest): Promise<CheckoutOutcome> {
    if (this.ledger.isDown || this.stopped) return Promise.resolve(unavailable(this.ledger.message()));
    const count = request.count ?? 1;
    const releaseDate = request.client.releaseDate ?? utcDate(this.o.clock.now());
    return this.batcher.checkout(account, request, count, releaseDate);
  }

  /**
   * Releases a lease of the account's customer; an unknown lease is released already. While
   * the database is away the release is owed: written first thing when it is back.
   */
  release(account: AccountContext, leaseId: string): Promise<void> {
    if (this.stopped) {
      return Promise.reject(new TesseraError('UNAVAILABLE', 'the node is shutting down; the lease is still held'));
    }
    if (this.ledger.isDown) {
      this.ledger.oweRelease(account.customerId, leaseId);
      return Promise.resolve();
    }
    return this.batcher.release(account, leaseId);
  }

  heartbeat(account: AccountContext, leaseId: string): Promise<HeartbeatOutcome> {
    if (this.ledger.isDown || this.stopped) return Promise.resolve(this.ledger.fromMemory(account.customerId, leaseId));
    return this.batcher.heartbeat(account, leaseId);
  }

  /** The customer's subscription seats (`GET /v1/features`). */
  async features(account: AccountContext): Promise<FeaturesResponse> {
    if (this.ledger.isDown) throw new TesseraError('UNAVAILABLE', this.ledger.message());
    let rows: EntitlementRecord[];
    try {
      rows = await this.o.store.entitlements.list({ customerId: account.customerId, type: 'subscription' });
    } catch (err) {
      throw this.asUnavailable(err);
    }
    const now = this.o.clock.now();
    const byFeature = new Map<string, EntitlementRecord[]>();
    for (const e of rows) {
      const list = byFeature.get(e.feature) ?? [];
      list.push(e);
      byFeature.set(e.feature, list);
    }
    const features: FeatureView[] = [...byFeature.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([feature, ents]) => {
        let total = 0;
        let inUse = 0;
        for (const e of ents) {
          if (!isExpired(e, now)) total += e.count;
          inUse += e.used;
        }
        return {
          feature,
          total,
          inUse,
          available: Math.max(0, total - inUse),
          licenses: ents.map((e) => ({
            licenseId: e.id,
            count: e.count,
            inUse: e.used,
            expires: e.expires,
            maintenanceUntil: e.maintenanceUntil,
          })),
        };
      });
    return { poolId: account.poolId, features };
  }

  /**
   * For the portal: a customer's subscription seats and who holds them now. Lease ids are
   * left out: knowing one is what lets a client release a seat.
   */
  async usage(customerId: string, poolId: string): Promise<SubscriptionUsage> {
    const { features } = await this.features({ customerId, poolId, accountId: '' });
    const leases = await this.o.store.leases.liveOfCustomer(customerId);
    return {
      poolId,
      features,
      holders: leases.map((l) => ({
        feature: l.feature,
        count: l.count,
        entitlementId: l.entitlementId,
        accountId: l.accountId,
        clientId: l.clientId,
        host: l.host,
        app: l.app,
        version: l.version,
        nodeId: l.nodeId,
        since: new Date(l.createdAt).toISOString(),
        expiresAt: new Date(l.expiresAt).toISOString(),
      })),
    };
  }

  // ---------------------------------------------------------------- outage

  /**
   * The database is back: give back the seats released meanwhile, and write the heartbeats
   * answered from memory so those leases keep theirs.
   */
  private writeOwed(releases: Map<string, string>, heartbeats: Map<string, Set<string>>): void {
    for (const [leaseId, customerId] of releases) {
      void this.release({ customerId, accountId: '', poolId: '' }, leaseId).catch(() => {});
    }
    for (const [customerId, ids] of heartbeats) {
      for (const id of ids) {
        void this.heartbeat({ customerId, accountId: '', poolId: '' }, id);
      }
    }
  }

  private asUnavailable(err: unknown): unknown {
    if (this.ledger.noteError(err)) return new TesseraError('UNAVAILABLE', this.ledger.message());
    return err;
  }

  // ---------------------------------------------------------------- sweeping

  /**
   * Frees lapsed leases (by the database's clock) and leases of subscriptions past their
   * term, says this node is alive, prunes old ended leases. Any node may sweep any lease:
   * the entitlement locks make concurrent sweeps safe.
   */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.ledger.isDown || this.stopped) return;
    this.sweeping = true;
    const store = this.o.store;
    try {
      const lapsed = await store.leases.entitlementsWithLapsed(SEAT_POLICY.sweepBatch);
      if (lapsed.length > 0) {
        this.stats.leasesSwept += await freeLeases(store, lapsed, (tx, ids) => tx.leases.endLapsed(ids));
      }
      const today = utcDate(this.o.clock.now());
      const pastTerm = await store.leases.entitlementsPastTerm(today, SEAT_POLICY.sweepBatch);
      if (pastTerm.length > 0) {
        await freeLeases(store, pastTerm, (tx, ids) => tx.leases.endAllOf(ids, 'LICENSE_EXPIRED'));
      }
      const now = this.o.clock.monotonic();
      if (now - this.lastTouch >= SEAT_POLICY.nodeTouchMs) {
        this.lastTouch = now;
        await store.nodes.touch(this.o.nodeId);
        this.ledger.forgetLapsed(now, SEAT_POLICY.forgetLapsedAfterMs);
      }
      if (now - this.lastPrune >= SEAT_POLICY.pruneEveryMs) {
        this.lastPrune = now;
        await store.leases.pruneEnded(SEAT_POLICY.keepEndedMs);
      }
    } catch (err) {
      if (!this.ledger.noteError(err)) this.o.logger.error({ err }, 'sweeping leases failed');
    } finally {
      this.sweeping = false;
    }
  }
}
