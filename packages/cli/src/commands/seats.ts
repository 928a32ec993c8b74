/**
 * `tessera seats list|release`: who holds seats on a running License Server, and releasing a seat
 * by hand (what `lmstat -a` and `lmremove` are to FlexNet's operators).
 */
import type { Command } from 'commander';
import type { HeldLease } from '../admin-target.js';
import { Output } from '../output.js';
import { runningServer } from '../running-server.js';
import { collect, examples, jsonOption, type TargetFlags } from './common.js';

const TARGET_HELP =
  '\nThe server must be running: seats live in its lease engine. --data DIR or --server URL --token T.\n';

export function registerSeatCommands(program: Command): void {
  const seats = program.command('seats').description('seats held on a running License Server').helpCommand(false);
  examples(seats, [
    '$ tessera seats list --data /var/lib/tessera',
    '$ tessera seats release lea_... --data /var/lib/tessera',
  ]);

  const list = withTarget(seats.command('list'))
    .description('every lease held: feature, count, client, host, app, version, license, since')
    .option('--feature <name>', 'only this feature (repeatable)', collect);
  jsonOption(list);
  list.addHelpText('after', TARGET_HELP);
  examples(list, [
    '$ tessera seats list --data /var/lib/tessera --feature asr',
    '$ tessera seats list --data ./srv --json',
  ]);
  list.action(async (flags: TargetFlags & { feature?: string[]; json?: boolean }) => {
    const target = await runningServer(flags, 'seats');
    const info = await target.serverInfo();
    const features = flags.feature ?? [
      ...new Set((await target.list()).licenses.flatMap((l) => l.features.map((f) => f.name))),
    ];
    const leases = (await Promise.all(features.sort().map((f) => target.leases(f)))).flat();
    new Output(!!flags.json).result({ id: info.serverId, leases }, (d) => seatTable(d.leases));
  });

  const release = withTarget(seats.command('release'))
    .description('release seats by lease id; each client hears REVOKED_BY_ADMIN at its next heartbeat (audited)')
    .argument('<leaseId...>', 'lease ids, as `seats list` shows them');
  jsonOption(release);
  release.addHelpText('after', TARGET_HELP);
  examples(release, ['$ tessera seats release lea_01HZX... --data /var/lib/tessera']);
  release.action(async (leaseIds: string[], flags: TargetFlags & { json?: boolean }) => {
    const target = await runningServer(flags, 'seats');
    const released: string[] = [];
    // One at a time, in the order given: a lease that is not held stops the run and says which.
    for (const id of leaseIds) {
      await target.releaseLease(id);
      released.push(id);
    }
    new Output(!!flags.json).result({ id: released.join(','), released }, (d) =>
      d.released.map((id) => `released ${id}`),
    );
  });
}

function withTarget(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'the data directory of the running License Server')
    .option('--server <url>', 'the admin API of a License Server elsewhere, e.g. http://10.0.0.5:7570')
    .option('--token <token>', 'admin token for --server (DIR/admin.token on that machine)')
    .option('--token-file <file>', 'read the admin token for --server from a file');
}

function seatTable(leases: readonly HeldLease[]): string[] {
  if (leases.length === 0) return ['no seats are held'];
  const rows = [
    ['LEASE', 'FEATURE', 'COUNT', 'CLIENT', 'HOST', 'APP', 'VERSION', 'LICENSE', 'SINCE'],
    ...leases.map((l) => [
      l.leaseId,
      l.feature,
      String(l.count),
      l.clientId,
      l.host ?? '-',
      l.app ?? '-',
      l.version ?? '-',
      l.licenseId,
      new Date(l.since).toLocaleString(undefined, { timeZoneName: 'short' }),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const seatsHeld = leases.reduce((n, l) => n + l.count, 0);
  return [
    ...rows.map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    ),
    `${leases.length} lease(s), ${seatsHeld} seat(s)`,
  ];
}
