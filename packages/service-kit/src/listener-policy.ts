/**
 * How long a connection may take and how many a listener holds. Without these, a client that
 * opens connections and never finishes a request keeps each one (and its file descriptor) for
 * ever: 1,100 half-sent requests used all 1,024 descriptors of a License Server, and both its
 * listeners refused everyone while they were held.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';

export interface ListenerPolicy {
  /** A request's headers must all arrive within this, from the connection or the previous request. */
  headersTimeoutMs: number;
  /** A whole request, body included, must arrive within this (a 3 MiB document at 100 KB/s fits). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this; above the SDK's 30 s heartbeat, so clients keep theirs. */
  keepAliveTimeoutMs: number;
  /** A connection with no traffic either way (one that stopped reading an answer, say) is closed after this. */
  idleTimeoutMs: number;
  /** How often the server looks for requests past their timeouts (the timeouts' granularity). */
  timeoutCheckMs: number;
}

export const LISTENER_POLICY: Readonly<ListenerPolicy> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 75_000,
  idleTimeoutMs: 120_000,
  timeoutCheckMs: 1_000,
};

/**
 * How the process's file descriptors are shared among listeners. Every connection holds one
 * descriptor; the process needs others for its database, files and logs, so each listener's
 * cap stays below the limit, and the License Server's admin listener has a share of its own
 * that a flood of the client listener cannot take.
 */
export const CONNECTION_POLICY = {
  /** Descriptors kept for everything but connections: the database (and its pool), data files, logs. */
  reservedFds: 128,
  /** Share of the rest kept for the admin listener, within `adminMin..adminMax` connections. */
  adminShare: 1 / 8,
  adminMin: 16,
  adminMax: 256,
  /** Most connections one address may hold, as a share of its listener's cap. */
  perAddressShare: 1 / 4,
  /** What a listener gets at least, however low the limit (the process may then run out first). */
  listenerMin: 16,
  /** The limit assumed when the process's cannot be read. */
  assumedFdLimit: 1024,
} as const;

export interface ConnectionLimits {
  /** Connections the listener holds at once; more are closed as they arrive. */
  max: number;
  /** Connections one remote address may hold at once. */
  perAddress: number;
}

/**
 * The soft limit on open files of this process (what `ulimit -n` says): from /proc on Linux,
 * else from the shell; undefined when neither answers.
 */
export function readFdLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (line) return line[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(line[1]);
  } catch {}
  try {
    const out = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2_000 }).trim();
    return out === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(out) || undefined;
  } catch {
    return undefined;
  }
}

function limitsOf(max: number): ConnectionLimits {
  return { max, perAddress: Math.max(1, Math.floor(max * CONNECTION_POLICY.perAddressShare)) };
}

/**
 * The caps of a process with a client listener and an admin listener (the License Server), or
 * with one listener (a Cloud node: `admin` is then undefined), from its descriptor limit.
 *
 * @example
 * connectionBudget(1024, true); // { client: { max: 784, perAddress: 196 }, admin: { max: 112, perAddress: 28 } }
 */
export function connectionBudget(
  fdLimit: number,
  withAdmin: boolean,
): { client: ConnectionLimits; admin: ConnectionLimits | undefined } {
  const p = CONNECTION_POLICY;
  const usable = Math.max(0, Math.min(fdLimit, 1 << 20) - p.reservedFds);
  if (!withAdmin) return { client: limitsOf(Math.max(p.listenerMin, usable)), admin: undefined };
  const admin = Math.min(p.adminMax, Math.max(p.adminMin, Math.floor(usable * p.adminShare)));
  return { client: limitsOf(Math.max(p.listenerMin, usable - admin)), admin: limitsOf(admin) };
}

/** What a listener's limiter has seen, for metrics and tests. */
export interface ConnectionStats {
  readonly open: number;
  /** The most connections held at once since start. */
  readonly peak: number;
  /** Connections closed on arrival because their address held its share already. */
  readonly refusedPerAddress: number;
  /** Connections closed on arrival because the listener was full. */
  readonly refusedFull: number;
}

/**
 * Caps a server's connections: beyond `max` the kernel's accept is answered by closing the
 * socket at once (node's `maxConnections`), and beyond `perAddress` from one remote address
 * likewise, so one client cannot take every slot.
 */
export function limitConnections(server: Server, limits: ConnectionLimits): ConnectionStats {
  const byAddress = new Map<string, number>();
  const stats = { open: 0, peak: 0, refusedPerAddress: 0, refusedFull: 0 };
  server.maxConnections = limits.max;
  server.on('drop', () => {
    stats.refusedFull++;
  });
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    const held = byAddress.get(address) ?? 0;
    if (held >= limits.perAddress) {
      stats.refusedPerAddress++;
      socket.destroy();
      return;
    }
    byAddress.set(address, held + 1);
    stats.open++;
    stats.peak = Math.max(stats.peak, stats.open);
    socket.once('close', () => {
      stats.open--;
      const left = (byAddress.get(address) ?? 1) - 1;
      if (left <= 0) byAddress.delete(address);
      else byAddress.set(address, left);
    });
  });
  return stats;
}

/**
 * Node's http server options that carry the policy's timeouts (passed at construction: the
 * timeout checker's interval cannot be changed afterwards).
 */
export function httpServerTimeouts(policy: Readonly<ListenerPolicy>): {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval: number;
} {
  return {
    headersTimeout: Math.min(policy.headersTimeoutMs, policy.requestTimeoutMs),
    requestTimeout: policy.requestTimeoutMs,
    keepAliveTimeout: policy.keepAliveTimeoutMs,
    connectionsCheckingInterval: policy.timeoutCheckMs,
  };
}
