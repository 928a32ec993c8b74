import { createHash, timingSafeEqual } from 'node:crypto';
import { sendError } from '@tessera/service-kit';
import type { FastifyInstance, RouteOptions } from 'fastify';

/** Answers without the token: readiness and the protocol's description. */
const OPEN_ROUTES = new Set(['/healthz', '/openapi.json']);

/**
 * The client access token (setting `client_token`, docs/settings.md; off by default): when
 * set, every client call must carry it, as the password of HTTP Basic auth (what
 * `client_property.conf`'s AUTHENTICATION_PASSWORD sends; the user name is not checked) or
 * as a Bearer token. Read at each request, so a change applies at once.
 */
export function installClientAuth(app: FastifyInstance, tokenHash: () => string | null): void {
  // The last header that passed, with the hash it passed against: SDK clients send the same
  // header on every call, so the SHA-256 runs once per client token, not once per request.
  let lastAccepted: { header: string; hash: string } | undefined;
  app.addHook('onRequest', async (request, reply) => {
    const expected = tokenHash();
    if (expected === null || OPEN_ROUTES.has(request.routeOptions.url ?? '')) return;
    const header = request.headers.authorization ?? '';
    if (lastAccepted?.header === header && lastAccepted.hash === expected) return;
    const token = tokenOf(header);
    if (
      token !== undefined &&
      sameHash(`sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`, expected)
    ) {
      lastAccepted = { header, hash: expected };
      return;
    }
    reply.header('www-authenticate', 'Basic realm="tessera", charset="UTF-8"');
    return sendError(
      reply,
      'UNAUTHORIZED',
      header === ''
        ? 'this License Server requires a client token (client_property.conf [AUTHENTICATION] AUTHENTICATION_PASSWORD)'
        : 'the client token is not the one this License Server requires',
    );
  });
}

/** What the hook can answer for a route (for its OpenAPI entry): 401 once a client token is set. */
export function clientAuthStatuses(route: RouteOptions): number[] {
  return OPEN_ROUTES.has(route.url) ? [] : [401];
}

function tokenOf(header: string): string | undefined {
  const [scheme, value] = header.split(' ', 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
