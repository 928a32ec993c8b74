/**
 * Server selection (docs/sdk/README.md): which server to ask, in what order, and when an answer ends
 * the search. Used for first checkouts and for re-checkouts after a lease is gone alike, so
 * both follow the same rules.
 */
import type { CheckoutRequest, CheckoutResponse, FeaturesResponse } from '@tessera/core';
import type { ServerAddress } from './config/server-address.js';
import { LicenseClientError } from './errors.js';
import { PATHS } from './paths.js';
import { type HttpOutcome, type ServerError, serverError, type Transport } from './transport.js';
import type { CheckoutDenial, ClientLogger, DenialCode } from './types.js';

export interface Granted {
  ok: true;
  server: ServerAddress;
  response: CheckoutResponse;
}

/** Denial codes a server may send that we pass through under their own name. */
const SERVER_DENIALS: ReadonlySet<string> = new Set<DenialCode>([
  'NO_SEATS',
  'UNKNOWN_FEATURE',
  'LICENSE_EXPIRED',
  'MAINTENANCE_EXPIRED',
  'CLOCK_TAMPERED',
  'UNAUTHORIZED',
  'BAD_REQUEST',
  'RATE_LIMITED',
]);

export class Failover {
  /** The server that last gave a real answer; asked first next time. */
  private sticky: ServerAddress | undefined;
  /** What we have learned of each server's seat pool, by server URL. */
  private readonly pools = new Map<string, string>();

  constructor(
    private readonly servers: readonly ServerAddress[],
    private readonly transport: Transport,
    private readonly logger: ClientLogger | undefined,
  ) {}

  /** The sticky server first, then the rest in configured order. */
  order(): ServerAddress[] {
    const first = this.sticky;
    return first ? [first, ...this.servers.filter((s) => s !== first)] : [...this.servers];
  }

  /** The server checkouts go to first right now. */
  current(): ServerAddress {
    return this.order()[0]!;
  }

  learnPool(server: ServerAddress, poolId: string): void {
    this.pools.set(server.url, poolId);
  }

  /** A server's poolId, from memory or from its `GET /v1/features`; a string on success, else why not. */
  private async poolOf(server: ServerAddress): Promise<{ poolId: string } | { why: string }> {
    const known = this.pools.get(server.url);
    if (known !== undefined) return { poolId: known };
    const out = await this.transport.request(server, 'GET', PATHS.features);
    const body = featuresBody(out);
    if (typeof body === 'string') return { why: `could not learn its pool: ${body}` };
    this.learnPool(server, body.poolId);
    return { poolId: body.poolId };
  }

  /**
   * The other configured servers, in failover order, that serve pool `poolId` (known from
   * earlier answers, or learned now from their `GET /v1/features`). Servers of one pool
   * share their leases (Cloud nodes on one database), so any of them can keep one alive.
   */
  async peersInPool(server: ServerAddress, poolId: string): Promise<ServerAddress[]> {
    const peers: ServerAddress[] = [];
    for (const s of this.servers) {
      if (s.url === server.url) continue;
      const pool = await this.poolOf(s);
      if ('poolId' in pool && pool.poolId === poolId) peers.push(s);
    }
    return peers;
  }

  /**
   * `GET /v1/features`, failing over like a checkout on transport errors and 5xx.
   * @throws LicenseClientError with the server's code for a 4xx, or `UNAVAILABLE`.
   */
  async features(): Promise<{ server: ServerAddress; response: FeaturesResponse }> {
    const notes: string[] = [];
    for (const server of this.order()) {
      const out = await this.transport.request(server, 'GET', PATHS.features);
      if (out.kind === 'response' && out.status >= 400 && out.status < 500) {
        const err = serverError(out.status, out.body);
        this.sticky = server;
        throw new LicenseClientError(err.code, `${server.url}: ${err.message}`, {
          server: server.url,
          status: out.status,
        });
      }
      const body = featuresBody(out);
      if (typeof body === 'string') {
        notes.push(`${server.url}: ${body}`);
        continue;
      }
      this.learnPool(server, body.poolId);
      this.sticky = server;
      return { server, response: body };
    }
    throw new LicenseClientError('UNAVAILABLE', `no license server could be reached: ${notes.join('; ')}`);
  }

  /**
   * Asks servers in order until one grants or gives a final answer.
   *
   * - Transport errors, malformed answers and 5xx go on to the next server, except 503
   *   `CLOCK_TAMPERED`, which is a final denial: it is a deliberate refusal by a server that
   *   works, which its operator must fix, not an outage that another server papers over.
   * - `NO_SEATS` goes on only to servers of another pool (same pool means the same seats);
   *   once seats are being searched for, later refusals from other pools are noted and the
   *   search goes on, and the result stays `NO_SEATS` if nobody grants.
   * - Any other 4xx from the first server that answers is the result.
   */
  async checkout(request: CheckoutRequest): Promise<Granted | CheckoutDenial> {
    const notes: string[] = [];
    let noSeats: CheckoutDenial | undefined;
    const fullPools = new Set<string>();
    let answeredBy: ServerAddress | undefined;
    const order = this.order();

    const finish = <T>(result: T): T => {
      // Sticky means "reachable and speaking Tessera": the first server that answered at all.
      // A grant found by overflowing to another pool does not move it, so the next checkout
      // of another feature still starts where that feature is most likely to be.
      if (answeredBy) this.sticky = answeredBy;
      return result;
    };

    for (const [i, server] of order.entries()) {
      if (noSeats && fullPools.size > 0) {
        const pool = await this.poolOf(server);
        if ('why' in pool) {
          notes.push(`${server.url}: ${pool.why}`);
          continue;
        }
        if (fullPools.has(pool.poolId)) {
          notes.push(`${server.url}: skipped, same pool ${pool.poolId} as a server with no seats`);
          continue;
        }
      }

      const out = await this.transport.request(server, 'POST', PATHS.leases, request);
      if (out.kind === 'failed') {
        notes.push(`${server.url}: ${out.why}`);
        this.logger?.debug?.('license server unreachable; trying the next', { server: server.url, why: out.why });
        continue;
      }
      if (out.status >= 200 && out.status < 300) {
        if (!isCheckoutResponse(out.body)) {
          notes.push(`${server.url}: HTTP ${out.status} with a body that is not a checkout response`);
          continue;
        }
        answeredBy ??= server;
        this.learnPool(server, out.body.poolId);
        return finish({ ok: true, server, response: out.body });
      }
      const err = serverError(out.status, out.body);
      if ((out.status >= 500 && err.code !== 'CLOCK_TAMPERED') || out.status < 400) {
        notes.push(`${server.url}: HTTP ${out.status} ${err.code}: ${err.message}`);
        this.logger?.debug?.('license server failed; trying the next', { server: server.url, status: out.status });
        continue;
      }
      answeredBy ??= server;
      const denial = toDenial(out.status, err, server);
      if (denial.code === 'NO_SEATS') {
        noSeats ??= denial;
        const hasMore = i < order.length - 1;
        if (hasMore) {
          const pool = await this.poolOf(server);
          // If that server's pool cannot be learned, the next servers are simply tried: the
          // pool rule only saves pointless requests, the servers enforce the seat counts.
          if ('poolId' in pool) fullPools.add(pool.poolId);
        }
        continue;
      }
      if (noSeats) {
        notes.push(`${server.url}: ${denial.code}: ${denial.message}`);
        continue;
      }
      return finish(denial);
    }

    if (noSeats) {
      const also = notes.length > 0 ? ` (also tried: ${notes.join('; ')})` : '';
      return finish({ ...noSeats, message: noSeats.message + also });
    }
    return finish({
      ok: false,
      code: 'UNAVAILABLE',
      message: `no license server could be reached: ${notes.join('; ')}`,
    });
  }
}

/** Maps a 4xx (or a 503 CLOCK_TAMPERED) to a denial result. */
function toDenial(status: number, err: ServerError, server: ServerAddress): CheckoutDenial {
  let code: DenialCode;
  if (err.enveloped && SERVER_DENIALS.has(err.code)) code = err.code as DenialCode;
  else if (status === 401 || status === 403) code = 'UNAUTHORIZED';
  else if (status === 429) code = 'RATE_LIMITED';
  else code = 'BAD_REQUEST';
  const detail = code === err.code ? err.message : `HTTP ${status} ${err.code}: ${err.message}`;
  return { ok: false, code, message: `${server.url}: ${detail}`, server: server.url };
}

function featuresBody(out: HttpOutcome): FeaturesResponse | string {
  if (out.kind === 'failed') return out.why;
  if (out.status !== 200) {
    const err = serverError(out.status, out.body);
    return `HTTP ${out.status} ${err.code}: ${err.message}`;
  }
  const body = out.body as Partial<FeaturesResponse> | undefined;
  if (typeof body?.poolId !== 'string' || !Array.isArray(body.features)) {
    return 'HTTP 200 with a body that is not a features response';
  }
  return body as FeaturesResponse;
}

function isCheckoutResponse(body: unknown): body is CheckoutResponse {
  const b = body as Partial<CheckoutResponse> | undefined;
  return (
    typeof b?.leaseId === 'string' &&
    b.leaseId !== '' &&
    typeof b.feature === 'string' &&
    typeof b.count === 'number' &&
    typeof b.licenseId === 'string' &&
    typeof b.expiresAt === 'string' &&
    typeof b.heartbeatSeconds === 'number' &&
    typeof b.leaseSeconds === 'number' &&
    typeof b.poolId === 'string'
  );
}
