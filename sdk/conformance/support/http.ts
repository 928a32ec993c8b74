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

/** Closes every stub and proxy still listening. Register with `after(closeHttpHelpers)`. */
export async function closeHttpHelpers(): Promise<void> {
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

/** `POST /v1/leases` by hand (a client other than the driver taking a seat). */
export async function rawCheckout(
  clientUrl: string,
  feature: string,
  count = 1,
): Promise<{ status: number; leaseId: string | undefined; body: unknown }> {
  const res = await fetch(`${clientUrl}/v1/leases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ feature, count, client: { id: 'conformance-other-client' } }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { leaseId?: string };
  return { status: res.status, leaseId: body.leaseId, body };
}

/** `DELETE /v1/leases/{id}` by hand. */
export async function rawRelease(clientUrl: string, leaseId: string): Promise<number> {
  const res = await fetch(`${clientUrl}/v1/leases/${encodeURIComponent(leaseId)}`, {
    method: 'DELETE',
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Two server URLs name the same server (a trailing `/` aside). */
export function sameServer(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}
