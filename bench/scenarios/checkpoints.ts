import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type BenchContext, generatorProcesses } from '../lib/context.js';
import { describeCpu, waitForQuiet } from '../lib/cpu.js';
import { fillLeases, makeBenchDir, openWithLicense } from '../lib/datadir.js';
import { generateLoad, type MeasuredLoad } from '../lib/load.js';
import {
  type CheckpointStats,
  checkpointStats,
  commitStats,
  describeCheckpoints,
  describeCommits,
} from '../lib/metrics.js';
import { loadAverage } from '../lib/proc.js';
import { type Row, row, type ScenarioReport } from '../lib/report.js';
import { readyLicenseServer } from '../lib/servers.js';
import { SpreadReleases } from '../lib/spread-releases.js';
import { int, ms, type Summary, summarize } from '../lib/stats.js';
import { RATE } from './latency.js';
import { FEATURE, SEATS } from './throughput.js';

/** Leases held through the run, so the tables span thousands of pages, as on a busy server (and enough for every window's releases). */
const HELD = 200_000;
/** Releases per second of those leases, spread over the whole table: each dirties a page of its own. */
const SPREAD_RELEASES_PER_SEC = 1_000;
/** Forced windows: a reader holds a snapshot this long (no checkpoint can pass it), then lets go. */
const PIN_MS = 1_500;
const UNPINNED_MS = 1_000;

type Kind = 'as it runs' | 'forced';

interface WindowResult {
  kind: Kind;
  load: MeasuredLoad;
  summary: Summary;
  pins: number;
  commits: string;
  checkpoints: string;
}

/**
 * Checkout latency at 2,500 checkouts/s when WAL checkpoints land in the window, beside the
 * same load without forcing them, on one server in one run. The server holds 200,000 leases
 * and 1,000 of them are released every second, spread over the table, so what a checkpoint
 * copies is thousands of pages, not the few a fresh server's checkout and release touch.
 * Windows alternate:
 *  - as it runs: the server checkpoints as it does by itself;
 *  - forced: the bench's own SQLite connection (a reader, as a backup tool is) holds a read
 *    snapshot for 1.5 s of every 2.5 s. No checkpoint can copy a frame past a reader's
 *    snapshot, so 1.5 s of writes pile up in the WAL; when the reader lets go, the server's
 *    next checkpoint must copy them all, inside the window: four or five per window.
 */
export async function checkpoints(ctx: BenchContext): Promise<ScenarioReport> {
  const dir = makeBenchDir('checkpoints');
  const load0 = loadAverage();
  try {
    ctx.log(`checkpoints: filling ${int(HELD)} held leases`);
    const core = await openWithLicense(dir, {
      feature: FEATURE,
      seats: SEATS,
      leaseSeconds: 3_600,
      heartbeatSeconds: 900,
    });
    const ids: string[] = [];
    try {
      await fillLeases(core, HELD, { feature: FEATURE, ids });
    } finally {
      core.close();
    }
    const { server, ready } = await readyLicenseServer(
      { dataDir: dir.dataDir, vendorKeyFiles: [dir.vendorPub], leaseSeconds: 3_600, heartbeatSeconds: 900 },
      ctx.log,
    );
    const releases = new SpreadReleases(ready.clientUrl, ids);
    const reader = new Database(join(dir.dataDir, 'tessera.db'), { readonly: true, fileMustExist: true });
    const results: WindowResult[] = [];
    try {
      const order: Kind[] = ctx.quick ? ['as it runs', 'forced'] : ['as it runs', 'forced', 'as it runs', 'forced'];
      // A forced round first, unmeasured: the WAL file grows to what a pinned reader makes of it once.
      ctx.log('checkpoints: one forced round to warm up (not measured)');
      await runWindow(ctx, 'forced', ready, dir.dataDir, releases, reader, true);
      for (const kind of order) {
        ctx.log(`checkpoints: ${kind}`);
        results.push(await runWindow(ctx, kind, ready, dir.dataDir, releases, reader, false));
      }
    } finally {
      reader.close();
      await releases.stop();
      await server.stop();
    }
    return report(results, releases, load0);
  } finally {
    dir.remove();
  }
}

async function runWindow(
  ctx: BenchContext,
  kind: Kind,
  ready: { clientUrl: string; adminUrl: string; pid: number },
  dataDir: string,
  releases: SpreadReleases,
  reader: Database.Database,
  warmupOnly: boolean,
): Promise<WindowResult> {
  await waitForQuiet(ctx.log);
  const warmupMs = 3_000;
  const durationMs = warmupOnly ? 3_000 : ctx.quick ? 5_000 : 10_000;
  const begin = reader.prepare('BEGIN');
  const read = reader.prepare('SELECT count(*) AS n FROM meta');
  const end = reader.prepare('COMMIT');
  let pinned = false;
  let pins = 0;
  let timer: NodeJS.Timeout | undefined;
  const pin = () => {
    begin.run();
    read.get();
    pinned = true;
    timer = setTimeout(unpin, PIN_MS);
  };
  const unpin = () => {
    end.run();
    pinned = false;
    pins++;
    timer = setTimeout(pin, UNPINNED_MS);
  };
  let commitsBefore: Awaited<ReturnType<typeof commitStats>>;
  let checkpointsBefore: CheckpointStats | undefined;
  let commitsAfter: typeof commitsBefore;
  let checkpointsAfter: CheckpointStats | undefined;
  let edges: Promise<void>[] = [];
  const onEdge = (edge: 'start' | 'end') => {
    if (edge === 'start') {
      pins = 0;
      edges.push(
        Promise.all([commitStats(ready.adminUrl, dataDir), checkpointStats(ready.adminUrl, dataDir)]).then(([c, k]) => {
          commitsBefore = c;
          checkpointsBefore = k;
        }),
      );
    } else {
      // The window is over: the spread releases stop with it (the generator may still wait for stragglers).
      releases.pause();
      edges.push(
        Promise.all([commitStats(ready.adminUrl, dataDir), checkpointStats(ready.adminUrl, dataDir)]).then(([c, k]) => {
          commitsAfter = c;
          checkpointsAfter = k;
        }),
      );
    }
  };
  releases.start(SPREAD_RELEASES_PER_SEC);
  if (kind === 'forced') pin();
  let load: MeasuredLoad;
  try {
    load = await generateLoad(
      {
        url: ready.clientUrl,
        mode: 'open',
        connections: 256,
        rate: RATE,
        warmupMs,
        durationMs,
        feature: FEATURE,
        clientPrefix: `ckpt-${kind === 'forced' ? 'f' : 'n'}`,
      },
      generatorProcesses(),
      [ready.pid],
      onEdge,
    );
  } finally {
    clearTimeout(timer);
    if (pinned) end.run();
    releases.pause();
    await Promise.all(edges);
    edges = [];
  }
  return {
    kind,
    load,
    summary: summarize(load.checkoutMs),
    pins,
    commits: describeCommits(commitsBefore, commitsAfter),
    checkpoints: describeCheckpoints(checkpointsBefore, checkpointsAfter),
  };
}

function report(results: WindowResult[], releases: SpreadReleases, load0: string): ScenarioReport {
  const notes: string[] = [];
  for (const r of results) {
    const s = r.summary;
    const complete = s.count === r.load.scheduled && r.load.errors === 0;
    notes.push(
      `checkpoints, ${r.kind}${r.kind === 'forced' ? ` (${r.pins} times a reader held the WAL ${PIN_MS / 1000} s and let go in the window)` : ''}: ` +
        `${int(r.load.scheduled)} checkouts scheduled, ${int(s.count)} answered 201${complete ? '' : ' (NOT ALL)'}; ` +
        `p50 ${ms(s.p50)} p90 ${ms(s.p90)} p99 ${ms(s.p99)} max ${ms(s.max)}; generator lag at worst ${ms(r.load.maxSendLagMs)}; ` +
        `errors ${r.load.errors}; ${r.commits}; ${r.checkpoints}; ${describeCpu(r.load.cpu)}`,
      ...r.load.errorSamples.map((e) => `  error sample: ${e}`),
    );
  }
  notes.push(
    `checkpoints: ${int(releases.done)} spread releases answered 204, ${releases.errors} not${releases.errorSample ? ` (e.g. ${releases.errorSample})` : ''}; load average ${load0} at the start, ${loadAverage()} at the end`,
  );
  const merged = (kind: Kind) => {
    const rs = results.filter((r) => r.kind === kind);
    const s = summarize(rs.flatMap((r) => r.load.checkoutMs));
    const complete = rs.every((r) => r.summary.count === r.load.scheduled && r.load.errors === 0);
    return { s, complete };
  };
  const plain = merged('as it runs');
  const forced = merged('forced');
  const figure = (m: { s: Summary; complete: boolean }) =>
    `${ms(m.s.p50)} / ${ms(m.s.p99)} / ${ms(m.s.max)}${m.complete ? '' : ' (not all answered)'}`;
  // "Independent of checkpoints": forcing them does not move the p99 beyond the run-to-run noise
  // of one window (20%, at least 1 ms).
  const limit = Math.max(plain.s.p99 * 1.2, plain.s.p99 + 1);
  const rows: Row[] = [
    row(
      `Checkout latency at ${int(RATE)}/s, ${int(HELD)} leases held, ${int(SPREAD_RELEASES_PER_SEC)} spread releases/s, checkpoints as they come: p50 / p99 / max`,
      figure(plain),
    ),
    row(
      `Same, checkpoints forced (a reader holds the WAL ${PIN_MS / 1000} s of every ${(PIN_MS + UNPINNED_MS) / 1000} s): p50 / p99 / max`,
      figure(forced),
      `p99 ≤ ${ms(limit)}`,
      forced.complete && plain.complete && forced.s.p99 <= limit,
    ),
  ];
  return { rows, notes };
}
