/**
 * `tessera lease run`: holds a seat while a command runs, for programs that link no SDK (shell
 * scripts, batch jobs, tools in any language). The seat is checked out through the Node SDK
 * with the rules of `client_property.conf`, heartbeaten while the command runs, and released
 * when it ends; tessera exits with the command's status.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { hostname, constants as osConstants } from 'node:os';
import { basename } from 'node:path';
import { ConfigError, type Lease, LicenseClient, loadClientProperties } from '@tessera/client';
import type { Command } from 'commander';
import { CliError, EXIT, ExitStatus, note, oneLine } from '../output.js';
import { examples, integer, isoDate } from './common.js';

/** Where the conf file is looked for when `--conf` is not given: the working directory. */
export const DEFAULT_CLIENT_CONF = 'client_property.conf';

/** Signals passed on to the command; the seat is released once the command has ended. */
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

/** Exit codes a shell gives a command it cannot run. */
const EXIT_NOT_EXECUTABLE = 126;
const EXIT_NOT_FOUND = 127;

interface LeaseRunFlags {
  feature: string;
  count: number;
  conf: string;
  app?: string;
  releaseDate?: string;
}

export function registerLeaseCommands(program: Command): void {
  const lease = program
    .command('lease')
    .description('hold license seats from a shell: for scripts and programs that link no SDK')
    .enablePositionalOptions()
    .helpCommand(false);
  examples(lease, ['$ tessera lease run --feature asr -- ./transcribe.sh input.wav']);

  const run = lease
    .command('run')
    .description('check out a seat, run a command while holding it, release it when the command ends')
    .argument('<command...>', 'the command and its arguments; options after the command are its own')
    .passThroughOptions()
    .requiredOption('--feature <name>', 'the feature to check out')
    .option('--count <n>', 'seats to hold, from one license', integer('--count', 1, 1_000_000), 1)
    .option('--conf <file>', 'the client_property.conf to use', DEFAULT_CLIENT_CONF)
    .option('--app <name>', "application name the server shows (default: the command's file name)")
    .option(
      '--release-date <date>',
      'release date checked against maintenance dates (YYYY-MM-DD; default today)',
      isoDate,
    );
  run.addHelpText(
    'after',
    '\nThe seat is checked out from the servers of the conf file (failover as the SDKs do it), heartbeaten\n' +
      "while the command runs, and released when it ends. stdin, stdout and stderr are the command's own.\n" +
      'SIGINT, SIGTERM and SIGHUP are passed on to the command; the seat is released once it has ended.\n' +
      "Exit status: the command's own, or 128+N when a signal N ended it; 3 when the seat was refused\n" +
      '(one line: tessera: CODE: message; the command is not run); 1 when the conf file is wrong;\n' +
      '126 / 127 when the command cannot be run; 2 for a wrong command line.\n',
  );
  examples(run, [
    '$ tessera lease run --feature asr -- ./transcribe.sh input.wav',
    '$ tessera lease run --feature asr --count 4 --conf /etc/acme/client_property.conf -- make -j4',
    '$ tessera lease run --feature render --app nightly-render -- sh -c "render scene1 && render scene2"',
  ]);
  run.action(async (command: string[], flags: LeaseRunFlags) => {
    throw new ExitStatus(await leaseRun(command, flags));
  });
}

/** Runs `command` while holding the seat; returns tessera's exit code. */
async function leaseRun(command: string[], flags: LeaseRunFlags): Promise<number> {
  const signals = new SignalRelay();
  try {
    let config: Awaited<ReturnType<typeof loadClientProperties>>;
    try {
      config = await loadClientProperties(flags.conf);
    } catch (err) {
      if (err instanceof ConfigError) throw new CliError(err.message);
      throw err;
    }
    for (const w of config.warnings) note(`tessera: warning: ${w}`);
    const client = new LicenseClient(config, {
      host: hostname(),
      app: flags.app ?? basename(command[0]!),
      ...(flags.releaseDate !== undefined && { releaseDate: flags.releaseDate }),
    });
    try {
      const result = await client.checkout(flags.feature, { count: flags.count });
      if (!result.ok) {
        note(`tessera: ${result.code}: ${oneLine(result.message)}`);
        return EXIT.denied;
      }
      reportLeaseEvents(result.lease, flags.feature);
      // A signal that came during the checkout: the command never starts.
      if (signals.received) {
        note(`tessera: ${signals.received} before the command started; the seat is released and the command not run`);
        return 128 + signalNumber(signals.received);
      }
      return await runHolding(command, signals);
    } finally {
      await client.close();
    }
  } finally {
    signals.stop();
  }
}

/** Runs the command with our stdio and waits for its end; the exit code tessera passes on. */
function runHolding(command: string[], signals: SignalRelay): Promise<number> {
  const [program, ...args] = command as [string, ...string[]];
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(program, args, { stdio: 'inherit' });
    } catch (err) {
      note(`tessera: cannot run ${program}: ${(err as Error).message}`);
      resolve(EXIT_NOT_EXECUTABLE);
      return;
    }
    signals.forwardTo(child);
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        note(`tessera: ${program}: command not found`);
        resolve(EXIT_NOT_FOUND);
      } else {
        note(`tessera: cannot run ${program}: ${err.message}`);
        resolve(EXIT_NOT_EXECUTABLE);
      }
    });
    child.once('exit', (code, signal) => {
      resolve(code ?? 128 + signalNumber(signal ?? 'SIGKILL'));
    });
  });
}

/** Tells the user, on stderr, when the seat went away or came back while the command runs. */
function reportLeaseEvents(lease: Lease, feature: string): void {
  lease.on('lost', (e) =>
    note(
      `tessera: the seat of ${feature} was lost (${e.reason}) and not regained: ${e.code}: ${oneLine(e.message)}; ` +
        'the command keeps running and tessera keeps trying',
    ),
  );
  lease.on('renewed', (e) =>
    note(`tessera: the seat of ${feature} was lost (${e.reason}) and taken again from ${e.server}`),
  );
}

function signalNumber(signal: NodeJS.Signals): number {
  return osConstants.signals[signal] ?? 0;
}

/**
 * Catches SIGINT, SIGTERM and SIGHUP from the start: before the command runs they are noted
 * (the checkout's seat is then released and the command never starts), while it runs they are
 * passed on to it, and tessera itself stays up to release the seat once the command has ended.
 */
class SignalRelay {
  received: ForwardedSignal | undefined;
  private child: ChildProcess | undefined;
  private readonly handlers = new Map<ForwardedSignal, () => void>();

  constructor() {
    for (const signal of FORWARDED_SIGNALS) {
      const handler = () => {
        this.received ??= signal;
        if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
      };
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  forwardTo(child: ChildProcess): void {
    this.child = child;
  }

  stop(): void {
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.handlers.clear();
  }
}
