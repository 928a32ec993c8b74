/**
 * Dashboard first load, on loopback in Chromium: the JavaScript it ships (gzipped, as the
 * server sends it) and the time from navigation to the license tree being visible, on a
 * server holding 50 licenses and 10,000 leases.
 */
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type generateSigningKey, issueLicense } from '@tessera/core';
import { LOCAL_CLI_ACTOR, type startLicenseServer } from '@tessera/server';
import { launchBrowser } from '@tessera/web-kit/test/browser';
import { startBenchDashboardServer } from '../lib/dashboard-server.js';

export interface DashboardBenchRow {
  what: string;
  figure: string;
  goal: string;
  met: boolean;
}

export interface DashboardBenchOptions {
  /** Fewer page loads (the data set stays the same: the goal is stated for it). */
  quick?: boolean;
  log?: (message: string) => void;
}

const GOALS = { jsGzipBytes: 150 * 1024, treeVisibleMs: 1000 } as const;
const LICENSES = 50;
const LEASES = 10_000;
const FEATURES = ['asr', 'tts', 'nlu', 'diarize'];

/** Raw bytes of a GET as sent on the wire with `accept-encoding: gzip`. */
function wireBytes(url: string): Promise<{ bytes: number; encoding: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ bytes: body.length, encoding: res.headers['content-encoding'], body });
      });
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

async function json<T>(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown }) {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return { body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

/** Installs the licenses and checks out the leases the page will show. */
async function fillServer(
  server: Awaited<ReturnType<typeof startLicenseServer>>,
  dataDir: string,
  vendorKey: ReturnType<typeof generateSigningKey>['privateKey'],
  log: (message: string) => void,
): Promise<void> {
  const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  const auth = { authorization: `Bearer ${token}` };
  const serverIdFile = await server.core.licenses.makeServerIdFile(LOCAL_CLI_ACTOR);
  log(`dashboard-load: installing ${LICENSES} licenses`);
  const seatsPerFeature = Math.ceil(LEASES / (LICENSES * FEATURES.length)) + 5;
  for (let i = 0; i < LICENSES; i++) {
    const { file } = await issueLicense({
      serverIdFile,
      vendorKey,
      customer: `Customer ${i % 7}`,
      features: FEATURES.map((name) => ({ name, count: seatsPerFeature })),
      maintenanceUntil: new Date(Date.now() + (20 + i * 9) * 86_400_000).toISOString().slice(0, 10),
      nowMs: Date.now(),
    });
    await json(`${server.adminUrl}/api/v1/licenses`, { method: 'POST', headers: auth, body: { file } });
  }
  log(`dashboard-load: checking out ${LEASES} leases`);
  let next = 0;
  const worker = async () => {
    while (next < LEASES) {
      const i = next++;
      await json(`${server.clientUrl}/v1/leases`, {
        method: 'POST',
        body: {
          feature: FEATURES[i % FEATURES.length],
          client: { id: `client-${i}`, host: `host-${i % 300}`, app: 'bench-app', version: '1.0.0' },
        },
      });
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  if (server.core.engine.leaseCount !== LEASES)
    throw new Error(`${server.core.engine.leaseCount} leases held, not ${LEASES}`);
}

/**
 * The scenario. Returns rows `{ what, figure, goal, met }` (and notes) for `npm run bench`.
 * @example
 * const { rows } = await dashboardLoad({ log: console.error });
 */
export async function dashboardLoad(
  o: DashboardBenchOptions = {},
): Promise<{ rows: DashboardBenchRow[]; notes: string[] }> {
  const log = o.log ?? (() => undefined);
  const { root, dataDir, vendor, server } = await startBenchDashboardServer('dashboard');
  const browser = await launchBrowser();
  try {
    await fillServer(server, dataDir, vendor.privateKey, log);

    // A signed-in browser: sign in, change the initial password, keep the cookie.
    const initial = readFileSync(join(dataDir, 'initial-admin-password'), 'utf8').trim();
    const signIn = await json<{ csrfToken: string }>(`${server.adminUrl}/api/v1/session`, {
      method: 'POST',
      body: { username: 'admin', password: initial },
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    await json(`${server.adminUrl}/api/v1/account/password`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': signIn.body.csrfToken },
      body: { currentPassword: initial, newPassword: 'bench password, long enough' },
    });

    // JS shipped: every script the page loads, as sent gzipped.
    const index = await wireBytes(`${server.adminUrl}/`);
    const html = (index.encoding === 'gzip' ? gunzipSync(index.body) : index.body).toString('utf8');
    const scripts = [...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    let jsBytes = 0;
    for (const src of scripts) jsBytes += (await wireBytes(new URL(src, server.adminUrl).href)).bytes;

    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    await context.addCookies([{ name, value, url: server.adminUrl }]);
    const loads = o.quick ? 3 : 7;
    const times: number[] = [];
    for (let i = 0; i < loads; i++) {
      // The first load is cold (nothing cached); later ones reuse the HTTP cache. The tab is
      // open first, so the figure is the page's load, not Chromium starting a renderer.
      const page = await context.newPage();
      await page.goto('about:blank');
      await page.goto(`${server.adminUrl}/licenses`, { waitUntil: 'commit' });
      await page.locator('[role="tree"] [data-node^="lic:"]').first().waitFor({ state: 'visible', timeout: 20_000 });
      times.push(Number(await page.evaluate('performance.now()')));
      // TESSERA_BENCH_DEBUG=1 prints each load's timeline (resources, long frames, paints).
      if (process.env.TESSERA_BENCH_DEBUG) {
        const timeline = await page.evaluate(
          `JSON.stringify(performance.getEntries().map((e) => [e.name.slice(-40), Math.round(e.startTime), Math.round(e.duration)]))`,
        );
        log(String(timeline));
      }
      await page.close();
    }
    const cold = times[0]!;
    const warm = times.slice(1).sort((a, b) => a - b);
    const warmMedian = warm[Math.floor(warm.length / 2)] ?? cold;
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    return {
      rows: [
        {
          what: 'Dashboard JS shipped, gzipped',
          figure: kb(jsBytes),
          goal: `≤ ${kb(GOALS.jsGzipBytes)}`,
          met: jsBytes <= GOALS.jsGzipBytes,
        },
        {
          what: `Dashboard first load to license tree visible, cold (${LICENSES} licenses, ${LEASES.toLocaleString('en')} leases)`,
          figure: `${Math.round(cold)} ms`,
          goal: `≤ ${GOALS.treeVisibleMs} ms`,
          met: cold <= GOALS.treeVisibleMs,
        },
        {
          what: `Dashboard load to license tree visible, cached assets (median of ${warm.length})`,
          figure: `${Math.round(warmMedian)} ms`,
          goal: `≤ ${GOALS.treeVisibleMs} ms`,
          met: warmMedian <= GOALS.treeVisibleMs,
        },
      ],
      notes: [
        `Dashboard load: Chromium ${browser.version()} headless on loopback, signed in; time is the page's performance.now() (from navigation start) when the first license row of the tree is visible; ${scripts.length} script file(s); load average ${loadavg()[0]!.toFixed(1)} at the end (browser, server and bench share the machine).`,
      ],
    };
  } finally {
    await browser.close();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

// `node --import tsx bench/scenarios/dashboard-load.ts` runs it alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  dashboardLoad({ log: (m) => console.error(m) }).then(
    (r) => {
      for (const row of r.rows)
        console.log(`${row.met ? 'met ' : 'MISS'}  ${row.what}: ${row.figure} (goal ${row.goal})`);
      for (const n of r.notes) console.log(n);
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
