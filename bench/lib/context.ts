/** What scenarios share within one `npm run bench`, and the knobs they read. */
export interface BenchContext {
  /** `--quick`: short windows, for trying the bench out; figures are then indicative only. */
  quick: boolean;
  /** `--minutes N`: how long the soak runs (else BENCH_SOAK_MINUTES, else 30). */
  minutes?: number;
  /** Set by the throughput scenario, read by the ceiling (same N, and the ratio). */
  throughput?: { connections: number; opsPerSec: number; processes: number };
  log(message: string): void;
}

/** Load windows: warm-up then the measured window, in ms. */
export function windows(ctx: BenchContext): { warmupMs: number; durationMs: number } {
  return ctx.quick ? { warmupMs: 2_000, durationMs: 3_000 } : { warmupMs: 2_000, durationMs: 10_000 };
}

/** Load-generator processes: one by default (a 2-core box has one core for the server, one for it). */
export function generatorProcesses(): number {
  const n = Number(process.env.BENCH_GENERATORS ?? '1');
  return Number.isInteger(n) && n >= 1 && n <= 16 ? n : 1;
}

/** Concurrent connections tried by the throughput and ceiling scenarios. */
export function connectionCounts(): number[] {
  const list = (process.env.BENCH_CONNECTIONS ?? '32,64,128')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n >= 1 && n <= 4096);
  return list.length > 0 ? list : [32, 64, 128];
}
