import { type BenchContext, connectionCounts, generatorProcesses, windows } from '../lib/context.js';
import { describeCpu } from '../lib/cpu.js';
import { quietLoad } from '../lib/load.js';
import { row, type ScenarioReport } from '../lib/report.js';
import { startBareServerProcess } from '../lib/servers.js';
import { int, ms, summarize } from '../lib/stats.js';
import { FEATURE, throughput } from './throughput.js';

/**
 * 3. Ceiling: a bare node:http server in its own process answers the same requests with
 * lease-shaped bodies (201 / 204) and does nothing else. The same generator loads it with the
 * same N as the License Server's best run; Tessera / ceiling says how much of what node:http
 * and this generator can do on this box the License Server keeps, durable writes included.
 */
export async function ceiling(ctx: BenchContext): Promise<ScenarioReport> {
  const notes: string[] = [];
  const rows = [];
  if (!ctx.throughput) {
    ctx.log('ceiling: needs the throughput figure first; running the throughput scenario');
    const t = await throughput(ctx);
    notes.push(...t.notes);
    rows.push(...t.rows);
  }
  const tessera = ctx.throughput!;
  const server = startBareServerProcess();
  try {
    const ready = await server.ready;
    const { warmupMs, durationMs } = windows(ctx);
    // The figure is at Tessera's best N; BENCH_CEILING_ALL=1 also measures the other Ns, for the notes.
    const counts = [tessera.connections, ...connectionCounts().filter((n) => n !== tessera.connections)];
    let atSameN = 0;
    let errors = 0;
    for (const connections of process.env.BENCH_CEILING_ALL === '1' ? counts : [tessera.connections]) {
      ctx.log(`ceiling: N=${connections}, ${warmupMs / 1000}+${durationMs / 1000} s`);
      const r = await quietLoad(
        {
          url: ready.url,
          mode: 'closed',
          connections,
          warmupMs,
          durationMs,
          feature: FEATURE,
          clientPrefix: 'ceiling',
        },
        tessera.processes,
        [ready.pid],
        ctx.log,
      );
      const opsPerSec = r.ops / (durationMs / 1000);
      errors += r.allErrors;
      const co = summarize(r.checkoutMs);
      notes.push(
        `ceiling (bare node:http) N=${connections}: ${int(opsPerSec)} ops/s, checkout p50 ${ms(co.p50)} p99 ${ms(co.p99)}, errors ${r.errors}; ${describeCpu(r.cpu, opsPerSec)}${r.attempts > 1 ? ' (measured twice, quieter run kept)' : ''}`,
      );
      if (connections === tessera.connections) atSameN = opsPerSec;
    }
    const ratio = atSameN > 0 ? tessera.opsPerSec / atSameN : 0;
    rows.push(
      row(
        `Ceiling: bare node:http, same bodies, same generator (${generatorProcesses()} process), N=${tessera.connections}`,
        `${int(atSameN)} ops/s${errors > 0 ? ` (${errors} errors)` : ''}`,
      ),
      row('Tessera / ceiling', ratio.toFixed(2), '≥ 0.5', ratio >= 0.5),
    );
    return { rows, notes };
  } finally {
    await server.stop();
  }
}
