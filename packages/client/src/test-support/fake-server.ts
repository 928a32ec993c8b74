/**
 * A small, scriptable License Server for SDK tests: the client protocol v1 on 127.0.0.1 and
 * a random port, with in-memory seat counts, and hooks to make it misbehave on demand.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CheckoutRequest, CheckoutResponse, FeaturesResponse } from '@tessera/core';
import type { ServerAddress } from '../config/server-address.js';

export type Route = 'checkout' | 'heartbeat' | 'release' | 'features';

export interface RecordedRequest {
  route: Route | 'other';
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** For heartbeat and release: the lease id in the path. */
  leaseId?: string;
}

/** A reply forced on a route instead of the normal one. */
export interface ScriptedReply {
  status: number;
  code?: string;
  message?: string;
  reason?: string;
  /** Raw body to send instead of an error envelope. */
  body?: unknown;
  /** Never answer (to exercise client timeouts). */
  hang?: boolean;
}

export interface FakeServerOptions {
  poolId?: string;
  /** feature -> licensed seats */
  seats?: Record<string, number>;
  heartbeatSeconds?: number;
  leaseSeconds?: number;
  /** Require HTTP Basic auth with these credentials. */
  auth?: { username: string; password: string };
}

interface FakeLease {
  feature: string;
  count: number;
}

export class FakeLicenseServer {
  readonly requests: RecordedRequest[] = [];
  readonly leases = new Map<string, FakeLease>();
  poolId: string;
  heartbeatSeconds: number;
  leaseSeconds: number;
  private readonly seats: Map<string, number>;
  private readonly scripts: { route: Route; reply: ScriptedReply; times: number }[] = [];
  private readonly goneLeases = new Map<string, string>();
  private readonly waiters = new Set<() => void>();
  private stopped = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly opts: FakeServerOptions,
  ) {
    this.poolId = opts.poolId ?? `pool_${port}`;
    this.heartbeatSeconds = opts.heartbeatSeconds ?? 30;
    this.leaseSeconds = opts.leaseSeconds ?? 120;
    this.seats = new Map(Object.entries(opts.seats ?? { 'asr.engine': 5 }));
  }

  static async start(opts: FakeServerOptions = {}): Promise<FakeLicenseServer> {
    let self: FakeLicenseServer | undefined;
    const server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        raw += chunk;
      });
      req.on('end', () => self?.handle(req.method ?? 'GET', req.url ?? '/', req.headers, raw, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new FakeLicenseServer(server, (server.address() as AddressInfo).port, opts);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** This server as a client config entry. */
  get address(): ServerAddress {
    return { host: '127.0.0.1', port: this.port, secure: false, url: this.url };
  }

  setSeats(feature: string, total: number): void {
    this.seats.set(feature, total);
  }

  inUse(feature: string): number {
    let n = 0;
    for (const l of this.leases.values()) if (l.feature === feature) n += l.count;
    return n;
  }

  /** The next `times` requests on `route` get `reply` instead of the normal answer. */
  script(route: Route, reply: ScriptedReply, times = 1): void {
    this.scripts.push({ route, reply, times });
  }

  /** Every request on `route` gets `reply` until {@link clearScripts}. */
  always(route: Route, reply: ScriptedReply): void {
    this.script(route, reply, Number.POSITIVE_INFINITY);
  }

  clearScripts(): void {
    this.scripts.length = 0;
  }

  /** Takes a lease away: its next heartbeat gets 410 LEASE_GONE with this reason. */
  revoke(leaseId: string, reason = 'REVOKED_BY_ADMIN'): void {
    this.leases.delete(leaseId);
    this.goneLeases.set(leaseId, reason);
  }

  recorded(route: Route): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  /** Resolves with the first recorded request (past or future) that matches; rejects after timeoutMs. */
  waitFor(match: (r: RecordedRequest) => boolean, timeoutMs = 3000): Promise<RecordedRequest> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.requests.find(match);
        if (hit) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        }
        return hit !== undefined;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`fake server ${this.url}: no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Stops listening and drops open (keep-alive) connections, so clients see connection refused. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private handle(method: string, url: string, headers: IncomingHttpHeaders, raw: string, res: ServerResponse): void {
    const path = url.split('?')[0] ?? '/';
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const m = /^\/v1\/leases\/([^/]+)(\/heartbeat)?$/.exec(path);
    let route: RecordedRequest['route'] = 'other';
    let leaseId: string | undefined;
    if (method === 'POST' && path === '/v1/leases') route = 'checkout';
    else if (method === 'GET' && path === '/v1/features') route = 'features';
    else if (m && method === 'POST' && m[2]) route = 'heartbeat';
    else if (m && method === 'DELETE' && !m[2]) route = 'release';
    if (m) leaseId = decodeURIComponent(m[1]!);
    const rec: RecordedRequest = { route, method, path, headers, body };
    if (leaseId !== undefined) rec.leaseId = leaseId;
    this.requests.push(rec);
    for (const w of [...this.waiters]) w();

    const send = (status: number, payload?: unknown): void => {
      const text = payload === undefined ? '' : JSON.stringify(payload);
      res.writeHead(status, text ? { 'content-type': 'application/json' } : {});
      res.end(text);
    };
    const fail = (status: number, code: string, message: string, reason?: string): void =>
      send(status, { error: { code, message, ...(reason !== undefined && { reason }) } });

    if (route !== 'other') {
      const i = this.scripts.findIndex((s) => s.route === route);
      const s = this.scripts[i];
      if (s) {
        if (--s.times <= 0) this.scripts.splice(i, 1);
        if (s.reply.hang) return; // the socket stays open until stop()
        if (s.reply.body !== undefined) {
          send(s.reply.status, s.reply.body);
          return;
        }
        const code = s.reply.code ?? `HTTP_${s.reply.status}`;
        fail(s.reply.status, code, s.reply.message ?? `scripted ${code}`, s.reply.reason);
        return;
      }
    }

    if (this.opts.auth) {
      const want = `Basic ${Buffer.from(`${this.opts.auth.username}:${this.opts.auth.password}`).toString('base64')}`;
      if (headers.authorization !== want) {
        fail(401, 'UNAUTHORIZED', 'valid credentials are required');
        return;
      }
    }

    switch (route) {
      case 'checkout':
        this.checkout(body as Partial<CheckoutRequest> | undefined, send, fail);
        return;
      case 'heartbeat': {
        const id = leaseId!;
        if (!this.leases.has(id)) {
          const reason = this.goneLeases.get(id) ?? 'UNKNOWN_LEASE';
          fail(410, 'LEASE_GONE', 'this lease is no longer held', reason);
          return;
        }
        send(200, { expiresAt: new Date(Date.now() + this.leaseSeconds * 1000).toISOString() });
        return;
      }
      case 'release':
        this.leases.delete(leaseId!);
        send(204);
        return;
      case 'features': {
        const features: FeaturesResponse['features'] = [...this.seats].map(([feature, total]) => ({
          feature,
          total,
          inUse: this.inUse(feature),
          available: total - this.inUse(feature),
          licenses: [],
        }));
        send(200, { poolId: this.poolId, features } satisfies FeaturesResponse);
        return;
      }
      default:
        fail(404, 'NOT_FOUND', 'not found');
        return;
    }
  }

  private checkout(
    body: Partial<CheckoutRequest> | undefined,
    send: (status: number, payload?: unknown) => void,
    fail: (status: number, code: string, message: string) => void,
  ): void {
    const feature = body?.feature;
    const count = body?.count ?? 1;
    if (typeof feature !== 'string' || typeof body?.client?.id !== 'string') {
      fail(400, 'BAD_REQUEST', 'feature and client.id are required');
      return;
    }
    const total = this.seats.get(feature);
    if (total === undefined) {
      fail(404, 'UNKNOWN_FEATURE', `no installed license has ${feature}`);
      return;
    }
    if (this.inUse(feature) + count > total) {
      fail(409, 'NO_SEATS', `all ${total} seats of ${feature} are in use`);
      return;
    }
    const leaseId = `lease_${randomBytes(16).toString('hex')}`;
    this.leases.set(leaseId, { feature, count });
    const response: CheckoutResponse = {
      leaseId,
      feature,
      count,
      licenseId: `lic_${this.port}`,
      expiresAt: new Date(Date.now() + this.leaseSeconds * 1000).toISOString(),
      heartbeatSeconds: this.heartbeatSeconds,
      leaseSeconds: this.leaseSeconds,
      poolId: this.poolId,
    };
    send(201, response);
  }
}

/** Starts servers; `stopAll` stops them (for `after`/`afterEach`). */
export class FakeFleet {
  readonly servers: FakeLicenseServer[] = [];
  async start(opts: FakeServerOptions = {}): Promise<FakeLicenseServer> {
    const s = await FakeLicenseServer.start(opts);
    this.servers.push(s);
    return s;
  }
  /** An address where nothing listens: a server started and stopped at once. */
  async deadAddress(): Promise<ServerAddress> {
    const s = await FakeLicenseServer.start();
    await s.stop();
    return s.address;
  }
  async stopAll(): Promise<void> {
    await Promise.all(this.servers.splice(0).map((s) => s.stop()));
  }
}
