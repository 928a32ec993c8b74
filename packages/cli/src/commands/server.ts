/**
 * `tessera server start` (the License Server) and `tessera server-id` (Make Server ID File).
 */
import { join, resolve } from 'node:path';
import { LEASE_POLICY, PRODUCT_VERSION, verifyServerId } from '@tessera/core';
import type { LicenseServerOptions } from '@tessera/server';
import { type Command, Option } from 'commander';
import { withAdminTarget } from '../admin-target.js';
import { PUBLIC_FILE_MODE, writeNewFile } from '../files.js';
import { createServerLogger, LOG_LEVELS, type LogLevel } from '../logger.js';
import { CliError, note, Output, UsageError } from '../output.js';
import { untilStopSignal } from '../signals.js';
import { collect, examples, integer, jsonOption, type TargetFlags, targetOf, targetOptions } from './common.js';
import { registerServerProcessCommands } from './server-process.js';

/** The License Server's modes (docs/licensing.md). */
const MODES = ['perpetual', 'flexible', 'als', 'pls'] as const;
type Mode = (typeof MODES)[number];

/** Flags of `server start`; each but --data and --vendor-key overrides a key of DIR/server.conf. */
interface StartFlags {
  data: string;
  clientListen?: string;
  adminListen?: string;
  vendorKey?: string[];
  mode?: string;
  cloud?: string;
  cloudHttps?: string;
  cloudCaFile?: string;
  enroll?: string;
  portalUrl?: string;
  syncTime?: string;
  leaseSeconds?: number;
  heartbeatSeconds?: number;
  adminTlsCert?: string;
  adminTlsKey?: string;
  logLevel?: LogLevel;
}

export function registerServerCommands(program: Command): void {
  const server = program.command('server').description('the License Server').helpCommand(false);
  examples(server, [
    '$ tessera server start --data /var/lib/tessera',
    '$ tessera server status --data /var/lib/tessera',
    '$ tessera server stop --data /var/lib/tessera',
  ]);

  const start = server
    .command('start')
    .description('run the License Server on a data directory until SIGINT/SIGTERM')
    .requiredOption('--data <dir>', 'data directory (made on first start: server key, database, admin credentials)')
    .option('--client-listen <host:port>', 'client API address (port 0: any free port; default 0.0.0.0:7569)')
    .option('--admin-listen <host:port>', 'admin API address; off loopback it needs TLS (default 127.0.0.1:7570)')
    .option('--vendor-key <file>', 'also trust this vendor public key (development and tests; repeatable)', collect)
    .addOption(new Option('--mode <mode>', `licensing mode (${MODES.join(', ')}; default perpetual)`))
    .option('--cloud <urls>', 'Cloud nodes, `;`-separated URLs or host:port, tried in order (modes flexible and pls)')
    .addOption(
      new Option('--cloud-https <yes|no>', 'bare host:port Cloud nodes over HTTPS (default yes)').choices([
        'yes',
        'no',
      ]),
    )
    .option('--cloud-ca-file <file>', "PEM CA certificate(s) of the Cloud's TLS, beside the system's")
    .option('--enroll <code>', 'one-time enrollment code from the portal (modes flexible, als, pls)')
    .option('--portal-url <url>', 'the vendor portal ("Go To Website" in the Dashboard)')
    .option('--sync-time <HH:MM>', 'preferred local time of the scheduled sync, or none (default none)')
    .option(
      '--lease-seconds <n>',
      `a lease lives this long past its last heartbeat (default ${LEASE_POLICY.defaultLeaseSeconds})`,
      integer('--lease-seconds', 1),
    )
    .option(
      '--heartbeat-seconds <n>',
      `clients heartbeat this often (default ${LEASE_POLICY.defaultHeartbeatSeconds})`,
      integer('--heartbeat-seconds', 1),
    )
    .option('--admin-tls-cert <file>', 'TLS certificate (PEM) of the admin API')
    .option('--admin-tls-key <file>', 'TLS private key (PEM) of the admin API')
    .addOption(new Option('--log-level <level>', 'log detail on stderr (default info)').choices(LOG_LEVELS));
  start.addHelpText(
    'after',
    '\nSettings live in DIR/server.conf (written with every key commented out at the first start;\n' +
      "edit it, the Dashboard's Settings page, or `tessera config set`); a flag given here wins over the\n" +
      'file. The bound addresses, pid and an instance nonce are written to DIR/server.json; admin\n' +
      'commands with --data DIR use them. The first start writes DIR/initial-admin-password (user\n' +
      'admin) and DIR/admin.token (for the CLI).\n',
  );
  examples(start, [
    '$ tessera server start --data /var/lib/tessera',
    '$ tessera server start --data ./srv --client-listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --vendor-key vendor.pub',
    '$ tessera server start --data ./srv --admin-listen 10.0.0.5:7570 --admin-tls-cert admin.crt --admin-tls-key admin.key',
  ]);
  start.action(async (flags: StartFlags) => {
    const options = startOptions(flags);
    // Listening from the start: a signal during startup stops the server once it is up.
    const stopSignal = untilStopSignal();
    const { startLicenseServer, DATA_FILES } = await import('@tessera/server');
    const running = await startLicenseServer(options).catch((err: NodeJS.ErrnoException & { port?: number }) => {
      if (err.code !== 'EADDRINUSE') throw err;
      throw new CliError(
        `port ${err.port ?? '?'} is in use by another process; pick another with --client-listen or --admin-listen` +
          ' (port 0 takes any free one)',
      );
    });
    const dataDir = running.core.dataDir;
    const lines = [
      `Tessera License Server ${PRODUCT_VERSION} (${running.core.settings.settings.mode} mode) is running`,
      `  server id   ${running.core.identity.serverId}`,
      `  client API  ${running.clientUrl}${listenNote(flags.clientListen, running.clientUrl)}`,
      `  admin API   ${running.adminUrl}  (Dashboard in a browser; CLI token in ${join(dataDir, DATA_FILES.adminToken)})`,
      `  data        ${dataDir}  (settings in ${running.core.settings.path})`,
    ];
    if (running.core.initialPasswordWritten) {
      lines.push(
        `  first start: user admin, password in ${join(dataDir, DATA_FILES.initialPassword)} (to be changed at first sign-in)`,
      );
    }
    lines.push(`Stop with Ctrl-C or \`kill ${process.pid}\`.`);
    note(lines.join('\n'));
    const signal = await stopSignal;
    note(`tessera: ${signal}: stopping the License Server`);
    await running.stop();
    note('tessera: stopped');
  });

  registerServerProcessCommands(program, server);
  registerServerIdCommand(program);
}

/** `tessera server-id`: Make Server ID File. */
function registerServerIdCommand(program: Command): void {
  const serverId = program
    .command('server-id')
    .description('Make Server ID File: info.bts, signed by the server, to send to the vendor')
    .requiredOption('--out <file>', 'where to write the Server ID file (e.g. info.bts)')
    .option('--force', 'overwrite --out if it exists');
  targetOptions(serverId);
  jsonOption(serverId);
  examples(serverId, [
    '$ tessera server-id --data /var/lib/tessera --out info.bts',
    '$ tessera server-id --server http://10.0.0.5:7570 --token-file admin.token --out info.bts --json',
  ]);
  serverId.action(async (flags: TargetFlags & { out: string; force?: boolean; json?: boolean }) => {
    const file = await withAdminTarget(targetOf(flags, 'server-id'), (t) => t.serverIdFile());
    const { claims } = await verifyServerId(file);
    writeNewFile(flags.out, file, PUBLIC_FILE_MODE, 'Server ID file', {
      overwrite: !!flags.force,
      forceFlag: '--force',
    });
    new Output(!!flags.json).result(
      {
        id: claims.serverId,
        file: resolve(flags.out),
        hostName: claims.hostName,
        productVersion: claims.productVersion,
        createdAt: claims.createdAt,
        factors: Object.keys(claims.factors),
      },
      (d) => [
        `Server ID file of ${d.id} (host ${d.hostName}) written to ${flags.out}`,
        `  hardware factors: ${d.factors.join(', ') || 'none'}`,
        'Send it to your vendor; the license file you get back installs with `tessera license install`.',
      ],
    );
  });
}

/**
 * The flags as server options. Each value is checked by the server's settings, which name the
 * flag; what is checked here is only how flags go together on one command line.
 */
function startOptions(flags: StartFlags): LicenseServerOptions {
  if (flags.mode !== undefined && !(MODES as readonly string[]).includes(flags.mode)) {
    throw new UsageError(`--mode must be one of ${MODES.join(', ')}; got "${flags.mode}"`);
  }
  const mode = flags.mode as Mode | undefined;
  const cloudUrls = (flags.cloud ?? '')
    .split(';')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (flags.cloud !== undefined && cloudUrls.length === 0) throw new UsageError('--cloud names no node');
  if (mode !== undefined && mode !== 'flexible' && mode !== 'pls' && flags.cloud !== undefined) {
    throw new UsageError(
      `--cloud is for modes flexible and pls${mode === 'als' ? '; an ALS has no Cloud access (it exchanges Report and Sync files through a PLS)' : ''}`,
    );
  }
  if (mode === 'perpetual' && flags.enroll !== undefined) {
    throw new UsageError('--enroll is for modes flexible, als and pls');
  }
  if ((flags.adminTlsCert === undefined) !== (flags.adminTlsKey === undefined)) {
    throw new UsageError('--admin-tls-cert and --admin-tls-key go together');
  }
  return {
    dataDir: flags.data,
    vendorKeyFiles: flags.vendorKey ?? [],
    ...(flags.clientListen !== undefined && { clientListen: flags.clientListen }),
    ...(flags.adminListen !== undefined && { adminListen: flags.adminListen }),
    ...(mode !== undefined && { mode }),
    ...(cloudUrls.length > 0 && { cloudUrls }),
    ...(flags.cloudHttps !== undefined && { cloudHttps: flags.cloudHttps === 'yes' }),
    ...(flags.cloudCaFile !== undefined && { cloudCaFile: flags.cloudCaFile }),
    ...(flags.enroll !== undefined && { enrollCode: flags.enroll }),
    ...(flags.portalUrl !== undefined && { portalUrl: flags.portalUrl }),
    ...(flags.syncTime !== undefined && { syncTime: flags.syncTime }),
    ...(flags.leaseSeconds !== undefined && { leaseSeconds: flags.leaseSeconds }),
    ...(flags.heartbeatSeconds !== undefined && { heartbeatSeconds: flags.heartbeatSeconds }),
    ...(flags.adminTlsCert !== undefined &&
      flags.adminTlsKey !== undefined && { adminTls: { certFile: flags.adminTlsCert, keyFile: flags.adminTlsKey } }),
    ...(flags.logLevel !== undefined && { logLevel: flags.logLevel }),
    logger: createServerLogger(flags.logLevel ?? 'info'),
    lockHolder: 'tessera server',
  };
}

/** "(listening on all interfaces)" when the client URL shows loopback for a wildcard address. */
function listenNote(listen: string | undefined, url: string): string {
  if (listen?.startsWith('0.0.0.0:') || listen?.startsWith('[::]:')) {
    return `  (listening on all interfaces, port ${new URL(url).port})`;
  }
  return '';
}
