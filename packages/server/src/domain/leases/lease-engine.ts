import {
  type CheckoutRequest,
  type Clock,
  type ClockGuard,
  type ClockMarkRestore,
  type FeaturesResponse,
  isExpired,
  type LeaseGoneReason,
  type LicenseClaims,
  newId,
  selectSeatSource,
  utcDate,
} from '@tessera/core';
import type { CommitQueue } from '../../store/commit-queue.js';
import type { HeldLeaseRow, LeaseRow, Store } from '../../store/store.js';
import { SERVER_POLICY } from '../policy.js';
import { ChangeGate } from './change-gate.js';
import { ExpiryWheel } from './expiry-wheel.js';
import type { CheckoutOutcome, EngineEvent, ExtraWrite, HeartbeatOutcome } from './lease-outcomes.js';
import { RecentlyGone } from './recently-gone.js';
import { type Lease, overflow, placeholderSource, SeatPool, type Source, type Victim } from './seat-pool.js';

export type { CheckoutOutcome, EngineEvent, ExtraWrite, HeartbeatOutcome } from './lease-outcomes.js';

export interface LeaseEngineOptions {
  store: Store;
  queue: CommitQueue;
  clock: Clock;
  clockGuard: ClockGuard;
  poolId: string;
  leaseSeconds: number;
  heartbeatSeconds: number;
  /** How often lapsed leases are looked for; they are freed within this plus one commit. */
  sweepMs?: number;
}

/**
 * The lease engine (docs/architecture.md). Admission runs in memory, single-threaded, so no two
 * checkouts can take the same seat; every change is then written through the group-commit
 * queue in FIFO order, and a checkout is answered only after its lease is on disk.
 *
 * Seats are taken at once (a checkout reserves before its write) and given back only after
 * the write that frees them commits (release, lapse), so what is on disk never holds more
 * seats than the licenses do.
 *
 * Every other change (a license installed, renewed or removed, a seat revoked) takes effect in
 * memory only once its write has committed: a failed write (a full disk) changes nothing, in
 * memory or on disk, and no holder is told its lease is gone. While a license change is being
 * written, checkouts of the features it touches wait for it (one commit), so none is admitted
 * against seats that are about to change.
 */
export class LeaseEngine {
  private readonly pool = new SeatPool();
  private readonly leases = new Map<string, Lease>();
  private readonly gone: RecentlyGone;
  private readonly wheel: ExpiryWheel<Lease>;
  private order = 0;
  private sweepTimer: NodeJS.Timeout | undefined;
  private listeners: ((e: EngineEvent) => void)[] = [];
  private heldSeats = 0;
  private lastMarkWrite = 0;
  /** License changes being written: checkouts of the features they touch wait. */
  private readonly changes = new ChangeGate();
  /** Sources whose leases are being revoked (license expiry), so the sweep asks once. */
  private readonly revoking = new Set<Source>();

  constructor(private readonly o: LeaseEngineOptions) {
    this.wheel = new ExpiryWheel<Lease>(o.clock.monotonic());
    this.gone = new RecentlyGone(o.clock.monotonic());
  }

  get poolId(): string {
    return this.o.poolId;
  }
  get leaseSeconds(): number {
    return this.o.leaseSeconds;
  }
  get heartbeatSeconds(): number {
    return this.o.heartbeatSeconds;
  }
  /**
   * New lease times (a settings change): from the next checkout or heartbeat on. A lease
   * keeps the deadline it has until then, so no client loses a seat by the change.
   */
  setLeaseTimes(leaseSeconds: number, heartbeatSeconds: number): void {
    this.o.leaseSeconds = leaseSeconds;
    this.o.heartbeatSeconds = heartbeatSeconds;
  }
  /** Leases held (committed or being committed). */
  get leaseCount(): number {
    return this.leases.size;
  }
  get seatsInUse(): number {
    return this.heldSeats;
  }
  get clockTampered(): boolean {
    return this.o.clockGuard.isTampered(this.o.clock.now());
  }

  onEvent(listener: (e: EngineEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  private emit(e: EngineEvent): void {
    for (const l of this.listeners) l(e);
  }

  /**
   * Loads licenses and leases from disk. Each lease gets one fresh TTL for this boot
   * (its old deadline was on the previous boot's monotonic clock). Leases that no longer fit
   * (their license gone, or more seats than it holds) are revoked, newest first.
   */
  load(
    licenses: readonly LicenseClaims[],
    leases: Iterable<HeldLeaseRow>,
  ): { revoked: number; clockMark: ClockMarkRestore | undefined } {
    for (const c of licenses) this.pool.attach(c);
    const deadline = this.o.clock.monotonic() + this.o.leaseSeconds * 1000;
    const orphans: Lease[] = [];
    const sourceOf = new Map<string, Source>();
    for (const s of this.pool.sources()) sourceOf.set(`${s.licenseId}\u0000${s.feature}`, s);
    for (const row of leases) {
      const source = sourceOf.get(`${row.licenseId}\u0000${row.feature}`);
      const lease: Lease = {
        id: row.leaseId,
        source: source ?? placeholderSource(row),
        count: row.count,
        deadline,
        order: ++this.order,
        state: 'held',
      };
      this.leases.set(lease.id, lease);
      if (!source) {
        orphans.push(lease);
        continue;
      }
      source.leases.add(lease);
      source.inUse += lease.count;
      this.heldSeats += lease.count;
      this.wheel.add(lease);
    }
    // A lease whose license is not in the pool: a flexible license is left out because its
    // last Sync is past valid-until (SYNC_EXPIRED); anything else was uninstalled.
    const flexibleIds = orphans.length > 0 ? new Set(this.o.store.flexible.licenseIds()) : new Set<string>();
    const revoke: Victim[] = orphans.map((lease) => ({
      lease,
      reason: flexibleIds.has(lease.source.licenseId) ? 'SYNC_EXPIRED' : 'LICENSE_UNINSTALLED',
    }));
    for (const s of this.pool.sources())
      for (const l of overflow(s)) revoke.push({ lease: l, reason: 'SEATS_REDUCED' });
    if (revoke.length > 0) {
      this.o.store.db.transaction(() => {
        for (const r of revoke) this.writeRevocation(r.lease.id, r.reason);
      })();
      for (const r of revoke) this.forget(r.lease, r.reason);
    }
    const now = this.o.clock.now();
    const persisted = this.o.store.meta.clockMark();
    const clockMark = persisted ? this.o.clockGuard.restore(persisted, now) : undefined;
    this.o.clockGuard.observe(now);
    // A mark taken back from a document is written at once, so the next start sees it too.
    if (clockMark?.clamped) this.o.store.meta.setClockMark(this.o.clockGuard.mark, now);
    this.o.store.leases.pruneGone(now - SERVER_POLICY.goneLeaseRetentionMs);
    return { revoked: revoke.length, clockMark };
  }

  start(): void {
    const every = this.o.sweepMs ?? SERVER_POLICY.leaseSweepMs;
    this.sweepTimer = setInterval(() => this.sweep(), every);
    this.sweepTimer.unref();
  }

  stop(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.persistClockMark();
  }

  // ---- client protocol ----

  checkout(req: CheckoutRequest): Promise<CheckoutOutcome> {
    const changing = this.changes.waitFor(req.feature);
    if (changing) return changing.then(() => this.checkout(req));
    const now = this.o.clock.now();
    const count = req.count ?? 1;
    const releaseDate = req.client.releaseDate ?? utcDate(now);
    const sources = this.pool.sourcesOf(req.feature);
    const picked = selectSeatSource(
      sources,
      { count, releaseDate },
      { nowMs: now, clockTampered: this.o.clockGuard.isTampered(now) },
    );
    if (!picked.ok) {
      this.emit({ kind: 'denied', feature: req.feature, count, code: picked.code });
      return Promise.resolve({ ok: false, code: picked.code, message: picked.message });
    }
    const source = picked.source as Source;
    const mono = this.o.clock.monotonic();
    const lease: Lease = {
      id: newId('lease', now),
      source,
      count,
      deadline: mono + this.o.leaseSeconds * 1000,
      order: ++this.order,
      state: 'pending',
    };
    this.reserve(lease);
    const row: LeaseRow = {
      leaseId: lease.id,
      licenseId: source.licenseId,
      feature: source.feature,
      count,
      clientId: req.client.id,
      host: req.client.host ?? null,
      app: req.client.app ?? null,
      version: req.client.version ?? null,
      releaseDate,
      createdAt: now,
    };
    const leases = this.o.store.leases;
    return this.o.queue
      .enqueue(() => leases.insert(row))
      .then(
        () => {
          if (lease.state === 'pending') lease.state = 'held';
          this.wheel.add(lease);
          this.emit({ kind: 'granted', feature: source.feature, count, leaseId: lease.id });
          return {
            ok: true as const,
            lease: {
              leaseId: lease.id,
              feature: source.feature,
              count,
              licenseId: source.licenseId,
              expiresAt: this.expiresAt(lease),
              heartbeatSeconds: this.o.heartbeatSeconds,
              leaseSeconds: this.o.leaseSeconds,
              poolId: this.o.poolId,
            },
          };
        },
        (err: unknown) => {
          this.unreserve(lease);
          this.leases.delete(lease.id);
          lease.state = 'gone'; // never granted: a change that counted it has nothing to end
          throw err;
        },
      );
  }

  heartbeat(leaseId: string): HeartbeatOutcome {
    const lease = this.leases.get(leaseId);
    const mono = this.o.clock.monotonic();
    // A lease whose release is being written is still on disk, so still held.
    if ((lease?.state !== 'held' && lease?.state !== 'ending') || lease.deadline < mono) {
      return { ok: false, reason: this.goneReason(leaseId, lease) };
    }
    lease.deadline = mono + this.o.leaseSeconds * 1000;
    return { ok: true, expiresAt: this.expiresAt(lease) };
  }

  /** Ends a lease at its holder's request; resolves once the release is on disk. Unknown ids resolve too. */
  release(leaseId: string): Promise<void> {
    const lease = this.leases.get(leaseId);
    if (lease?.state !== 'held') return Promise.resolve();
    return this.end(lease, 'RELEASED');
  }

  /**
   * An administrator takes a seat back; the holder hears REVOKED_BY_ADMIN at its next heartbeat,
   * once the revocation (with `write`, the audit entry) is on disk. False for an unknown lease.
   */
  revoke(leaseId: string, write?: ExtraWrite): Promise<boolean> {
    const lease = this.leases.get(leaseId);
    if (lease?.state !== 'held' && lease?.state !== 'pending' && lease?.state !== 'ending') {
      return Promise.resolve(false);
    }
    return this.o.queue
      .enqueue(() => {
        write?.();
        this.writeRevocation(lease.id, 'REVOKED_BY_ADMIN');
      })
      .then(() => {
        this.forget(lease, 'REVOKED_BY_ADMIN');
        return true;
      });
  }

  features(): FeaturesResponse {
    return this.pool.view(this.o.poolId, this.o.clock.now());
  }

  /** In-use seats per license and feature, for the admin tree. */
  usageOf(licenseId: string): Map<string, number> {
    return this.pool.usageOf(licenseId);
  }

  /** When a held lease lapses unless heartbeated (ISO); undefined once it is gone. */
  expiresAtOf(leaseId: string): string | undefined {
    const l = this.leases.get(leaseId);
    return l && l.state !== 'gone' ? this.expiresAt(l) : undefined;
  }

  hasLease(leaseId: string): boolean {
    const l = this.leases.get(leaseId);
    return l !== undefined && (l.state === 'held' || l.state === 'pending');
  }

  // ---- license changes ----

  /**
   * Installs or renews a license. `write` (the license row, audit) commits with the revocations
   * the change causes: leases beyond a reduced count lose their seats, newest first. The pool
   * changes only once that commit is done; if it fails, nothing changes. Resolves with the
   * number of leases revoked.
   */
  putLicense(claims: LicenseClaims, write: ExtraWrite): Promise<number> {
    const id = claims.licenseId;
    const touched = this.pool.featuresOf(id, claims);
    const victims = this.pool.victimsOf(id, claims, 'SEATS_REDUCED');
    const applied = this.o.queue
      .enqueue(() => {
        write();
        for (const v of victims) this.writeRevocation(v.lease.id, v.reason);
      })
      .then(() => {
        this.replaceLicense(id, claims, victims);
        this.o.clockGuard.acceptIssuedAt(Date.parse(claims.issuedAt), this.o.clock.now());
        return victims.length;
      });
    this.changes.hold(touched, applied);
    return applied;
  }

  /**
   * Removes a license from the pool: its leases are revoked with `reason` in the same
   * transaction as `write` (the tombstone), so no lease outlives its license on disk. The
   * holders hear it only once that commit is done; if it fails, nothing changes.
   */
  removeLicense(licenseId: string, reason: LeaseGoneReason, write: ExtraWrite): Promise<number> {
    const touched = this.pool.featuresOf(licenseId, null);
    const victims = this.pool.victimsOf(licenseId, null, reason);
    const leases = this.o.store.leases;
    const applied = this.o.queue
      .enqueue(() => {
        write();
        for (const v of victims) this.writeRevocation(v.lease.id, v.reason);
        // Anything on disk for this license that memory did not know of goes too.
        for (const row of leases.byLicense(licenseId)) this.writeRevocation(row.leaseId, reason);
      })
      .then(() => {
        this.replaceLicense(licenseId, null, victims);
        return victims.length;
      });
    this.changes.hold(touched, applied);
    return applied;
  }

  // ---- internals ----

  private reserve(lease: Lease): void {
    lease.source.leases.add(lease);
    lease.source.inUse += lease.count;
    this.heldSeats += lease.count;
    this.leases.set(lease.id, lease);
  }

  private unreserve(lease: Lease): void {
    if (lease.source.leases.delete(lease)) {
      lease.source.inUse -= lease.count;
      this.heldSeats -= lease.count;
    }
  }

  /** Drops a lease from memory once its end is on disk (once: a second end of it is a no-op). */
  private forget(lease: Lease, reason: LeaseGoneReason): void {
    if (lease.state === 'gone') return;
    this.unreserve(lease);
    if (this.leases.get(lease.id) === lease) this.leases.delete(lease.id);
    lease.state = 'gone';
    this.gone.add(lease.id, reason);
    this.emit({ kind: 'ended', feature: lease.source.feature, count: lease.count, leaseId: lease.id, reason });
  }

  private end(lease: Lease, reason: 'RELEASED' | 'EXPIRED'): Promise<void> {
    lease.state = 'ending';
    const leases = this.o.store.leases;
    return this.o.queue
      .enqueue(() => leases.delete(lease.id))
      .then(
        () => this.forget(lease, reason),
        (err: unknown) => {
          // Still on disk, so still held: released again later, or, when it lapsed, swept
          // again at the next pass (its seat stays counted until its end is written).
          if (lease.state === 'ending') {
            lease.state = 'held';
            if (reason === 'EXPIRED') this.wheel.add(lease);
          }
          throw err;
        },
      );
  }

  private writeRevocation(leaseId: string, reason: LeaseGoneReason): void {
    this.o.store.leases.delete(leaseId);
    this.o.store.leases.markGone(leaseId, reason, this.o.clock.now());
  }

  private goneReason(leaseId: string, lease: Lease | undefined): LeaseGoneReason {
    if (lease && (lease.state === 'held' || lease.state === 'ending')) return 'EXPIRED';
    const known = this.gone.get(leaseId);
    if (known) return known;
    const stored = this.o.store.leases.goneReason(leaseId);
    return (stored as LeaseGoneReason | undefined) ?? 'UNKNOWN_LEASE';
  }

  private expiresAt(lease: Lease): string {
    const msLeft = lease.deadline - this.o.clock.monotonic();
    return new Date(this.o.clock.now() + msLeft).toISOString();
  }

  /**
   * After a license change committed: `claims` (or nothing) replaces what the pool held for
   * `licenseId`, its leases move to the new sources, and the victims (revoked on disk in that
   * commit) are forgotten: from now on their holders hear LEASE_GONE.
   */
  private replaceLicense(licenseId: string, claims: LicenseClaims | null, victims: Victim[]): void {
    const old = this.pool.detach(licenseId);
    const fresh = claims ? this.pool.attach(claims) : [];
    const revoked = new Set(victims.map((v) => v.lease));
    for (const s of old) {
      const next = fresh.find((f) => f.feature === s.feature);
      const stay: Lease[] = [];
      for (const lease of s.leases) {
        if (lease.state === 'gone' || revoked.has(lease) || !next) {
          stay.push(lease);
          continue;
        }
        lease.source = next;
        next.leases.add(lease);
        next.inUse += lease.count;
      }
      // The old source keeps counting only what `forget` below removes.
      s.leases = new Set(stay);
      s.inUse = stay.reduce((n, l) => n + l.count, 0);
    }
    for (const v of victims) this.forget(v.lease, v.reason);
  }

  /** One expiry pass: lapsed leases, expired licenses, clock mark. The timer runs it; tests call it. */
  sweep(): void {
    const mono = this.o.clock.monotonic();
    this.wheel.advance(
      mono,
      (l) => l.state === 'held' && this.leases.get(l.id) === l,
      (l) => {
        this.end(l, 'EXPIRED').catch(() => undefined);
      },
    );
    const now = this.o.clock.now();
    for (const s of this.pool.sources()) {
      if (s.leases.size > 0 && isExpired(s, now)) this.revokeAll(s, 'LICENSE_EXPIRED');
    }
    this.gone.rotate(mono, Math.max(this.o.leaseSeconds * 2000, SERVER_POLICY.goneMemoryMinMs));
    if (this.o.clockGuard.observe(now) && now - this.lastMarkWrite > SERVER_POLICY.clockMarkWriteEveryMs)
      this.persistClockMark();
  }

  /** Revokes every lease of `s` (its license expired); the holders hear it once that is on disk. */
  private revokeAll(s: Source, reason: LeaseGoneReason): void {
    if (this.revoking.has(s)) return;
    const victims = [...s.leases].filter((l) => l.state !== 'gone');
    if (victims.length === 0) return;
    this.revoking.add(s);
    this.o.queue
      .enqueue(() => {
        for (const l of victims) this.writeRevocation(l.id, reason);
      })
      .then(
        () => {
          for (const l of victims) this.forget(l, reason);
        },
        () => undefined, // nothing changed; the next sweep tries again
      )
      .finally(() => this.revoking.delete(s));
  }

  private persistClockMark(): void {
    const mark = this.o.clockGuard.mark;
    const now = this.o.clock.now();
    this.lastMarkWrite = now;
    const meta = this.o.store.meta;
    this.o.queue.enqueue(() => meta.setClockMark(mark, now)).catch(() => undefined);
  }
}
