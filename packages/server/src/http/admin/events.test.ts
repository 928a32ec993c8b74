import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { LicenseClient, parseServerAddress } from '@tessera/client';
import Fastify from 'fastify';
import type { EngineEvent } from '../../domain/leases/lease-engine.js';
import { signInAsAdmin, startTestServer, type TestServer } from '../../test-support/dashboard-server.js';
import { type ChangeEvent, ChangeFeed, registerEventRoutes } from './events.js';

/** An open event stream: its parsed `change` events as they come. */
class Stream {
  readonly events: ChangeEvent[] = [];
  readonly comments: string[] = [];
  private buf = '';
  private waiters: (() => void)[] = [];
  constructor(readonly res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buf += chunk;
      let i = this.buf.indexOf('\n\n');
      while (i >= 0) {
        const block = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        if (block.startsWith(':')) this.comments.push(block);
        else if (block.includes('event: change')) {
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          this.events.push(JSON.parse(data!.slice(6)) as ChangeEvent);
        }
        for (const w of this.waiters.splice(0)) w();
        i = this.buf.indexOf('\n\n');
      }
    });
  }
  /** Resolves when `pred` holds, or rejects after `ms`. */
  async until(pred: () => boolean, ms: number, what: string): Promise<number> {
    const start = Date.now();
    while (!pred()) {
      if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
    return Date.now() - start;
  }
  close(): void {
    this.res.destroy();
  }
}

function open(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, resolve);
    req.on('error', reject);
    req.end();
  });
}

describe('live events (SSE) on a running server', () => {
  let t: TestServer;
  let cookie: string;
  let client: LicenseClient;

  before(async () => {
    t = await startTestServer();
    cookie = (await signInAsAdmin(t)).cookie;
    client = new LicenseClient({ servers: [parseServerAddress(t.server.clientUrl)], cacheSeconds: 0 }, { app: 'test' });
  });
  after(async () => {
    await client.close();
    await t.stop();
  });

  test('needs a session or token: no credentials, no stream', async () => {
    const res = await open(`${t.server.adminUrl}/api/v1/events`, {});
    assert.equal(res.statusCode, 401);
    res.resume();
  });

  test('an install, a checkout and a release each reach the browser within a second', async () => {
    const res = await open(`${t.server.adminUrl}/api/v1/events`, { cookie });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const s = new Stream(res);
    try {
      await t.install(await t.issue([{ name: 'asr', count: 5 }]));
      await s.until(() => s.events.some((e) => e.kinds.includes('licenses')), 1000, 'install event');
      const r = await client.checkout('asr');
      assert.ok(r.ok);
      await s.until(() => s.events.some((e) => e.kinds.includes('leases')), 1000, 'checkout event');
      const n = s.events.length;
      await r.lease.release();
      await s.until(() => s.events.length > n, 1000, 'release event');
    } finally {
      s.close();
    }
  });

  test('a burst of checkouts is coalesced into few events', async () => {
    const res = await open(`${t.server.adminUrl}/api/v1/events`, { cookie });
    const s = new Stream(res);
    try {
      const results = await Promise.all(Array.from({ length: 5 }, () => client.checkout('asr')));
      await s.until(() => s.events.length > 0, 1000, 'first event');
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(s.events.length <= 3, `${s.events.length} events for a burst of 5 checkouts`);
      for (const r of results) if (r.ok) await r.lease.release();
    } finally {
      s.close();
    }
  });
});

describe('event stream housekeeping', () => {
  test('heartbeat comments keep the stream open, and a closed stream stops listening', async () => {
    const listeners = new Set<(e: EngineEvent) => void>();
    const engine = {
      onEvent(l: (e: EngineEvent) => void) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const feed = new ChangeFeed(50);
    const app = Fastify();
    registerEventRoutes(app, { engine, feed, heartbeatMs: 50 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as { port: number };
      const s = new Stream(await open(`http://127.0.0.1:${port}/api/v1/events`, {}));
      await s.until(() => s.comments.length >= 2, 2000, 'heartbeats');
      assert.equal(feed.listenerCount, 1);
      for (const l of listeners) l({ kind: 'granted', feature: 'asr', count: 1, leaseId: 'lease_1' });
      await s.until(() => s.events.length === 1, 1000, 'event');
      s.close();
      const start = Date.now();
      while (feed.listenerCount > 0 && Date.now() - start < 2000) await new Promise((r) => setTimeout(r, 10));
      assert.equal(feed.listenerCount, 0, 'the stream’s listener is gone after the client left');
      // A second stream still open when the server closes does not hold close() up.
      const again = new Stream(await open(`http://127.0.0.1:${port}/api/v1/events`, {}));
      await again.until(() => again.comments.length >= 1, 2000, 'heartbeat');
    } finally {
      await app.close();
    }
    assert.equal(listeners.size, 0, 'the engine listener is removed at close');
  });

  test('the feed sends the first change at once and at most one event per window', async () => {
    const feed = new ChangeFeed(100);
    const got: ChangeEvent[] = [];
    feed.subscribe((e) => got.push(e));
    feed.note('leases');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(got.length, 1);
    for (let i = 0; i < 50; i++) feed.note(i % 2 ? 'leases' : 'licenses');
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(got.length, 1, 'within the window: held back');
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(got.length, 2);
    assert.deepEqual(got[1]!.kinds, ['leases', 'licenses']);
    feed.close();
  });
});
