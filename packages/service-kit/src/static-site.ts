/**
 * A built single-page web UI (the Dashboard, the portal) served from memory: `index.html` at
 * each page of its client-side router, every other file of its `dist/` at its path, with
 * security headers, gzip and cache headers, and a 503 page at its pages when it is not built.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';

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

/**
 * Headers of every file of a built web UI (the Dashboard, the portal). The CSP allows only the
 * serving origin's scripts, styles and connections (no inline script, no eval, no framing);
 * the API behind it keeps its own auth.
 */
export const WEB_UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
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

interface StaticFile {
  body: Buffer;
  /** Worth compressing (a text type, more than 512 bytes). */
  compressible: boolean;
  /** The gzipped body once asked for; null when it came out no smaller. */
  gzip: Buffer | null | undefined;
  type: string;
  cacheControl: string;
}

export interface StaticSiteOptions {
  /** The build's `dist/`; undefined when the UI's package is not installed. */
  distDir: string | undefined;
  /** Paths the client-side router shows (fastify patterns: `:id` is one segment); each gets `index.html`. */
  pages: readonly string[];
  /** Headers of every file (the CSP and friends); default {@link WEB_UI_SECURITY_HEADERS}. */
  headers?: Readonly<Record<string, string>>;
  /** The UI's name in the log line when it is not built, e.g. "the Dashboard". */
  name: string;
  /** The HTML page answered (503) at each page when the UI is not built. */
  notBuiltHtml: string;
  /** Route config of every static route (e.g. a flag the auth hook reads to let it through). */
  routeConfig?: FastifyContextConfig;
}

/**
 * Where a UI's build is: its package's `dist/`, found through the package (so it works from
 * the source tree and from an installed copy alike), resolved from `fromUrl` (the caller's
 * `import.meta.url`). Undefined when the package is not installed.
 */
export function packageDistDir(packageName: string, fromUrl: string): string | undefined {
  try {
    return join(dirname(createRequire(fromUrl).resolve(`${packageName}/package.json`)), 'dist');
  } catch {
    return undefined;
  }
}

function load(path: string, cacheControl: string): StaticFile {
  const body = readFileSync(path);
  const ext = extname(path).toLowerCase();
  return {
    body,
    compressible: COMPRESSIBLE.has(ext) && body.length > 512,
    gzip: undefined,
    type: TYPES[ext] ?? 'application/octet-stream',
    cacheControl,
  };
}

/**
 * The gzipped body, made at the first request that accepts it rather than at start: level 9
 * over the bundles took tens of milliseconds of every start, for files a browser may never ask for.
 */
function gzipped(file: StaticFile): Buffer | null {
  if (!file.compressible) return null;
  if (file.gzip === undefined) {
    const gz = gzipSync(file.body, { level: 9 });
    file.gzip = gz.length < file.body.length ? gz : null;
  }
  return file.gzip;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function send(
  request: FastifyRequest,
  reply: FastifyReply,
  file: StaticFile,
  headers: Readonly<Record<string, string>>,
): FastifyReply {
  reply.headers(headers);
  reply.header('content-type', file.type);
  reply.header('cache-control', file.cacheControl);
  reply.header('vary', 'accept-encoding');
  const accepts = request.headers['accept-encoding'];
  const gz = typeof accepts === 'string' && /\bgzip\b/.test(accepts) ? gzipped(file) : null;
  if (gz) {
    reply.header('content-encoding', 'gzip');
    return reply.send(gz);
  }
  return reply.send(file.body);
}

/**
 * Registers a built UI's routes (GET, hidden from the OpenAPI document). All files are read
 * into memory now (and gzipped when first asked for); `index.html` is revalidated on each visit, since it names
 * the hashed assets of this build. Returns whether the build was found.
 */
export function registerStaticSite(app: FastifyInstance, o: StaticSiteOptions): { built: boolean } {
  // `hide` is @fastify/swagger's (the servers register it): the OpenAPI documents leave these routes out.
  const schema = { hide: true } as FastifySchema;
  const opts = { ...(o.routeConfig ? { config: o.routeConfig } : {}), schema };
  const { distDir } = o;
  const headers = o.headers ?? WEB_UI_SECURITY_HEADERS;
  const indexPath = distDir ? join(distDir, 'index.html') : undefined;
  if (!distDir || !indexPath || !existsSync(indexPath)) {
    app.log.warn({ distDir }, `${o.name} is not built; / shows how to build it`);
    const page: StaticFile = {
      body: Buffer.from(o.notBuiltHtml),
      compressible: false,
      gzip: undefined,
      type: TYPES['.html']!,
      cacheControl: 'no-store',
    };
    for (const path of o.pages) app.get(path, opts, (request, reply) => send(request, reply.code(503), page, headers));
    return { built: false };
  }
  const index = load(indexPath, 'no-cache');
  for (const path of o.pages) app.get(path, opts, (request, reply) => send(request, reply, index, headers));
  for (const file of walk(distDir)) {
    if (file === indexPath) continue;
    const urlPath = `/${relative(distDir, file).split(sep).join('/')}`;
    // Files outside assets/ keep their names across versions: revalidate them.
    const served = load(file, urlPath.startsWith('/assets/') ? IMMUTABLE : 'no-cache');
    app.get(urlPath, opts, (request, reply) => send(request, reply, served, headers));
  }
  return { built: true };
}
