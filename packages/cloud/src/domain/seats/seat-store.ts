/**
 * What the seat engine needs of a database, and no more: the Cloud's `Store` is one, and a
 * cluster of License Servers on a shared database could offer another, reusing the batcher
 * and the outage ledger as they are.
 */
import type { SeatKey } from '../../store/entitlements.js';
import type { EndedLease } from '../../store/leases.js';
import type { EntitlementRecord, LeaseExpiry, LeaseRecord, NewLease } from '../../store/rows.js';

export type { EndedLease, SeatKey };

/** Entitlement rows as the seat engine reads and writes them (subscription seats only). */
export interface SeatEntitlements {
  list(f: { customerId: string; type: 'subscription' }): Promise<EntitlementRecord[]>;
  /** A snapshot of the seats of these keys, no locks taken. */
  forSeats(type: 'subscription', keys: readonly SeatKey[]): Promise<EntitlementRecord[]>;
  /** The rows of these keys and ids, locked until commit (in id order, so nodes never deadlock). */
  lockForSeats(type: 'subscription', keys: readonly SeatKey[], ids: readonly string[]): Promise<EntitlementRecord[]>;
  setUsed(changes: Iterable<{ id: string; used: number }>): Promise<void>;
}

/** Leases, on the database's clock: expiry is its now plus the lease time. */
export interface SeatLeases {
  insertMany(leases: readonly NewLease[], ttlMs: number): Promise<LeaseExpiry[]>;
  end(customerId: string | undefined, ids: readonly string[], reason: string): Promise<EndedLease[]>;
  extend(customerId: string, ids: readonly string[], ttlMs: number): Promise<LeaseExpiry[]>;
  /** Why each of these leases is no longer live (`LIVE` when it is but has lapsed). */
  statusOf(customerId: string, ids: readonly string[]): Promise<Map<string, string>>;
  entitlementsWithLapsed(limit: number): Promise<string[]>;
  endLapsed(entitlementIds: readonly string[]): Promise<EndedLease[]>;
  entitlementsPastTerm(today: string, limit: number): Promise<string[]>;
  endAllOf(entitlementIds: readonly string[], reason: string): Promise<EndedLease[]>;
  liveOfCustomer(customerId: string): Promise<LeaseRecord[]>;
  pruneEnded(keepMs: number): Promise<number>;
}

export interface SeatStore {
  readonly entitlements: SeatEntitlements;
  readonly leases: SeatLeases;
  readonly nodes: { touch(nodeId: string): Promise<void> };
  /** Runs `fn` in one transaction; it may be re-run after a deadlock, so it has no other effects. */
  transaction<T>(fn: (tx: SeatStore) => Promise<T>): Promise<T>;
  /** A cheap round trip that fails while the database cannot take writes. */
  ping(): Promise<void>;
}
