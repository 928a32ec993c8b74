/**
 * The License Server for commands about what a running server holds in memory (seats, live usage):
 * unlike the other admin commands, they never open a data dir when no server runs.
 */
import { adminUrlOf, HttpAdminTarget, LICENSE_SERVER } from './admin-target.js';
import type { TargetFlags } from './commands/common.js';
import { CliError, UsageError } from './output.js';
import { existingDataDir, findRunningProcess, remoteTokenOf } from './running-process.js';

/** The admin API of the server the flags name; refused, with the reason, when none runs. */
export async function runningServer(flags: TargetFlags, what: string): Promise<HttpAdminTarget> {
  if (flags.server !== undefined) {
    const token = remoteTokenOf(flags, '--server URL', 'the admin token: DIR/admin.token on the server machine');
    return new HttpAdminTarget(adminUrlOf(flags.server), token);
  }
  if (flags.token !== undefined || flags.tokenFile !== undefined)
    throw new UsageError('--token and --token-file go with --server URL');
  if (flags.data === undefined) throw new UsageError('give --data DIR, or --server URL --token T');
  const dataDir = existingDataDir(flags.data, 'a typo? `tessera server start --data DIR` creates one');
  const probe = await findRunningProcess(dataDir, LICENSE_SERVER);
  if (probe.state !== 'running') {
    throw new CliError(
      `no License Server is running on ${dataDir}; ${what} are known to a running server only (start it, or see \`tessera server status --data ${flags.data}\`)`,
    );
  }
  return new HttpAdminTarget(probe.url, probe.token, dataDir);
}
