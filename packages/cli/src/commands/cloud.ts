/**
 * `tessera cloud start`: one node of the vendor Cloud (portal, vendor API, licensing node).
 */
import { join } from 'node:path';
import type { CloudOptions } from '@tessera/cloud';
import { PRODUCT_VERSION } from '@tessera/core';
import { type Command, Option } from 'commander';
import { createServerLogger, LOG_LEVELS, type LogLevel } from '../logger.js';
import { CliError, note, UsageError } from '../output.js';
import { untilStopSignal } from '../signals.js';
import { examples, integer } from './common.js';

interface StartFlags {
  data: string;
  listen: string;
  db?: string;
  signingKey?: string;
  syncInterval?: number;
  grace?: number;
  leaseSeconds?: number;
  heartbeatSeconds?: number;
  publicUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  logLevel: LogLevel;
}

export function registerCloudCommands(program: Command): void {
  const cloud = program
    .command('cloud')
    .description('the vendor Cloud: licensing portal, vendor API and subscription licensing nodes')
    .helpCommand(false);
  examples(cloud, ['$ tessera cloud start --data /var/lib/tessera-cloud']);

  const start = cloud
    .command('start')
    .description('run a Cloud node on a data directory until SIGINT/SIGTERM')
    .requiredOption('--data <dir>', 'data directory (made on first start: vendor key, admin credentials, database)')
    .option(
      '--listen <host:port>',
      'address of the portal, vendor API and client protocol (port 0: any free port)',
      '127.0.0.1:8600',
    )
    .option(
      '--db <location>',
      'sqlite:PATH (default DIR/cloud.db, one node) or postgres://user@host:port/db[?schema=NAME] (several nodes)',
    )
    .option(
      '--signing-key <file>',
      "import this vendor signing key (vendor.key from `vendor keygen`, or another node's)",
    )
    .option(
      '--sync-interval <seconds>',
      'how often flexible License Servers sync (1 day to 1 week; less for tests)',
      integer('--sync-interval', 1),
    )
    .option('--grace <seconds>', 'how long a flexible server keeps its licenses without a sync', integer('--grace', 0))
    .option(
      '--lease-seconds <n>',
      'a subscription lease lives this long past its last heartbeat (default 120)',
      integer('--lease-seconds', 1),
    )
    .option(
      '--heartbeat-seconds <n>',
      'subscription clients heartbeat this often (default 30)',
      integer('--heartbeat-seconds', 1),
    )
    .option('--public-url <url>', 'the URL clients reach this node at (written into client_property.conf)')
    .option('--tls-cert <file>', 'TLS certificate (PEM); required to listen off loopback')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .addOption(new Option('--log-level <level>', 'log detail on stderr').choices(LOG_LEVELS).default('info'));
  start.addHelpText(
    'after',
    '\nThe first start makes the vendor signing key (DIR/vendor.key; DIR/vendor.pub is what License\n' +
      'Servers trust), user admin with DIR/initial-admin-password (to be changed at first sign-in in the\n' +
      'portal) and DIR/admin.token, the token `tessera vendor ... --data DIR` uses. The URL, pid and an\n' +
      'instance nonce are written to DIR/cloud.json. Several nodes share one PostgreSQL database: give\n' +
      'each its own data dir, the same --db and the same --signing-key.\n',
  );
  examples(start, [
    '$ tessera cloud start --data /var/lib/tessera-cloud',
    '$ tessera cloud start --data ./cloud --listen 127.0.0.1:0 --log-level warn',
    '',
    '# two nodes on one PostgreSQL database, one vendor key',
    '$ tessera vendor keygen --out ./keys',
    '$ tessera cloud start --data ./node1 --listen 127.0.0.1:8601 --db postgres://tessera@db:5432/tessera --signing-key ./keys/vendor.key',
    '$ tessera cloud start --data ./node2 --listen 127.0.0.1:8602 --db postgres://tessera@db:5432/tessera --signing-key ./keys/vendor.key',
  ]);
  start.action(async (flags: StartFlags) => {
    const options = startOptions(flags);
    // Listening from the start: a signal during startup stops the node once it is up.
    const stopSignal = untilStopSignal();
    const { startCloud, CLOUD_FILES } = await import('@tessera/cloud');
    const running = await startCloud(options).catch((err: NodeJS.ErrnoException & { port?: number }) => {
      if (err.code !== 'EADDRINUSE') throw err;
      throw new CliError(
        `port ${err.port ?? '?'} is in use by another process; pick another with --listen (port 0 takes any free one)`,
      );
    });
    const dir = running.dataDir;
    const lines = [
      `Tessera Cloud ${PRODUCT_VERSION} is running (node ${running.nodeId}, ${running.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
      `  URL          ${running.url}  (portal in a browser; vendor API; licensing node)`,
      `  vendor key   ${join(dir, CLOUD_FILES.vendorPub)}  (kid ${running.vendorKeyId}; License Servers trust it)`,
      `  CLI token    ${join(dir, CLOUD_FILES.adminToken)}  (tessera vendor ... --data ${dir})`,
      `  data         ${dir}`,
    ];
    if (running.initialPasswordWritten) {
      lines.push(
        `  first start: user admin, password in ${join(dir, CLOUD_FILES.initialPassword)} (to be changed at first sign-in)`,
      );
    }
    lines.push(`Stop with Ctrl-C or \`kill ${process.pid}\`.`);
    note(lines.join('\n'));
    const signal = await stopSignal;
    note(`tessera: ${signal}: stopping the Cloud node`);
    await running.stop();
    note('tessera: stopped');
  });
}

function startOptions(flags: StartFlags): CloudOptions {
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together');
  }
  if (flags.publicUrl !== undefined && !URL.canParse(flags.publicUrl)) {
    throw new UsageError(`--public-url must be a URL, got "${flags.publicUrl}"`);
  }
  if (flags.db !== undefined && !/^(sqlite:|postgres(ql)?:\/\/)/.test(flags.db)) {
    throw new UsageError(`--db must be sqlite:PATH or postgres://user@host:port/db, got "${flags.db}"`);
  }
  return {
    dataDir: flags.data,
    listen: flags.listen,
    ...(flags.db !== undefined && { db: flags.db }),
    ...(flags.signingKey !== undefined && { signingKeyFile: flags.signingKey }),
    ...(flags.syncInterval !== undefined && { syncIntervalSeconds: flags.syncInterval }),
    ...(flags.grace !== undefined && { graceSeconds: flags.grace }),
    ...(flags.leaseSeconds !== undefined && { leaseSeconds: flags.leaseSeconds }),
    ...(flags.heartbeatSeconds !== undefined && { heartbeatSeconds: flags.heartbeatSeconds }),
    ...(flags.publicUrl !== undefined && { publicUrl: flags.publicUrl }),
    ...(flags.tlsCert !== undefined &&
      flags.tlsKey !== undefined && { tls: { certFile: flags.tlsCert, keyFile: flags.tlsKey } }),
    logger: createServerLogger(flags.logLevel) as unknown as NonNullable<CloudOptions['logger']>,
  };
}
