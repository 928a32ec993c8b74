/**
 * `tessera demo`: a License Server with demo licenses and sample clients in one process.
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
  clients: boolean;
  logLevel: LogLevel;
}

export function registerDemoCommand(program: Command): void {
  const demo = program
    .command('demo')
    .description('run a License Server with demo licenses and sample clients, all in one process')
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
    .option('--no-clients', 'do not run the sample clients')
    .addOption(new Option('--log-level <level>', 'server log detail on stderr').choices(LOG_LEVELS).default('error'));
  demo.addHelpText(
    'after',
    '\nThe demo makes a vendor key, starts a License Server that trusts it, makes its Server ID file,\n' +
      'issues and installs two perpetual licenses (asr=10 tts=4 with maintenance a year ahead; an old\n' +
      'contract asr=2 whose maintenance ended years ago), and runs sample clients that check seats out,\n' +
      'hold them and release them. It stops on Ctrl-C / SIGTERM; its files stay in the data directory.\n',
  );
  examples(demo, [
    '$ tessera demo',
    '$ npm start                       # the same, from the repository root',
    '$ tessera demo --data ./demo-data --client-port 0 --admin-port 0',
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
      clients: flags.clients,
      logLevel: flags.logLevel,
      print,
    });
    const conf = running.clientConfig
      .trimEnd()
      .split('\n')
      .map((l) => `      ${l}`);
    print(
      [
        '',
        'Tessera demo is running.',
        `  data         ${running.dir}  (vendor key, server data dir, info.bts, license files)`,
        `  admin API    ${running.adminUrl}  (open it in a browser for the Dashboard)`,
        `    user       admin`,
        running.password !== undefined
          ? `    password   ${running.password}  (from ${running.passwordFile}; shown because this is a demo)`
          : `    password   (changed already; ${running.passwordFile} is gone)`,
        `  client API   ${running.clientUrl}`,
        `  server id    ${running.serverId}`,
        `  client_property.conf for your own app (written to ${running.clientConfigFile}):`,
        ...conf,
        '  try',
        `    curl ${running.clientUrl}/v1/features`,
        `    ${selfCommand()} license list --data ${running.serverDir}`,
        `  stop with Ctrl-C (or kill ${process.pid}); the files stay in ${running.dir}`,
        '',
      ].join('\n'),
    );
    const signal = await stopSignal;
    note(`tessera: ${signal}: stopping the sample clients, then the server`);
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
