import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The License Server's group-commit counters, from its Prometheus metrics on the admin listener. */
export interface CommitStats {
  commits: number;
  ops: number;
  seconds: number;
}

/** Reads `tessera_commit_batch_operations` and `tessera_commit_seconds` with the CLI token of DIR/admin.token. */
export async function commitStats(adminUrl: string, dataDir: string): Promise<CommitStats | undefined> {
  try {
    const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    const res = await fetch(`${adminUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) return undefined;
    const text = await res.text();
    const value = (name: string) => {
      const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
      return m ? Number(m[1]) : Number.NaN;
    };
    return {
      commits: value('tessera_commit_batch_operations_count'),
      ops: value('tessera_commit_batch_operations_sum'),
      seconds: value('tessera_commit_seconds_sum'),
    };
  } catch {
    return undefined;
  }
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
