/**
 * The online exchange (docs/flexible.md): POST the Report to `{cloud}/v1/sync`, apply the Sync that
 * comes back. Modes `flexible` and `pls` run it at start and then on the schedule the last
 * Sync names (`nextSyncSeconds`); when no Cloud URL answers, it retries with capped
 * exponential backoff across the URLs in order, and the server keeps serving until
 * valid-until. Resync Info runs the same exchange at once.
 */
import { isTesseraError } from '@tessera/core';
import type { Logger } from 'pino';
import { type Actor, SYSTEM_ACTOR } from '../audit.js';
import type { TimeOfDay } from '../licensing-mode.js';
import { SERVER_POLICY, SYNC_POLICY } from '../policy.js';
import { type CloudConnection, postReport } from './cloud-link.js';
import type { FlexibleService, SyncApplied } from './flexible-service.js';
import { nextSyncAt } from './sync-schedule.js';

export interface OnlineSyncOptions {
  flexible: FlexibleService;
  logger: Logger;
  /** The Cloud nodes and trust in force now (settings may change them while running). */
  cloud: () => CloudConnection;
  /** Preferred local time of the scheduled exchange, in force now. */
  syncTime: () => TimeOfDay | null;
  retryBaseMs?: number;
  retryCapMs?: number;
  now: () => number;
}

/** Runs the exchange on schedule; one exchange at a time. */
export class OnlineSync {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SyncApplied> | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly o: OnlineSyncOptions) {}

  /** Runs an exchange now and then on schedule; again after `stop()` (a switch back to an online mode). */
  start(): void {
    this.stopped = false;
    this.failures = 0;
    this.schedule(this.o.now());
  }

  get active(): boolean {
    return !this.stopped;
  }

  /** The schedule after the settings changed (sync time): the next exchange by the last sync. */
  reschedule(): void {
    if (this.stopped || this.running || this.failures > 0) return;
    const last = this.o.flexible.status().lastSync;
    if (!last) return;
    this.schedule(this.nextAfter(Date.parse(last.appliedAt), last.nextSyncSeconds));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.o.flexible.nextAttemptAt = null;
  }

  /** Resync Info: the exchange now (joins one already running). */
  resync(actor: Actor): Promise<SyncApplied> {
    return this.exchange(actor);
  }

  /**
   * The next exchange at `atMs`, which is what the status shows: the moment chosen, not a
   * moment read again from the clock (which has moved on by then).
   */
  private schedule(atMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.o.flexible.nextAttemptAt = atMs;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.exchange(SYSTEM_ACTOR).catch(() => undefined);
      },
      Math.max(0, atMs - this.o.now()),
    );
    this.timer.unref();
  }

  private nextAfter(lastSyncMs: number, intervalSeconds: number): number {
    return nextSyncAt(lastSyncMs, intervalSeconds, this.o.syncTime(), this.o.now());
  }

  private exchange(actor: Actor): Promise<SyncApplied> {
    if (this.running) return this.running;
    const run = (async () => {
      try {
        const report = await this.o.flexible.createReport(actor);
        const syncFile = await postReport(this.o.cloud(), report.file);
        const applied = await this.o.flexible.applySync(actor, syncFile, 'online');
        this.failures = 0;
        const now = this.o.now();
        const interval = this.o.flexible.status().lastSync?.nextSyncSeconds ?? SERVER_POLICY.defaultSyncIntervalSeconds;
        this.schedule(this.nextAfter(now, interval));
        this.o.logger.info({ syncCounter: applied.syncCounter, licenses: applied.licenses }, 'synced with the Cloud');
        return applied;
      } catch (err) {
        this.failures++;
        const code = isTesseraError(err) ? err.code : 'INTERNAL';
        const message = err instanceof Error ? err.message : String(err);
        this.o.flexible.recordFailure(code, message);
        const base = this.o.retryBaseMs ?? SYNC_POLICY.retryBaseMs;
        const cap = this.o.retryCapMs ?? SYNC_POLICY.retryCapMs;
        const wait = Math.min(cap, base * 2 ** Math.min(this.failures - 1, 30));
        this.schedule(this.o.now() + wait);
        this.o.logger.warn({ code, err: message, retryInMs: wait }, 'sync with the Cloud failed');
        throw err;
      } finally {
        this.running = undefined;
      }
    })();
    this.running = run;
    return run;
  }
}
