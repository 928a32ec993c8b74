/**
 * The portal's static files (`@tessera/portal`'s `dist/`), served by every Cloud node at `/`.
 * The pages are public: they carry no data, only the app that then asks the vendor API,
 * which keeps its own auth. Everything is read once, at start (and gzipped when first asked for).
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
    name: 'the portal',
    notBuiltHtml: NOT_BUILT,
  });
}
