import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/** A child process started by the bench, with the tail of its output kept for error messages. */
export interface Child<M> {
  proc: ChildProcess;
  /** The first IPC message of type 'ready'. */
  ready: Promise<M>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
  output(): string;
}

/**
 * Starts `node SCRIPT ...args` with no loader and no extra conditions (the compiled build, as
 * it ships), an IPC channel, and its stdout/stderr drained into a small ring buffer.
 */
export function startChild<M extends { type: string }>(
  script: string,
  args: string[],
  o: { nodeArgs?: string[]; readyTimeoutMs?: number } = {},
): Child<M> {
  const proc = spawn(process.execPath, [...(o.nodeArgs ?? []), script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: process.env,
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(chunk.toString('utf8'));
    if (tail.length > 40) tail.shift();
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  const ready = new Promise<M>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${script} was not ready within ${o.readyTimeoutMs ?? 30_000} ms:\n${tail.join('')}`));
    }, o.readyTimeoutMs ?? 30_000);
    proc.on('message', (m: M) => {
      if (m?.type === 'ready') {
        clearTimeout(timer);
        resolve(m);
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before it was ready:\n${tail.join('')}`));
    });
  });
  ready.catch(() => undefined);
  return {
    proc,
    ready,
    output: () => tail.join(''),
    async stop(graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function sleep(msToWait: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, msToWait));
}

/**
 * Runs `fn` again (after `pauseMs`) when it fails, up to `attempts` times in all. Other people
 * rebuild packages/*\/dist on a shared box, and a server started in the middle of that can die
 * importing a half-written module; trying again a little later is then the right thing.
 */
export async function retrying<T>(
  what: string,
  fn: () => Promise<T>,
  log: (m: string) => void,
  attempts = 3,
  pauseMs = 5_000,
): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      log(`${what} failed (${String((err as Error).message).split('\n')[0]}); trying again in ${pauseMs / 1000} s`);
      await sleep(pauseMs);
    }
  }
}

/** The 1-, 5- and 15-minute load averages, as `uptime` prints them. */
export function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}
