import { type ChildProcess, fork } from 'node:child_process';
import { type CpuShare, share, snapshot, waitForQuiet } from './cpu.js';
import type { LoadConfig, LoadResult } from './load-worker.js';

const WORKER = new URL('./load-worker.ts', import.meta.url);

export interface MeasuredLoad extends LoadResult {
  /** Who used the CPU during the measured window (Linux only). */
  cpu: CpuShare | undefined;
}

/**
 * Runs the load generator in `processes` forked processes (connections and rate split between
 * them) and merges what they measured. Each process is bounded by its config's duration; one
 * that has not answered 60 s after that is killed. `serverPids` are watched for the CPU share.
 */
export async function generateLoad(
  cfg: LoadConfig,
  processes = 1,
  serverPids: number[] = [],
  onEdge?: (edge: 'start' | 'end') => void,
): Promise<MeasuredLoad> {
  const shares = Array.from({ length: processes }, (_, i) => ({
    ...cfg,
    connections: Math.max(1, Math.floor(cfg.connections / processes) + (i < cfg.connections % processes ? 1 : 0)),
    ...(cfg.rate !== undefined ? { rate: cfg.rate / processes } : {}),
    clientPrefix: `${cfg.clientPrefix}${processes > 1 ? `-p${i}` : ''}`,
  }));
  const children: ChildProcess[] = [];
  let first: ReturnType<typeof snapshot>;
  let last: ReturnType<typeof snapshot>;
  const pids = () => [...serverPids, ...children.map((c) => c.pid ?? -1), process.pid];
  const onWindow = (edge: string) => {
    if (edge === 'start' && !first) {
      first = snapshot(pids());
      onEdge?.('start');
    }
    if (edge === 'end' && !last) {
      last = snapshot(pids());
      onEdge?.('end');
    }
  };
  const results = await Promise.all(shares.map((s) => runOne(s, children, onWindow)));
  const merged: MeasuredLoad = {
    ops: 0,
    checkouts: 0,
    releases: 0,
    windowMs: cfg.durationMs,
    errors: 0,
    denied: 0,
    errorSamples: [],
    checkoutMs: [],
    checkoutSentMs: [],
    releaseMs: [],
    scheduled: 0,
    maxSendLagMs: 0,
    cpu: share(first, last, {
      server: serverPids,
      generator: children.map((c) => c.pid ?? -1),
      self: [process.pid],
    }),
  };
  for (const r of results) {
    merged.ops += r.ops;
    merged.checkouts += r.checkouts;
    merged.releases += r.releases;
    merged.errors += r.errors;
    merged.denied += r.denied;
    merged.errorSamples.push(...r.errorSamples);
    for (const x of r.checkoutMs) merged.checkoutMs.push(x);
    for (const x of r.checkoutSentMs) merged.checkoutSentMs.push(x);
    for (const x of r.releaseMs) merged.releaseMs.push(x);
    merged.scheduled += r.scheduled;
    merged.maxSendLagMs = Math.max(merged.maxSendLagMs, r.maxSendLagMs);
  }
  return merged;
}

function runOne(cfg: LoadConfig, children: ChildProcess[], onWindow: (edge: string) => void): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // The worker is TypeScript: tsx, and nothing else from this process's flags.
    const child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    let settled = false;
    const limit = setTimeout(
      () => {
        child.kill('SIGKILL');
        if (!settled) reject(new Error('a load generator process did not finish in time'));
        settled = true;
      },
      cfg.warmupMs + cfg.durationMs + 60_000,
    );
    child.on('message', (m: { type: string; edge?: string; result?: LoadResult; message?: string }) => {
      if (m.type === 'window') {
        onWindow(m.edge ?? '');
        return;
      }
      if (settled) return;
      settled = true;
      clearTimeout(limit);
      if (m.type === 'result' && m.result) resolve(m.result);
      else reject(new Error(`load generator failed: ${m.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(limit);
      if (!settled) {
        settled = true;
        reject(new Error(`a load generator process exited with ${code} before reporting`));
      }
    });
    child.send(cfg);
  });
}

/** Other processes' CPU (% of one core) above which a window is measured again. */
export const NOISY_OTHER_PCT = 25;

/**
 * {@link generateLoad}, measured again once when other processes on the box took more than
 * {@link NOISY_OTHER_PCT} of a core during the window; the quieter run is kept. Errors of
 * every attempt count.
 */
export async function quietLoad(
  cfg: LoadConfig,
  processes: number,
  serverPids: number[],
  log: (m: string) => void,
): Promise<MeasuredLoad & { attempts: number; allErrors: number }> {
  await waitForQuiet(log);
  let kept = await generateLoad(cfg, processes, serverPids);
  let allErrors = kept.errors;
  let attempts = 1;
  if ((kept.cpu?.otherPct ?? 0) > NOISY_OTHER_PCT) {
    log(`other processes took ${Math.round(kept.cpu?.otherPct ?? 0)}% CPU during the window; measuring again`);
    await waitForQuiet(log);
    const again = await generateLoad(cfg, processes, serverPids);
    attempts++;
    allErrors += again.errors;
    if ((again.cpu?.otherPct ?? 0) < (kept.cpu?.otherPct ?? 0)) kept = again;
  }
  return { ...kept, attempts, allErrors };
}
