import { type CheckoutRequest, type ErrorCode, isTesseraError, TesseraError } from '@tessera/core';
import type { SeatCheckout, SeatHeartbeat, SeatProvider } from '@tessera/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { FlexibleService } from '../../domain/flexible/flexible-service.js';
import type { LeaseEngine } from '../../domain/leases/lease-engine.js';
import { storageFailure } from '../../store/storage-errors.js';

export interface LicenseServerSeatsOptions {
  engine: LeaseEngine;
  /** Flexible licensing: takes expired flexible seats out, and says why a feature has none. */
  flexible?: Pick<FlexibleService, 'checkExpiry' | 'refusal'> | undefined;
  /** Pending writes beyond which new checkouts get 429, so a flood cannot grow memory without bound. */
  maxPendingWrites: number;
  pendingWrites: () => number;
  /** Where a write that failed for another reason than its storage is logged. */
  log: Pick<FastifyBaseLogger, 'error'>;
}

/**
 * The License Server's seats for the client protocol: its lease engine, behind the write
 * backpressure and the flexible gate (a Sync past its valid-until refuses its seats with
 * SYNC_EXPIRED rather than UNKNOWN_FEATURE). No caller: the client token is checked on the
 * listener.
 */
export class LicenseServerSeats implements SeatProvider<undefined> {
  readonly checkoutRefusals: readonly ErrorCode[] = [
    'NO_SEATS',
    'UNKNOWN_FEATURE',
    'LICENSE_EXPIRED',
    'MAINTENANCE_EXPIRED',
    'CLOCK_TAMPERED',
    'SYNC_EXPIRED',
    'RATE_LIMITED',
    'UNAVAILABLE',
  ];

  constructor(private readonly o: LicenseServerSeatsOptions) {}

  async checkout(_caller: undefined, request: CheckoutRequest): Promise<SeatCheckout> {
    const { engine, flexible } = this.o;
    if (this.o.pendingWrites() >= this.o.maxPendingWrites) {
      return { ok: false, code: 'RATE_LIMITED', message: 'the server is writing as fast as it can; retry shortly' };
    }
    flexible?.checkExpiry();
    let outcome: Awaited<ReturnType<LeaseEngine['checkout']>>;
    try {
      outcome = await engine.checkout(request);
    } catch (err) {
      // A full disk stays 503 UNAVAILABLE on the client protocol (the SDKs fail over on it),
      // with the cause as `reason`; the commit queue logs it once, not per checkout.
      const storage = storageFailure(err);
      if (isTesseraError(err) && !storage) throw err;
      if (!storage) this.o.log.error({ err }, 'checkout write failed');
      return {
        ok: false,
        code: 'UNAVAILABLE',
        message: storage
          ? `the lease could not be stored: ${storage.message}`
          : 'the lease could not be stored; nothing was granted',
        reason: storage?.code,
      };
    }
    if (!outcome.ok && outcome.code === 'UNKNOWN_FEATURE') {
      const refusal = flexible?.refusal(request.feature);
      if (refusal) return { ok: false, code: refusal.code, message: refusal.message };
    }
    return outcome;
  }

  /** In memory: heartbeats are not written. */
  heartbeat(_caller: undefined, leaseId: string): SeatHeartbeat {
    const r = this.o.engine.heartbeat(leaseId);
    return r.ok ? r : { ok: false, gone: true, reason: r.reason };
  }

  async release(_caller: undefined, leaseId: string): Promise<void> {
    try {
      await this.o.engine.release(leaseId);
    } catch (err) {
      const storage = storageFailure(err);
      if (!storage) this.o.log.error({ err }, 'release write failed');
      throw new TesseraError(
        'UNAVAILABLE',
        storage
          ? `the release could not be stored (${storage.message}); the lease is still held`
          : 'the release could not be stored; the lease is still held',
        { ...(storage !== undefined && { reason: storage.code }), cause: err },
      );
    }
  }

  features(): ReturnType<LeaseEngine['features']> {
    return this.o.engine.features();
  }
}
