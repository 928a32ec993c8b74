/**
 * A held lease: the public {@link Lease} handle the application keeps, and the internal
 * {@link Seat} that heartbeats, re-checks out after `LEASE_GONE`, and releases.
 *
 * They are two objects because of the release cache: a released seat may live on, still
 * heartbeating, and be handed to a later checkout. That checkout gets a fresh handle, so a
 * stale reference (or stale event listeners) from the first user cannot release or observe
 * the second user's seat.
 */
import type { CheckoutRequest, Clock, LeaseGoneReason } from '@tessera/core';
import type { ServerAddress } from './config/server-address.js';
import { TypedEmitter } from './emitter.js';
import { LicenseClientError } from './errors.js';
import type { Failover, Granted } from './failover.js';
import { PATHS } from './paths.js';
import { serverError, type Transport } from './transport.js';
import type { ClientLogger, DenialCode, TimerHandle, Timers } from './types.js';

/** What a lease is, as the application sees it. */
export interface LeaseInfo {
  leaseId: string;
  feature: string;
  count: number;
  licenseId: string;
  poolId: string;
  /** URL of the server holding the lease. */
  server: string;
  /** RFC 3339, from the server: when the lease lapses without another heartbeat. */
  expiresAt: string;
  heartbeatSeconds: number;
  leaseSeconds: number;
}

/**
 * Why a held lease went away: the server's `LEASE_GONE` reason, or `UNREACHABLE` when its
 * server could not be reached until after the lease had expired.
 */
export type LeaseLossReason = LeaseGoneReason | 'UNREACHABLE' | (string & {});

export interface LeaseRenewedEvent {
  previousLeaseId: string;
  leaseId: string;
  /** Server that granted the new lease (possibly another one than before). */
  server: string;
  /** Why the previous lease went away. */
  reason: LeaseLossReason;
}

export interface LeaseLostEvent {
  /** Why the re-checkout was refused. */
  code: DenialCode;
  message: string;
  /** Why the previous lease went away. */
  reason: LeaseLossReason;
}

// A type alias, not an interface: only aliases satisfy the emitter's index-signature constraint.
export type LeaseEvents = {
  /** The seat was lost and the SDK checked out a new one; the lease's ids now name the new one. */
  renewed: [LeaseRenewedEvent];
  /**
   * The seat was lost and re-checkout was refused. The SDK keeps trying every heartbeat
   * period and emits `renewed` if it succeeds; release the lease to stop it.
   */
  lost: [LeaseLostEvent];
  /** A heartbeat failed (the SDK retries on the next tick). Informational; unhandled is fine. */
  error: [LicenseClientError];
};

/** What a seat needs from its client. */
export interface SeatContext {
  transport: Transport;
  failover: Failover;
  timers: Timers;
  clock: Clock;
  logger: ClientLogger | undefined;
  /** The seat has ended (released, or dropped while cached); the client forgets it. */
  forget(seat: Seat): void;
}

/** Internal: one seat on a server and the loop that keeps it. */
export class Seat {
  info!: LeaseInfo;
  state: 'held' | 'lost' | 'ended' = 'held';
  /** The application's handle, or undefined while the seat sits in the release cache. */
  owner: Lease | undefined;

  private address!: ServerAddress;
  private heartbeatMs = 0;
  private leaseMs = 0;
  /** Monotonic time after which the lease has lapsed on its server if no heartbeat got through. */
  private deadline = 0;
  /** Whether the server still holds `info.leaseId`, so releasing it means a DELETE. */
  private serverHolds = true;
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private ending: Promise<void> | undefined;
  /** Why the seat was lost, kept for the events of later re-checkout attempts. */
  private lostReason: LeaseLossReason = 'EXPIRED';

  constructor(
    private readonly ctx: SeatContext,
    readonly request: CheckoutRequest,
    granted: Granted,
    sentAt: number,
  ) {
    this.adopt(granted, sentAt);
  }

  start(): void {
    this.schedule();
  }

  private adopt(granted: Granted, sentAt: number): void {
    const r = granted.response;
    this.address = granted.server;
    this.info = {
      leaseId: r.leaseId,
      feature: r.feature,
      count: r.count,
      licenseId: r.licenseId,
      poolId: r.poolId,
      server: granted.server.url,
      expiresAt: r.expiresAt,
      heartbeatSeconds: r.heartbeatSeconds,
      leaseSeconds: r.leaseSeconds,
    };
    this.leaseMs = Number.isFinite(r.leaseSeconds) && r.leaseSeconds > 0 ? r.leaseSeconds * 1000 : 120_000;
    // Guard against a server that sends nonsense: a zero period would spin, and one longer
    // than the lease would let it lapse between heartbeats.
    const hb = Number.isFinite(r.heartbeatSeconds) && r.heartbeatSeconds > 0 ? r.heartbeatSeconds * 1000 : 30_000;
    this.heartbeatMs = Math.max(10, Math.min(hb, this.leaseMs / 2));
    // Measured from when the request was sent, on our own monotonic clock: the server
    // extended the lease no earlier than that, and the server's wall clock may differ from ours.
    this.deadline = sentAt + this.leaseMs;
    this.serverHolds = true;
  }

  private schedule(): void {
    if (this.state === 'ended') return;
    this.timer = this.ctx.timers.setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick()
        .catch((err: unknown) => {
          // tick handles every expected failure itself; this is a bug guard so the loop survives.
          this.ctx.logger?.error?.('lease heartbeat loop failed', { leaseId: this.info.leaseId, error: String(err) });
          this.schedule();
        })
        .finally(() => {
          this.running = undefined;
        });
    }, this.heartbeatMs);
  }

  private async tick(): Promise<void> {
    if (this.state === 'lost') {
      await this.recover(this.lostReason);
      this.schedule();
      return;
    }
    const { leaseId } = this.info;
    const server = this.address;
    const sentAt = this.ctx.clock.monotonic();
    const out = await this.ctx.transport.request(server, 'POST', PATHS.heartbeat(leaseId), {});
    if (this.state === 'ended') return; // released while the heartbeat was in flight

    if (out.kind === 'response' && out.status >= 200 && out.status < 300) {
      const expiresAt = (out.body as { expiresAt?: unknown } | undefined)?.expiresAt;
      if (typeof expiresAt === 'string') this.info.expiresAt = expiresAt;
      this.deadline = sentAt + this.leaseMs;
      this.schedule();
      return;
    }
    if (out.kind === 'response' && out.status === 410) {
      this.serverHolds = false;
      const err = serverError(out.status, out.body);
      await this.recover(err.reason ?? err.code);
      this.schedule();
      return;
    }

    // Its server cannot answer, but another server of the same pool (a Cloud node on the same
    // database) holds the same lease: keep it alive there and stay there. A peer that does not
    // know the lease changes nothing; the rules below still apply.
    if (await this.heartbeatPeer(leaseId, server, sentAt)) {
      this.schedule();
      return;
    }
    if (this.isEnded()) return;

    // Transport error, 5xx or an unexpected answer: the lease may well still be held, so keep
    // heartbeating until its deadline; only after that is it surely gone from that server.
    const why = out.kind === 'failed' ? out.why : `HTTP ${out.status} ${serverError(out.status, out.body).code}`;
    const error = new LicenseClientError(
      out.kind === 'failed' ? 'UNAVAILABLE' : serverError(out.status, out.body).code,
      `heartbeat of lease ${leaseId} to ${server.url} failed: ${why}`,
      { server: server.url, ...(out.kind === 'response' ? { status: out.status } : {}) },
    );
    this.ctx.logger?.warn?.(error.message, { leaseId });
    this.owner?._notify('error', error);
    if (this.ctx.clock.monotonic() >= this.deadline) {
      this.serverHolds = false;
      await this.recover('UNREACHABLE');
    }
    this.schedule();
  }

  /** Read through a method so that checks after an `await` are not narrowed away by the compiler. */
  private isEnded(): boolean {
    return this.state === 'ended';
  }

  /** Heartbeats the lease on another server of its pool; true (and moved there) if one extended it. */
  private async heartbeatPeer(leaseId: string, failed: ServerAddress, sentAt: number): Promise<boolean> {
    for (const peer of await this.ctx.failover.peersInPool(failed, this.info.poolId)) {
      if (this.isEnded()) return false;
      const out = await this.ctx.transport.request(peer, 'POST', PATHS.heartbeat(leaseId), {});
      if (this.isEnded() || out.kind !== 'response' || out.status < 200 || out.status >= 300) continue;
      const expiresAt = (out.body as { expiresAt?: unknown } | undefined)?.expiresAt;
      if (typeof expiresAt === 'string') this.info.expiresAt = expiresAt;
      this.deadline = sentAt + this.leaseMs;
      this.address = peer;
      this.info.server = peer.url;
      this.ctx.logger?.debug?.('heartbeat moved to another server of the pool', {
        leaseId,
        from: failed.url,
        to: peer.url,
      });
      return true;
    }
    return false;
  }

  /** The seat is gone from its server: check out the same feature and count again, anywhere. */
  private async recover(reason: LeaseLossReason): Promise<void> {
    if (!this.owner) {
      // A cached seat nobody is using: taking a new one would hold a seat for no one.
      this.drop();
      return;
    }
    const previousLeaseId = this.info.leaseId;
    const sentAt = this.ctx.clock.monotonic();
    const result = await this.ctx.failover.checkout(this.request);
    if (result.ok) {
      // Adopt even if the app released meanwhile: end() waits for this and then releases the
      // new lease too, so it is not left holding a seat until it lapses.
      this.adopt(result, sentAt);
      if (this.state === 'ended') return;
      this.state = 'held';
      this.ctx.logger?.debug?.('lease re-checked out', { previousLeaseId, leaseId: this.info.leaseId, reason });
      this.owner?._notify('renewed', {
        previousLeaseId,
        leaseId: this.info.leaseId,
        server: this.info.server,
        reason,
      });
      return;
    }
    if (this.state === 'ended') return;
    if (!this.owner) {
      this.drop(); // released into the cache while we were trying
      return;
    }
    if (this.state === 'held') {
      this.state = 'lost';
      this.lostReason = reason;
      this.ctx.logger?.warn?.(`lease ${previousLeaseId} lost and not regained: ${result.message}`, {
        code: result.code,
        reason,
      });
      this.owner._notify('lost', { code: result.code, message: result.message, reason });
    }
  }

  /** Ends a seat whose lease is already gone: nothing to send. */
  private drop(): void {
    this.state = 'ended';
    this.clearTimer();
    this.ctx.forget(this);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.ctx.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Stops heartbeats and releases the lease on its server. Never rejects: a failed release
   * only means the seat stays taken until the lease lapses on its own.
   */
  end(): Promise<void> {
    if (this.ending) return this.ending;
    this.state = 'ended';
    this.clearTimer();
    this.ending = (async () => {
      // Let an in-flight heartbeat or re-checkout settle first, so we release the lease the
      // server actually holds now.
      await this.running;
      if (this.serverHolds) {
        const { leaseId } = this.info;
        let out = await this.ctx.transport.request(this.address, 'DELETE', PATHS.lease(leaseId));
        if (out.kind === 'failed' || out.status >= 500) {
          // Its server is down: a server of the same pool holds the same lease and can free it.
          for (const peer of await this.ctx.failover.peersInPool(this.address, this.info.poolId)) {
            const again = await this.ctx.transport.request(peer, 'DELETE', PATHS.lease(leaseId));
            if (again.kind === 'response' && again.status < 300) {
              out = again;
              break;
            }
          }
        }
        if (out.kind === 'failed' || out.status >= 300) {
          const why = out.kind === 'failed' ? out.why : `HTTP ${out.status}`;
          this.ctx.logger?.warn?.(`release of lease ${leaseId} on ${this.address.url} failed: ${why}`, { leaseId });
        }
      }
      this.ctx.forget(this);
    })();
    return this.ending;
  }
}

/**
 * A seat checked out from a license server. The SDK heartbeats it until it is released,
 * and if the server says it is gone (`410 LEASE_GONE`) or stays unreachable past its expiry,
 * checks out the same feature and count again (from any server, by the failover rules),
 * updating this object's ids in place.
 *
 * @example
 * const result = await client.checkout('asr.engine');
 * if (result.ok) {
 *   const { lease } = result;
 *   lease.on('lost', (e) => console.error(`license lost: ${e.message}`));
 *   try {
 *     await transcribe();
 *   } finally {
 *     await lease.release();
 *   }
 * }
 */
export class Lease extends TypedEmitter<LeaseEvents> {
  private seat: Seat | undefined;
  private last: LeaseInfo;

  /** @internal Leases are made by {@link LicenseClient.checkout}. */
  constructor(
    seat: Seat,
    private readonly releaser: (seat: Seat) => Promise<void>,
  ) {
    super();
    this.seat = seat;
    this.last = seat.info;
    seat.owner = this;
  }

  private get info(): LeaseInfo {
    return this.seat?.info ?? this.last;
  }

  get leaseId(): string {
    return this.info.leaseId;
  }
  get feature(): string {
    return this.info.feature;
  }
  get count(): number {
    return this.info.count;
  }
  get licenseId(): string {
    return this.info.licenseId;
  }
  get poolId(): string {
    return this.info.poolId;
  }
  /** URL of the server holding the lease. */
  get server(): string {
    return this.info.server;
  }
  /** RFC 3339, from the server's last answer. */
  get expiresAt(): string {
    return this.info.expiresAt;
  }
  get heartbeatSeconds(): number {
    return this.info.heartbeatSeconds;
  }
  /** True while the SDK believes a server holds a seat for this lease. */
  get held(): boolean {
    return this.seat?.state === 'held';
  }
  /** True once {@link release} was called (or the client closed). */
  get released(): boolean {
    return this.seat === undefined;
  }

  /**
   * Gives the seat back. With a release cache the seat is kept (still heartbeating) for
   * `LICENSE_CACHE_PERIOD` seconds for a later checkout of the same feature and count;
   * otherwise `DELETE /v1/leases/{id}` is sent now. Never rejects; calling it again does nothing.
   */
  release(): Promise<void> {
    const seat = this._detach();
    return seat ? this.releaser(seat) : Promise.resolve();
  }

  /** @internal The handle stops speaking for its seat; returns the seat if it had one. */
  _detach(): Seat | undefined {
    const seat = this.seat;
    if (!seat) return undefined;
    this.last = { ...seat.info };
    this.seat = undefined;
    if (seat.owner === this) seat.owner = undefined;
    return seat;
  }

  /** @internal */
  _notify<K extends keyof LeaseEvents>(event: K, ...args: LeaseEvents[K]): void {
    this.emit(event, ...args);
  }
}
