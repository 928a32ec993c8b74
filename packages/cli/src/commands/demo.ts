/**
 * `tessera demo`: a Cloud, a License Server licensed through the Cloud's portal flow, and
 * sample clients of both, in one process.
 */
import { basename, relative } from 'node:path';
import { type Command, Option } from 'commander';
import { DEMO_DEFAULTS } from '../demo-defaults.js';
import { LOG_LEVELS, type LogLevel } from '../logger.js';
import { note } from '../output.js';
import { untilStopSignal } from '../signals.js';
import { examples, port } from './common.js';

interface DemoFlags {
  data?: string;
  clientPort: number;
  adminPort: number;
  cloudPort: number;
  flexibleClientPort: number;
  flexibleAdminPort: number;
  clients: boolean;
  verbose?: boolean;
  logLevel: LogLevel;
}

export function registerDemoCommand(program: Command): void {
  const demo = program
    .command('demo')
    .description('run a Cloud, a License Server licensed through it, and sample clients, all in one process')
    .option('--data <dir>', 'where the demo keeps its files (default: a new directory under the temp dir)')
    .option(
      '--client-port <n>',
      'client API port on 127.0.0.1 (a busy port falls back to any free one)',
      port,
      DEMO_DEFAULTS.clientPort,
    )
    .option(
      '--admin-port <n>',
      'admin API port on 127.0.0.1 (a busy port falls back to any free one)',
      port,
      DEMO_DEFAULTS.adminPort,
    )
    .option(
      '--cloud-port <n>',
      'Cloud port (portal, vendor API, subscription seats) on 127.0.0.1 (a busy port falls back to any free one)',
      port,
      DEMO_DEFAULTS.cloudPort,
    )
    .option(
      '--flexible-client-port <n>',
      "the flexible License Server's client API port on 127.0.0.1 (a busy port falls back to any free one)",
      port,
      DEMO_DEFAULTS.flexibleClientPort,
    )
    .option(
      '--flexible-admin-port <n>',
      "the flexible License Server's admin API (Dashboard) port on 127.0.0.1 (a busy port falls back)",
      port,
      DEMO_DEFAULTS.flexibleAdminPort,
    )
    .option('--no-clients', 'do not run the sample clients')
    .option('--verbose', "print every sample client's event (default: a summary line every 5 s)")
    .addOption(new Option('--log-level <level>', 'server log detail on stderr').choices(LOG_LEVELS).default('error'));
  demo.addHelpText(
    'after',
    '\nThe demo starts a Cloud (SQLite, in DIR/cloud; it makes the vendor key) and a License Server that\n' +
      "trusts the Cloud's vendor.pub. Through the Cloud's vendor API, as `tessera vendor ...` does, it adds\n" +
      'a customer with perpetual entitlements (asr=10 tts=4 with maintenance a year ahead; an old contract\n' +
      "asr=2 whose maintenance ended years ago) and a subscription (asr=4), registers the server's Server\n" +
      'ID file, deploys two license files and installs them on the server, and makes a subscription\n' +
      'account. A second License Server, in flexible mode (DIR/flexible-server), enrolls with the Cloud by a\n' +
      'one-time code, is allocated tts=3 of a flexible entitlement of 6 and syncs: its Dashboard shows\n' +
      'Resync Info and the last sync. Sample clients check seats out of the License Server and of the Cloud, hold them and\n' +
      'release them. It stops on Ctrl-C / SIGTERM; its files stay in the data directory.\n',
  );
  examples(demo, [
    '$ tessera demo',
    '$ npm start                       # the same, from the repository root',
    '$ tessera demo --data ./demo-data --client-port 0 --admin-port 0 --cloud-port 0 --flexible-client-port 0 --flexible-admin-port 0',
  ]);
  demo.action(async (flags: DemoFlags) => {
    const print = (line: string) => process.stdout.write(`${line}\n`);
    const stopSignal = untilStopSignal();
    print('Starting the Tessera demo...');
    const { startDemo } = await import('../demo.js');
    const running = await startDemo({
      dataDir: flags.data,
      clientPort: flags.clientPort,
      adminPort: flags.adminPort,
      cloudPort: flags.cloudPort,
      flexibleClientPort: flags.flexibleClientPort,
      flexibleAdminPort: flags.flexibleAdminPort,
      clients: flags.clients,
      verbose: !!flags.verbose,
      logLevel: flags.logLevel,
      print,
    });
    const indent = (text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((l) => `      ${l}`);
    const self = selfCommand();
    print(
      [
        '',
        'Tessera demo is running.',
        `  data         ${running.dir}  (Cloud and server data dirs, info.bts, license files)`,
        `  Dashboard    ${running.adminUrl}  (open it in a browser; the admin API is there too)`,
        `    user       admin`,
        running.password !== undefined
          ? `    password   ${running.password}  (from ${running.passwordFile}; shown because this is a demo)`
          : `    password   (changed already; ${running.passwordFile} is gone)`,
        `  client API   ${running.clientUrl}`,
        `  server id    ${running.serverId}`,
        `  portal       ${running.portalUrl}  (the vendor Cloud's web portal; its vendor API and subscription seats too)`,
        `    user       admin`,
        running.portalPassword !== undefined
          ? `    password   ${running.portalPassword}  (from ${running.portalPasswordFile}; shown because this is a demo)`
          : `    password   (changed already; ${running.portalPasswordFile} is gone)`,
        `  customer     ${running.customerId}  (its licenses came through the portal flow)`,
        `  flexible     ${running.flexible.adminUrl}  (Dashboard of a flexible License Server synced with the Cloud)`,
        `    user       admin`,
        running.flexible.password !== undefined
          ? `    password   ${running.flexible.password}  (from ${running.flexible.passwordFile}; shown because this is a demo)`
          : `    password   (changed already; ${running.flexible.passwordFile} is gone)`,
        `  client_property.conf for your own app on the License Server (written to ${running.clientConfigFile}):`,
        ...indent(running.clientConfig),
        `  client_property.conf of subscription account ${running.accountId} (written to ${running.subscriptionConfigFile}):`,
        ...indent(running.subscriptionConfig),
        '  try',
        `    curl ${running.clientUrl}/v1/features`,
        `    ${self} license list --data ${running.serverDir}`,
        `    ${self} vendor customer show ${running.customerId} --data ${running.cloudDir}`,
        `  stop with Ctrl-C (or kill ${process.pid}); the files stay in ${running.dir}`,
        '',
      ].join('\n'),
    );
    const signal = await stopSignal;
    note(`tessera: ${signal}: stopping the sample clients, then the server and the Cloud`);
    await running.stop();
    print(`demo stopped; its files are in ${running.dir}`);
  });
}

/** How to run this CLI again from the current directory: `tessera`, or `node <path>`. */
function selfCommand(): string {
  const script = process.argv[1];
  if (!script || basename(script) === 'tessera') return 'tessera';
  const rel = relative(process.cwd(), script);
  return `node ${rel.startsWith('..') ? script : rel}`;
}
