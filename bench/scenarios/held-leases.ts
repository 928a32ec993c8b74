import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../lib/context.js';
import { waitForQuiet } from '../lib/cpu.js';
import { fillLeases, makeBenchDir, openWithLicense } from '../lib/datadir.js';
import { retrying } from '../lib/proc.js';
import { row, type ScenarioReport } from '../lib/report.js';
import { bytes, int, ms, summarize } from '../lib/stats.js';

const FEATURE = 'asr';
const LEASES = 1_000_000;
const LEASE_SECONDS = 900;
const HEARTBEAT_SECONDS = 300;
const LAPSE_LEASE_SECONDS = 5;
const LAPSE_SAMPLE = 1_000;
const LOOP_RESOLUTION_MS = 10;

interface HeldResult {
  leases: number;
  fillMs: number;
  heapBefore: number;
  heapAfter: number;
  rssBefore: number;
  rssAfter: number;
  heartbeatWindowMs: number;
  heartbeats: number;
  heartbeatFailures: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** The same measurement with nothing held, first: what the box itself gives. */
  baselineP99Ms: number;
  baselineMaxMs: number;
  lapseMs: number[];
  lapseSample: number;
}

/**
 * 4. One million held leases in one process (the compiled engine through openServerCore on a
 * temp data dir, lease seconds 900), filled through `engine.checkout` (so through the group
 * commit into SQLite); heap bytes per lease from `heapUsed` after forced GCs before and after
 * filling; then heartbeats at the rate 1M leases heartbeating every 300 s make (3,333/s,
 * spread evenly) while the event-loop delay is recorded; meanwhile a second engine in the same
 * process (lease seconds 5) holds a sample of leases that never heartbeat, and each one's
 * lapse latency is the time from its deadline to its seat being freed (the `ended` event,
 * after the delete commits). Runs in a child process started with --expose-gc.
 */
export async function heldLeases(ctx: BenchContext): Promise<ScenarioReport> {
  const windowMs = ctx.quick ? 10_000 : 20_000;
  const leases = ctx.quick ? 200_000 : LEASES;
  ctx.log(
    `held-leases: filling ${int(leases)} leases, then ${windowMs / 1000} s of heartbeats (child process, --expose-gc)`,
  );
  await waitForQuiet(ctx.log);
  const r = await retrying('the held-leases child', () => runChild(leases, windowMs), ctx.log, 2);
  const perLease = (r.heapAfter - r.heapBefore) / r.leases;
  const lapse = summarize(r.lapseMs);
  const lapsedAll = r.lapseMs.length === r.lapseSample;
  const hbRate = r.heartbeats / (r.heartbeatWindowMs / 1000);
  return {
    notes: [
      `held leases: ${int(r.leases)} filled through engine.checkout in ${ms(r.fillMs)} (${int(r.leases / (r.fillMs / 1000))} checkouts/s, group commits of 512); ` +
        `heapUsed ${bytes(r.heapBefore)} -> ${bytes(r.heapAfter)}, rss ${bytes(r.rssBefore)} -> ${bytes(r.rssAfter)} (rss includes SQLite's page cache)`,
      `held leases: ${int(r.heartbeats)} heartbeats in ${(r.heartbeatWindowMs / 1000).toFixed(1)} s (${int(hbRate)}/s), ${r.heartbeatFailures} refused; ` +
        `event-loop delay p50 ${ms(r.loopDelayP50Ms)} p99 ${ms(r.loopDelayP99Ms)} max ${ms(r.loopDelayMaxMs)} ` +
        `(the same timers with no leases, measured first: p99 ${ms(r.baselineP99Ms)} max ${ms(r.baselineMaxMs)})`,
      `lapse: ${r.lapseMs.length} of ${r.lapseSample} unheartbeaten leases (lease seconds ${LAPSE_LEASE_SECONDS}) freed; deadline -> freed p50 ${ms(lapse.p50)} p99 ${ms(lapse.p99)} max ${ms(lapse.max)}`,
    ],
    rows: [
      row(
        `${int(r.leases)} held leases: time to fill through engine.checkout (durable)`,
        `${(r.fillMs / 1000).toFixed(1)} s`,
      ),
      row(`${int(r.leases)} held leases: heap per lease`, `${Math.round(perLease)} B`, '≤ 1 KB', perLease <= 1024),
      row(
        `${int(r.leases)} held leases, ${int(hbRate)} heartbeats/s: event-loop delay p99 / max`,
        `${ms(r.loopDelayP99Ms)} / ${ms(r.loopDelayMaxMs)} (no leases: ${ms(r.baselineP99Ms)} / ${ms(r.baselineMaxMs)})`,
      ),
      row(
        `Lapse latency (deadline -> seat freed), ${r.lapseSample} leases, while the above runs: p99 / max`,
        `${ms(lapse.p99)} / ${ms(lapse.max)}${lapsedAll ? '' : ` (only ${r.lapseMs.length} lapsed)`}`,
        '≤ 1 s',
        lapsedAll && lapse.max <= 1000,
      ),
    ],
  };
}

function runChild(leases: number, windowMs: number): Promise<HeldResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--held-leases-child', String(leases), String(windowMs)], {
      execArgv: ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const limit = setTimeout(() => child.kill('SIGKILL'), 300_000);
    let result: HeldResult | undefined;
    let failure: string | undefined;
    child.on('message', (m: { type: string; result?: HeldResult; message?: string }) => {
      if (m.type === 'result') result = m.result;
      else failure = m.message;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      if (result) resolve(result);
      else reject(new Error(failure ?? `held-leases child exited with ${code ?? signal}`));
    });
  });
}

async function measure(leases: number, windowMs: number): Promise<HeldResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const big = makeBenchDir('held');
  const small = makeBenchDir('lapse');
  // Allocated before the baseline, so the bench's own list of ids is not counted per lease
  // (the strings in it are the engine's own lease ids).
  const ids = new Array<string>(leases).fill('');
  try {
    const core = await openWithLicense(big, {
      feature: FEATURE,
      seats: Math.max(leases, LEASES),
      leaseSeconds: LEASE_SECONDS,
      heartbeatSeconds: HEARTBEAT_SECONDS,
    });
    const lapseCore = await openWithLicense(small, {
      feature: FEATURE,
      seats: LAPSE_SAMPLE,
      leaseSeconds: LAPSE_LEASE_SECONDS,
      heartbeatSeconds: 1,
    });
    try {
      core.engine.start();
      lapseCore.engine.start();
      const baseline = await idleLoopDelay(baselineMs(windowMs));
      for (let i = 0; i < 3; i++) gc();
      const heapBefore = process.memoryUsage().heapUsed;
      const rssBefore = process.memoryUsage().rss;
      const { ms: fillMs } = await fillLeases(core, leases, { feature: FEATURE, ids, deadlineMs: 240_000 });
      for (let i = 0; i < 3; i++) gc();
      const heapAfter = process.memoryUsage().heapUsed;
      const rssAfter = process.memoryUsage().rss;
      if (core.engine.leaseCount !== leases)
        throw new Error(`engine holds ${core.engine.leaseCount} leases, not ${leases}`);

      // Lapse sample: leases that are never heartbeaten, on the 5 s engine, taken over the first 2 s.
      const expiresAt = new Map<string, number>();
      const lapseMs: number[] = [];
      lapseCore.engine.onEvent((e) => {
        if (e.kind !== 'ended' || e.reason !== 'EXPIRED') return;
        const due = expiresAt.get(e.leaseId);
        if (due !== undefined) lapseMs.push(Date.now() - due);
      });

      // The histogram records the time between its 10 ms samples: the delay is that minus 10 ms.
      const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
      loop.enable();
      const rate = leases / HEARTBEAT_SECONDS;
      let heartbeats = 0;
      let heartbeatFailures = 0;
      let cursor = 0;
      let lapseTaken = 0;
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const elapsed = performance.now() - t0;
          const due = Math.min(Math.floor((elapsed * rate) / 1000), Math.floor((windowMs * rate) / 1000));
          for (; heartbeats < due; heartbeats++) {
            if (!core.engine.heartbeat(ids[cursor]!).ok) heartbeatFailures++;
            cursor = (cursor + 1) % leases;
          }
          const lapseDue = Math.min(LAPSE_SAMPLE, Math.floor((elapsed / 2000) * LAPSE_SAMPLE));
          for (; lapseTaken < lapseDue; lapseTaken++) {
            lapseCore.engine.checkout({ feature: FEATURE, client: { id: `lapse-${lapseTaken}` } }).then((r) => {
              if (r.ok) expiresAt.set(r.lease.leaseId, Date.parse(r.lease.expiresAt));
            });
          }
          if (elapsed >= windowMs) {
            clearInterval(timer);
            resolve();
          }
        }, 5);
      });
      const heartbeatWindowMs = performance.now() - t0;
      loop.disable();
      // Stragglers: the last sample leases are due about 7 s after the window opened.
      const waitUntil = performance.now() + 10_000;
      while (lapseMs.length < LAPSE_SAMPLE && performance.now() < waitUntil)
        await new Promise((r) => setTimeout(r, 50));
      return {
        leases,
        fillMs,
        heapBefore,
        heapAfter,
        rssBefore,
        rssAfter,
        heartbeatWindowMs,
        heartbeats,
        heartbeatFailures,
        loopDelayP50Ms: Math.max(0, loop.percentile(50) / 1e6 - LOOP_RESOLUTION_MS),
        loopDelayP99Ms: Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
        loopDelayMaxMs: Math.max(0, loop.max / 1e6 - LOOP_RESOLUTION_MS),
        baselineP99Ms: baseline.p99Ms,
        baselineMaxMs: baseline.maxMs,
        lapseMs,
        lapseSample: LAPSE_SAMPLE,
      };
    } finally {
      core.close();
      lapseCore.close();
    }
  } finally {
    big.remove();
    small.remove();
  }
}

function baselineMs(windowMs: number): number {
  return Math.min(5_000, windowMs / 2);
}

/** Event-loop delay over `ms` with the same 5 ms timer and nothing to do: the box's own noise. */
async function idleLoopDelay(ms: number): Promise<{ p99Ms: number; maxMs: number }> {
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (performance.now() - t0 >= ms) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  loop.disable();
  return {
    p99Ms: Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
    maxMs: Math.max(0, loop.max / 1e6 - LOOP_RESOLUTION_MS),
  };
}

if (process.argv[2] === '--held-leases-child' && process.send) {
  measure(Number(process.argv[3]), Number(process.argv[4])).then(
    (result) => process.send?.({ type: 'result', result }, () => process.exit(0)),
    (err: unknown) =>
      process.send?.({ type: 'error', message: String((err as Error).stack ?? err) }, () => process.exit(1)),
  );
}
