/**
 * The HTTP side of browser sessions and credentials that both products' auth hooks share:
 * the session cookie, the CSRF rule, the forced password change, and the Host and Origin
 * checks that keep other sites (and DNS rebinding) out.
 */
import { TesseraError } from '@tessera/core';
import type { FastifyRequest } from 'fastify';
import type { SessionInfo } from './ports.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable while the user must still change the initial password. */
    allowWhilePasswordChangeRequired?: boolean;
  }
}

/** Header a cookie-authenticated state-changing request must carry, equal to the session's token. */
export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change nothing, so need no CSRF token (RFC 9110 safe methods). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The value of cookie `name` in a request's Cookie header; undefined when absent or empty. */
export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** The Set-Cookie value of a session cookie: HttpOnly, SameSite=Strict, Secure over TLS. */
export function sessionCookieHeader(name: string, value: string, maxAgeSeconds: number, secure: boolean): string {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/**
 * Admits a request authenticated by its session cookie. A state-changing request must echo
 * the session's CSRF token in `X-CSRF-Token`: a page on another site can make the browser
 * send the cookie, but cannot read the token. While the password must be changed, only
 * routes that allow it are open.
 * @throws TesseraError FORBIDDEN (CSRF) or PASSWORD_CHANGE_REQUIRED.
 */
export function admitSession<A>(
  request: FastifyRequest,
  session: SessionInfo<A>,
  csrfMatches: (session: SessionInfo<A>, presented: string | undefined) => boolean,
): void {
  if (!SAFE_METHODS.has(request.method)) {
    const presented = request.headers[CSRF_HEADER];
    if (!csrfMatches(session, typeof presented === 'string' ? presented : undefined)) {
      throw new TesseraError(
        'FORBIDDEN',
        'missing or wrong CSRF token (X-CSRF-Token) for a cookie-authenticated request',
      );
    }
  }
  requirePasswordChanged(request, session.mustChange);
}

/** @throws TesseraError PASSWORD_CHANGE_REQUIRED while the password must change, unless the route allows it. */
export function requirePasswordChanged(request: FastifyRequest, mustChange: boolean): void {
  if (mustChange && !request.routeOptions.config?.allowWhilePasswordChangeRequired) {
    throw new TesseraError('PASSWORD_CHANGE_REQUIRED', 'the initial password must be changed before anything else');
  }
}

/** An Authorization header as its scheme (lower case) and its value. */
export function splitAuthorization(header: string): [string, string | undefined] {
  const space = header.indexOf(' ');
  if (space < 0) return [header.toLowerCase(), undefined];
  return [header.slice(0, space).toLowerCase(), header.slice(space + 1).trim()];
}

function hostOnly(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1).toLowerCase();
  const colon = hostHeader.lastIndexOf(':');
  return (colon >= 0 ? hostHeader.slice(0, colon) : hostHeader).toLowerCase();
}

/**
 * The Host header must name one of `allowedHosts` (no port; undefined accepts any), against
 * DNS rebinding; a browser's Origin must be the host it asks.
 * @throws TesseraError FORBIDDEN
 */
export function checkHostAndOrigin(request: FastifyRequest, allowedHosts: ReadonlySet<string> | undefined): void {
  const host = request.headers.host;
  if (allowedHosts && (!host || !allowedHosts.has(hostOnly(host)))) {
    throw new TesseraError('FORBIDDEN', `requests for host ${host ?? '(none)'} are not served here`);
  }
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw new TesseraError('FORBIDDEN', 'malformed Origin header');
    }
    if (!host || originHost.toLowerCase() !== host.toLowerCase()) {
      throw new TesseraError('FORBIDDEN', `cross-origin request from ${origin} refused`);
    }
  }
}
