/**
 * One HTTP exchange with one server, reduced to what failover needs to decide: either the
 * server answered (status + parsed JSON), or it could not be talked to (and why, in words).
 * Portable: uses `fetch` and `AbortSignal.timeout`, both in Node 20 and browsers.
 */
import type { ErrorBody } from '@tessera/core';
import type { ClientAuth } from './config/client-properties.js';
import type { ServerAddress } from './config/server-address.js';

export type HttpOutcome =
  | { kind: 'response'; status: number; body: unknown }
  | { kind: 'failed'; why: string; cause?: unknown };

export interface TransportOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  auth: ClientAuth | undefined;
}

/** A server's error, from its `{"error":{...}}` envelope, or made up from the status when it sent none. */
export interface ServerError {
  code: string;
  message: string;
  reason?: string;
  /** False when the body was not a Tessera error envelope (a proxy's page, say). */
  enveloped: boolean;
}

export class Transport {
  private readonly authorization: string | undefined;

  constructor(private readonly opts: TransportOptions) {
    this.authorization = opts.auth ? basicAuth(opts.auth.username, opts.auth.password) : undefined;
  }

  async request(server: ServerAddress, method: string, path: string, body?: unknown): Promise<HttpOutcome> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.authorization) headers.authorization = this.authorization;
    try {
      const res = await this.opts.fetch(server.url + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        // A license server has no business redirecting, and following one could carry the
        // Authorization header somewhere unexpected; treat it as a failure of that server.
        redirect: 'error',
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      const text = await res.text();
      let parsed: unknown;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
      }
      return { kind: 'response', status: res.status, body: parsed };
    } catch (err) {
      return { kind: 'failed', why: describeFailure(err, this.opts.timeoutMs), cause: err };
    }
  }
}

/** Reads the error envelope (docs/protocol.md), or describes a bare status when there is none. */
export function serverError(status: number, body: unknown): ServerError {
  const e = (body as Partial<ErrorBody> | undefined)?.error;
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    const out: ServerError = {
      code: e.code,
      message: typeof e.message === 'string' ? e.message : e.code,
      enveloped: true,
    };
    if (typeof e.reason === 'string') out.reason = e.reason;
    return out;
  }
  return { code: `HTTP_${status}`, message: `HTTP ${status} without a Tessera error body`, enveloped: false };
}

const ERRNO_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/** Turns fetch's rather opaque failures ("fetch failed") into words a person can act on. */
export function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const code = e?.cause?.code;
  if (code) return `${ERRNO_WORDS[code] ?? code}${ERRNO_WORDS[code] ? ` (${code})` : ''}`;
  return e?.cause?.message ?? e?.message ?? String(err);
}

/** RFC 7617 Basic credentials, UTF-8 encoded; btoa alone would refuse non-Latin-1 passwords. */
export function basicAuth(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}
