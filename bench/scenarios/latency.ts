import { type BenchContext, generatorProcesses, windows } from '../lib/context.js';
import { describeCpu } from '../lib/cpu.js';
import { makeBenchDir, openWithLicense } from '../lib/datadir.js';
import { quietLoad } from '../lib/load.js';
import { commitStats, describeCommits } from '../lib/metrics.js';
import { row, type ScenarioReport } from '../lib/report.js';
import { readyLicenseServer, startBareServerProcess } from '../lib/servers.js';
import { int, ms, summarize } from '../lib/stats.js';
import { FEATURE, SEATS } from './throughput.js';

export const RATE = 2_500;

/**
 * 2. Checkout latency at a fixed 2,500 checkouts/s, open loop: checkouts are sent on a fixed
 * schedule whatever the answers (each followed by its release, so the server also does 2,500
 * releases/s), and each checkout's latency is measured from its scheduled send time, so a
 * stalled server shows up in full (no coordinated omission).
 */
export async function latency(ctx: BenchContext): Promise<ScenarioReport> {
  const dir = makeBenchDir('latency');
  try {
    (await openWithLicense(dir, { feature: FEATURE, seats: SEATS })).close();
    const { server, ready } = await readyLicenseServer(
      { dataDir: dir.dataDir, vendorKeyFiles: [dir.vendorPub] },
      ctx.log,
    );
    try {
      // A fresh server is slow for its first seconds on disk (see docs/benchmarks.md), so a longer warm-up:
      // the goal is about a running server.
      const { durationMs } = windows(ctx);
      const warmupMs = ctx.quick ? 3_000 : 5_000;
      ctx.log(`latency: ${RATE} checkouts/s open loop, ${warmupMs / 1000}+${durationMs / 1000} s`);
      const before = await commitStats(ready.adminUrl, dir.dataDir);
      const r = await quietLoad(
        {
          url: ready.clientUrl,
          mode: 'open',
          connections: 256,
          rate: RATE,
          warmupMs,
          durationMs,
          feature: FEATURE,
          clientPrefix: 'latency',
        },
        generatorProcesses(),
        [ready.pid],
        ctx.log,
      );
      const after = await commitStats(ready.adminUrl, dir.dataDir);
      const fromScheduled = summarize(r.checkoutMs);
      const fromSent = summarize(r.checkoutSentMs);
      const release = summarize(r.releaseMs);
      const answered = fromScheduled.count;
      const notes = [
        `latency at ${int(RATE)} checkouts/s: ${int(r.scheduled)} checkouts scheduled in the ${durationMs / 1000} s window, ${int(answered)} answered 201; ` +
          `from scheduled send: p50 ${ms(fromScheduled.p50)} p90 ${ms(fromScheduled.p90)} p99 ${ms(fromScheduled.p99)} max ${ms(fromScheduled.max)}; ` +
          `from actual send: p50 ${ms(fromSent.p50)} p99 ${ms(fromSent.p99)}; generator lag at worst ${ms(r.maxSendLagMs)}; ` +
          `release p50 ${ms(release.p50)} p99 ${ms(release.p99)}; errors ${r.allErrors}; ${describeCommits(before, after)}; ${describeCpu(r.cpu, r.ops / (durationMs / 1000))}` +
          (r.attempts > 1 ? ' (measured twice, quieter run kept)' : ''),
        ...r.errorSamples.map((e) => `  error sample: ${e}`),
      ];
      const complete = answered === r.scheduled && r.allErrors === 0;
      const floor = await measureFloor(ctx, warmupMs, durationMs);
      notes.push(floor.note);
      return {
        notes,
        rows: [
          row(
            `Checkout latency p50 at ${int(RATE)} checkouts/s (open loop, from scheduled send)`,
            ms(fromScheduled.p50),
          ),
          row(
            `Checkout latency p99 at ${int(RATE)} checkouts/s (open loop, from scheduled send)${complete ? '' : `; only ${answered} of ${r.scheduled} answered`}`,
            ms(fromScheduled.p99),
            '≤ 5 ms',
            complete && fromScheduled.p99 <= 5,
          ),
          row(
            `Same load on the bare node:http server (what this generator and box can show at best): p50 / p99`,
            `${ms(floor.p50)} / ${ms(floor.p99)}`,
          ),
        ],
      };
    } finally {
      await server.stop();
    }
  } finally {
    dir.remove();
  }
}

/** The same open loop against bare node:http: the latency floor of this generator on this box. */
async function measureFloor(
  ctx: BenchContext,
  warmupMs: number,
  durationMs: number,
): Promise<{ p50: number; p99: number; note: string }> {
  const bare = startBareServerProcess();
  try {
    const ready = await bare.ready;
    ctx.log(`latency: the same open loop against bare node:http (the floor)`);
    const r = await quietLoad(
      {
        url: ready.url,
        mode: 'open',
        connections: 256,
        rate: RATE,
        warmupMs,
        durationMs,
        feature: FEATURE,
        clientPrefix: 'floor',
      },
      generatorProcesses(),
      [ready.pid],
      ctx.log,
    );
    const s = summarize(r.checkoutMs);
    const sent = summarize(r.checkoutSentMs);
    return {
      p50: s.p50,
      p99: s.p99,
      note:
        `latency floor: bare node:http at ${int(RATE)} checkouts/s, same generator: from scheduled send p50 ${ms(s.p50)} p99 ${ms(s.p99)} max ${ms(s.max)}; ` +
        `from actual send p99 ${ms(sent.p99)}; errors ${r.allErrors}; ${describeCpu(r.cpu)}` +
        (r.attempts > 1 ? ' (measured twice, quieter run kept)' : ''),
    };
  } finally {
    await bare.stop();
  }
}
