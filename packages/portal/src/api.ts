/**
 * The portal's API helpers: the kit's fetch wrapper (same origin, the session's CSRF token,
 * {@link ApiError} with the Cloud's code, reason and message), and query strings and ids in paths.
 */
export {
  ApiError,
  api,
  getOnce,
  type Method,
  rememberSession,
  request,
  setSessionLostHandler,
} from '@tessera/web-kit/api';

/** `?a=1&b=2` of the defined values (empty when none). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** `/api/v1/…/ID` with the id escaped. */
export const at = (base: string, id: string, rest = '') => `${base}/${encodeURIComponent(id)}${rest}`;
