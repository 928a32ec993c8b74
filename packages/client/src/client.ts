/**
 * `LicenseClient`: checkout with failover, heartbeats, release and the release cache
 * (docs/protocol.md, docs/sdk/README.md). Portable: talks HTTP through `fetch`; file and host lookups are in `node/`.
 */
import type { CheckoutRequest, ClientInfo, Clock, FeaturesResponse } from '@tessera/core';
import type { ClientConfig } from './config/client-properties.js';
import type { ServerAddress } from './config/server-address.js';
import { Failover } from './failover.js';
import { Lease, Seat, type SeatContext } from './lease.js';
import { Transport } from './transport.js';
import type {
  CheckoutOptions,
  CheckoutResult,
  ClientLogger,
  LicenseClientOptions,
  TimerHandle,
  Timers,
} from './types.js';

/** The parts of a {@link ClientConfig} the client uses; a parsed config fits as is. */
export type LicenseClientConfig = Pick<ClientConfig, 'servers' | 'cacheSeconds' | 'auth'>;

/** The features of a server, and which server answered. */
export interface FeaturesResult extends FeaturesResponse {
  server: string;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/** Real timers, unref'd: held leases and cached seats must not keep a process alive. */
export const unrefTimers: Timers = {
  setTimeout(callback, ms) {
    const t = setTimeout(callback, ms);
    (t as { unref?: () => void }).unref?.();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

interface CachedSeat {
  key: string;
  seat: Seat;
  timer: TimerHandle;
}

function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

function checkReleaseDate(value: string | undefined, what: string): void {
  if (value !== undefined && !isIsoDate(value)) {
    throw new RangeError(`${what} must be a date written YYYY-MM-DD, got "${value}"`);
  }
}

/**
 * Checks seats out of Tessera license servers for one application.
 *
 * - {@link checkout} asks the servers in failover order; a refusal is a result, not an exception.
 * - Granted leases heartbeat by themselves (timers are unref'd) and are re-checked out if lost.
 * - Released seats are kept for `cacheSeconds` and reused by a checkout of the same feature
 *   and count, so an app that opens and closes a feature in a loop does not churn the server.
 * - {@link close} releases everything.
 *
 * @example
 * import { LicenseClient, loadClientProperties } from '@tessera/client';
 *
 * const config = await loadClientProperties('/etc/myapp/client_property.conf');
 * const client = new LicenseClient(config, { app: 'myapp', version: '4.2.0', releaseDate: '2026-03-01' });
 * const result = await client.checkout('asr.engine', { count: 1 });
 * if (!result.ok) {
 *   console.error(`no license: ${result.code}: ${result.message}`);
 * } else {
 *   try {
 *     await runEngine();
 *   } finally {
 *     await result.lease.release();
 *   }
 * }
 * await client.close();
 */
export class LicenseClient {
  private readonly failover: Failover;
  private readonly ctx: SeatContext;
  private readonly clientInfo: ClientInfo;
  private readonly cacheMs: number;
  private readonly timers: Timers;
  private readonly logger: ClientLogger | undefined;
  /** Every seat not yet ended: held by the app or waiting in the cache. */
  private readonly seats = new Set<Seat>();
  private readonly cache: CachedSeat[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly releases = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;

  /**
   * @param config servers in failover order, cache period, credentials; usually from
   *   {@link loadClientProperties} or {@link parseClientProperties}. In code, `cacheSeconds`
   *   may be fractional (the conf file takes whole seconds).
   * @throws RangeError for an empty server list, a negative cache period or a malformed `releaseDate`.
   */
  constructor(
    private readonly config: LicenseClientConfig,
    opts: LicenseClientOptions = {},
  ) {
    if (config.servers.length === 0) throw new RangeError('LicenseClient needs at least one server');
    if (!(Number.isFinite(config.cacheSeconds) && config.cacheSeconds >= 0)) {
      throw new RangeError(`cacheSeconds must be a number >= 0, got ${config.cacheSeconds}`);
    }
    checkReleaseDate(opts.releaseDate, 'releaseDate');
    const fetchImpl = opts.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('no fetch implementation: pass opts.fetch');

    this.cacheMs = config.cacheSeconds * 1000;
    this.timers = opts.timers ?? unrefTimers;
    this.logger = opts.logger;
    const transport = new Transport({
      fetch: fetchImpl,
      timeoutMs: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      auth: config.auth,
    });
    this.failover = new Failover(config.servers, transport, this.logger);
    this.ctx = {
      transport,
      failover: this.failover,
      timers: this.timers,
      clock: opts.clock ?? systemClock,
      logger: this.logger,
      forget: (seat) => this.forget(seat),
    };
    this.clientInfo = {
      id: opts.clientId ?? globalThis.crypto.randomUUID(),
      ...(opts.host !== undefined && { host: opts.host }),
      ...(opts.app !== undefined && { app: opts.app }),
      ...(opts.version !== undefined && { version: opts.version }),
      ...(opts.releaseDate !== undefined && { releaseDate: opts.releaseDate }),
    };
  }

  /** URL of the server the next request goes to first (the sticky one, else the first configured). */
  get currentServer(): string {
    return this.failover.current().url;
  }

  /** The configured servers, in failover order as written. */
  get servers(): readonly ServerAddress[] {
    return this.config.servers;
  }

  /**
   * Checks out `count` seats of `feature` (`POST /v1/leases`), failing over between servers.
   * A cached seat of the same feature, count and release date is reused without a request.
   *
   * @returns `{ ok: true, lease }`, or `{ ok: false, code, message, server? }` for a refusal;
   *   `UNAVAILABLE` when no server could be reached.
   * @throws RangeError / TypeError for invalid arguments; Error after {@link close}.
   * @example
   * const r = await client.checkout('asr.engine', { count: 2 });
   * if (r.ok) console.log(`lease ${r.lease.leaseId} from ${r.lease.server}`);
   * else if (r.code === 'NO_SEATS') console.log('all seats are in use; try again later');
   */
  async checkout(feature: string, opts: CheckoutOptions = {}): Promise<CheckoutResult> {
    if (this.closing) throw new Error('LicenseClient is closed');
    if (typeof feature !== 'string' || feature === '') throw new TypeError('feature must be a non-empty string');
    const count = opts.count ?? 1;
    if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`count must be an integer >= 1, got ${count}`);
    checkReleaseDate(opts.releaseDate, 'releaseDate');
    const releaseDate = opts.releaseDate ?? this.clientInfo.releaseDate;

    // The release date is part of the key: a seat granted under one maintenance check
    // must not be handed to a caller who claims a different date.
    const key = cacheKey(feature, count, releaseDate);
    const cached = this.takeFromCache(key);
    if (cached) {
      this.logger?.debug?.('reusing cached lease', { leaseId: cached.info.leaseId, feature, count });
      return { ok: true, lease: new Lease(cached, (s) => this.release(s)) };
    }

    const client: ClientInfo = { ...this.clientInfo };
    if (releaseDate !== undefined) client.releaseDate = releaseDate;
    const request: CheckoutRequest = { feature, count, client };
    const sentAt = this.ctx.clock.monotonic();
    const pending = this.failover.checkout(request);
    this.inFlight.add(pending);
    let result: Awaited<typeof pending>;
    try {
      result = await pending;
    } finally {
      this.inFlight.delete(pending);
    }
    if (!result.ok) return result;

    const seat = new Seat(this.ctx, request, result, sentAt);
    this.seats.add(seat);
    if (this.closing) {
      // close() ran while this request was in flight: give the seat straight back.
      await seat.end();
      throw new Error('LicenseClient was closed during the checkout');
    }
    const lease = new Lease(seat, (s) => this.release(s));
    seat.start();
    return { ok: true, lease };
  }

  /**
   * The features of the current server (`GET /v1/features`), failing over like a checkout.
   * @throws LicenseClientError with the server's code, or `UNAVAILABLE` if none answered.
   * @example
   * const { poolId, features } = await client.features();
   * for (const f of features) console.log(`${f.feature}: ${f.available}/${f.total} free`);
   */
  async features(): Promise<FeaturesResult> {
    const { server, response } = await this.failover.features();
    return { ...response, server: server.url };
  }

  /**
   * Releases every lease, cached ones included, and stops all timers. Leases still held by
   * the app become released (`lease.released`); later checkouts throw. Never rejects.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      for (const entry of this.cache.splice(0)) this.timers.clearTimeout(entry.timer);
      const ends = [...this.seats].map((seat) => {
        seat.owner?._detach();
        return seat.end();
      });
      await Promise.allSettled([...ends, ...this.releases]);
    })();
    return this.closing;
  }

  /** A lease handle let go of its seat: cache it, or release it now. */
  private release(seat: Seat): Promise<void> {
    if (!this.closing && this.cacheMs > 0 && seat.state === 'held') {
      const key = cacheKey(seat.request.feature, seat.request.count ?? 1, seat.request.client.releaseDate);
      const timer = this.timers.setTimeout(() => {
        const i = this.cache.findIndex((e) => e.seat === seat);
        if (i < 0) return;
        this.cache.splice(i, 1);
        this.track(seat.end());
      }, this.cacheMs);
      this.cache.push({ key, seat, timer });
      return Promise.resolve();
    }
    return this.track(seat.end());
  }

  /** The oldest cached seat for this key that still holds its lease. */
  private takeFromCache(key: string): Seat | undefined {
    const i = this.cache.findIndex((e) => e.key === key && e.seat.state === 'held');
    if (i < 0) return undefined;
    const [entry] = this.cache.splice(i, 1);
    this.timers.clearTimeout(entry!.timer);
    return entry!.seat;
  }

  private forget(seat: Seat): void {
    this.seats.delete(seat);
    const i = this.cache.findIndex((e) => e.seat === seat);
    if (i >= 0) {
      const [entry] = this.cache.splice(i, 1);
      this.timers.clearTimeout(entry!.timer);
    }
  }

  /** Keeps a release in flight visible to close(), which waits for it. */
  private track(p: Promise<void>): Promise<void> {
    this.releases.add(p);
    void p.finally(() => this.releases.delete(p));
    return p;
  }
}

function cacheKey(feature: string, count: number, releaseDate: string | undefined): string {
  return JSON.stringify([feature, count, releaseDate ?? null]);
}
