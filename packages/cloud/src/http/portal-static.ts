/**
 * The portal's static files (`@tessera/portal`'s `dist/`), served by every Cloud node at `/`.
 * The pages are public: they carry no data, only the app that then asks the vendor API,
 * which keeps its own auth. Everything is read (and gzipped) once, at start.
 */
import { packageDistDir, registerStaticSite } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';

/**
 * Paths the portal's client-side router shows; each gets `index.html` (`:id` is one path
 * segment). Keep in step with `packages/portal/src/routes.ts` (a portal test checks that they agree).
 */
export const PORTAL_PAGES = [
  '/',
  '/customers',
  '/customers/:id',
  '/catalog',
  '/entitlements',
  '/servers',
  '/deployments',
  '/deployments/:id',
  '/subscriptions',
  '/flexible',
  '/users',
  '/audit',
  '/account',
] as const;

/**
 * Headers of every portal file. The CSP allows only this origin's scripts, styles and
 * connections (no inline script, no eval, no framing).
 */
export const PORTAL_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * Where the built portal is: `@tessera/portal`'s `dist/`, found through the package (from the
 * source tree and from an installed copy alike). Undefined when the package is not installed.
 */
export function defaultPortalDir(): string | undefined {
  return packageDistDir('@tessera/portal', import.meta.url);
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Tessera</title>
<body><h1>The licensing portal is not built</h1>
<p>Run <code>npm run build</code> in the Tessera source tree, then restart the Cloud.
The vendor API is available at <code>/api/v1</code> meanwhile.</p></body></html>`;

/**
 * Serves the built portal: `index.html` at each page of the client-side router, every other
 * file of `dist/` at its path. These routes have no `cloudAuth` (public) and are hidden from
 * the OpenAPI document; the Host check of the auth hook still applies to them.
 */
export function registerPortalStatic(app: FastifyInstance, distDir: string | undefined): { built: boolean } {
  return registerStaticSite(app, {
    distDir,
    pages: PORTAL_PAGES,
    headers: PORTAL_SECURITY_HEADERS,
    name: 'the portal',
    notBuiltHtml: NOT_BUILT,
  });
}
