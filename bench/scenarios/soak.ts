import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context.js';
import { describeCpu, waitForQuiet } from '../lib/cpu.js';
import { makeBenchDir, openWithLicense } from '../lib/datadir.js';
import { generateLoad } from '../lib/load.js';
import { loadAverage, sleep } from '../lib/proc.js';
import { type Row, row, type ScenarioReport } from '../lib/report.js';
import { readyLicenseServer } from '../lib/servers.js';
import { SoakClients } from '../lib/soak-clients.js';
import { AllocationWatch, type ServerSample, sampleServer } from '../lib/soak-probe.js';
import { bytes, int, ms, summarize } from '../lib/stats.js';
import { FEATURE, SEATS } from './throughput.js';

/** Knobs of the soak, in one place. */
export const SOAK = {
  defaultMinutes: 30,
  /** The load generator runs one-minute segments (a fresh process each, so its own memory stays flat). */
  segmentMs: 60_000,
  /** Short lease and heartbeat, so lapses happen often and a restart must keep leases alive. */
  leaseSeconds: 30,
  heartbeatSeconds: 10,
  contendedFeature: 'cad',
  contendedSeats: 20,
  clients: {
    holders: 50,
    heartbeatMs: 10_000,
    lapsers: 10,
    lapseEveryMs: 5_000,
    contenders: 40,
    slowEveryMs: 1_000,
    slowGapMs: 1_000,
  },
  /** Restarts before these fractions of the run's segments, alternating SIGTERM and kill -9; the last stretch runs uninterrupted. */
  restartsAt: [1 / 6, 2 / 6, 3 / 6, 4 / 6],
  sampleEveryMs: 10_000,
  allocationEveryMs: 500,
  /** "No growth beyond noise", from the first to the last minute of the longest-lived process. */
  growth: { rssPct: 10, rssBytes: 16 * 1024 * 1024, heapPct: 25, heapBytes: 8 * 1024 * 1024, files: 2 },
} as const;

interface Segment {
  index: number;
  pid: number;
  p99: number;
  p50: number;
  scheduled: number;
  answered: number;
  errors: number;
  errorSamples: string[];
  cpu: string;
}

interface Restart {
  before: number;
  how: 'SIGTERM' | 'kill -9';
  downToReadyMs: number;
}

/**
 * `npm run bench -- soak [--minutes N]`: the License Server for 30 minutes (default) at half
 * the peak measured first, with holders heartbeating, lapsing clients, a contended pool, slow
 * bodies, and restarts (SIGTERM and kill -9) mixed in. Samples RSS, heap, fds, event-loop delay
 * and checkout p99 along the way and compares the start and the end; counts errors and
 * over-allocation (seats held on disk and in the server's view, against the license).
 */
export async function soak(ctx: BenchContext): Promise<ScenarioReport> {
  const minutes = ctx.minutes ?? (Number(process.env.BENCH_SOAK_MINUTES) || SOAK.defaultMinutes);
  const segments = Math.max(2, Math.round((minutes * 60_000) / SOAK.segmentMs));
  const restartBefore = [...new Set(SOAK.restartsAt.map((f) => Math.round(f * segments)))].filter(
    (s) => s >= 1 && s < segments - 1,
  );
  const dir = makeBenchDir('soak');
  const load0 = loadAverage();
  const t0 = performance.now();
  try {
    (
      await openWithLicense(dir, {
        feature: FEATURE,
        seats: SEATS,
        more: [{ name: SOAK.contendedFeature, count: SOAK.contendedSeats }],
        leaseSeconds: SOAK.leaseSeconds,
        heartbeatSeconds: SOAK.heartbeatSeconds,
      })
    ).close();
    const serverOptions = {
      dataDir: dir.dataDir,
      vendorKeyFiles: [dir.vendorPub],
      leaseSeconds: SOAK.leaseSeconds,
      heartbeatSeconds: SOAK.heartbeatSeconds,
    };
    let { server, ready } = await readyLicenseServer(serverOptions, ctx.log);
    const peak = await measurePeak(ctx, ready);
    const rate = Math.max(100, Math.round(peak / 4));
    ctx.log(
      `soak: peak ${int(peak)} ops/s; ${segments} one-minute segments at ${int(rate)} checkouts/s (half the peak in requests), restarts before ${restartBefore.join(', ')}`,
    );
    const clients = new SoakClients({ feature: FEATURE, contendedFeature: SOAK.contendedFeature, ...SOAK.clients });
    const watch = new AllocationWatch(join(dir.dataDir, 'tessera.db'), SOAK.contendedFeature, SOAK.contendedSeats);
    const samples: ServerSample[] = [];
    const results: Segment[] = [];
    const restarts: Restart[] = [];
    const dbSize0 = dbBytes(dir.dataDir);
    let sampling: Promise<unknown> = Promise.resolve();
    // Samples are taken while a segment's load runs, so start and end compare like with like.
    let loaded = false;
    const sampler = setInterval(() => {
      if (!loaded) return;
      const { pid, adminUrl } = ready;
      sampling = sampleServer(pid, adminUrl, dir.dataDir, performance.now() - t0).then((s) => samples.push(s));
    }, SOAK.sampleEveryMs);
    let final: FinalCheck | undefined;
    try {
      watch.clientUrl = ready.clientUrl;
      watch.start(SOAK.allocationEveryMs);
      clients.resume(ready.clientUrl);
      for (let i = 0; i < segments; i++) {
        if (restartBefore.includes(i)) {
          const how = restarts.length % 2 === 0 ? 'SIGTERM' : 'kill -9';
          ctx.log(`soak: restart (${how}) before segment ${i + 1}`);
          await clients.pause();
          watch.clientUrl = '';
          const down = performance.now();
          if (how === 'SIGTERM') await server.stop();
          else await killNow(server.proc);
          ({ server, ready } = await readyLicenseServer(serverOptions, ctx.log));
          restarts.push({ before: i, how, downToReadyMs: performance.now() - down });
          watch.clientUrl = ready.clientUrl;
          clients.resume(ready.clientUrl);
        }
        ctx.log(`soak: segment ${i + 1}/${segments} (pid ${ready.pid})`);
        loaded = true;
        results.push(await runSegment(i, ready, rate));
        loaded = false;
      }
      final = await finalCheck(clients, watch, ready.clientUrl);
    } finally {
      clearInterval(sampler);
      await sampling;
      watch.stop();
      await clients.pause();
      clients.close();
      await server.stop();
    }
    return report({
      minutes,
      peak,
      rate,
      samples,
      results,
      restarts,
      clients,
      watch,
      final,
      dbSize0,
      dbSize1: dbBytes(dir.dataDir),
      load0,
    });
  } finally {
    dir.remove();
  }
}

async function measurePeak(ctx: BenchContext, ready: { clientUrl: string; pid: number }): Promise<number> {
  await waitForQuiet(ctx.log);
  ctx.log('soak: measuring the peak (closed loop, N=64, 2+5 s)');
  const r = await generateLoad(
    {
      url: ready.clientUrl,
      mode: 'closed',
      connections: 64,
      warmupMs: 2_000,
      durationMs: 5_000,
      feature: FEATURE,
      clientPrefix: 'soak-peak',
    },
    1,
    [ready.pid],
  );
  return r.ops / 5;
}

async function runSegment(index: number, ready: { clientUrl: string; pid: number }, rate: number): Promise<Segment> {
  const r = await generateLoad(
    {
      url: ready.clientUrl,
      mode: 'open',
      connections: 256,
      rate,
      warmupMs: 1_000,
      durationMs: SOAK.segmentMs - 1_000,
      feature: FEATURE,
      clientPrefix: `soak-${index}`,
    },
    1,
    [ready.pid],
  );
  const s = summarize(r.checkoutMs);
  return {
    index,
    pid: ready.pid,
    p50: s.p50,
    p99: s.p99,
    scheduled: r.scheduled,
    answered: s.count,
    errors: r.errors,
    errorSamples: r.errorSamples,
    cpu: describeCpu(r.cpu),
  };
}

function killNow(proc: import('node:child_process').ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

interface FinalCheck {
  /** After the clients stopped and a lease period passed: seats in use of the big pool, and what the holders hold. */
  inUseAfterLapse: number;
  holdersHeld: number;
  /** After the holders released too: seats in use per pool, from the server and from the file. */
  inUseAtEnd: number;
  onDiskAtEnd: number;
}

async function finalCheck(clients: SoakClients, watch: AllocationWatch, clientUrl: string): Promise<FinalCheck> {
  await clients.pause({ keepHolders: true });
  // Every lapser's lease has its deadline within a lease period (plus the sweep).
  await sleep((SOAK.leaseSeconds + 2) * 1000);
  const inUseAfterLapse = await inUse(clientUrl, FEATURE);
  const holdersHeld = clients.heldCount;
  await clients.pause();
  await clients.releaseHeld();
  const inUseAtEnd = (await inUse(clientUrl, FEATURE)) + (await inUse(clientUrl, SOAK.contendedFeature));
  const onDiskAtEnd = watch.heldOnDisk(FEATURE) + watch.heldOnDisk(SOAK.contendedFeature);
  return { inUseAfterLapse, holdersHeld, inUseAtEnd, onDiskAtEnd };
}

async function inUse(clientUrl: string, feature: string): Promise<number> {
  const res = await fetch(`${clientUrl}/v1/features`);
  const body = (await res.json()) as { features: { feature: string; inUse: number }[] };
  return body.features.find((f) => f.feature === feature)?.inUse ?? Number.NaN;
}

function dbBytes(dataDir: string): number {
  let n = 0;
  for (const f of ['tessera.db', 'tessera.db-wal']) {
    try {
      n += statSync(join(dataDir, f)).size;
    } catch {
      // no WAL right now
    }
  }
  return n;
}

interface SoakRun {
  minutes: number;
  peak: number;
  rate: number;
  samples: ServerSample[];
  results: Segment[];
  restarts: Restart[];
  clients: SoakClients;
  watch: AllocationWatch;
  final: FinalCheck | undefined;
  dbSize0: number;
  dbSize1: number;
  load0: string;
}

/** The first and last minute of one process (by pid): mean of its samples in each, and its segments' p99. */
function ends(run: SoakRun, pid: number) {
  const mine = run.samples.filter((s) => s.pid === pid && Number.isFinite(s.rssBytes));
  const t0 = mine[0]?.atMs ?? 0;
  const t1 = mine.at(-1)?.atMs ?? 0;
  const mean = (xs: ServerSample[], f: (s: ServerSample) => number) => xs.reduce((a, s) => a + f(s), 0) / xs.length;
  const pick = (xs: ServerSample[]) => ({
    rss: mean(xs, (s) => s.rssBytes),
    heap: mean(xs, (s) => s.heapUsedBytes),
    files: Math.max(...xs.map((s) => s.fds - s.sockets)),
    sockets: Math.max(...xs.map((s) => s.sockets)),
    lag: Math.max(...xs.map((s) => s.eventLoopP99Ms)),
  });
  const segs = run.results.filter((r) => r.pid === pid);
  return {
    minutes: (t1 - t0) / 60_000,
    start: { ...pick(mine.filter((s) => s.atMs <= t0 + 60_000)), p99: segs[0]?.p99 ?? Number.NaN },
    end: { ...pick(mine.filter((s) => s.atMs >= t1 - 60_000)), p99: segs.at(-1)?.p99 ?? Number.NaN },
  };
}

function report(run: SoakRun): ScenarioReport {
  const notes: string[] = [];
  const { clients, watch, final } = run;
  notes.push(
    `soak: ${run.minutes} min; peak ${int(run.peak)} ops/s (closed loop N=64), generator at ${int(run.rate)} checkouts/s + as many releases; ` +
      `load average ${run.load0} at the start, ${loadAverage()} at the end`,
  );
  for (const r of run.results) {
    notes.push(
      `  minute ${r.index + 1} (pid ${r.pid}): ${int(r.answered)} of ${int(r.scheduled)} checkouts answered 201, p50 ${ms(r.p50)} p99 ${ms(r.p99)}, errors ${r.errors}; ${r.cpu}`,
    );
    for (const e of r.errorSamples) notes.push(`    error sample: ${e}`);
  }
  for (const s of run.samples) {
    notes.push(
      `  sample at ${(s.atMs / 60_000).toFixed(1)} min (pid ${s.pid}): rss ${bytes(s.rssBytes)}, heap ${bytes(s.heapUsedBytes)}, fds ${s.fds} (${s.sockets} sockets), event-loop p99 ${ms(s.eventLoopP99Ms)}`,
    );
  }
  for (const r of run.restarts)
    notes.push(`soak: restart by ${r.how} before minute ${r.before + 1}: down to ready ${ms(r.downToReadyMs)}`);
  const c = clients.counts;
  notes.push(
    `soak clients: ${int(c.heartbeats)} holder heartbeats, ${int(c.holderCheckouts)} holder checkouts, ${int(c.lapsers)} lapsed leases, ` +
      `${int(c.contendedGrants)} contended grants and ${int(c.contendedDenials)} denials (${SOAK.contendedSeats} seats, ${SOAK.clients.contenders} clients), ` +
      `${int(c.slowCheckouts)} slow-body checkouts; errors ${c.errors}`,
    ...clients.errorSamples.map((e) => `  error sample: ${e}`),
    `soak allocation (${SOAK.contendedFeature}, ${SOAK.contendedSeats} seats): at most ${watch.max.onDisk} held on disk (${int(watch.reads.onDisk)} reads, ${watch.over.onDisk} over), at most ${watch.max.inUse} in the server's view (${int(watch.reads.inUse)} reads, ${watch.over.inUse} over)`,
    `soak database: ${bytes(run.dbSize0)} at the start, ${bytes(run.dbSize1)} at the end (file + WAL)`,
  );
  const errors = run.results.reduce((n, r) => n + r.errors + (r.scheduled - r.answered), 0) + c.errors;
  const longest = [...new Set(run.results.map((r) => r.pid))]
    .map((pid) => ({ pid, ...ends(run, pid) }))
    .sort((a, b) => b.minutes - a.minutes)[0];
  const first = ends(run, run.results[0]?.pid ?? 0);
  const last = ends(run, run.results.at(-1)?.pid ?? 0);
  const g = SOAK.growth;
  const rows: Row[] = [
    row(
      `Soak: ${run.minutes} min at half the peak (${int(run.rate * 2)} requests/s of ${int(run.peak)}), ${run.restarts.length} restarts (SIGTERM and kill -9)`,
      `${int(c.heartbeats)} heartbeats, ${int(c.lapsers)} lapses, ${int(c.slowCheckouts)} slow bodies`,
    ),
    row(
      'Soak errors (load generator, holders, lapsers, contenders, slow clients; unanswered checkouts count)',
      int(errors),
      '0',
      errors === 0,
    ),
    row(
      `Soak over-allocation (${SOAK.contendedSeats} seats, ${SOAK.clients.contenders} clients): reads over the seats, on disk / server's view`,
      `${watch.over.onDisk} / ${watch.over.inUse} (max ${watch.max.onDisk} / ${watch.max.inUse})`,
      '0',
      watch.over.onDisk === 0 && watch.over.inUse === 0 && watch.reads.onDisk > 0,
    ),
    row(
      'Soak end: seats in use after a lease period without clients = held by holders; then 0 after their release (server / disk)',
      final
        ? `${final.inUseAfterLapse} = ${final.holdersHeld}; ${final.inUseAtEnd} / ${final.onDiskAtEnd}`
        : 'not reached',
      'equal; 0 / 0',
      !!final && final.inUseAfterLapse === final.holdersHeld && final.inUseAtEnd === 0 && final.onDiskAtEnd === 0,
    ),
    row(
      'Soak start (first minute of the first process): RSS / heap / fds (files + sockets) / event-loop p99 / checkout p99',
      `${bytes(first.start.rss)} / ${bytes(first.start.heap)} / ${first.start.files} + ${first.start.sockets} / ${ms(first.start.lag)} / ${ms(first.start.p99)}`,
    ),
    row(
      'Soak end (last minute of the last process): RSS / heap / fds (files + sockets) / event-loop p99 / checkout p99',
      `${bytes(last.end.rss)} / ${bytes(last.end.heap)} / ${last.end.files} + ${last.end.sockets} / ${ms(last.end.lag)} / ${ms(last.end.p99)}`,
    ),
  ];
  if (longest) {
    const grew = {
      rss: longest.end.rss - longest.start.rss,
      heap: longest.end.heap - longest.start.heap,
      files: longest.end.files - longest.start.files,
    };
    const ok =
      (grew.rss <= g.rssBytes || grew.rss <= (longest.start.rss * g.rssPct) / 100) &&
      (grew.heap <= g.heapBytes || grew.heap <= (longest.start.heap * g.heapPct) / 100) &&
      grew.files <= g.files;
    rows.push(
      row(
        `Soak growth over the longest-lived process (pid ${longest.pid}, ${longest.minutes.toFixed(1)} min), first -> last minute: RSS / heap / file fds (not sockets) / event-loop p99 / checkout p99`,
        `${bytes(longest.start.rss)} -> ${bytes(longest.end.rss)} / ${bytes(longest.start.heap)} -> ${bytes(longest.end.heap)} / ${longest.start.files} -> ${longest.end.files} / ${ms(longest.start.lag)} -> ${ms(longest.end.lag)} / ${ms(longest.start.p99)} -> ${ms(longest.end.p99)}`,
        `RSS ≤ +${g.rssPct}% or +${bytes(g.rssBytes)}, heap ≤ +${g.heapPct}% or +${bytes(g.heapBytes)}, file fds ≤ +${g.files}`,
        ok,
      ),
    );
  }
  return { rows, notes };
}
