/**
 * An in-process Cloud node on loopback, port chosen by the OS, for HTTP tests through
 * `inject` (and real sockets when wanted).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudOptions, type RunningCloud, startCloud } from '../runtime/cloud.js';
import { silentLogger } from './fixtures.js';

export interface TestCloud {
  cloud: RunningCloud;
  dir: string;
  /** The CLI token of DIR/admin.token. */
  token: string;
  /** An HTTP call through inject; `auth` is a full Authorization header value. */
  call(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
    // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field and checked there
  ): Promise<{ status: number; json: () => any; body: string; headers: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export async function startTestCloud(opts: Partial<CloudOptions> = {}): Promise<TestCloud> {
  const dir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-cloud-'));
  let cloud: RunningCloud;
  try {
    cloud = await startCloud({ listen: '127.0.0.1:0', logger: silentLogger, ...opts, dataDir: dir });
  } catch (err) {
    if (!opts.dataDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const token = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
  return {
    cloud,
    dir,
    token,
    async call(method, url, body, headers = {}) {
      const r = await cloud.app.inject({
        method,
        url,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      return {
        status: r.statusCode,
        json: () => r.json(),
        body: r.body,
        headers: r.headers as Record<string, unknown>,
      };
    },
    async stop() {
      await cloud.stop();
      if (!opts.dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
