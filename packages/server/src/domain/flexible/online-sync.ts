/**
 * The online exchange (DESIGN §3): POST the Report to `{cloud}/v1/sync`, apply the Sync that
 * comes back. Modes `flexible` and `pls` run it at start and then on the schedule the last
 * Sync names (`nextSyncSeconds`); when no Cloud URL answers, it retries with capped
 * exponential backoff across the URLs in order, and the server keeps serving until
 * valid-until. Resync Info runs the same exchange at once.
 */
import { isTesseraError, TesseraError } from '@tessera/core';
import type { Logger } from 'pino';
import {
  type CloudAnswer,
  type CloudConnection,
  cloudRequest,
  transportReason,
} from '../../runtime/cloud-transport.js';
import { type Actor, SYSTEM_ACTOR } from '../audit.js';
import type { TimeOfDay } from '../settings/catalog.js';
import type { FlexibleService, SyncApplied } from './flexible-service.js';
import { nextSyncAt } from './sync-schedule.js';

export const SYNC_POLICY = {
  /** First retry after a failure; doubles each time. */
  retryBaseMs: 1000,
  /** Longest wait between two attempts after failures. */
  retryCapMs: 5 * 60_000,
  /** One request to one Cloud URL. */
  requestTimeoutMs: 30_000,
} as const;

/** What the Cloud answered a Report with: the Sync file text. */
export async function postReport(
  to: CloudConnection | readonly string[],
  reportFile: string,
  timeoutMs: number = SYNC_POLICY.requestTimeoutMs,
): Promise<string> {
  const cloud: CloudConnection = isUrlList(to) ? { urls: to } : to;
  if (cloud.urls.length === 0) {
    throw new TesseraError('CLOUD_UNREACHABLE', 'no Cloud node is configured (setting cloud_nodes, or --cloud URL)');
  }
  const failures: string[] = [];
  const body = JSON.stringify({ report: reportFile });
  for (const base of cloud.urls) {
    let res: CloudAnswer;
    try {
      res = await cloudRequest(`${base.replace(/\/+$/, '')}/v1/sync`, {
        method: 'POST',
        body,
        timeoutMs,
        ca: cloud.ca,
      });
    } catch (err) {
      failures.push(`${base}: ${transportReason(err)}`);
      continue;
    }
    let answer: { sync?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
    try {
      answer = res.text === '' ? undefined : (JSON.parse(res.text) as typeof answer);
    } catch {
      answer = undefined;
    }
    const ok = res.status >= 200 && res.status < 300;
    if (ok && typeof answer?.sync === 'string') return answer.sync;
    if (res.status >= 500 || answer?.error === undefined) {
      // A node that cannot serve now: try the next one.
      failures.push(
        `${base}: HTTP ${res.status}${typeof answer?.error?.message === 'string' ? ` ${answer.error.message}` : ''}`,
      );
      continue;
    }
    // The Cloud refused the Report itself (enrollment, signature...): another node would say the same.
    const code = typeof answer.error.code === 'string' ? answer.error.code : 'BAD_REQUEST';
    const message = typeof answer.error.message === 'string' ? answer.error.message : `HTTP ${res.status}`;
    throw new TesseraError('CONFLICT', `the Cloud at ${base} refused the report: ${code}: ${message}`, {
      reason: code,
      details: { cloud: base, code },
    });
  }
  throw new TesseraError('CLOUD_UNREACHABLE', `no Cloud node answered (${failures.join('; ')})`, {
    details: { failures },
  });
}

function isUrlList(to: CloudConnection | readonly string[]): to is readonly string[] {
  return Array.isArray(to);
}

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
    this.schedule(0);
  }

  get active(): boolean {
    return !this.stopped;
  }

  /** The schedule after the settings changed (sync time): the next exchange by the last sync. */
  reschedule(): void {
    if (this.stopped || this.running || this.failures > 0) return;
    const last = this.o.flexible.status().lastSync;
    if (!last) return;
    this.schedule(Math.max(0, this.nextAfter(Date.parse(last.appliedAt), last.nextSyncSeconds) - this.o.now()));
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

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.o.flexible.nextAttemptAt = this.o.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.exchange(SYSTEM_ACTOR).catch(() => undefined);
    }, ms);
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
        const interval = this.o.flexible.status().lastSync?.nextSyncSeconds ?? 86_400;
        this.schedule(Math.max(0, this.nextAfter(now, interval) - now));
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
        this.schedule(wait);
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
