import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

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
export const DASHBOARD_PAGES = ['/', '/licenses', '/usage', '/audit', '/users', '/settings', '/account'] as const;

/**
 * Headers of every Dashboard file. The CSP allows only this origin's scripts, styles and
 * connections (no inline script, no eval, no framing); the API stays behind its own auth.
 */
export const DASHBOARD_SECURITY_HEADERS: Record<string, string> = {
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

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt', '.map']);
/** Hashed file names under assets/ never change content, so browsers may keep them a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

interface StaticFile {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  cacheControl: string;
}

/**
 * Where the built Dashboard is: `@tessera/dashboard`'s `dist/`, found through the package
 * (so it works from the source tree and from an installed copy alike). Undefined when the
 * package is not installed.
 */
export function defaultDashboardDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@tessera/dashboard/package.json');
    return join(dirname(pkg), 'dist');
  } catch {
    return undefined;
  }
}

function load(path: string, cacheControl: string): StaticFile {
  const body = readFileSync(path);
  const ext = extname(path).toLowerCase();
  const gz = COMPRESSIBLE.has(ext) && body.length > 512 ? gzipSync(body, { level: 9 }) : undefined;
  return {
    body,
    gzip: gz && gz.length < body.length ? gz : undefined,
    type: TYPES[ext] ?? 'application/octet-stream',
    cacheControl,
  };
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  reply.headers(DASHBOARD_SECURITY_HEADERS);
  reply.header('content-type', file.type);
  reply.header('cache-control', file.cacheControl);
  reply.header('vary', 'accept-encoding');
  const accepts = request.headers['accept-encoding'];
  if (file.gzip && typeof accepts === 'string' && /\bgzip\b/.test(accepts)) {
    reply.header('content-encoding', 'gzip');
    return reply.send(file.gzip);
  }
  return reply.send(file.body);
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Tessera</title>
<body style="font-family:sans-serif;margin:3rem"><h1>The Dashboard is not built</h1>
<p>Run <code>npm run build</code> in the Tessera source tree, then restart the server.
The admin API is available at <code>/api/v1</code> meanwhile.</p></body></html>`;

/**
 * Serves the built Dashboard on the admin listener: `index.html` at `/` and at each page the
 * client-side router shows, and every other file of `dist/` at its path. All files are read
 * into memory (and gzipped) at start. These routes are public: they carry no role and serve
 * only those files; every `/api` route keeps its own.
 */
export function registerDashboardStatic(app: FastifyInstance, distDir: string | undefined): { built: boolean } {
  const opts = { config: { dashboardStatic: true }, schema: { hide: true } };
  const indexPath = distDir ? join(distDir, 'index.html') : undefined;
  if (!distDir || !indexPath || !existsSync(indexPath)) {
    app.log.warn({ distDir }, 'the Dashboard is not built; / shows how to build it');
    const page: StaticFile = {
      body: Buffer.from(NOT_BUILT),
      gzip: undefined,
      type: TYPES['.html']!,
      cacheControl: 'no-store',
    };
    for (const path of DASHBOARD_PAGES) app.get(path, opts, (request, reply) => send(request, reply.code(503), page));
    return { built: false };
  }
  // index.html names the hashed assets of this build: browsers must revalidate it each time.
  const index = load(indexPath, 'no-cache');
  for (const path of DASHBOARD_PAGES) app.get(path, opts, (request, reply) => send(request, reply, index));
  for (const file of walk(distDir)) {
    if (file === indexPath) continue;
    const urlPath = `/${relative(distDir, file).split(sep).join('/')}`;
    const immutable = urlPath.startsWith('/assets/');
    // Files outside assets/ keep their names across versions: revalidate them.
    const served = load(file, immutable ? IMMUTABLE : 'no-cache');
    app.get(urlPath, opts, (request, reply) => send(request, reply, served));
  }
  return { built: true };
}
