import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The License Server's group-commit counters, from its Prometheus metrics on the admin listener. */
export interface CommitStats {
  commits: number;
  ops: number;
  seconds: number;
}

/** The server's /metrics text (Prometheus), read with the CLI token of DIR/admin.token; undefined when it fails. */
export async function readMetrics(adminUrl: string, dataDir: string): Promise<string | undefined> {
  try {
    const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    const res = await fetch(`${adminUrl}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

/** One sample's value in a /metrics text (`name` may carry labels, e.g. `x{le="0.01"}`); NaN when absent. */
export function metricValue(text: string, name: string): number {
  const escaped = name.replace(/[{}.+"=]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${escaped} ([0-9.e+-]+|NaN)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

/** Reads `tessera_commit_batch_operations` and `tessera_commit_seconds` with the CLI token of DIR/admin.token. */
export async function commitStats(adminUrl: string, dataDir: string): Promise<CommitStats | undefined> {
  const text = await readMetrics(adminUrl, dataDir);
  if (text === undefined) return undefined;
  return {
    commits: metricValue(text, 'tessera_commit_batch_operations_count'),
    ops: metricValue(text, 'tessera_commit_batch_operations_sum'),
    seconds: metricValue(text, 'tessera_commit_seconds_sum'),
  };
}

/** The WAL checkpoint worker's counters (absent on a server that checkpoints inside its commits). */
export interface CheckpointStats {
  checkpoints: number;
  seconds: number;
  holds: number;
  holdSeconds: number;
}

export async function checkpointStats(adminUrl: string, dataDir: string): Promise<CheckpointStats | undefined> {
  const text = await readMetrics(adminUrl, dataDir);
  if (text === undefined || !text.includes('tessera_wal_checkpoints_total')) return undefined;
  return {
    checkpoints: metricValue(text, 'tessera_wal_checkpoints_total'),
    seconds: metricValue(text, 'tessera_wal_checkpoint_seconds_sum'),
    holds: metricValue(text, 'tessera_wal_restart_hold_seconds_count'),
    holdSeconds: metricValue(text, 'tessera_wal_restart_hold_seconds_sum'),
  };
}

/** "N checkpoints in the worker (X ms each on average), M WAL restarts holding commits Y ms each" between two readings. */
export function describeCheckpoints(before: CheckpointStats | undefined, after: CheckpointStats | undefined): string {
  if (!before || !after) return 'no checkpoint worker (SQLite checkpoints inside the commits)';
  const n = after.checkpoints - before.checkpoints;
  const holds = after.holds - before.holds;
  const each = (s: number, k: number) => (k > 0 ? ((s * 1000) / k).toFixed(2) : '0');
  return `${n} checkpoints in the worker (${each(after.seconds - before.seconds, n)} ms each on average), ${holds} WAL restarts holding commits ${each(after.holdSeconds - before.holdSeconds, holds)} ms each`;
}

/** "N commits, X ops per commit, Y ms per commit" between two readings. */
export function describeCommits(before: CommitStats | undefined, after: CommitStats | undefined): string {
  if (!before || !after) return 'commit stats unavailable';
  const commits = after.commits - before.commits;
  const ops = after.ops - before.ops;
  const seconds = after.seconds - before.seconds;
  if (commits <= 0) return 'no commits';
  return `${commits.toLocaleString('en-US')} group commits, ${(ops / commits).toFixed(1)} ops/commit, ${((seconds * 1000) / commits).toFixed(2)} ms/commit (run + fsync, on the event loop)`;
}
