/**
 * End-to-end helpers of the Cloud: Cloud nodes as child processes (through tsx, on the sources). The
 * processes, their cleanup and the polling are the harness shared with the CLI's tests
 * (test-support/processes.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudApiClient, type CloudOptions, type CloudRuntimeInfo } from '@tessera/cloud';
import {
  childEnv,
  killAndWait,
  runtimeFileOf,
  tempDir as sharedTempDir,
  spawnDaemon,
  untilReady,
} from '../../../../test-support/processes.js';

export { cleanup, dayFromNow, eventually, killAndWait, REPO_ROOT } from '../../../../test-support/processes.js';

const MAIN = fileURLToPath(new URL('./cloud-main.ts', import.meta.url));

export function tempDir(prefix = 'tessera-cloud-e2e-'): string {
  return sharedTempDir(prefix);
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
  const p = spawnDaemon(
    [
      ...(process.env.TESSERA_CLOUD_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.TESSERA_CLOUD_PROF}`] : []),
      '--conditions=tessera-src',
      '--import',
      'tsx',
      MAIN,
      JSON.stringify({ listen: '127.0.0.1:0', ...opts, dataDir }),
    ],
    childEnv(),
  );
  const info = await untilReady(p, `the Cloud node on ${dataDir}`, timeoutMs, async () =>
    runtimeFileOf<CloudRuntimeInfo>(dataDir, 'cloud.json', p.child.pid!),
  );
  const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  return {
    child: p.child,
    dataDir,
    url: info.url,
    nodeId: info.nodeId,
    info,
    token,
    api: new CloudApiClient({ url: info.url, token }),
    output: p.log,
    kill: (signal = 'SIGKILL') => killAndWait(p.child, signal),
  };
}
