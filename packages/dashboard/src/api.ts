/**
 * The admin API from the browser: same origin, the session cookie sent by the browser, and
 * the session's CSRF token on every state-changing request. Errors become {@link ApiError}
 * with the server's code and message.
 */
import type { SessionView } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let onSessionLost: ((e: ApiError) => void) | undefined;

/** Remembers the CSRF token of the current session (from sign-in or GET /api/v1/session). */
export function rememberSession(session: SessionView | null): void {
  csrfToken = session?.csrfToken ?? null;
}

/** Called when a request finds the session over (401) or the password change pending. */
export function setSessionLostHandler(fn: (e: ApiError) => void): void {
  onSessionLost = fn;
}

type Method = 'GET' | 'POST' | 'DELETE';

export async function request<T>(method: Method, path: string, body?: unknown, quiet401 = false): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Awaited<ReturnType<typeof fetch>>;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new ApiError('NETWORK', err instanceof Error ? err.message : String(err), 0);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    const err = new ApiError(
      e?.code ?? `HTTP_${res.status}`,
      e?.message ?? `${res.status} ${res.statusText}`,
      res.status,
    );
    if (!quiet401 && (err.code === 'UNAUTHORIZED' || err.code === 'PASSWORD_CHANGE_REQUIRED')) onSessionLost?.(err);
    throw err;
  }
  return json as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  del: <T>(path: string) => request<T>('DELETE', path),
};

const prefetched = new Map<string, Promise<unknown>>();

/**
 * Starts a GET before the page that needs it has rendered (at start, beside the session
 * check), so the first screen costs one round trip instead of two. Failures stay quiet: the
 * page asks again the ordinary way.
 */
export function prefetch(path: string): void {
  const p = request('GET', path, undefined, true);
  p.catch(() => undefined);
  prefetched.set(path, p);
}

/** The prefetched answer for `path`, once; else a fresh request. */
export function getOnce<T>(path: string): Promise<T> {
  const p = prefetched.get(path) as Promise<T> | undefined;
  prefetched.delete(path);
  return p ? p.catch(() => api.get<T>(path)) : api.get<T>(path);
}
