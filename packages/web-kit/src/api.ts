/**
 * A web UI's API from the browser (the License Server's admin API, the Cloud's portal API): same
 * origin, the session cookie sent by the browser, and the session's CSRF token on every
 * state-changing request. Errors become {@link ApiError} with the server's code, message,
 * `details` and `reason`.
 */
import { isUnreachableStatus, reportAnswered, reportUnreachable } from './reachability.js';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** The error's `details` (e.g. the License Server's settings errors by key). */
    readonly details: Record<string, unknown> = {},
    /** The error's `reason` (the Cloud's finer cause of a conflict). */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let onSessionLost: ((e: ApiError) => void) | undefined;

/** Remembers the CSRF token of the current session (from sign-in or GET /api/v1/session). */
export function rememberSession(session: { csrfToken: string | null } | null): void {
  csrfToken = session?.csrfToken ?? null;
}

/** Called when a request finds the session over (401) or the password change pending. */
export function setSessionLostHandler(fn: (e: ApiError) => void): void {
  onSessionLost = fn;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

type FetchResponse = Awaited<ReturnType<typeof fetch>>;

export interface RequestOptions {
  /** A 401 is the caller's to handle (sign-in, the first session check). */
  quiet401?: boolean;
  /** The body is text (a license file), not JSON. */
  text?: boolean;
}

export async function request<T>(method: Method, path: string, body?: unknown, o: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: o.text ? 'text/plain, application/json' : 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  return answer<T>(
    fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
    o,
  );
}

/** A response as the UI wants it: JSON (or text) on success, {@link ApiError} otherwise. */
async function answer<T>(pending: Promise<FetchResponse>, o: RequestOptions): Promise<T> {
  let res: FetchResponse;
  try {
    res = await pending;
  } catch (err) {
    reportUnreachable();
    throw new ApiError('NETWORK', err instanceof Error ? err.message : String(err), 0);
  }
  if (isUnreachableStatus(res.status)) reportUnreachable();
  else reportAnswered();
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (res.ok && o.text) return text as T;
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    type Envelope = { error?: { code?: string; message?: string; details?: Record<string, unknown>; reason?: string } };
    const e = (json as Envelope | undefined)?.error;
    const err = new ApiError(
      e?.code ?? `HTTP_${res.status}`,
      e?.message ?? `${res.status} ${res.statusText}`,
      res.status,
      e?.details ?? {},
      e?.reason,
    );
    if (!o.quiet401 && (err.code === 'UNAUTHORIZED' || err.code === 'PASSWORD_CHANGE_REQUIRED')) onSessionLost?.(err);
    throw err;
  }
  return json as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  text: (path: string) => request<string>('GET', path, undefined, { text: true }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

const early =
  (globalThis as unknown as { __tesseraEarly?: Record<string, Promise<FetchResponse>> }).__tesseraEarly ?? {};

/**
 * The answer to a GET that public/early.js started before the bundle ran, once; else a fresh
 * request. A failed early answer is asked again the ordinary way (it may predate sign-in).
 */
export function getOnce<T>(path: string, quiet401 = false): Promise<T> {
  const p = early[path];
  if (!p) return request<T>('GET', path, undefined, { quiet401 });
  delete early[path];
  return answer<T>(p, { quiet401: true }).catch(() => request<T>('GET', path, undefined, { quiet401 }));
}
