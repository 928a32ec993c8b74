import { packageDistDir, registerStaticSite } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A public route of the Dashboard's static files: it has no role and serves only files
     * read at start from the built Dashboard, never data of this server.
     */
    dashboardStatic?: boolean;
  }
}

/**
 * Paths the Dashboard's client-side router shows; each gets `index.html`. Keep in step with
 * `packages/dashboard/src/routes.ts` (a test checks that they agree).
 */
export const DASHBOARD_PAGES = [
  '/',
  '/licenses',
  '/sessions',
  '/usage',
  '/audit',
  '/users',
  '/settings',
  '/account',
] as const;

/**
 * Where the built Dashboard is: `@tessera/dashboard`'s `dist/`, found through the package
 * (so it works from the source tree and from an installed copy alike). Undefined when the
 * package is not installed.
 */
export function defaultDashboardDir(): string | undefined {
  return packageDistDir('@tessera/dashboard', import.meta.url);
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Tessera</title>
<body style="font-family:sans-serif;margin:3rem"><h1>The Dashboard is not built</h1>
<p>Run <code>npm run build</code> in the Tessera source tree, then restart the server.
The admin API is available at <code>/api/v1</code> meanwhile.</p></body></html>`;

/**
 * Serves the built Dashboard on the admin listener: `index.html` at `/` and at each page the
 * client-side router shows, and every other file of `dist/` at its path. All files are read
 * into memory at start (and gzipped when first asked for). These routes are public: they carry no role and serve
 * only those files; every `/api` route keeps its own.
 */
export function registerDashboardStatic(app: FastifyInstance, distDir: string | undefined): { built: boolean } {
  return registerStaticSite(app, {
    distDir,
    pages: DASHBOARD_PAGES,
    name: 'the Dashboard',
    notBuiltHtml: NOT_BUILT,
    routeConfig: { dashboardStatic: true },
  });
}
