/**
 * Small HTTP pieces the scenarios put between a driver and the real servers: a stub that
 * answers every request the same way (a server failing with 503, one shedding load with 429),
 * a proxy that records what passes and can hold requests back, and a port nobody listens on.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

const open = new Set<Server>();

/** Closes every stub and proxy still listening, stops held seats' heartbeats. Register with `after(closeHttpHelpers)`. */
export async function closeHttpHelpers(): Promise<void> {
  for (const stop of holders) stop();
  holders.clear();
  await Promise.all(
    [...open].map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
  open.clear();
}

async function listen(server: Server): Promise<number> {
  open.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A request seen by a stub or proxy. */
export interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
}

export interface Stub {
  address: string;
  url: string;
  seen: Seen[];
}

/** A server that answers every request with `status` and a Tessera error envelope of `code`. */
export async function errorStub(status: number, code: string, message: string): Promise<Stub> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code, message, requestId: `stub-${seen.length}` } }));
    });
  });
  const port = await listen(server);
  return { address: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, seen };
}

export interface Proxy extends Stub {
  /** Holds every request that arrives from now on until {@link release}. */
  hold(): void;
  release(): void;
}

/** Forwards every request to `target` (an `http://host:port` URL), recording it. */
export async function recordingProxy(target: string): Promise<Proxy> {
  const seen: Seen[] = [];
  const to = new URL(target);
  let gate: Promise<void> | undefined;
  let openGate: (() => void) | undefined;
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = httpRequest(
      {
        host: to.hostname,
        port: to.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: to.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      // The target is down: the client sees its connection dropped, as it would without us.
      res.destroy();
    });
    req.pipe(upstream);
  };
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
    if (gate) void gate.then(() => forward(req, res));
    else forward(req, res);
  });
  const port = await listen(server);
  return {
    address: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    seen,
    hold() {
      gate ??= new Promise<void>((resolve) => {
        openGate = resolve;
      });
    },
    release() {
      openGate?.();
      gate = undefined;
      openGate = undefined;
    },
  };
}

/** `127.0.0.1:PORT` of a port that was free a moment ago: connecting to it is refused. */
export async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** A seat another client holds, heartbeaten every second so that it never lapses under the test. */
export interface HeldSeat {
  leaseId: string;
  /** Stops the heartbeats and releases the seat (`DELETE`); the answer's status. */
  release(): Promise<number>;
}

const holders = new Set<() => void>();

/**
 * Another client takes one seat of `feature` at `serverUrl` (a License Server's client URL or a
 * Cloud node's, with `authorization` for the latter) and keeps it until released. Fails the test
 * if the seat is refused.
 */
export async function holdSeat(serverUrl: string, feature: string, authorization?: string): Promise<HeldSeat> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  const res = await fetch(`${serverUrl}/v1/leases`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ feature, count: 1, client: { id: 'conformance-other-client' } }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { leaseId?: string };
  if (res.status !== 201 || !body.leaseId) {
    throw new Error(
      `another client could not take a seat of ${feature} at ${serverUrl}: ${res.status} ${JSON.stringify(body)}`,
    );
  }
  const leaseId = body.leaseId;
  const path = `${serverUrl}/v1/leases/${encodeURIComponent(leaseId)}`;
  const timer = setInterval(() => {
    fetch(`${path}/heartbeat`, { method: 'POST', headers, body: '{}', signal: AbortSignal.timeout(5_000) })
      .then((r) => r.arrayBuffer())
      .catch(() => undefined);
  }, 1_000);
  const stop = () => clearInterval(timer);
  holders.add(stop);
  return {
    leaseId,
    async release() {
      stop();
      holders.delete(stop);
      const r = await fetch(path, {
        method: 'DELETE',
        headers: authorization ? { authorization } : {},
        signal: AbortSignal.timeout(10_000),
      });
      await r.arrayBuffer();
      return r.status;
    },
  };
}

/** Two server URLs name the same server (a trailing `/` aside). */
export function sameServer(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}
