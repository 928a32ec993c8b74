/**
 * `npm run bench [-- SCENARIO...] [-- --quick]`: measures the License Server (compiled build)
 * and prints the environment and a markdown table: what, figure, goal, met.
 * Scenarios: throughput, latency, ceiling, held-leases, cold-start (all by default).
 */
import type { BenchContext } from './lib/context.js';
import { environment, type Row, type ScenarioReport, table } from './lib/report.js';
import { ceiling } from './scenarios/ceiling.js';
import { coldStart } from './scenarios/cold-start.js';
import { heldLeases } from './scenarios/held-leases.js';
import { latency } from './scenarios/latency.js';
import { throughput } from './scenarios/throughput.js';

const SCENARIOS: Record<string, (ctx: BenchContext) => Promise<ScenarioReport>> = {
  throughput,
  latency,
  ceiling,
  'held-leases': heldLeases,
  'cold-start': coldStart,
};

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length > 0) {
    console.error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
    return 2;
  }
  const selected = names.length > 0 ? names : Object.keys(SCENARIOS);
  const started = performance.now();
  const ctx: BenchContext = {
    quick,
    log: (m) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${m}`),
  };
  const rows: Row[] = [];
  const notes: string[] = [];
  let failed = false;
  for (const name of selected) {
    ctx.log(`${name}: start`);
    try {
      const r = await SCENARIOS[name]!(ctx);
      rows.push(...r.rows);
      notes.push(...r.notes);
    } catch (err) {
      failed = true;
      ctx.log(`${name}: FAILED: ${(err as Error).stack ?? err}`);
      rows.push({
        what: `${name} (scenario failed)`,
        figure: String((err as Error).message).slice(0, 120),
        goal: '—',
        met: false,
      });
    }
  }
  console.log(`## Tessera License Server benchmark${quick ? ' (--quick: short windows, indicative only)' : ''}`);
  console.log('');
  for (const line of environment()) console.log(`- ${line}`);
  console.log(`- date: ${new Date().toISOString()}; bench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log('');
  for (const n of notes) console.log(n.startsWith('  ') ? n : `- ${n}`);
  console.log('');
  console.log(table(rows));
  return failed ? 1 : 0;
}

process.exitCode = await main();
