/**
 * One load-generator process (forked by lib/load.ts, so it never shares an event loop with a
 * server). It receives a LoadConfig over IPC, runs it and sends back a LoadResult.
 *
 * An operation is one request. A client "session" is checkout (`POST /v1/leases`, expect 201)
 * followed by release (`DELETE /v1/leases/{id}`, expect 204) on node:http keep-alive sockets.
 *  - closed loop: `connections` sessions run back to back, each on its own socket;
 *  - open loop: checkouts are scheduled at `rate` per second whatever the answers, each
 *    followed by its release; latency counts from the scheduled send time, so a slow answer
 *    is not hidden by the generator waiting for it (no coordinated omission).
 */
import { Agent, request } from 'node:http';

export interface LoadConfig {
  url: string;
  /** Several servers sharing one seat pool (Cloud nodes): connection i talks to urls[i % n]; default [url]. */
  urls?: string[];
  /** An Authorization header sent with every request (a Cloud node wants Basic account credentials). */
  authorization?: string;
  /** A checkout status counted as a denial (e.g. 409 NO_SEATS when clients outnumber seats), not an error. */
  deniedStatus?: number;
  mode: 'closed' | 'open';
  /** Closed loop: concurrent sessions (= sockets). Open loop: most sockets. */
  connections: number;
  warmupMs: number;
  /** The measured window, after the warm-up. */
  durationMs: number;
  /** Open loop: checkouts per second from this process. */
  rate?: number;
  feature: string;
  /** Client ids are PREFIX-N. */
  clientPrefix: string;
}

export interface LoadResult {
  /** Requests answered with the expected status that completed inside the window. */
  ops: number;
  checkouts: number;
  releases: number;
  windowMs: number;
  /** Unexpected statuses and transport errors, over the whole run including warm-up. */
  errors: number;
  /** Checkouts answered `deniedStatus`, over the whole run. */
  denied: number;
  errorSamples: string[];
  /** Checkout latency in ms inside the window (open loop: from the scheduled send time). */
  checkoutMs: number[];
  /** Open loop: checkout latency from the actual send (how much was the generator late). */
  checkoutSentMs: number[];
  releaseMs: number[];
  /** Open loop: checkouts scheduled in the window, and how late the generator sent one of them at worst. */
  scheduled: number;
  maxSendLagMs: number;
}

interface Reply {
  status: number;
  body: string;
}

function makeClient(url: string, maxSockets: number, authorization?: string) {
  const u = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const host = u.hostname;
  const port = Number(u.port);
  return {
    agent,
    send(method: string, path: string, body?: string): Promise<Reply> {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string | number> = {};
        if (authorization !== undefined) headers.authorization = authorization;
        if (body !== undefined) {
          headers['content-type'] = 'application/json';
          headers['content-length'] = Buffer.byteLength(body);
        }
        const req = request({ agent, host, port, method, path, headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
    },
  };
}

export async function runLoad(cfg: LoadConfig): Promise<LoadResult> {
  const urls = cfg.urls && cfg.urls.length > 0 ? cfg.urls : [cfg.url];
  const clients = urls.map((u, i) =>
    makeClient(u, Math.max(1, Math.ceil((cfg.connections - i) / urls.length)), cfg.authorization),
  );
  const result: LoadResult = {
    ops: 0,
    checkouts: 0,
    releases: 0,
    windowMs: cfg.durationMs,
    errors: 0,
    denied: 0,
    errorSamples: [],
    checkoutMs: [],
    checkoutSentMs: [],
    releaseMs: [],
    scheduled: 0,
    maxSendLagMs: 0,
  };
  const start = performance.now();
  const windowStart = start + cfg.warmupMs;
  const windowEnd = windowStart + cfg.durationMs;
  const inWindow = (t: number) => t >= windowStart && t <= windowEnd;
  // Tell the parent when the window opens and closes, so it can see who used the CPU meanwhile.
  const edges = [
    setTimeout(() => process.send?.({ type: 'window', edge: 'start' }), cfg.warmupMs),
    setTimeout(() => process.send?.({ type: 'window', edge: 'end' }), cfg.warmupMs + cfg.durationMs),
  ];
  const fail = (what: string) => {
    result.errors++;
    if (result.errorSamples.length < 5) result.errorSamples.push(what);
  };

  const session = sessionRunner(cfg, clients, result, inWindow, fail);

  if (cfg.mode === 'closed') {
    const loops: Promise<void>[] = [];
    for (let i = 0; i < cfg.connections; i++) {
      const clientId = `${cfg.clientPrefix}-${i}`;
      const body = JSON.stringify({ feature: cfg.feature, client: { id: clientId } });
      loops.push(
        (async () => {
          while (performance.now() < windowEnd) {
            const errorsBefore = result.errors;
            const deniedBefore = result.denied;
            await session(clientId, body, performance.now(), i);
            // Do not spin on a dead server (errors) or on a full pool (denials): back off a little.
            if (result.errors !== errorsBefore || result.denied !== deniedBefore) {
              await new Promise((r) => setTimeout(r, 10));
            }
          }
        })(),
      );
    }
    await Promise.all(loops);
  } else {
    const rate = cfg.rate ?? 1000;
    const interval = 1000 / rate;
    const total = Math.floor(((cfg.warmupMs + cfg.durationMs) / 1000) * rate);
    const sessions: Promise<void>[] = [];
    const bodies = Array.from({ length: 64 }, (_, i) =>
      JSON.stringify({ feature: cfg.feature, client: { id: `${cfg.clientPrefix}-${i}` } }),
    );
    await new Promise<void>((resolve) => {
      let i = 0;
      const tick = () => {
        const now = performance.now();
        while (i < total) {
          const scheduled = start + i * interval;
          if (scheduled > now) break;
          if (inWindow(scheduled)) {
            result.scheduled++;
            result.maxSendLagMs = Math.max(result.maxSendLagMs, now - scheduled);
          }
          sessions.push(session(`${cfg.clientPrefix}-${i % 64}`, bodies[i % 64]!, scheduled, i));
          i++;
        }
        if (i >= total) resolve();
        else setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
      };
      tick();
    });
    // Bounded: every request either answers or fails; give stragglers 30 s at most.
    await Promise.race([Promise.all(sessions), new Promise((r) => setTimeout(r, 30_000))]);
  }
  result.windowMs = cfg.durationMs;
  for (const t of edges) clearTimeout(t);
  for (const c of clients) c.agent.destroy();
  return result;
}

/** One session on server `n`: checkout then release. `scheduled` is when it should have started. */
function sessionRunner(
  cfg: LoadConfig,
  clients: ReturnType<typeof makeClient>[],
  result: LoadResult,
  inWindow: (t: number) => boolean,
  fail: (what: string) => void,
): (clientId: string, body: string, scheduled: number, n?: number) => Promise<void> {
  return async function session(clientId: string, body: string, scheduled: number, n = 0): Promise<void> {
    const client = clients[n % clients.length]!;
    const sent = performance.now();
    let leaseId: string | undefined;
    try {
      const r = await client.send('POST', '/v1/leases', body);
      const done = performance.now();
      if (cfg.deniedStatus !== undefined && r.status === cfg.deniedStatus) {
        result.denied++;
        return;
      }
      if (r.status !== 201) {
        fail(`checkout ${clientId}: ${r.status} ${r.body.slice(0, 200)}`);
        return;
      }
      leaseId = (JSON.parse(r.body) as { leaseId: string }).leaseId;
      if (inWindow(done)) {
        result.ops++;
        result.checkouts++;
      }
      if (inWindow(scheduled)) {
        result.checkoutMs.push(done - scheduled);
        if (cfg.mode === 'open') result.checkoutSentMs.push(done - sent);
      }
    } catch (err) {
      fail(`checkout ${clientId}: ${(err as Error).message}`);
      return;
    }
    try {
      const t = performance.now();
      const r = await client.send('DELETE', `/v1/leases/${leaseId}`);
      const done = performance.now();
      if (r.status !== 204) {
        fail(`release ${clientId}: ${r.status} ${r.body.slice(0, 200)}`);
        return;
      }
      if (inWindow(done)) {
        result.ops++;
        result.releases++;
        result.releaseMs.push(done - t);
      }
    } catch (err) {
      fail(`release ${clientId}: ${(err as Error).message}`);
    }
  };
}

// Run as a forked process: one config in, one result out.
if (process.send) {
  process.once('message', (cfg: LoadConfig) => {
    runLoad(cfg).then(
      (r) => process.send?.({ type: 'result', result: r }, () => process.exit(0)),
      (err: unknown) => process.send?.({ type: 'error', message: String(err) }, () => process.exit(1)),
    );
  });
}
