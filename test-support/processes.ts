/**
 * The end-to-end harness the CLI's and the Cloud's tests share: child processes whose output is
 * kept as their log, readiness read from the runtime file a process publishes (`server.json`,
 * `cloud.json`: its pid and an instance nonce, checked at `/healthz`), and cleanup that kills every
 * child and removes every temp dir even when a test fails.
 *
 * Test-only, and it imports nothing of ours: it sits outside `packages/` so that no package's tests
 * depend on another package's tests through it (the CLI depends on the Cloud, never the reverse).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

const children = new Set<ChildProcess>();
const dirs = new Set<string>();

// Last resort: whatever is still running when the test process exits is killed.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Kills every child still running and removes the temp dirs. Register with `after(cleanup)`. */
export async function cleanup(): Promise<void> {
  await Promise.all([...children].map((c) => killAndWait(c, 'SIGKILL')));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** A fresh directory under the OS temp dir, removed by {@link cleanup}. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/**
 * The environment of a child: ours, without what would change how node or the process runs (the
 * test runner's options, the server's crash knob unless `extra` sets it).
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  if (!('TESSERA_TEST_CRASH_AT' in extra)) delete env.TESSERA_TEST_CRASH_AT;
  return env;
}

/** `node ...argv` from the repository root, killed by {@link cleanup} if still running. */
function spawnNode(argv: readonly string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT): ChildProcess {
  const child = spawn(process.execPath, [...argv], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node ...argv` to its end; killed, and rejected naming `what`, after `timeoutMs`.
 */
export function runToEnd(
  argv: readonly string[],
  o: { what: string; env: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string | undefined },
): Promise<RunResult> {
  const child = spawnNode(argv, o.env, o.cwd);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${o.what} took more than ${o.timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, o.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export type ExitStatus = { code: number | null; signal: NodeJS.Signals | null };

/** A long-running process (a License Server, a Cloud node): its output kept as its log. */
export interface Daemon {
  child: ChildProcess;
  log(): string;
  exited: Promise<ExitStatus>;
  hasExited(): boolean;
  /** SIGTERM and wait for a clean stop (SIGKILL after 10 s). */
  stop(): Promise<ExitStatus>;
}

export function spawnDaemon(argv: readonly string[], env: NodeJS.ProcessEnv): Daemon {
  const child = spawnNode(argv, env);
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    log += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    log += d;
  });
  const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  return {
    child,
    log: () => log,
    exited,
    hasExited: () => hasExited,
    async stop() {
      if (!hasExited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
}

/**
 * Asks `ready` every 50 ms until it answers; fails, with the log, when `what` exits first or is not
 * ready within `timeoutMs` (then it is killed).
 */
export async function untilReady<T>(
  p: Daemon,
  what: string,
  timeoutMs: number,
  ready: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.hasExited()) throw new Error(`${what} exited while starting:\n${p.log()}`);
    if (Date.now() > deadline) {
      await killAndWait(p.child, 'SIGKILL');
      throw new Error(`${what} did not get ready in time (${timeoutMs} ms):\n${p.log()}`);
    }
    const info = await ready();
    if (info) return info;
    await sleep(50);
  }
}

/** `DIR/file` when it names process `pid`; a stale file of an earlier, killed process does not count. */
export function runtimeFileOf<T extends { pid: number }>(dataDir: string, file: string, pid: number): T | undefined {
  let info: T;
  try {
    info = JSON.parse(readFileSync(join(dataDir, file), 'utf8')) as T;
  } catch {
    return undefined;
  }
  return info.pid === pid ? info : undefined;
}

/** Whether `url/healthz` answers 2xx with this instance's `nonce`. */
export async function answersWithNonce(url: string, nonce: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { nonce?: string };
    return res.ok && body.nonce === nonce;
  } catch {
    return false;
  }
}

/** A TCP port free on 127.0.0.1 a moment ago (for a process that cannot be told port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** Today plus `days`, `YYYY-MM-DD` in UTC. */
export function dayFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
