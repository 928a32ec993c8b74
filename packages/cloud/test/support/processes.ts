/**
 * End-to-end helpers: Cloud nodes as child processes (through tsx, on the sources), and
 * cleanup that kills every child and removes every temp dir even when a test fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CloudApiClient, type CloudOptions, type CloudRuntimeInfo } from '@tessera/cloud';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./cloud-main.ts', import.meta.url));

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Kills every child still running and removes the temp dirs. Register with `after(cleanup)`. */
export async function cleanup(): Promise<void> {
  await Promise.all([...children].map((c) => killAndWait(c, 'SIGKILL')));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

export function tempDir(prefix = 'tessera-cloud-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export interface CloudNode {
  child: ChildProcess;
  dataDir: string;
  url: string;
  nodeId: string;
  info: CloudRuntimeInfo;
  /** The CLI token of this node's data dir. */
  token: string;
  api: CloudApiClient;
  /** Output of the process so far (for failure messages). */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

type NodeOptions = Omit<CloudOptions, 'logger' | 'clock' | 'dataDir'> & { dataDir?: string };

/**
 * Starts a Cloud node process and waits until its `cloud.json` names it (at most `timeoutMs`;
 * generous, since two nodes compiling through tsx at once on a loaded 2-core box take 20 s and more).
 */
export async function spawnCloud(opts: NodeOptions, timeoutMs = 60_000): Promise<CloudNode> {
  const dataDir = opts.dataDir ?? tempDir();
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(
    process.execPath,
    [
      ...(process.env.TESSERA_CLOUD_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.TESSERA_CLOUD_PROF}`] : []),
      '--conditions=tessera-src',
      '--import',
      'tsx',
      MAIN,
      JSON.stringify({ listen: '127.0.0.1:0', ...opts, dataDir }),
    ],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the Cloud node exited (${child.exitCode ?? child.signalCode}) before it was up:\n${out}`);
    }
    let info: CloudRuntimeInfo | undefined;
    try {
      info = JSON.parse(readFileSync(join(dataDir, 'cloud.json'), 'utf8')) as CloudRuntimeInfo;
    } catch {}
    if (info && info.pid === child.pid) {
      const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
      return {
        child,
        dataDir,
        url: info.url,
        nodeId: info.nodeId,
        info,
        token,
        api: new CloudApiClient({ url: info.url, token }),
        output: () => out,
        kill: (signal = 'SIGKILL') => killAndWait(child, signal),
      };
    }
    if (Date.now() > deadline) {
      await killAndWait(child, 'SIGKILL');
      throw new Error(`the Cloud node was not up within ${timeoutMs} ms:\n${out}`);
    }
    await sleep(50);
  }
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
