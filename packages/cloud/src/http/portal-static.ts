/**
 * The portal's static files (`@tessera/portal`'s `dist/`), served by every Cloud node at `/`.
 * The pages are public: they carry no data, only the app that then asks the vendor API,
 * which keeps its own auth. Everything is read (and gzipped) once, at start.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

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
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);
/** Hashed file names under assets/ never change content, so browsers may keep them a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

interface StaticFile {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  cacheControl: string;
}

/**
 * Where the built portal is: `@tessera/portal`'s `dist/`, found through the package (from the
 * source tree and from an installed copy alike). Undefined when the package is not installed.
 */
export function defaultPortalDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@tessera/portal/package.json')), 'dist');
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
  reply.headers(PORTAL_SECURITY_HEADERS);
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
<body><h1>The licensing portal is not built</h1>
<p>Run <code>npm run build</code> in the Tessera source tree, then restart the Cloud.
The vendor API is available at <code>/api/v1</code> meanwhile.</p></body></html>`;

/**
 * Serves the built portal: `index.html` at each page of the client-side router, every other
 * file of `dist/` at its path. These routes have no `cloudAuth` (public) and are hidden from
 * the OpenAPI document; the Host check of the auth hook still applies to them.
 */
export function registerPortalStatic(app: FastifyInstance, distDir: string | undefined): { built: boolean } {
  const opts = { schema: { hide: true } };
  const indexPath = distDir ? join(distDir, 'index.html') : undefined;
  if (!distDir || !indexPath || !existsSync(indexPath)) {
    app.log.warn({ distDir }, 'the portal is not built; / shows how to build it');
    const page: StaticFile = {
      body: Buffer.from(NOT_BUILT),
      gzip: undefined,
      type: TYPES['.html']!,
      cacheControl: 'no-store',
    };
    for (const path of PORTAL_PAGES) app.get(path, opts, (request, reply) => send(request, reply.code(503), page));
    return { built: false };
  }
  // index.html names the hashed assets of this build: browsers must revalidate it each time.
  const index = load(indexPath, 'no-cache');
  for (const path of PORTAL_PAGES) app.get(path, opts, (request, reply) => send(request, reply, index));
  for (const file of walk(distDir)) {
    if (file === indexPath) continue;
    const urlPath = `/${relative(distDir, file).split(sep).join('/')}`;
    // Files outside assets/ keep their names across versions: revalidate them.
    const served = load(file, urlPath.startsWith('/assets/') ? IMMUTABLE : 'no-cache');
    app.get(urlPath, opts, (request, reply) => send(request, reply, served));
  }
  return { built: true };
}
