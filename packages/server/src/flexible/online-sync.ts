/**
 * The online exchange (DESIGN §3): POST the Report to `{cloud}/v1/sync`, apply the Sync that
 * comes back. Modes `flexible` and `pls` run it at start and then on the schedule the last
 * Sync names (`nextSyncSeconds`); when no Cloud URL answers, it retries with capped
 * exponential backoff across the URLs in order, and the server keeps serving until
 * valid-until. Resync Info runs the same exchange at once.
 */
import { isTesseraError, TesseraError } from '@tessera/core';
import type { Logger } from 'pino';
import { type Actor, SYSTEM_ACTOR } from '../services/audit.js';
import type { FlexibleService, SyncApplied } from './flexible-service.js';

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
  cloudUrls: readonly string[],
  reportFile: string,
  timeoutMs: number = SYNC_POLICY.requestTimeoutMs,
): Promise<string> {
  if (cloudUrls.length === 0) {
    throw new TesseraError('CLOUD_UNREACHABLE', 'no Cloud URL is configured (tessera server start --cloud URL)');
  }
  const failures: string[] = [];
  for (const base of cloudUrls) {
    const url = `${base.replace(/\/+$/, '')}/v1/sync`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ report: reportFile }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      failures.push(`${base}: ${transportReason(err)}`);
      continue;
    }
    const text = await res.text().catch(() => '');
    let body: { sync?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
    try {
      body = text === '' ? undefined : (JSON.parse(text) as typeof body);
    } catch {
      body = undefined;
    }
    if (res.ok && typeof body?.sync === 'string') return body.sync;
    if (res.status >= 500 || body?.error === undefined) {
      // A node that cannot serve now: try the next one.
      failures.push(
        `${base}: HTTP ${res.status}${typeof body?.error?.message === 'string' ? ` ${body.error.message}` : ''}`,
      );
      continue;
    }
    // The Cloud refused the Report itself (enrollment, signature...): another node would say the same.
    const code = typeof body.error.code === 'string' ? body.error.code : 'BAD_REQUEST';
    const message = typeof body.error.message === 'string' ? body.error.message : `HTTP ${res.status}`;
    throw new TesseraError('CONFLICT', `the Cloud at ${base} refused the report: ${code}: ${message}`, {
      reason: code,
      details: { cloud: base, code },
    });
  }
  throw new TesseraError('CLOUD_UNREACHABLE', `no Cloud node answered (${failures.join('; ')})`, {
    details: { failures },
  });
}

function transportReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

export interface OnlineSyncOptions {
  flexible: FlexibleService;
  logger: Logger;
  cloudUrls: readonly string[];
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

  start(): void {
    this.schedule(0);
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

  private exchange(actor: Actor): Promise<SyncApplied> {
    if (this.running) return this.running;
    const run = (async () => {
      try {
        const report = await this.o.flexible.createReport(actor);
        const syncFile = await postReport(this.o.cloudUrls, report.file);
        const applied = await this.o.flexible.applySync(actor, syncFile, 'online');
        this.failures = 0;
        const next = this.o.flexible.status().lastSync?.nextSyncSeconds ?? 86_400;
        this.schedule(next * 1000);
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
