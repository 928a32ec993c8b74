/**
 * `npm run bench [-- SCENARIO...] [-- --quick]`: measures the License Server (the compiled build
 * in packages/server/dist) and prints the environment, notes, and a markdown table: what,
 * figure, goal, met.
 *
 * Default scenarios: throughput, latency, ceiling, held-leases, cold-start, flexible-exchange
 * (a Report of 50 features × 90 days through a Cloud on SQLite and, when it is there, on
 * PostgreSQL, and its Sync back; ~45 s). Also:
 * dashboard-load (the Dashboard's first load in Chromium; needs /usr/bin/chromium), sessions-load
 * (the Sessions page and its listings with 100,000 leases, in Chromium), subscription
 * (Cloud nodes on PostgreSQL and SQLite; needs PostgreSQL on 127.0.0.1:5432), sdk (each SDK's bench
 * program against bare HTTP from its language, and the heartbeat CPU of 1,000 held leases; a program
 * that is not built is a row saying so; ~2.5 min), and `all`.
 * `--quick` shortens every window (figures are then indicative only).
 * Knobs: BENCH_CONNECTIONS=32,64,128, BENCH_GENERATORS=1, BENCH_CEILING_ALL=1, BENCH_NICE=-10,
 * BENCH_FLEXIBLE_DB=sqlite|postgres (one Cloud only), BENCH_CLOUD_PROF=DIR (CPU profiles of the
 * flexible-exchange Cloud processes), BENCH_PG_URL.
 */

import { getPriority, setPriority } from 'node:os';
import type { BenchContext } from './lib/context.js';
import { environment, type Row, type ScenarioReport, table } from './lib/report.js';
import { ceiling } from './scenarios/ceiling.js';
import { checkpoints } from './scenarios/checkpoints.js';
import { coldStart } from './scenarios/cold-start.js';
import { dashboardLoad } from './scenarios/dashboard-load.js';
import { flexibleExchange } from './scenarios/flexible-exchange.js';
import { heldLeases } from './scenarios/held-leases.js';
import { latency } from './scenarios/latency.js';
import { sdk } from './scenarios/sdk.js';
import { sessionsLoad } from './scenarios/sessions-load.js';
import { soak } from './scenarios/soak.js';
import { subscription } from './scenarios/subscription.js';
import { throughput } from './scenarios/throughput.js';

const SCENARIOS: Record<string, (ctx: BenchContext) => Promise<ScenarioReport>> = {
  throughput,
  latency,
  checkpoints,
  ceiling,
  'held-leases': heldLeases,
  'cold-start': coldStart,
  'dashboard-load': (ctx) => dashboardLoad({ quick: ctx.quick, log: ctx.log }),
  'sessions-load': sessionsLoad,
  subscription,
  'flexible-exchange': flexibleExchange,
  sdk,
  soak,
};
const DEFAULT = ['throughput', 'latency', 'checkpoints', 'ceiling', 'held-leases', 'cold-start', 'flexible-exchange'];

/**
 * Runs the bench (and so every server and generator it starts, which inherit it) at a higher
 * CPU priority when allowed, so other work on a shared box disturbs the figures less.
 */
function raisePriority(): string {
  const wanted = Number(process.env.BENCH_NICE ?? '-10');
  if (!Number.isInteger(wanted) || wanted < -20 || wanted > 19) return `nice ${getPriority()} (BENCH_NICE ignored)`;
  try {
    setPriority(wanted);
    return `nice ${getPriority()} (the bench's processes go ahead of other work on the box; BENCH_NICE=0 to turn off)`;
  } catch {
    return `nice ${getPriority()} (could not set ${wanted}: not allowed)`;
  }
}

async function main(): Promise<number> {
  const priority = raisePriority();
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const minutesAt = args.findIndex((a) => a === '--minutes' || a.startsWith('--minutes='));
  let minutes: number | undefined;
  if (minutesAt >= 0) {
    const a = args[minutesAt]!;
    const text = a.includes('=') ? a.slice(a.indexOf('=') + 1) : (args[minutesAt + 1] ?? '');
    minutes = Number(text);
    if (!Number.isFinite(minutes) || minutes < 1 || minutes > 24 * 60) {
      console.error(`--minutes wants a number of minutes from 1 to 1440, not "${text}"`);
      return 2;
    }
    if (!a.includes('=')) args.splice(minutesAt + 1, 1);
  }
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => n !== 'all' && !(n in SCENARIOS));
  if (unknown.length > 0) {
    console.error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}, all`);
    return 2;
  }
  const selected = names.includes('all') ? Object.keys(SCENARIOS) : names.length > 0 ? names : DEFAULT;
  const started = performance.now();
  const ctx: BenchContext = {
    quick,
    ...(minutes !== undefined && { minutes }),
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
  console.log(`- priority: ${priority}`);
  console.log(`- date: ${new Date().toISOString()}; bench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log('');
  for (const n of notes) console.log(n.startsWith('  ') ? n : `- ${n}`);
  console.log('');
  console.log(table(rows));
  return failed ? 1 : 0;
}

process.exitCode = await main();
