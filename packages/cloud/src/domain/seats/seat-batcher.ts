/**
 * Writes seat operations in batches, so that a crowd of clients costs a few transactions:
 *
 * - **Checkouts and releases**: what arrived while the previous batch committed (at most
 *   `maxBatch`) is one transaction. The entitlements it touches are locked (PostgreSQL
 *   `FOR NO KEY UPDATE`, in id order), seats are chosen against their locked counts, leases
 *   inserted, counts written back; another node's batch waits for the lock, so no two nodes
 *   hand out the same seat, and a CHECK in the database refuses `used > count` whatever
 *   happens above it. A checkout is answered only after commit.
 * - **Heartbeats**: those that arrive together are one UPDATE per customer, in one transaction.
 *
 * A batch the database refuses (rather than being away) is cut in halves and tried again, so
 * one bad operation fails alone. With the database away, the outage ledger answers instead.
 */
import { type CheckoutRequest, type Clock, TesseraError } from '@tessera/core';
import type { LeaseExpiry } from '../../store/rows.js';
import type { AccountContext } from '../account-service.js';
import { SEAT_POLICY } from '../policy.js';
import { InFlight } from './in-flight.js';
import type { OutageLedger } from './outage-ledger.js';
import {
  type CheckoutOutcome,
  type HeartbeatOutcome,
  type SeatLogger,
  type SeatStats,
  unavailable,
} from './outcomes.js';
import type { SeatStore } from './seat-store.js';
import {
  applyBatch,
  type BatchOp,
  type BatchResult,
  type CheckoutResult,
  extendLeases,
  goneReason,
  type HeartbeatBatch,
  refuseFromSnapshot,
} from './seat-transactions.js';

export interface SeatBatcherOptions {
  store: SeatStore;
  ledger: OutageLedger;
  clock: Clock;
  nodeId: string;
  leaseSeconds: number;
  heartbeatSeconds: number;
  logger: SeatLogger;
  stats: SeatStats;
  maxBatch: number;
}

export class SeatBatcher {
  private readonly ttlMs: number;
  private queue: BatchOp[] = [];
  private flushing = false;
  private scheduled = false;
  private hbQueue: HeartbeatBatch = new Map();
  private hbFlushing = false;
  private hbScheduled = false;
  private readonly inFlight = new InFlight();

  constructor(private readonly o: SeatBatcherOptions) {
    this.ttlMs = o.leaseSeconds * 1000;
  }

  /** Settles once no batch is being written (including batches started meanwhile). */
  idle(): Promise<void> {
    return this.inFlight.settled();
  }

  checkout(
    account: AccountContext,
    request: CheckoutRequest,
    count: number,
    releaseDate: string,
  ): Promise<CheckoutOutcome> {
    return new Promise((settle) => {
      this.enqueue({ kind: 'checkout', account, request, count, releaseDate, settle });
    });
  }

  release(account: AccountContext, leaseId: string): Promise<void> {
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
          void this.inFlight.track(this.flushHeartbeats());
        });
      }
    });
  }

  /** Answers everything still queued: checkouts and releases 503 with `message`, heartbeats "shutting down". */
  failQueued(message: string): void {
    for (const op of this.queue.splice(0)) this.fail(op, message);
    for (const waiters of this.hbQueue.values()) {
      for (const list of waiters.values())
        for (const w of list) w({ ok: false, gone: false, message: 'shutting down' });
    }
    this.hbQueue.clear();
  }

  // ---------------------------------------------------------------- checkouts and releases

  private enqueue(op: BatchOp): void {
    this.queue.push(op);
    if (!this.scheduled && !this.flushing) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.inFlight.track(this.flush());
      });
    }
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.o.maxBatch);
        if (this.o.ledger.isDown) {
          this.settleWhileDown(batch, this.o.ledger.message());
          continue;
        }
        // Checkouts a snapshot already refuses are answered without taking the row locks: a
        // crowd of clients asking for seats that are all out would otherwise queue every
        // node's grants behind its denials. (A denial may miss a seat freed an instant ago;
        // a grant is only ever made under the lock.)
        const kept = await refuseFromSnapshot(this.o.store, batch, () => this.o.clock.now());
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
    if (this.o.ledger.isDown) {
      this.settleWhileDown(batch, this.o.ledger.message());
      return;
    }
    const started = performance.now();
    let written: BatchResult;
    try {
      written = await this.o.store.transaction((tx) =>
        applyBatch(tx, batch, { nodeId: this.o.nodeId, ttlMs: this.ttlMs, now: () => this.o.clock.now() }),
      );
    } catch (err) {
      if (this.o.ledger.noteError(err)) {
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
    this.o.stats.batches++;
    this.o.stats.batchOps += batch.length;
    this.o.stats.lastBatchMs = performance.now() - started;
    this.answer(batch, written);
  }

  /** Answers the operations of a committed batch, and remembers the leases it granted. */
  private answer(batch: readonly BatchOp[], { results, expiries }: BatchResult): void {
    const mono = this.o.clock.monotonic();
    batch.forEach((op, i) => {
      if (op.kind === 'release') {
        this.o.ledger.forget(op.leaseId);
        op.settle();
        return;
      }
      const c = results[i]! as CheckoutResult;
      if (!c.ok) {
        op.settle({ ok: false, code: c.code, message: c.message });
        return;
      }
      const exp = expiries.get(c.lease.id)!;
      this.o.ledger.remember(c.lease.customerId, c.lease.id, exp, mono);
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
        this.o.ledger.oweRelease(op.account.customerId, op.leaseId);
        op.settle();
      } else {
        this.fail(op, message);
      }
    }
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
    if (this.o.ledger.isDown) {
      this.answerFromMemory(batch);
      return;
    }
    let extended: Map<string, LeaseExpiry>;
    let gone: Map<string, string>;
    try {
      ({ extended, gone } = await this.o.store.transaction((tx) =>
        extendLeases(tx, batch, this.ttlMs, SEAT_POLICY.maxHeartbeatBatch),
      ));
    } catch (err) {
      const away = this.o.ledger.noteError(err);
      if (!away && countLeases(batch) > 1) {
        // Refused, not away: halves are tried again, so one bad lease id fails alone.
        this.o.logger.warn({ err }, 'the database refused a batch of heartbeats; splitting it');
        for (const half of halves(batch)) await this.writeHeartbeats(half);
        return;
      }
      if (!away) this.o.logger.error({ err }, 'the database refused a heartbeat');
      this.answerFromMemory(batch);
      return;
    }
    this.o.stats.heartbeatBatches++;
    const mono = this.o.clock.monotonic();
    for (const [customerId, leases] of batch) {
      for (const [id, waiters] of leases) {
        this.o.stats.heartbeats += waiters.length;
        const x = extended.get(id);
        let o: HeartbeatOutcome;
        if (x) {
          this.o.ledger.remember(customerId, id, x, mono);
          o = { ok: true, expiresAt: new Date(x.expiresAt).toISOString() };
        } else {
          this.o.ledger.forget(id);
          o = { ok: false, gone: true, reason: goneReason(gone.get(id)) };
        }
        for (const w of waiters) w(o);
      }
    }
  }

  private answerFromMemory(batch: HeartbeatBatch): void {
    for (const [customerId, leases] of batch) {
      for (const [id, waiters] of leases) {
        const o = this.o.ledger.fromMemory(customerId, id);
        for (const w of waiters) w(o);
      }
    }
  }
}

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
