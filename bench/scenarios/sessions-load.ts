/**
 * The Sessions page with 100,000 leases, on loopback in Chromium: the time from navigation to the
 * first page of seat holders being visible, and what the admin API takes for the listings behind it
 * (first page, a sort by a column with no index, a search, a filter, the last page, the CSV export).
 */
import { readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { type generateSigningKey, issueLicense } from '@tessera/core';
import { LOCAL_CLI_ACTOR, type startLicenseServer } from '@tessera/server';
import { launchBrowser } from '@tessera/web-kit/test/browser';
import type { BenchContext } from '../lib/context.js';
import { startBenchDashboardServer } from '../lib/dashboard-server.js';
import { row, type ScenarioReport } from '../lib/report.js';

const LEASES = 100_000;
const FEATURES = ['asr', 'tts', 'nlu', 'diarize'];
const LICENSES = 10;
const GOAL_VISIBLE_MS = 1000;

type Server = Awaited<ReturnType<typeof startLicenseServer>>;

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

/**
 * Installs the licenses and takes the leases through the lease engine in this process (the
 * client API would take minutes for 100,000 on a shared 2-core box; what is measured is reading them).
 */
async function fill(server: Server, vendorKey: ReturnType<typeof generateSigningKey>['privateKey'], token: string) {
  const serverIdFile = await server.core.licenses.makeServerIdFile(LOCAL_CLI_ACTOR);
  const seats = Math.ceil(LEASES / (LICENSES * FEATURES.length)) + 10;
  for (let i = 0; i < LICENSES; i++) {
    const { file } = await issueLicense({
      serverIdFile,
      vendorKey,
      customer: `Customer ${i}`,
      features: FEATURES.map((name) => ({ name, count: seats })),
      maintenanceUntil: null,
      nowMs: Date.now(),
    });
    await json(`${server.adminUrl}/api/v1/licenses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: { file },
    });
  }
  for (let start = 0; start < LEASES; start += 2000) {
    const batch = [];
    for (let i = start; i < Math.min(LEASES, start + 2000); i++) {
      batch.push(
        server.core.engine.checkout({
          feature: FEATURES[i % FEATURES.length]!,
          client: { id: `user-${i}`, host: `host-${i % 700}`, app: `app-${i % 5}`, version: `1.${i % 9}` },
        }),
      );
    }
    for (const r of await Promise.all(batch)) if (!r.ok) throw new Error(`checkout refused: ${r.code}`);
  }
  if (server.core.engine.leaseCount !== LEASES) throw new Error(`${server.core.engine.leaseCount} leases held`);
}

/** Median of `runs` timings of `fn`, in ms. */
async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function sessionsLoad(ctx: BenchContext): Promise<ScenarioReport> {
  const { root, dataDir, vendor, server } = await startBenchDashboardServer('sessions');
  const browser = await launchBrowser();
  try {
    const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    ctx.log(`sessions-load: taking ${LEASES.toLocaleString('en')} leases`);
    await fill(server, vendor.privateKey, token);
    const auth = { authorization: `Bearer ${token}` };
    const runs = ctx.quick ? 3 : 7;
    const api = (query: string) =>
      median(runs, () => json(`${server.adminUrl}/api/v1/seats${query}`, { headers: auth }));
    const firstPage = await api('');
    const byUser = await api('?sort=user&dir=asc');
    const lastByUser = await api(`?sort=user&dir=asc&page=${LEASES / 50}`);
    const search = await api('?q=user-4242');
    const byHost = await api('?host=host-42&sort=app');
    const exportMs = await median(ctx.quick ? 1 : 3, async () => {
      const res = await fetch(`${server.adminUrl}/api/v1/seats/export`, { headers: auth });
      const text = await res.text();
      if (text.split('\r\n').length !== LEASES + 2) throw new Error('export is short');
    });

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
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    await context.addCookies([{ name, value, url: server.adminUrl }]);
    const times: number[] = [];
    for (let i = 0; i < (ctx.quick ? 3 : 7); i++) {
      // The first load is cold (nothing cached); the tab is open first, so Chromium's start is not counted.
      const page = await context.newPage();
      await page.goto('about:blank');
      await page.goto(`${server.adminUrl}/sessions`, { waitUntil: 'commit' });
      await page.locator('table.seats-table tbody tr').first().waitFor({ state: 'visible', timeout: 20_000 });
      times.push(Number(await page.evaluate('performance.now()')));
      // TESSERA_BENCH_DEBUG=1 prints each load's timeline (resources: name, start, duration).
      if (process.env.TESSERA_BENCH_DEBUG) {
        const timeline = await page.evaluate(
          `JSON.stringify(performance.getEntries().map((e) => [e.name.slice(-40), Math.round(e.startTime), Math.round(e.duration)]))`,
        );
        ctx.log(String(timeline));
      }
      await page.close();
    }
    const cold = times[0]!;
    const warm = times.slice(1).sort((a, b) => a - b);
    const warmMedian = warm[Math.floor(warm.length / 2)] ?? cold;
    const ms = (n: number) => `${Math.round(n)} ms`;
    const n = LEASES.toLocaleString('en');
    const goal = `≤ ${GOAL_VISIBLE_MS} ms`;
    return {
      rows: [
        row(`Sessions page with ${n} leases: first page visible, cold`, ms(cold), goal, cold <= GOAL_VISIBLE_MS),
        row(
          `Sessions page with ${n} leases: first page visible, cached assets (median of ${warm.length})`,
          ms(warmMedian),
          goal,
          warmMedian <= GOAL_VISIBLE_MS,
        ),
        row(`GET /api/v1/seats, ${n} leases: first page, newest first (median of ${runs})`, ms(firstPage)),
        row(`GET /api/v1/seats, ${n} leases: first page sorted by user (no index)`, ms(byUser)),
        row(`GET /api/v1/seats, ${n} leases: last page sorted by user`, ms(lastByUser)),
        row(`GET /api/v1/seats, ${n} leases: free-text search`, ms(search)),
        row(`GET /api/v1/seats, ${n} leases: filter by host, sorted by app`, ms(byHost)),
        row(`GET /api/v1/seats/export, ${n} leases as CSV`, ms(exportMs)),
      ],
      notes: [
        `Sessions load: Chromium ${browser.version()} headless on loopback, signed in; time is the page's performance.now() (from navigation start) when the first row of seat holders is visible; API figures are wall time of one request with the CLI token on loopback (page of 50, count of the match included); leases taken through the lease engine in process; load average ${loadavg()[0]!.toFixed(1)} at the end.`,
      ],
    };
  } finally {
    await browser.close();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
