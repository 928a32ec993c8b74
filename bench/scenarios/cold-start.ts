import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context.js';
import { waitForQuiet } from '../lib/cpu.js';
import { type BenchDir, fillLeases, makeBenchDir, openWithLicense } from '../lib/datadir.js';
import { retrying, sleep } from '../lib/proc.js';
import { row, type ScenarioReport } from '../lib/report.js';
import { startLicenseServerProcess } from '../lib/servers.js';
import { int, median, ms } from '../lib/stats.js';

const FEATURE = 'asr';
const LEASES_ON_DISK = 100_000;

interface StartTiming {
  /** spawn -> DIR/server.json written (the server writes it once both listeners are up). */
  serverJsonMs: number;
  /** spawn -> GET /healthz answered 200 on the client and the admin listener. */
  readyMs: number;
  /** Inside the child: startLicenseServer() (data dir, identity, database, engine load, listeners). */
  startMs: number;
  /** Inside the child: importing @tessera/server (dist) and its dependencies. */
  importMs: number;
}

/**
 * 5. Cold start of the compiled build: spawn `node bench/servers/license-server.mjs` (no
 * loader; it imports packages/server/dist) and time until DIR/server.json exists and both
 * listeners answer GET /healthz 200. Measured on brand-new empty data dirs (first start: server
 * key, admin password hash, schema), on a restart of such a dir, and on a dir holding an
 * installed license and 100,000 lease rows (lease seconds 900). Median of several runs; the
 * OS file cache is warm (the dir was just written), the process is cold.
 */
export async function coldStart(ctx: BenchContext): Promise<ScenarioReport> {
  const runs = ctx.quick ? 3 : 5;
  const notes: string[] = [];
  // The parent's own http client is warmed up first, so its lazy loading is not timed.
  await httpStatus('http://127.0.0.1:9/').catch(() => undefined);

  ctx.log(`cold-start: ${runs} first starts on empty data dirs, ${runs} restarts`);
  const first: StartTiming[] = [];
  const restart: StartTiming[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = makeBenchDir('cold');
    try {
      first.push(await retrying('a cold start', () => timeStart(dir, {}, ctx.log), ctx.log));
      restart.push(await retrying('a cold start', () => timeStart(dir, {}, ctx.log), ctx.log));
    } finally {
      dir.remove();
    }
  }

  ctx.log(`cold-start: preparing a data dir with ${int(LEASES_ON_DISK)} leases`);
  const dir = makeBenchDir('cold100k');
  const loaded: StartTiming[] = [];
  try {
    const t0 = performance.now();
    const core = await openWithLicense(dir, { feature: FEATURE, seats: 1_000_000 });
    try {
      await fillLeases(core, LEASES_ON_DISK, { feature: FEATURE });
    } finally {
      core.close();
    }
    notes.push(`cold start: preparing ${int(LEASES_ON_DISK)} leases on disk took ${ms(performance.now() - t0)}`);
    ctx.log(`cold-start: ${runs} starts with ${int(LEASES_ON_DISK)} leases`);
    for (let i = 0; i < runs; i++)
      loaded.push(
        await retrying(
          'a cold start',
          () => timeStart(dir, { leaseSeconds: 900, expectLeases: LEASES_ON_DISK }, ctx.log),
          ctx.log,
        ),
      );
  } finally {
    dir.remove();
  }

  const m = (list: StartTiming[], k: keyof StartTiming) => median(list.map((t) => t[k]));
  const describe = (what: string, list: StartTiming[]) =>
    `cold start, ${what}: ready (both /healthz 200) median ${ms(m(list, 'readyMs'))} [${list.map((t) => Math.round(t.readyMs)).join(', ')}], ` +
    `server.json ${ms(m(list, 'serverJsonMs'))}; in the child: import ${ms(m(list, 'importMs'))}, startLicenseServer() ${ms(m(list, 'startMs'))}`;
  notes.push(describe('brand-new empty data dir', first), describe('restart, empty data dir', restart));
  notes.push(describe(`${int(LEASES_ON_DISK)} leases on disk`, loaded));
  const loadMs = m(loaded, 'startMs') - m(restart, 'startMs');
  return {
    notes,
    rows: [
      row(
        'Cold start to ready, brand-new empty data dir (first start), median',
        ms(m(first, 'readyMs')),
        '≤ 300 ms',
        m(first, 'readyMs') <= 300,
      ),
      row(
        'Cold start to ready, restart of an empty data dir, median',
        ms(m(restart, 'readyMs')),
        '≤ 300 ms',
        m(restart, 'readyMs') <= 300,
      ),
      row(
        `Cold start to ready with ${int(LEASES_ON_DISK)} leases on disk, median`,
        ms(m(loaded, 'readyMs')),
        '≤ 1 s',
        m(loaded, 'readyMs') <= 1000,
      ),
      row(`Loading ${int(LEASES_ON_DISK)} leases (startLicenseServer() time above an empty restart)`, ms(loadMs)),
    ],
  };
}

async function timeStart(
  dir: BenchDir,
  o: { leaseSeconds?: number; expectLeases?: number },
  log: (m: string) => void,
): Promise<StartTiming> {
  await waitForQuiet(log, 3_000);
  const runtimeFile = join(dir.dataDir, 'server.json');
  const t0 = performance.now();
  const server = startLicenseServerProcess({
    dataDir: dir.dataDir,
    vendorKeyFiles: [dir.vendorPub],
    ...(o.leaseSeconds !== undefined ? { leaseSeconds: o.leaseSeconds } : {}),
  });
  try {
    let info: { clientUrl: string; adminUrl: string } | undefined;
    const deadline = t0 + 30_000;
    while (!info) {
      if (performance.now() > deadline) throw new Error(`no ${runtimeFile} after 30 s:\n${server.output()}`);
      if (server.proc.exitCode !== null) throw new Error(`the server exited:\n${server.output()}`);
      try {
        info = JSON.parse(readFileSync(runtimeFile, 'utf8')) as { clientUrl: string; adminUrl: string };
      } catch {
        await sleep(1);
      }
    }
    const serverJsonMs = performance.now() - t0;
    await Promise.all([
      waitHealthy(`${info.clientUrl}/healthz`, deadline),
      waitHealthy(`${info.adminUrl}/healthz`, deadline),
    ]);
    const readyMs = performance.now() - t0;
    const ready = await server.ready;
    if (o.expectLeases !== undefined) {
      const features = JSON.parse(await httpBody(`${info.clientUrl}/v1/features`)) as { features: { inUse: number }[] };
      const inUse = features.features.reduce((n, f) => n + f.inUse, 0);
      if (inUse !== o.expectLeases) throw new Error(`the server loaded ${inUse} leases, not ${o.expectLeases}`);
    }
    return { serverJsonMs, readyMs, startMs: ready.startMs, importMs: ready.importMs };
  } finally {
    await server.stop();
  }
}

async function waitHealthy(url: string, deadline: number): Promise<void> {
  while (performance.now() < deadline) {
    if ((await httpStatus(url).catch(() => 0)) === 200) return;
    await sleep(1);
  }
  throw new Error(`${url} did not answer 200`);
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function httpBody(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
}
