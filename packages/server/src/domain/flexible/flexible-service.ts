/**
 * Flexible licensing on the License Server (docs/flexible.md): the Report it writes, the Sync
 * it applies, and how long the flexible seats are served without a newer Sync.
 *
 * All state lives in the database (migration 3), whatever mode the server runs in:
 * - the report sequence, taken (committed) before a Report is written;
 * - what is still unacknowledged: the closed usage hours after the last Sync's
 *   `acknowledgedThrough`, so a newer Report covers an older one and a restart loses nothing;
 * - every Sync applied (the last one says valid-until, next sync, acknowledged-through);
 * - the flexible licenses of the last Sync, which the lease engine serves like installed ones;
 * - the enrollment code, until the first Sync is applied;
 * - the monotonic time spent since the last Sync was applied, so setting the clock back
 *   does not stretch valid-until.
 */
import type { KeyObject } from 'node:crypto';
import {
  assertIssuedNotAhead,
  type Clock,
  type ClockGuard,
  type FactorHashes,
  type Keyring,
  TesseraError,
} from '@tessera/core';
import type { CommitQueue } from '../../store/commit-queue.js';
import type { FlexibleRepo } from '../../store/flexible.js';
import type { FlexibleLicenseRow, FlexibleSyncRow, Store } from '../../store/store.js';
import type { Actor, AuditEntry, AuditLog } from '../audit.js';
import type { LeaseEngine } from '../leases/lease-engine.js';
import type { LicensingMode } from '../licensing-mode.js';
import { SERVER_POLICY } from '../policy.js';
import { hourOf } from '../usage-meter.js';
import { type ReportClaims, signReport, verifySync } from './documents.js';
import {
  claimsOfSync,
  type FlexibleStatus,
  flexibleLicensesAtStart,
  KEY,
  maxHour,
  type ReportMade,
  type SyncApplied,
} from './flexible-state.js';
import { explainUntrustedSync, type KeyOrigins } from './untrusted-key.js';

export type { FlexibleStatus, ReportMade, SyncApplied } from './flexible-state.js';

export interface FlexibleServiceDeps {
  store: Store;
  queue: CommitQueue;
  engine: LeaseEngine;
  clockGuard: ClockGuard;
  clock: Clock;
  audit: AuditLog;
  keyring: Keyring;
  /** Where the keyring's keys came from, named when a Sync is signed by another key. */
  keyOrigins: KeyOrigins;
  identity: { serverId: string; privateKey: KeyObject };
  currentFactors: () => FactorHashes;
  /** The server's Server ID file text, for the enrollment a first Report carries. */
  serverIdFile: () => Promise<string>;
}

/** Told that this server has just enrolled with the Cloud. */
export type EnrolledListener = () => Promise<void>;

export class FlexibleService {
  readonly repo: FlexibleRepo;
  private mode: LicensingMode = 'perpetual';
  /** Flexible licenses are in the lease engine's pool now. */
  private serving: boolean;
  private monoBase: number;
  private elapsedBase: number;
  /** Of the last Sync applied (cached: checked on every checkout): valid-until, and the monotonic budget. */
  private validUntilWall: number | null;
  private budgetMs: number;
  /** Set by the online syncer: when it tries next. */
  nextAttemptAt: number | null = null;
  private lastPersist = 0;
  /** Writes the running usage hour, so the hours a Report carries are final. */
  private flushUsage: (() => Promise<void>) | undefined;
  private readonly enrolledListeners: EnrolledListener[] = [];

  constructor(private readonly d: FlexibleServiceDeps) {
    this.repo = d.store.flexible;
    // Until a server start says otherwise (the CLI on a data dir): the mode it ran in last.
    this.mode = this.recordedMode();
    this.monoBase = d.clock.monotonic();
    this.elapsedBase = Number(this.repo.state(KEY.elapsedMs) ?? '0');
    this.serving = flexibleLicensesAtStart(d.store, d.clock.now()).length > 0;
    const last = this.repo.lastSync();
    this.validUntilWall = last ? Date.parse(last.validUntil) : null;
    this.budgetMs = Number(this.repo.state(KEY.budgetMs) ?? '0');
  }

  setUsageFlush(flush: () => Promise<void>): void {
    this.flushUsage = flush;
  }

  /**
   * Called once an enrollment succeeds (the first Sync applied while an enrollment code was
   * pending), before `applySync` answers; a listener's failure is its own and fails no Sync.
   */
  onEnrolled(listener: EnrolledListener): void {
    this.enrolledListeners.push(listener);
  }

  /** Records the mode and Cloud URLs the server runs with (the CLI reads them when no server runs). */
  configure(mode: LicensingMode, cloudUrls: readonly string[], enrollCode: string | undefined): void {
    this.mode = mode;
    const repo = this.repo;
    repo.setState(KEY.mode, mode);
    if (cloudUrls.length > 0) repo.setState(KEY.cloudUrls, JSON.stringify(cloudUrls));
    if (enrollCode !== undefined) {
      if (this.repo.lastSync()) {
        // Already enrolled: a code given again is harmless, and not sent.
      } else repo.setState(KEY.enrollCode, enrollCode);
    }
  }

  get currentMode(): LicensingMode {
    return this.mode;
  }

  /** The Cloud URLs given at the last start (`--cloud`). */
  cloudUrls(): string[] {
    const raw = this.repo.state(KEY.cloudUrls);
    return raw ? (JSON.parse(raw) as string[]) : [];
  }

  /** Mode the server last ran in, as recorded at its start. */
  recordedMode(): LicensingMode {
    return (this.repo.state(KEY.mode) as LicensingMode | undefined) ?? 'perpetual';
  }

  requireMode(action: string, allowed: readonly LicensingMode[]): void {
    if (!allowed.includes(this.mode)) {
      throw new TesseraError(
        'MODE_MISMATCH',
        `${action} is for a License Server in mode ${allowed.join(' or ')}; this one runs in mode ${this.mode}` +
          ` (tessera server start --mode ${allowed[0]})`,
        { details: { mode: this.mode, allowed } },
      );
    }
  }

  // ---- valid-until ----

  private elapsedMs(): number {
    return this.elapsedBase + (this.d.clock.monotonic() - this.monoBase);
  }

  /** Valid-until as this server measures it, epoch ms, or null before any Sync. */
  validUntilMs(): number | null {
    if (this.validUntilWall === null) return null;
    const byMonotonic = this.d.clock.now() + (this.budgetMs - this.elapsedMs());
    return Math.min(this.validUntilWall, byMonotonic);
  }

  /** True before any Sync, and once the last Sync's valid-until has passed by either clock. */
  isExpired(): boolean {
    if (this.validUntilWall === null) return true;
    return this.d.clock.now() > this.validUntilWall || this.elapsedMs() > this.budgetMs;
  }

  /**
   * Takes the flexible licenses out of the pool once valid-until has passed; their held leases
   * hear LEASE_GONE (SYNC_EXPIRED) at their next heartbeat. Cheap; the server calls it every
   * second and before each checkout. Also writes the monotonic time spent now and then.
   */
  checkExpiry(): void {
    if (this.validUntilWall === null) return;
    const now = this.d.clock.now();
    if (now - this.lastPersist > SERVER_POLICY.flexibleElapsedPersistMs) this.persistElapsed();
    if (!this.serving || !this.isExpired()) return;
    this.serving = false;
    const ids = this.repo.licenses().map((r) => r.licenseId);
    const audit = this.d.audit.writer({
      actor: { id: 'system', role: 'admin' },
      action: 'sync.expired',
      target: this.d.identity.serverId,
      outcome: 'ok',
      detail: { licenses: ids },
    });
    let first = true;
    for (const id of ids) {
      const write = first ? audit : () => undefined;
      first = false;
      this.d.engine.removeLicense(id, 'SYNC_EXPIRED', write).catch(() => {
        this.serving = true; // retried at the next check
      });
    }
  }

  /** Why a checkout of `feature` found nothing: its seats are flexible and valid-until passed. */
  refusal(feature: string): { code: 'SYNC_EXPIRED'; message: string } | undefined {
    if (this.serving) return undefined;
    const last = this.repo.lastSync();
    if (!last) return undefined;
    const has = this.repo.licenses().some((r) => r.claims.features.some((f) => f.name === feature));
    if (!has) return undefined;
    return {
      code: 'SYNC_EXPIRED',
      message: `the seats of ${feature} come from flexible licenses whose last Sync (${last.syncCounter}) was valid until ${last.validUntil}; resync with the Cloud (Resync Info, or import a newer Sync File)`,
    };
  }

  /** Writes the monotonic time spent since the last Sync (every 30 s and at stop). */
  persistElapsed(): Promise<unknown> {
    if (this.validUntilWall === null) return Promise.resolve();
    this.lastPersist = this.d.clock.now();
    const value = String(Math.round(this.elapsedMs()));
    const repo = this.repo;
    return this.d.queue.enqueue(() => repo.setState(KEY.elapsedMs, value)).catch(() => undefined);
  }

  // ---- Report ----

  /**
   * Create Report File: everything still unacknowledged (closed hours after the last Sync's
   * acknowledgedThrough), signed by the server key. The sequence is committed first, so two
   * Reports never share one, even across a crash.
   */
  async createReport(actor: Actor): Promise<ReportMade> {
    await this.flushUsage?.().catch(() => undefined);
    const now = this.d.clock.now();
    const last = this.repo.lastSync();
    const ack = last?.acknowledgedThrough ?? null;
    const usage = this.repo.pendingUsage(ack ?? '', hourOf(now));
    const code = last ? undefined : this.repo.state(KEY.enrollCode);
    const sequence = this.repo.lastReportSequence() + 1;
    const createdAt = new Date(now).toISOString();
    const repo = this.repo;
    await this.d.queue.enqueue(() => {
      repo.insertReport({ sequence, createdAt, acknowledgedThrough: ack, hours: usage.length });
      this.d.audit.writer({
        actor,
        action: 'report.create',
        target: String(sequence),
        outcome: 'ok',
        detail: { hours: usage.length, acknowledgedThrough: ack, enrollment: code !== undefined },
      })();
    });
    const claims: ReportClaims = {
      serverId: this.d.identity.serverId,
      sequence,
      createdAt,
      factors: this.d.currentFactors(),
      acknowledgedThrough: ack,
      // The rows carry exactly a Report's usage fields (the query names them), so no copy is made.
      usage,
    };
    if (code !== undefined) claims.enrollment = { code, serverIdDocument: await this.d.serverIdFile() };
    const file = await signReport(claims, this.d.identity.privateKey);
    return { file, sequence, hours: usage.length, acknowledgedThrough: ack, enrollment: code !== undefined };
  }

  // ---- Sync ----

  /**
   * Applies a Sync (from the Cloud or an imported file). Verified with the vendor keyring,
   * for this server, newer than the last one applied; anything else is refused and changes
   * nothing. Then, in one commit: the flexible licenses replace the old ones in the pool
   * (fewer seats revoke the newest leases, SEATS_REDUCED), hours ≤ acknowledgedThrough leave
   * later Reports, the Sync is stored, and the clock guard's mark becomes the Sync's issuedAt.
   */
  async applySync(actor: Actor, fileText: string, source: 'online' | 'file'): Promise<SyncApplied> {
    let applied: SyncApplied;
    const enrolling = this.repo.lastSync() === undefined && this.repo.state(KEY.enrollCode) !== undefined;
    try {
      applied = await this.applySyncUnaudited(actor, fileText, source);
    } catch (err) {
      const code = err instanceof TesseraError ? err.code : 'INTERNAL';
      this.d.audit.recordRefusal({
        actor,
        action: 'sync.apply',
        target: this.d.identity.serverId,
        outcome: `refused:${code}`,
        detail: { message: err instanceof Error ? err.message : String(err), source },
      });
      throw err;
    }
    if (enrolling) {
      for (const listener of this.enrolledListeners) await listener().catch(() => undefined);
    }
    return applied;
  }

  /** The Sync's signature, server, date, counter and report sequence checked; refused with words otherwise. */
  private async verifiedSync(fileText: string, source: 'online' | 'file') {
    const { claims: sync, jws } = await verifySync(fileText, this.d.keyring).catch((err: unknown) => {
      throw explainUntrustedSync(err, this.d.keyOrigins, { source, cloudUrls: this.cloudUrls() });
    });
    const serverId = this.d.identity.serverId;
    if (sync.serverId !== serverId) {
      throw new TesseraError('WRONG_SERVER', `this Sync is for server ${sync.serverId}; this server is ${serverId}`, {
        details: { syncServerId: sync.serverId, serverId },
      });
    }
    assertIssuedNotAhead(`Sync ${sync.syncCounter}`, sync.issuedAt, this.d.clock.now(), this.d.clockGuard.toleranceMs);
    const last = this.repo.lastSync();
    if (last && sync.syncCounter <= last.syncCounter) {
      const same = last.document === jws;
      throw new TesseraError(
        'SYNC_NOT_NEWER',
        same
          ? `this Sync (${sync.syncCounter}) was applied already, at ${last.appliedAt}; nothing was changed`
          : `this Sync (${sync.syncCounter}) is older than the one applied last (${last.syncCounter}); nothing was changed`,
        { details: { syncCounter: sync.syncCounter, lastSyncCounter: last.syncCounter } },
      );
    }
    const sequence = this.repo.lastReportSequence();
    if (sync.reportSequence > sequence) {
      throw new TesseraError(
        'DOC_INVALID',
        `this Sync answers report ${sync.reportSequence}, but this server has written ${sequence} report(s); it belongs to another installation`,
      );
    }
    return { sync, jws, last };
  }

  private async applySyncUnaudited(actor: Actor, fileText: string, source: 'online' | 'file'): Promise<SyncApplied> {
    const { sync, jws, last } = await this.verifiedSync(fileText, source);
    const serverId = this.d.identity.serverId;
    const now = this.d.clock.now();
    const factors = this.d.currentFactors();
    const perpetual = new Set(this.d.store.licenses.all().map((r) => r.licenseId));
    const fresh = claimsOfSync(sync, factors).filter((c) => !perpetual.has(c.licenseId));
    const old = this.repo.licenses();
    // acknowledgedThrough never goes back: an older mark would report hours twice.
    const ack = maxHour(last?.acknowledgedThrough ?? null, sync.acknowledgedThrough);
    const budget = Math.max(0, Date.parse(sync.validUntil) - now);
    const row: FlexibleSyncRow = {
      syncCounter: sync.syncCounter,
      reportSequence: sync.reportSequence,
      acknowledgedThrough: ack,
      issuedAt: sync.issuedAt,
      validUntil: sync.validUntil,
      nextSyncSeconds: sync.nextSyncSeconds,
      appliedAt: new Date(now).toISOString(),
      source,
      document: jws,
    };
    const rows: FlexibleLicenseRow[] = fresh.map((c) => ({
      licenseId: c.licenseId,
      revision: c.revision,
      customer: c.customer,
      claims: c,
      syncCounter: sync.syncCounter,
    }));
    const repo = this.repo;
    const guard = this.d.clockGuard;
    // The vendor's word on time, but never past the local clock (docs/architecture.md; see ClockGuard).
    const markMs = Math.min(Date.parse(sync.issuedAt), now);
    const meta = this.d.store.meta;
    const audit = this.d.audit.writer({
      actor,
      action: 'sync.apply',
      target: serverId,
      outcome: 'ok',
      detail: {
        syncCounter: sync.syncCounter,
        source,
        licenses: fresh.map((c) => `${c.licenseId}@${c.revision}`),
        acknowledgedThrough: ack,
        validUntil: sync.validUntil,
      },
    });
    const stateWrite = () => {
      repo.replaceLicenses(rows);
      repo.insertSync(row);
      repo.setState(KEY.budgetMs, String(budget));
      repo.setState(KEY.elapsedMs, '0');
      repo.deleteState(KEY.enrollCode);
      repo.deleteState(KEY.lastFailure);
      meta.setClockMark(markMs, now);
      audit();
    };
    // One transaction, however many licenses the Sync carries: the Sync's state and each
    // license's lease revocations commit together or not at all.
    const changes = this.d.queue.atomically(() => {
      const out: Promise<number>[] = [this.d.queue.enqueue(stateWrite).then(() => 0)];
      const freshIds = new Set(fresh.map((c) => c.licenseId));
      if (this.serving) {
        for (const o of old) {
          if (!freshIds.has(o.licenseId)) {
            out.push(this.d.engine.removeLicense(o.licenseId, 'SEATS_REDUCED', () => undefined));
          }
        }
      }
      const oldById = new Map(old.map((o) => [o.licenseId, o]));
      for (const c of fresh) {
        const before = oldById.get(c.licenseId);
        if (this.serving && before && JSON.stringify(before.claims.features) === JSON.stringify(c.features)) continue;
        out.push(this.d.engine.putLicense(c, () => undefined));
      }
      return out;
    });
    const results = await Promise.allSettled(changes);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    guard.reset(markMs, now);
    this.serving = true;
    this.monoBase = this.d.clock.monotonic();
    this.elapsedBase = 0;
    this.validUntilWall = Date.parse(sync.validUntil);
    this.budgetMs = budget;
    const revokedLeases = results.reduce((n, r) => n + (r.status === 'fulfilled' ? r.value : 0), 0);
    return {
      syncCounter: sync.syncCounter,
      licenses: fresh.length,
      seats: fresh.reduce((n, c) => n + c.features.reduce((m, f) => m + f.count, 0), 0),
      revokedLeases,
      acknowledgedThrough: ack,
      validUntil: sync.validUntil,
    };
  }

  /** Writes an audit entry of a flexible action that changes no state of its own (Send Report File). */
  recordAudit(e: AuditEntry): void {
    this.d.audit.record(e);
  }

  /** Remembers why the last exchange failed (shown on the Dashboard until a Sync is applied). */
  recordFailure(code: string, message: string): void {
    const value = JSON.stringify({ at: new Date(this.d.clock.now()).toISOString(), code, message });
    const repo = this.repo;
    this.d.queue.enqueue(() => repo.setState(KEY.lastFailure, value)).catch(() => undefined);
  }

  status(): FlexibleStatus {
    const last = this.repo.lastSync();
    const validUntil = this.validUntilMs();
    const failure = this.repo.state(KEY.lastFailure);
    const ack = last?.acknowledgedThrough ?? '';
    return {
      mode: this.mode,
      serverId: this.d.identity.serverId,
      enrolled: last !== undefined,
      enrollmentPending: this.repo.state(KEY.enrollCode) !== undefined,
      cloudUrls: this.cloudUrls(),
      reportSequence: this.repo.lastReportSequence(),
      pendingHours: this.repo.pendingUsageCount(ack, hourOf(this.d.clock.now())),
      lastSync: last
        ? {
            syncCounter: last.syncCounter,
            appliedAt: last.appliedAt,
            source: last.source,
            issuedAt: last.issuedAt,
            validUntil: last.validUntil,
            acknowledgedThrough: last.acknowledgedThrough,
            nextSyncSeconds: last.nextSyncSeconds,
          }
        : null,
      validUntil: validUntil === null ? null : new Date(validUntil).toISOString(),
      expired: last !== undefined && this.isExpired(),
      lastFailure: failure ? (JSON.parse(failure) as FlexibleStatus['lastFailure']) : null,
      nextAttemptAt: this.nextAttemptAt === null ? null : new Date(this.nextAttemptAt).toISOString(),
      licenses: this.repo.licenses().map((r) => ({
        licenseId: r.licenseId,
        revision: r.revision,
        customer: r.customer,
        features: r.claims.features.map((f) => ({ name: f.name, count: f.count })),
      })),
    };
  }
}
