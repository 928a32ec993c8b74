import { errorSchema } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import type { EngineEvent } from '../../domain/leases/lease-engine.js';
import type { SessionService } from '../../domain/session-service.js';

/** Behaviour knobs of the Dashboard's live updates. */
export const EVENTS_POLICY = {
  /** At most one event per stream this often: a burst of checkouts becomes one refresh. */
  coalesceMs: 200,
  /** A comment line this often keeps proxies and the browser from closing an idle stream. */
  heartbeatMs: 15_000,
  /** The browser waits this long before reconnecting a dropped stream. */
  retryMs: 2_000,
} as const;

/** What changed: seats (checkout, release, lapse, revoke) or licenses (install, renew, uninstall). */
export type ChangeKind = 'leases' | 'licenses' | 'denials';

export interface ChangeEvent {
  /** Increases by one per event sent by this server run. */
  seq: number;
  kinds: ChangeKind[];
  at: string;
}

/**
 * Collects changes and hands them to listeners at most once per `coalesceMs`: the first
 * change after a quiet spell goes out on the next tick, later ones wait for the window.
 */
export class ChangeFeed {
  private readonly listeners = new Set<(e: ChangeEvent) => void>();
  private pending = new Set<ChangeKind>();
  private timer: NodeJS.Timeout | undefined;
  private lastSent = 0;
  private seq = 0;

  constructor(
    private readonly coalesceMs: number = EVENTS_POLICY.coalesceMs,
    private readonly now: () => number = Date.now,
  ) {}

  get listenerCount(): number {
    return this.listeners.size;
  }

  subscribe(listener: (e: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  note(kind: ChangeKind): void {
    this.pending.add(kind);
    if (this.timer) return;
    const wait = Math.max(0, this.lastSent + this.coalesceMs - this.now());
    this.timer = setTimeout(() => this.send(), wait);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private send(): void {
    this.timer = undefined;
    if (this.pending.size === 0) return;
    this.lastSent = this.now();
    const e: ChangeEvent = {
      seq: ++this.seq,
      kinds: [...this.pending].sort(),
      at: new Date(this.lastSent).toISOString(),
    };
    this.pending = new Set();
    for (const l of [...this.listeners]) l(e);
  }
}

/** Admin routes whose success changes the license tree. */
const LICENSE_CHANGING = /^\/api\/v1\/licenses(\/renew|\/:id\/uninstall)?$/;

export interface EventRouteOptions {
  engine: { onEvent(listener: (e: EngineEvent) => void): () => void };
  /** Ends streams whose session is over, checked at each heartbeat. */
  sessions?: SessionService;
  feed?: ChangeFeed;
  heartbeatMs?: number;
}

/**
 * `GET /api/v1/events`: server-sent events for the Dashboard. Each `change` event says what
 * kind of thing changed; the page then fetches what it shows. Nothing about clients is sent.
 */
export function registerEventRoutes(app: FastifyInstance, o: EventRouteOptions): ChangeFeed {
  const feed = o.feed ?? new ChangeFeed();
  const streams = new Set<() => void>();
  const stopEngine = o.engine.onEvent((e) => {
    if (e.kind === 'denied') {
      if (e.code === 'NO_SEATS') feed.note('denials');
    } else feed.note('leases');
  });

  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'POST' || reply.statusCode >= 300) return;
    const url = request.routeOptions.url;
    if (url && LICENSE_CHANGING.test(url)) feed.note('licenses');
  });
  // Open streams would keep close() waiting for ever: end them first.
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
    stopEngine();
    feed.close();
  });

  app.get(
    '/api/v1/events',
    {
      config: { role: 'view' },
      schema: {
        summary: 'Live changes for the Dashboard (text/event-stream): `change` events, heartbeat comments',
        tags: ['system'],
        response: { 401: errorSchema, 403: errorSchema },
      },
    },
    (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
      });
      res.write(`retry: ${EVENTS_POLICY.retryMs}\n\nevent: ready\ndata: {}\n\n`);
      const idHash = request.session?.idHash;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        unsubscribe();
        clearInterval(beat);
        streams.delete(end);
        res.end();
      };
      const unsubscribe = feed.subscribe((e) => {
        res.write(`event: change\nid: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`);
      });
      const heartbeat = async () => {
        if (idHash && o.sessions && !(await o.sessions.isLive(idHash))) return end();
        if (!ended) res.write(': keep-alive\n\n');
      };
      // A session that cannot be read (the database away) ends the stream; the page reconnects.
      const beat = setInterval(() => void heartbeat().catch(end), o.heartbeatMs ?? EVENTS_POLICY.heartbeatMs);
      beat.unref();
      streams.add(end);
      // The response's close (not the request's, which ends with its empty body) is the client going away.
      res.on('close', end);
      res.on('error', end);
    },
  );
  return feed;
}
