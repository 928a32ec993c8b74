/**
 * `tessera server status`, `tessera server stop` and `tessera server-key`: what an operator asks of
 * a License Server process without opening the Dashboard.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { publicKeyToPem, verifyServerId } from '@tessera/core';
import type { Command } from 'commander';
import { adminUrlOf, HttpAdminTarget, LICENSE_SERVER, type ServerInfo, withAdminTarget } from '../admin-target.js';
import { PUBLIC_FILE_MODE, writeNewFile } from '../files.js';
import { CliError, EXIT, ExitStatus, Output, UsageError } from '../output.js';
import { existingDataDir, findRunningProcess, type ProcessProbe, remoteTokenOf } from '../running-process.js';
import { examples, integer, jsonOption, type TargetFlags, targetOf, targetOptions } from './common.js';

/** What `server status` prints with `--json`; `id` is the server id, or the data dir when none answers. */
interface ServerStatus {
  id: string;
  running: boolean;
  /** Why no server answers (only when `running` is false). */
  reason?: string;
  pid?: number;
  /** When the process started (from DIR/server.json). */
  startedAt?: string;
  info?: ServerInfo;
}

export function registerServerProcessCommands(program: Command, server: Command): void {
  const status = server
    .command('status')
    .description('is a License Server running on DIR (or at --server)? its id, mode, addresses and leases')
    .option('--data <dir>', 'the License Server data directory')
    .option('--server <url>', 'the admin API of a License Server elsewhere, e.g. http://10.0.0.5:7570')
    .option('--token <token>', 'admin token for --server (DIR/admin.token on that machine)')
    .option('--token-file <file>', 'read the admin token for --server from a file');
  jsonOption(status);
  status.addHelpText('after', '\nExit status: 0 when a server answers, 1 when none does (the reason is printed).\n');
  examples(status, ['$ tessera server status --data /var/lib/tessera', '$ tessera server status --data ./srv --json']);
  status.action(async (flags: TargetFlags & { json?: boolean }) => {
    const result = await statusOf(flags);
    new Output(!!flags.json).result(result, humanStatus);
    if (!result.running) throw new ExitStatus(EXIT.failed);
  });

  const stop = server
    .command('stop')
    .description('stop the License Server running on DIR (SIGTERM: leases are kept for its next start)')
    .requiredOption('--data <dir>', 'the License Server data directory')
    .option('--timeout <seconds>', 'how long to wait for it to exit (default 30)', integer('--timeout', 1, 3600), 30);
  jsonOption(stop);
  examples(stop, ['$ tessera server stop --data /var/lib/tessera']);
  stop.action(async (flags: { data: string; timeout: number; json?: boolean }) => {
    const dataDir = existingDataDir(flags.data, 'a typo?');
    const probe = await findRunningProcess(dataDir, LICENSE_SERVER);
    if (probe.state !== 'running') {
      throw new CliError(`no License Server is running on ${dataDir}: ${notRunningReason(probe)}`);
    }
    const runtime = runtimeOf(dataDir);
    process.kill(runtime.pid, 'SIGTERM');
    await untilGone(runtime.pid, flags.timeout * 1000);
    new Output(!!flags.json).result({ id: runtime.serverId, pid: runtime.pid, stopped: true }, (d) => [
      `License Server ${d.id} (pid ${d.pid}) stopped; its leases are kept for its next start`,
    ]);
  });

  const key = program
    .command('server-key')
    .description("the License Server's public key (PEM), to check what it signs: uninstall certificates, reports")
    .option('--jwk', 'print the key as a JWK instead of PEM')
    .option('--out <file>', 'write the key to a file instead of stdout')
    .option('--force', 'overwrite --out if it exists');
  targetOptions(key);
  jsonOption(key);
  key.addHelpText(
    'after',
    '\nThe key is the one in the Server ID file (info.bts), checked against its signature first.\n' +
      'openssl checks a server-signed document with the PEM: see docs/cli.md.\n',
  );
  examples(key, [
    '$ tessera server-key --data /var/lib/tessera --out server.pub',
    '$ tessera server-key --data /var/lib/tessera --jwk',
  ]);
  key.action(async (flags: TargetFlags & { jwk?: boolean; out?: string; force?: boolean; json?: boolean }) => {
    const file = await withAdminTarget(targetOf(flags, 'server-key'), (t) => t.serverIdFile());
    const { claims, publicKey } = await verifyServerId(file);
    const pem = publicKeyToPem(publicKey);
    const text = flags.jwk ? `${JSON.stringify(claims.publicKeyJwk)}\n` : pem;
    if (flags.out !== undefined) {
      writeNewFile(flags.out, text, PUBLIC_FILE_MODE, 'server public key', {
        overwrite: !!flags.force,
        forceFlag: '--force',
      });
    }
    const result = {
      id: claims.serverId,
      pem,
      jwk: claims.publicKeyJwk,
      ...(flags.out !== undefined && { file: resolve(flags.out) }),
    };
    new Output(!!flags.json).result(result, (d) =>
      flags.out !== undefined
        ? `public key of ${d.id} written to ${flags.out} (${flags.jwk ? 'JWK' : 'PEM'})`
        : text.trimEnd(),
    );
  });
}

async function statusOf(flags: TargetFlags): Promise<ServerStatus> {
  if (flags.server !== undefined) {
    const token = remoteTokenOf(flags, '--server URL', 'the admin token: DIR/admin.token on the server machine');
    const info = await new HttpAdminTarget(adminUrlOf(flags.server), token).serverInfo();
    return { id: info.serverId, running: true, info };
  }
  if (flags.token !== undefined || flags.tokenFile !== undefined)
    throw new UsageError('--token and --token-file go with --server URL');
  if (flags.data === undefined) throw new UsageError('give --data DIR, or --server URL --token T');
  const dataDir = existingDataDir(flags.data, 'a typo? `tessera server start --data DIR` creates one');
  const probe = await findRunningProcess(dataDir, LICENSE_SERVER);
  if (probe.state !== 'running') return { id: dataDir, running: false, reason: notRunningReason(probe) };
  const info = await new HttpAdminTarget(probe.url, probe.token, dataDir).serverInfo();
  const runtime = runtimeOf(dataDir);
  return {
    id: info.serverId,
    running: true,
    pid: runtime.pid,
    ...(runtime.startedAt !== undefined && { startedAt: runtime.startedAt }),
    info,
  };
}

function humanStatus(s: ServerStatus): string[] {
  if (!s.running || s.info === undefined) return [`No License Server is running on ${s.id}: ${s.reason}`];
  const i = s.info;
  return [
    `License Server ${i.serverId} is running${s.pid !== undefined ? ` (pid ${s.pid})` : ''}`,
    `  version      ${i.version}, ${i.mode} mode`,
    `  client API   ${i.clientUrl}`,
    `  admin API    ${i.adminUrl}`,
    `  leases held  ${i.leasesHeld}`,
    ...(s.startedAt !== undefined
      ? [`  started      ${new Date(s.startedAt).toLocaleString(undefined, { timeZoneName: 'short' })}`]
      : []),
    ...(i.clockTampered ? ['  clock        set back: time-limited features are refused (CLOCK_TAMPERED)'] : []),
    ...(i.modeChangedFrom
      ? [
          `  mode changed ${i.modeChangedFrom} when it last ran, ${i.mode} now (from ${i.modeSource ?? 'the default'}): ` +
            'if that is not meant, set `mode` in server.conf or on the Settings page',
        ]
      : []),
  ];
}

function notRunningReason(probe: Exclude<ProcessProbe, { state: 'running' }>): string {
  switch (probe.state) {
    case 'none':
      return `no ${LICENSE_SERVER.runtimeFile} (never started here, or stopped cleanly)`;
    case 'unreadable':
      return `${LICENSE_SERVER.runtimeFile} is not readable`;
    case 'silent':
      return `its admin API at ${probe.url} does not answer (${probe.status !== undefined ? `HTTP ${probe.status}` : probe.reason})`;
    case 'other-instance':
      return `${probe.url} is another server instance than ${LICENSE_SERVER.runtimeFile} names`;
  }
}

function runtimeOf(dataDir: string): { pid: number; serverId: string; startedAt?: string } {
  const info = JSON.parse(readFileSync(join(dataDir, LICENSE_SERVER.runtimeFile), 'utf8')) as {
    pid?: unknown;
    serverId?: unknown;
    startedAt?: unknown;
  };
  if (typeof info.pid !== 'number' || typeof info.serverId !== 'string') {
    throw new CliError(`${join(dataDir, LICENSE_SERVER.runtimeFile)} names no pid`);
  }
  return {
    pid: info.pid,
    serverId: info.serverId,
    ...(typeof info.startedAt === 'string' && { startedAt: info.startedAt }),
  };
}

/** Waits until `pid` has exited; refuses after `timeoutMs`. */
async function untilGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      throw new CliError(
        `the License Server (pid ${pid}) did not exit within ${timeoutMs / 1000} s; it may still be stopping`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
