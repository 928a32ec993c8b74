/**
 * A licensing node's seat engine: the client protocol of DESIGN §5 for subscription seats,
 * with the License Server's selection rules (core's `selectSeatSource`), on a database that
 * any number of nodes share.
 *
 * - **Exact counts.** Checkouts and releases are written in batches (what arrived while the
 *   previous batch committed, at most `maxBatch`), one transaction each: the entitlements the
 *   batch touches are locked (PostgreSQL `FOR UPDATE`, in id order), seats are chosen against
 *   their locked counts, leases inserted, counts written back. Another node's batch waits for
 *   the lock, so no two nodes can hand out the same seat; a CHECK in the database refuses
 *   `used > count` whatever happens above it. A checkout is answered 201 only after commit.
 * - **Time from the database.** Lease expiry is the database's now plus the lease time, and
 *   every node's sweep compares with the database's now.
 * - **Heartbeats in batches.** Heartbeats that arrive together are written as one UPDATE per
 *   customer, in one transaction.
 * - **Database away** (DESIGN §8). Checkouts get 503 UNAVAILABLE. A heartbeat of a lease this
 *   node knows (it granted it, or extended it before) is answered from memory until that
 *   lease's last known expiry, and written when the database is back; others get 503 (the SDK
 *   keeps heartbeating). Releases are owed and written first when it is back (a node that
 *   dies meanwhile loses them, and those leases lapse by themselves). The node probes the
 *   database and recovers by itself.
 */
import {
  type CheckoutRequest,
  type CheckoutResponse,
  type Clock,
  type FeaturesResponse,
  type FeatureView,
  isExpired,
  type LeaseGoneReason,
  type SeatSource,
  selectSeatSource,
  TesseraError,
  utcDate,
} from '@tessera/core';
import type { EndedLease } from '../store/leases.js';
import type { EntitlementRecord, LeaseExpiry, NewLease } from '../store/rows.js';
import type { Store } from '../store/store.js';
import type { AccountContext } from './account-service.js';
import { cloudId } from './ids.js';
import { SEAT_POLICY } from './policy.js';

export type CheckoutOutcome =
  | { ok: true; lease: CheckoutResponse }
  | {
      ok: false;
      code:
        | 'NO_SEATS'
        | 'UNKNOWN_FEATURE'
        | 'LICENSE_EXPIRED'
        | 'MAINTENANCE_EXPIRED'
        | 'CLOCK_TAMPERED'
        | 'UNAVAILABLE';
      message: string;
    };

export type HeartbeatOutcome =
  | { ok: true; expiresAt: string }
  | { ok: false; gone: true; reason: LeaseGoneReason }
  | { ok: false; gone: false; message: string };

export interface SeatLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SeatServiceOptions {
  store: Store;
  clock: Clock;
  nodeId: string;
  leaseSeconds: number;
  heartbeatSeconds: number;
  /** True for errors that mean "the database cannot be reached" (see store/db.ts). */
  isUnavailable: (err: unknown) => boolean;
  /** What such an error means, for the log (once per outage) and the 503s' message (store/db.ts). */
  describeOutage?: (err: unknown) => { kind: string; message: string; cause: string } | undefined;
  logger: SeatLogger;
  maxBatch?: number;
  sweepMs?: number;
}

/** Counters for metrics and tests. */
export interface SeatStats {
  batches: number;
  batchOps: number;
  heartbeatBatches: number;
  heartbeats: number;
  heartbeatsFromMemory: number;
  leasesSwept: number;
  lastBatchMs: number;
}

type BatchOp =
  | {
      kind: 'checkout';
      account: AccountContext;
      request: CheckoutRequest;
      count: number;
      releaseDate: string;
      settle: (o: CheckoutOutcome) => void;
    }
  | { kind: 'release'; account: AccountContext; leaseId: string; settle: (err?: TesseraError) => void };

/** What this node remembers of a lease, to answer its heartbeats while the database is away. */
interface HeldLease {
  customerId: string;
  /** Expiry on the database's clock, as last confirmed. */
  expiresAt: number;
  /** The same instant on this node's monotonic clock. */
  deadline: number;
}

/** A customer's subscription seats and their holders, as the portal shows them. */
export interface SubscriptionUsage {
  poolId: string;
  features: FeatureView[];
  holders: {
    feature: string;
    count: number;
    entitlementId: string;
    accountId: string;
    clientId: string;
    host: string | null;
    app: string | null;
    version: string | null;
    nodeId: string;
    since: string;
    expiresAt: string;
  }[];
}

type CheckoutResult =
  | { ok: true; lease: NewLease; poolId: string }
  | { ok: false; code: Exclude<CheckoutOutcome, { ok: true }>['code']; message: string };

export class SeatService {
  readonly stats: SeatStats = {
    batches: 0,
    batchOps: 0,
    heartbeatBatches: 0,
    heartbeats: 0,
    heartbeatsFromMemory: 0,
    leasesSwept: 0,
    lastBatchMs: 0,
  };
  private readonly maxBatch: number;
  private readonly ttlMs: number;
  private queue: BatchOp[] = [];
  private flushing = false;
  private scheduled = false;
  private hbQueue: HeartbeatBatch = new Map();
  private hbFlushing = false;
  private hbScheduled = false;
  /** Releases taken while the database was away (lease id -> customer), written when it is back. */
  private owedReleases = new Map<string, string>();
  /** Heartbeats answered from memory while the database was away, written when it is back. */
  private owedHeartbeats = new Map<string, Set<string>>();
  private readonly held = new Map<string, HeldLease>();
  private down = false;
  /** What the outage is, while `down`: its kind and the message clients get. */
  private outage: { kind: string; message: string } | undefined;
  private downSince = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private lastTouch = 0;
  private lastPrune = 0;
  private stopped = false;

  constructor(private readonly o: SeatServiceOptions) {
    this.maxBatch = o.maxBatch ?? SEAT_POLICY.maxBatch;
    this.ttlMs = o.leaseSeconds * 1000;
  }

  get leaseSeconds(): number {
    return this.o.leaseSeconds;
  }
  get heartbeatSeconds(): number {
    return this.o.heartbeatSeconds;
  }
  /** False while the database is unreachable. */
  get databaseUp(): boolean {
    return !this.down;
  }
  /** Leases this node remembers (granted or heartbeated here, not yet lapsed). */
  get leasesInMemory(): number {
    return this.held.size;
  }

  start(): void {
    this.sweepTimer = setInterval(() => void this.sweep(), this.o.sweepMs ?? SEAT_POLICY.sweepMs);
    this.sweepTimer.unref();
  }

  /** Stops timers and waits for batches in flight. Queued requests are answered 503. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.probeTimer) clearInterval(this.probeTimer);
    const deadline = Date.now() + 5_000;
    while ((this.flushing || this.hbFlushing || this.sweeping) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const op of this.queue.splice(0)) this.fail(op, 'the node is shutting down');
    for (const waiters of this.hbQueue.values()) {
      for (const list of waiters.values())
        for (const w of list) w({ ok: false, gone: false, message: 'shutting down' });
    }
    this.hbQueue.clear();
  }

  /** Called with connection errors the pool reports between queries: the database is away. */
  noteConnectionError(err: unknown): void {
    if (this.o.isUnavailable(err)) this.markDown(err);
  }

  // ---------------------------------------------------------------- client protocol

  checkout(account: AccountContext, request: CheckoutRequest): Promise<CheckoutOutcome> {
    if (this.down || this.stopped) return Promise.resolve(unavailable(this.outageMessage()));
    const count = request.count ?? 1;
    const releaseDate = request.client.releaseDate ?? utcDate(this.o.clock.now());
    return new Promise((settle) => {
      this.enqueue({ kind: 'checkout', account, request, count, releaseDate, settle });
    });
  }

  /**
   * Releases a lease of the account's customer; an unknown lease is released already. While
   * the database is away the release is owed: written first thing when it is back.
   */
  release(account: AccountContext, leaseId: string): Promise<void> {
    if (this.stopped) {
      return Promise.reject(new TesseraError('UNAVAILABLE', 'the node is shutting down; the lease is still held'));
    }
    if (this.down) {
      this.owe(account.customerId, leaseId);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.enqueue({
        kind: 'release',
        account,
        leaseId,
        settle: (err) => (err ? reject(err) : resolve()),
      });
    });
  }

  heartbeat(account: AccountContext, leaseId: string): Promise<HeartbeatOutcome> {
    if (this.down || this.stopped) return Promise.resolve(this.fromMemory(account.customerId, leaseId));
    return new Promise((settle) => {
      let byCustomer = this.hbQueue.get(account.customerId);
      if (!byCustomer) {
        byCustomer = new Map();
        this.hbQueue.set(account.customerId, byCustomer);
      }
      const waiters = byCustomer.get(leaseId);
      if (waiters) waiters.push(settle);
      else byCustomer.set(leaseId, [settle]);
      if (!this.hbScheduled && !this.hbFlushing) {
        this.hbScheduled = true;
        setImmediate(() => {
          this.hbScheduled = false;
          void this.flushHeartbeats();
        });
      }
    });
  }

  /** The customer's subscription seats (`GET /v1/features`). */
  async features(account: AccountContext): Promise<FeaturesResponse> {
    if (this.down) throw new TesseraError('UNAVAILABLE', this.outageMessage());
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

  // ---------------------------------------------------------------- checkout and release batches

  private enqueue(op: BatchOp): void {
    this.queue.push(op);
    if (!this.scheduled && !this.flushing) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        if (this.down) {
          this.settleWhileDown(batch, this.outageMessage());
          continue;
        }
        // Checkouts a snapshot already refuses are answered without taking the row locks: a
        // crowd of clients asking for seats that are all out would otherwise queue every
        // node's grants behind its denials. (A denial may miss a seat freed an instant ago;
        // a grant is only ever made under the lock.)
        const kept = await this.refuseFromSnapshot(batch);
        if (kept.length > 0) await this.commitBatch(kept);
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Writes a batch in one transaction and answers its operations. When the database refuses
   * the batch (rather than being away), its halves are tried again, down to single
   * operations: one bad operation fails alone and never takes other customers' with it.
   */
  private async commitBatch(batch: BatchOp[]): Promise<void> {
    if (this.down) {
      this.settleWhileDown(batch, this.outageMessage());
      return;
    }
    const started = performance.now();
    let results: (CheckoutResult | EndedLease[])[];
    let expiries: Map<string, LeaseExpiry>;
    try {
      ({ results, expiries } = await this.o.store.transaction((tx) => this.applyBatch(tx, batch)));
    } catch (err) {
      if (this.o.isUnavailable(err)) {
        this.markDown(err);
        this.settleWhileDown(batch, 'the lease could not be stored; nothing was granted');
      } else if (batch.length > 1) {
        this.o.logger.warn(
          { err, ops: batch.length },
          'the database refused a batch of checkouts and releases; splitting it',
        );
        const half = Math.ceil(batch.length / 2);
        await this.commitBatch(batch.slice(0, half));
        await this.commitBatch(batch.slice(half));
      } else {
        this.o.logger.error({ err }, 'the database refused a checkout or release; nothing of it was done');
        this.fail(batch[0]!, 'the lease could not be stored; nothing was granted');
      }
      return;
    }
    this.stats.batches++;
    this.stats.batchOps += batch.length;
    this.stats.lastBatchMs = performance.now() - started;
    const mono = this.o.clock.monotonic();
    batch.forEach((op, i) => {
      const r = results[i]!;
      if (op.kind === 'release') {
        this.held.delete(op.leaseId);
        op.settle();
        return;
      }
      const c = r as CheckoutResult;
      if (!c.ok) {
        op.settle({ ok: false, code: c.code, message: c.message });
        return;
      }
      const exp = expiries.get(c.lease.id)!;
      this.held.set(c.lease.id, {
        customerId: c.lease.customerId,
        expiresAt: exp.expiresAt,
        deadline: mono + (exp.expiresAt - exp.dbNow),
      });
      op.settle({
        ok: true,
        lease: {
          leaseId: c.lease.id,
          feature: c.lease.feature,
          count: c.lease.count,
          licenseId: c.lease.entitlementId,
          expiresAt: new Date(exp.expiresAt).toISOString(),
          heartbeatSeconds: this.o.heartbeatSeconds,
          leaseSeconds: this.o.leaseSeconds,
          poolId: c.poolId,
        },
      });
    });
  }

  /** With the database away: releases are owed (written when it is back), checkouts refused. */
  private settleWhileDown(batch: readonly BatchOp[], message: string): void {
    for (const op of batch) {
      if (op.kind === 'release') {
        this.owe(op.account.customerId, op.leaseId);
        op.settle();
      } else {
        this.fail(op, message);
      }
    }
  }

  /**
   * Answers the checkouts of `batch` that the current counts refuse (no locks taken) and
   * returns the rest. A failed read refuses nothing: the locked path decides.
   */
  private async refuseFromSnapshot(batch: BatchOp[]): Promise<BatchOp[]> {
    // Seats released in this batch may serve its checkouts: those customers' checkouts go to
    // the locked path whatever the snapshot says.
    const releasing = new Set(batch.flatMap((op) => (op.kind === 'release' ? [op.account.customerId] : [])));
    const keys = new Map<string, { customerId: string; feature: string }>();
    for (const op of batch) {
      if (op.kind === 'checkout' && !releasing.has(op.account.customerId)) {
        keys.set(`${op.account.customerId}\u0000${op.request.feature}`, {
          customerId: op.account.customerId,
          feature: op.request.feature,
        });
      }
    }
    if (keys.size === 0) return batch;
    let snapshot: EntitlementRecord[];
    try {
      snapshot = await this.o.store.entitlements.forSeats('subscription', [...keys.values()]);
    } catch {
      return batch;
    }
    const nowMs = this.o.clock.now();
    return batch.filter((op) => {
      if (op.kind !== 'checkout' || releasing.has(op.account.customerId)) return true;
      const sources = snapshot
        .filter((e) => e.customerId === op.account.customerId && e.feature === op.request.feature)
        .map((e) => ({ ...e, licenseId: e.id, inUse: e.used }));
      const picked = selectSeatSource(
        sources,
        { count: op.count, releaseDate: op.releaseDate },
        { nowMs, clockTampered: false },
      );
      if (picked.ok) return true;
      op.settle({ ok: false, code: picked.code, message: denialMessage(picked) });
      return false;
    });
  }

  /**
   * One batch in one transaction (re-runnable: a deadlock re-runs it from the start). Releases
   * first, so seats they free serve checkouts of the same batch.
   */
  private async applyBatch(
    tx: Store,
    batch: readonly BatchOp[],
  ): Promise<{ results: (CheckoutResult | EndedLease[])[]; expiries: Map<string, LeaseExpiry> }> {
    const releasesByCustomer = new Map<string, string[]>();
    const keys = new Map<string, { customerId: string; feature: string }>();
    for (const op of batch) {
      if (op.kind === 'release') {
        const list = releasesByCustomer.get(op.account.customerId) ?? [];
        list.push(op.leaseId);
        releasesByCustomer.set(op.account.customerId, list);
      } else {
        keys.set(`${op.account.customerId}\u0000${op.request.feature}`, {
          customerId: op.account.customerId,
          feature: op.request.feature,
        });
      }
    }
    // Lease rows first, then entitlement rows: every writer of both takes them in this order
    // (the sweep too), so two nodes cannot deadlock on them.
    const ended = new Map<string, EndedLease>();
    for (const [customerId, ids] of releasesByCustomer) {
      for (const l of await tx.leases.end(customerId, ids, 'RELEASED')) ended.set(l.id, l);
    }
    const locked = await tx.entitlements.lockForSeats(
      'subscription',
      [...keys.values()],
      [...new Set([...ended.values()].map((l) => l.entitlementId))],
    );
    const ents = new Map<string, EntitlementRecord>(locked.map((e) => [e.id, { ...e }]));
    const changed = new Set<string>();
    for (const l of ended.values()) {
      const e = ents.get(l.entitlementId);
      if (e) {
        e.used = Math.max(0, e.used - l.count);
        changed.add(e.id);
      }
    }
    const nowMs = this.o.clock.now();
    const newLeases: NewLease[] = [];
    const results: (CheckoutResult | EndedLease[])[] = batch.map((op) => {
      if (op.kind === 'release') return ended.has(op.leaseId) ? [ended.get(op.leaseId)!] : [];
      const sources: (SeatSource & { id: string })[] = [];
      for (const e of ents.values()) {
        if (e.customerId !== op.account.customerId || e.feature !== op.request.feature || e.type !== 'subscription') {
          continue;
        }
        sources.push({
          id: e.id,
          licenseId: e.id,
          count: e.count,
          inUse: e.used,
          expires: e.expires,
          maintenanceUntil: e.maintenanceUntil,
        });
      }
      const picked = selectSeatSource(
        sources,
        { count: op.count, releaseDate: op.releaseDate },
        { nowMs, clockTampered: false },
      );
      if (!picked.ok) return { ok: false, code: picked.code, message: denialMessage(picked) };
      const e = ents.get(picked.source.licenseId)!;
      e.used += op.count;
      changed.add(e.id);
      const lease: NewLease = {
        id: cloudId('lease', nowMs),
        customerId: op.account.customerId,
        entitlementId: e.id,
        feature: e.feature,
        count: op.count,
        accountId: op.account.accountId,
        clientId: op.request.client.id,
        host: op.request.client.host ?? null,
        app: op.request.client.app ?? null,
        version: op.request.client.version ?? null,
        releaseDate: op.releaseDate,
        nodeId: this.o.nodeId,
        createdAt: nowMs,
      };
      newLeases.push(lease);
      return { ok: true, lease, poolId: op.account.poolId };
    });
    const inserted = await tx.leases.insertMany(newLeases, this.ttlMs);
    await tx.entitlements.setUsed([...changed].map((id) => ({ id, used: ents.get(id)!.used })));
    return { results, expiries: new Map(inserted.map((x) => [x.id, x] as const)) };
  }

  /** A release taken while the database is away, to write when it is back. */
  private owe(customerId: string, leaseId: string): void {
    this.held.delete(leaseId);
    if (this.owedReleases.size < SEAT_POLICY.maxOwedReleases) this.owedReleases.set(leaseId, customerId);
  }

  private fail(op: BatchOp, message: string): void {
    if (op.kind === 'checkout') op.settle(unavailable(message));
    else op.settle(new TesseraError('UNAVAILABLE', `${message}; the lease is still held`));
  }

  // ---------------------------------------------------------------- heartbeats

  private async flushHeartbeats(): Promise<void> {
    if (this.hbFlushing) return;
    this.hbFlushing = true;
    try {
      while (this.hbQueue.size > 0) {
        const batch = this.hbQueue;
        this.hbQueue = new Map();
        await this.writeHeartbeats(batch);
      }
    } finally {
      this.hbFlushing = false;
    }
  }

  private async writeHeartbeats(batch: HeartbeatBatch): Promise<void> {
    if (this.down) {
      for (const [customerId, leases] of batch) {
        for (const [id, waiters] of leases) {
          const o = this.fromMemory(customerId, id);
          for (const w of waiters) w(o);
        }
      }
      return;
    }
    let extended: Map<string, LeaseExpiry>;
    let gone: Map<string, string>;
    try {
      ({ extended, gone } = await this.o.store.transaction(async (tx) => {
        const ext = new Map<string, LeaseExpiry>();
        const why = new Map<string, string>();
        for (const [customerId, leases] of batch) {
          const ids = [...leases.keys()];
          for (let i = 0; i < ids.length; i += SEAT_POLICY.maxHeartbeatBatch) {
            const slice = ids.slice(i, i + SEAT_POLICY.maxHeartbeatBatch);
            for (const x of await tx.leases.extend(customerId, slice, this.ttlMs)) ext.set(x.id, x);
          }
          const missing = ids.filter((id) => !ext.has(id));
          for (const [id, status] of await tx.leases.statusOf(customerId, missing)) why.set(id, status);
        }
        return { extended: ext, gone: why };
      }));
    } catch (err) {
      if (this.o.isUnavailable(err)) this.markDown(err);
      else if (countLeases(batch) > 1) {
        // Refused, not away: halves are tried again, so one bad lease id fails alone.
        this.o.logger.warn({ err }, 'the database refused a batch of heartbeats; splitting it');
        for (const half of halves(batch)) await this.writeHeartbeats(half);
        return;
      } else this.o.logger.error({ err }, 'the database refused a heartbeat');
      for (const [customerId, leases] of batch) {
        for (const [id, waiters] of leases) {
          const o = this.fromMemory(customerId, id);
          for (const w of waiters) w(o);
        }
      }
      return;
    }
    this.stats.heartbeatBatches++;
    const mono = this.o.clock.monotonic();
    for (const [customerId, leases] of batch) {
      for (const [id, waiters] of leases) {
        this.stats.heartbeats += waiters.length;
        const x = extended.get(id);
        let o: HeartbeatOutcome;
        if (x) {
          this.held.set(id, { customerId, expiresAt: x.expiresAt, deadline: mono + (x.expiresAt - x.dbNow) });
          o = { ok: true, expiresAt: new Date(x.expiresAt).toISOString() };
        } else {
          this.held.delete(id);
          o = { ok: false, gone: true, reason: goneReason(gone.get(id)) };
        }
        for (const w of waiters) w(o);
      }
    }
  }

  /**
   * A heartbeat answered without the database: yes while this node knows the lease and its
   * last confirmed expiry has not passed (the heartbeat is owed to the database, written when
   * it is back); otherwise 503, so the client keeps trying rather than giving the seat up.
   */
  private fromMemory(customerId: string, leaseId: string): HeartbeatOutcome {
    const h = this.held.get(leaseId);
    if (h && h.customerId === customerId && h.deadline > this.o.clock.monotonic()) {
      this.stats.heartbeatsFromMemory++;
      let owed = this.owedHeartbeats.get(customerId);
      if (!owed) {
        owed = new Set();
        this.owedHeartbeats.set(customerId, owed);
      }
      owed.add(leaseId);
      return { ok: true, expiresAt: new Date(h.expiresAt).toISOString() };
    }
    return { ok: false, gone: false, message: `${this.outageMessage()} (keep heartbeating)` };
  }

  // ---------------------------------------------------------------- outage and recovery

  /** Why checkouts get 503 now, in words. */
  private outageMessage(): string {
    return this.outage?.message ?? 'the license database is unreachable; try again';
  }

  private markDown(err: unknown): void {
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

  private probing = false;

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
    // Give back the seats released meanwhile, and write the heartbeats answered from memory
    // so those leases keep theirs.
    const releases = this.owedReleases;
    this.owedReleases = new Map();
    for (const [leaseId, customerId] of releases) {
      void this.release({ customerId, accountId: '', poolId: '' }, leaseId).catch(() => {});
    }
    const owed = this.owedHeartbeats;
    this.owedHeartbeats = new Map();
    for (const [customerId, ids] of owed) {
      for (const id of ids) {
        void this.heartbeat({ customerId, accountId: '', poolId: '' }, id);
      }
    }
  }

  private asUnavailable(err: unknown): unknown {
    if (this.o.isUnavailable(err)) {
      this.markDown(err);
      return new TesseraError('UNAVAILABLE', this.outageMessage());
    }
    return err;
  }

  // ---------------------------------------------------------------- sweeping

  /**
   * Frees lapsed leases (by the database's clock) and leases of subscriptions past their
   * term, says this node is alive, prunes old ended leases. Any node may sweep any lease:
   * the entitlement locks make concurrent sweeps safe.
   */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.down || this.stopped) return;
    this.sweeping = true;
    try {
      const lapsed = await this.o.store.leases.entitlementsWithLapsed(200);
      if (lapsed.length > 0) {
        this.stats.leasesSwept += await this.freeLeases(lapsed, (tx, ids) => tx.leases.endLapsed(ids));
      }
      const today = utcDate(this.o.clock.now());
      const pastTerm = await this.o.store.leases.entitlementsPastTerm(today, 200);
      if (pastTerm.length > 0) {
        await this.freeLeases(pastTerm, (tx, ids) => tx.leases.endAllOf(ids, 'LICENSE_EXPIRED'));
      }
      const now = this.o.clock.monotonic();
      if (now - this.lastTouch >= SEAT_POLICY.nodeTouchMs) {
        this.lastTouch = now;
        await this.o.store.nodes.touch(this.o.nodeId);
        for (const [id, h] of this.held) if (h.deadline < now - 60_000) this.held.delete(id);
      }
      if (now - this.lastPrune >= SEAT_POLICY.pruneEveryMs) {
        this.lastPrune = now;
        await this.o.store.leases.pruneEnded(SEAT_POLICY.keepEndedMs);
      }
    } catch (err) {
      if (this.o.isUnavailable(err)) this.markDown(err);
      else this.o.logger.error({ err }, 'sweeping leases failed');
    } finally {
      this.sweeping = false;
    }
  }

  private async freeLeases(
    entitlementIds: string[],
    end: (tx: Store, ids: string[]) => Promise<EndedLease[]>,
  ): Promise<number> {
    return this.o.store.transaction(async (tx) => {
      // Lease rows, then entitlement rows: the order of the checkout batches.
      const ended = await end(tx, entitlementIds);
      if (ended.length === 0) return 0;
      const ents = new Map<string, EntitlementRecord>(
        (await tx.entitlements.lockForSeats('subscription', [], [...new Set(ended.map((l) => l.entitlementId))])).map(
          (e) => [e.id, e],
        ),
      );
      for (const l of ended) {
        const e = ents.get(l.entitlementId);
        if (e) e.used = Math.max(0, e.used - l.count);
      }
      await tx.entitlements.setUsed([...ents.values()].map((e) => ({ id: e.id, used: e.used })));
      return ended.length;
    });
  }
}

type HeartbeatBatch = Map<string, Map<string, ((o: HeartbeatOutcome) => void)[]>>;

function countLeases(batch: HeartbeatBatch): number {
  let n = 0;
  for (const leases of batch.values()) n += leases.size;
  return n;
}

/** A heartbeat batch cut in two of about equal numbers of leases. */
function halves(batch: HeartbeatBatch): [HeartbeatBatch, HeartbeatBatch] {
  const entries = [...batch].flatMap(([customerId, leases]) => [...leases].map((l) => [customerId, l] as const));
  const half = Math.ceil(entries.length / 2);
  const build = (part: typeof entries): HeartbeatBatch => {
    const out: HeartbeatBatch = new Map();
    for (const [customerId, [id, waiters]] of part) {
      const leases = out.get(customerId) ?? new Map();
      leases.set(id, waiters);
      out.set(customerId, leases);
    }
    return out;
  };
  return [build(entries.slice(0, half)), build(entries.slice(half))];
}

function denialMessage(d: { code: string; message: string }): string {
  return d.code === 'UNKNOWN_FEATURE' ? 'this account has no subscription of this feature' : d.message;
}

function unavailable(message: string): CheckoutOutcome {
  return { ok: false, code: 'UNAVAILABLE', message };
}

const GONE_REASONS = new Set<LeaseGoneReason>([
  'EXPIRED',
  'RELEASED',
  'LICENSE_UNINSTALLED',
  'LICENSE_EXPIRED',
  'SEATS_REDUCED',
  'REVOKED_BY_ADMIN',
]);

function goneReason(status: string | undefined): LeaseGoneReason {
  if (status === undefined) return 'UNKNOWN_LEASE';
  if (status === 'LIVE') return 'EXPIRED';
  return GONE_REASONS.has(status as LeaseGoneReason) ? (status as LeaseGoneReason) : 'UNKNOWN_LEASE';
}
