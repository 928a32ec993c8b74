import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * Who used the CPU during a load window, from /proc (Linux): the server, the load generator,
 * and everything else on the box. On a shared 2-core machine "other" explains a bad run.
 * Percentages are of one core (a 2-core box has 200%).
 */
export interface CpuShare {
  serverPct: number;
  generatorPct: number;
  otherPct: number;
  idlePct: number;
}

interface Snapshot {
  total: number;
  idle: number;
  procs: Map<number, number>;
}

function readSystem(): { total: number; idle: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    // idle + iowait
    return { total, idle: (f[3] ?? 0) + (f[4] ?? 0) };
  } catch {
    return undefined;
  }
}

function readProc(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields 14 and 15 of the line (utime, stime) are 12th and 13th after the ")".
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return Number.NaN;
  }
}

export function snapshot(pids: readonly number[]): Snapshot | undefined {
  const sys = readSystem();
  if (!sys) return undefined;
  return { ...sys, procs: new Map(pids.map((p) => [p, readProc(p)])) };
}

export function share(
  a: Snapshot | undefined,
  b: Snapshot | undefined,
  who: { server: readonly number[]; generator: readonly number[]; self: readonly number[] },
): CpuShare | undefined {
  if (!a || !b || b.total <= a.total) return undefined;
  const cores = cpus().length;
  const pct = (ticks: number) => (100 * cores * ticks) / (b.total - a.total);
  const used = (pids: readonly number[]) =>
    pids.reduce((s, p) => s + Math.max(0, (b.procs.get(p) ?? Number.NaN) - (a.procs.get(p) ?? Number.NaN) || 0), 0);
  const server = used(who.server);
  const generator = used(who.generator);
  const self = used(who.self);
  const busy = b.total - a.total - (b.idle - a.idle);
  return {
    serverPct: pct(server),
    generatorPct: pct(generator),
    otherPct: Math.max(0, pct(busy - server - generator - self)),
    idlePct: pct(b.idle - a.idle),
  };
}

/** The CPU share in words; with `opsPerSec`, also the server's CPU time per operation. */
export function describeCpu(c: CpuShare | undefined, opsPerSec?: number): string {
  if (!c) return 'cpu share unavailable';
  const f = (n: number) => `${Math.round(n)}%`;
  const perOp =
    opsPerSec && opsPerSec > 0 ? `, server CPU ${((c.serverPct * 10_000) / opsPerSec).toFixed(0)} µs/op` : '';
  return `CPU (100% = one core): server ${f(c.serverPct)}, generator ${f(c.generatorPct)}, other processes ${f(c.otherPct)}, idle ${f(c.idlePct)}${perOp}`;
}

/**
 * Waits (at most `maxMs`) until the rest of the box uses less than `thresholdPct` of a core
 * over half a second, so a measurement does not start in the middle of someone else's build.
 * Returns the last busy figure seen.
 */
export async function waitForQuiet(log: (m: string) => void, maxMs = 10_000, thresholdPct = 20): Promise<number> {
  const cores = cpus().length;
  const t0 = performance.now();
  let said = false;
  for (;;) {
    const a = readSystem();
    await new Promise((r) => setTimeout(r, 500));
    const b = readSystem();
    if (!a || !b || b.total <= a.total) return Number.NaN;
    const busyPct = (100 * cores * (b.total - a.total - (b.idle - a.idle))) / (b.total - a.total);
    if (busyPct < thresholdPct) return busyPct;
    if (performance.now() - t0 > maxMs) {
      log(`the box is still busy (${Math.round(busyPct)}% of a core used by others); measuring anyway`);
      return busyPct;
    }
    if (!said) {
      log(`waiting for the box to quieten (${Math.round(busyPct)}% of a core used by others)`);
      said = true;
    }
  }
}
