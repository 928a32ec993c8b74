import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../lib/context.js';
import { waitForQuiet } from '../lib/cpu.js';
import { makeBenchDir, openWithLicense } from '../lib/datadir.js';
import { type Row, row, type ScenarioReport } from '../lib/report.js';
import { readyLicenseServer } from '../lib/servers.js';
import { int } from '../lib/stats.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FEATURE = 'asr';
const SEATS = 100_000;
const HOLD_LEASES = 1_000;
/** SDK round trips per second as a share of bare HTTP from the same language (C and Python). */
const RATIO_GOAL = 0.8;
/** CPU of the C client's heartbeats while it holds 1,000 leases, as a share of one core. */
const HOLD_CPU_GOAL = 0.01;
/**
 * Where the server's data dir goes unless BENCH_SDK_DISK=1: sequential round trips on a disk are
 * two fsyncs each (~24 ms here), which would leave an SDK's own cost invisible in the ratio.
 */
const RAM_DIR = '/dev/shm';

interface BenchProgram {
  language: 'Node' | 'C' | 'Python';
  command: string[];
  env: Record<string, string>;
  /** Why it cannot run here, or undefined. */
  missing(): string | undefined;
  /** The SDK-over-bare goal, where there is one. */
  ratioGoal: number | undefined;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const C_BENCH = join(REPO_ROOT, 'sdk/c/build/tessera-bench');
const PY_BENCH = join(REPO_ROOT, 'sdk/python/bench/tessera_bench.py');

/** The bench programs of sdk/conformance/DRIVER.md, one per language. */
const PROGRAMS: readonly BenchProgram[] = [
  {
    language: 'Node',
    command: [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'sdk/conformance/bench/node-bench.ts')],
    env: {},
    missing: () => undefined,
    ratioGoal: undefined,
  },
  {
    language: 'C',
    command: [C_BENCH],
    env: {},
    missing: () => (executable(C_BENCH) ? undefined : `not built (${C_BENCH}; node sdk/c/build.mjs)`),
    ratioGoal: RATIO_GOAL,
  },
  {
    language: 'Python',
    command: ['/usr/bin/python3', PY_BENCH],
    env: { PYTHONPATH: join(REPO_ROOT, 'sdk/python/src') },
    missing: () =>
      !executable('/usr/bin/python3')
        ? 'not built (/usr/bin/python3 is missing)'
        : existsSync(PY_BENCH)
          ? undefined
          : `not built (${PY_BENCH} is missing)`,
    ratioGoal: RATIO_GOAL,
  },
];

interface LoopResult {
  mode: 'sdk' | 'bare';
  ops: number;
  seconds: number;
}
interface HoldResult {
  mode: 'hold';
  leases: number;
  seconds: number;
  cpuSeconds: number;
}

/** Runs one bench program to its end and returns its JSON line; throws with its stderr otherwise. */
function runProgram<T>(p: BenchProgram, args: string[], limitMs: number): Promise<T> {
  const [program, ...rest] = p.command;
  const env: NodeJS.ProcessEnv = { ...process.env, ...p.env };
  delete env.NODE_OPTIONS;
  const child = spawn(program!, [...rest, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise((resolve, reject) => {
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) {
        reject(new Error(`${p.language} bench exited ${code ?? signal}: ${err.trim().split('\n').at(-1) ?? ''}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${p.language} bench printed no JSON line: ${last.slice(0, 120)}`));
      }
    });
  });
}

interface LanguageFigures {
  p: BenchProgram;
  /** Every round of each mode, in the order run. */
  rounds: { sdk: LoopResult[]; bare: LoopResult[] };
  hold?: HoldResult;
  /** Why there are no round-trip figures ("not built", or the failure). */
  problem?: string;
  /** Why there is no hold figure. */
  holdProblem?: string;
}

const rate = (r: LoopResult) => (r.seconds > 0 ? r.ops / r.seconds : Number.NaN);
/** The best round: on a shared box the quietest one is the closest to what the code costs. */
const best = (rs: readonly LoopResult[]) => Math.max(...rs.map(rate));

/**
 * SDK overhead: checkout+release round trips per second through each language's SDK and with
 * bare HTTP from the same language (one keep-alive connection, no SDK), against one License
 * Server (a license of 100,000 seats; `LICENSE_CACHE_PERIOD = 0`), one after the other, in
 * alternating rounds of which the best of each is kept; and the
 * CPU each client uses while it holds 1,000 leases and heartbeats them at the server's default
 * period (30 s), the three clients at once. A program that is not built is a row saying so.
 */
export async function sdk(ctx: BenchContext): Promise<ScenarioReport> {
  const loopSeconds = ctx.quick ? 2 : 5;
  const rounds = ctx.quick ? 1 : 3;
  const holdSeconds = ctx.quick ? 35 : 65;
  const onDisk = process.env.BENCH_SDK_DISK === '1' || !existsSync(RAM_DIR);
  const dir = makeBenchDir('sdk', onDisk ? tmpdir() : RAM_DIR);
  try {
    (await openWithLicense(dir, { feature: FEATURE, seats: SEATS })).close();
    const { server, ready } = await readyLicenseServer(
      { dataDir: dir.dataDir, vendorKeyFiles: [dir.vendorPub] },
      ctx.log,
    );
    try {
      const conf = join(dir.root, 'client_property.conf');
      writeFileSync(conf, `[GLOBAL]\nLICENSE_SERVERS = ${new URL(ready.clientUrl).host}\nLICENSE_CACHE_PERIOD = 0\n`);
      const common = ['--conf', conf, '--feature', FEATURE];
      const figures: LanguageFigures[] = PROGRAMS.map((p) => {
        const problem = p.missing();
        return { p, rounds: { sdk: [], bare: [] }, ...(problem && { problem }) };
      });
      for (const f of figures.filter((x) => !x.problem)) {
        await waitForQuiet(ctx.log);
        ctx.log(`sdk: ${f.p.language}, ${rounds} rounds of sdk then bare, ${loopSeconds} s each`);
        for (let i = 0; i < rounds && !f.problem; i++) {
          for (const mode of ['sdk', 'bare'] as const) {
            try {
              const args = [...common, '--seconds', String(loopSeconds), '--mode', mode];
              f.rounds[mode].push(await runProgram<LoopResult>(f.p, args, (loopSeconds + 60) * 1000));
            } catch (err) {
              f.problem ??= `failed: ${(err as Error).message}`;
            }
          }
        }
      }
      ctx.log(`sdk: ${HOLD_LEASES} leases held by each client at once for ${holdSeconds} s`);
      await Promise.all(
        figures
          .filter((f) => f.p.missing() === undefined)
          .map(async (f) => {
            const args = [
              ...common,
              '--seconds',
              String(holdSeconds),
              '--mode',
              'hold',
              '--leases',
              String(HOLD_LEASES),
            ];
            try {
              f.hold = await runProgram<HoldResult>(f.p, args, (holdSeconds + 120) * 1000);
            } catch (err) {
              f.holdProblem = `failed: ${(err as Error).message}`;
            }
          }),
      );
      return report(figures, `${rounds} × ${loopSeconds} s`, onDisk);
    } finally {
      await server.stop();
    }
  } finally {
    dir.remove();
  }
}

function report(figures: readonly LanguageFigures[], window: string, onDisk: boolean): ScenarioReport {
  const where = onDisk
    ? "its data dir on disk (BENCH_SDK_DISK=1): each round trip includes two fsyncs, which hide most of an SDK's own cost"
    : `its data dir in RAM (${RAM_DIR}), so that the round trip is the SDK's and HTTP's cost, not the disk's; BENCH_SDK_DISK=1 puts it on disk`;
  const notes = [
    `sdk: checkout+release round trips, one after the other, through the SDK and with bare HTTP from the same language (Node: node:http, one keep-alive connection), ${window} each, alternating, the best round of each kept; one License Server, ${where}; LICENSE_CACHE_PERIOD = 0`,
    '  | language | sdk ops/s | bare ops/s | ratio | goal | met |',
    '  |---|---|---|---|---|---|',
  ];
  const rows: Row[] = [];
  for (const f of figures) {
    const goal = f.p.ratioGoal === undefined ? '—' : `≥ ${f.p.ratioGoal} of bare`;
    if (f.problem || f.rounds.sdk.length === 0 || f.rounds.bare.length === 0) {
      const why = f.problem ?? 'no figures';
      notes.push(`  | ${f.p.language} | ${why} | | | ${goal} | |`);
      rows.push(
        row(
          `SDK checkout+release, ${f.p.language}: SDK / bare HTTP`,
          why,
          goal,
          f.p.ratioGoal === undefined ? null : false,
        ),
      );
      continue;
    }
    const sdkRate = best(f.rounds.sdk);
    const bareRate = best(f.rounds.bare);
    const ratio = sdkRate / bareRate;
    const met = f.p.ratioGoal === undefined ? null : ratio >= f.p.ratioGoal;
    notes.push(
      `  | ${f.p.language} | ${int(sdkRate)} | ${int(bareRate)} | ${ratio.toFixed(2)} | ${goal} | ${met === null ? '—' : met ? 'yes' : 'NO'} |`,
    );
    rows.push(
      row(
        `SDK checkout+release, ${f.p.language}: SDK / bare HTTP`,
        `${int(sdkRate)} / ${int(bareRate)} ops/s = ${ratio.toFixed(2)}`,
        goal,
        met,
      ),
    );
  }
  for (const f of figures.filter((x) => x.rounds.sdk.length > 0)) {
    const each = (rs: LoopResult[]) => rs.map((r) => int(rate(r))).join(', ');
    notes.push(`sdk: ${f.p.language} rounds, ops/s: sdk ${each(f.rounds.sdk)}; bare ${each(f.rounds.bare)}`);
  }
  for (const f of figures) {
    const isGoal = f.p.language === 'C';
    const what = `${f.p.language} client holding ${int(HOLD_LEASES)} leases: CPU (heartbeats)`;
    const goal = isGoal ? `≤ ${HOLD_CPU_GOAL * 100}% of a core` : '—';
    if (!f.hold) {
      rows.push(row(what, f.p.missing() ?? f.holdProblem ?? 'no figures', goal, isGoal ? false : null));
      continue;
    }
    const share = f.hold.cpuSeconds / f.hold.seconds;
    rows.push(
      row(
        what,
        `${(share * 100).toFixed(2)}% of a core (${f.hold.cpuSeconds.toFixed(2)} CPU-s in ${f.hold.seconds.toFixed(0)} s)`,
        goal,
        isGoal ? share <= HOLD_CPU_GOAL : null,
      ),
    );
  }
  return { notes, rows };
}
