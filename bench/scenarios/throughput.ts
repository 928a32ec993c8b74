import { type BenchContext, connectionCounts, generatorProcesses, windows } from '../lib/context.js';
import { describeCpu } from '../lib/cpu.js';
import { makeBenchDir, openWithLicense } from '../lib/datadir.js';
import { quietLoad } from '../lib/load.js';
import { commitStats, describeCommits } from '../lib/metrics.js';
import { row, type ScenarioReport } from '../lib/report.js';
import { readyLicenseServer } from '../lib/servers.js';
import { int, ms, summarize } from '../lib/stats.js';

export const FEATURE = 'asr';
export const SEATS = 1_000_000;

/**
 * 1. Durable checkout+release throughput. The compiled License Server runs in its own process
 * on a fresh data dir with one license (asr=1,000,000) and default lease seconds; the load
 * generator (another process) runs N keep-alive connections, each doing checkout (201) then
 * release (204) back to back, for each N tried. An operation is one request. Every 201 and
 * every 204 was answered after the group commit holding it returned (synchronous=FULL).
 */
export async function throughput(ctx: BenchContext): Promise<ScenarioReport> {
  const notes: string[] = [];
  const dir = makeBenchDir('throughput');
  try {
    (await openWithLicense(dir, { feature: FEATURE, seats: SEATS })).close();
    const { server, ready } = await readyLicenseServer(
      { dataDir: dir.dataDir, vendorKeyFiles: [dir.vendorPub] },
      ctx.log,
    );
    try {
      const processes = generatorProcesses();
      const { warmupMs, durationMs } = windows(ctx);
      let best = { connections: 0, opsPerSec: 0 };
      let errors = 0;
      for (const connections of connectionCounts()) {
        ctx.log(`throughput: N=${connections}, ${warmupMs / 1000}+${durationMs / 1000} s`);
        const before = await commitStats(ready.adminUrl, dir.dataDir);
        const r = await quietLoad(
          {
            url: ready.clientUrl,
            mode: 'closed',
            connections,
            warmupMs,
            durationMs,
            feature: FEATURE,
            clientPrefix: 'bench',
          },
          processes,
          [ready.pid],
          ctx.log,
        );
        const after = await commitStats(ready.adminUrl, dir.dataDir);
        const opsPerSec = r.ops / (durationMs / 1000);
        errors += r.allErrors;
        const co = summarize(r.checkoutMs);
        const rel = summarize(r.releaseMs);
        notes.push(
          `throughput N=${connections}: ${int(opsPerSec)} ops/s (${int(r.checkouts / (durationMs / 1000))} checkouts/s + ${int(r.releases / (durationMs / 1000))} releases/s), ` +
            `checkout p50 ${ms(co.p50)} p99 ${ms(co.p99)}, release p50 ${ms(rel.p50)} p99 ${ms(rel.p99)}, errors ${r.errors}; ` +
            `${describeCommits(before, after)}; ${describeCpu(r.cpu, opsPerSec)}${r.attempts > 1 ? ' (measured twice, quieter run kept)' : ''}`,
        );
        for (const e of r.errorSamples) notes.push(`  error sample: ${e}`);
        if (opsPerSec > best.opsPerSec) best = { connections, opsPerSec };
      }
      // Everything checked out was released: nothing may be left in use.
      const features = (await (await fetch(`${ready.clientUrl}/v1/features`)).json()) as {
        features: { feature: string; inUse: number }[];
      };
      const inUse = features.features.find((f) => f.feature === FEATURE)?.inUse ?? -1;
      notes.push(`throughput: seats in use after the runs: ${inUse} (expected 0)`);
      ctx.throughput = { ...best, processes };
      return {
        notes,
        rows: [
          row(
            `Durable checkout+release throughput, N=${best.connections} (best of ${connectionCounts().join('/')}); every 201/204 sent after its group commit's fsync`,
            `${int(best.opsPerSec)} ops/s`,
            '≥ 10,000 ops/s',
            best.opsPerSec >= 10_000,
          ),
          row(
            'Errors during the throughput runs (not 201/204, or transport)',
            String(errors),
            '0',
            errors === 0 && inUse === 0,
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
