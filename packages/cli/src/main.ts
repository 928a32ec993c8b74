/**
 * The `tessera` program: its commands, and how a run ends (exit codes of docs/cli.md).
 */

import { PRODUCT_VERSION } from '@tessera/core';
import { Command, CommanderError } from 'commander';
import { registerCloudCommands } from './commands/cloud.js';
import { examples } from './commands/common.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerFlexibleCommands } from './commands/flexible.js';
import { registerLeaseCommands } from './commands/lease.js';
import { registerLicenseCommands } from './commands/license.js';
import { registerSeatCommands } from './commands/seats.js';
import { registerServerCommands } from './commands/server.js';
import { registerUsageCommand } from './commands/usage.js';
import { registerUserCommands } from './commands/user.js';
import { registerVendorCommands } from './commands/vendor/index.js';
import { describeFailure, EXIT, ExitStatus, jsonFailure, oneLine, wantsJson } from './output.js';

/** Every command of the CLI, ready to parse. */
export function buildProgram(): Command {
  const program = new Command('tessera')
    .description('Tessera, a software license manager: License Server, license files, vendor tools, vendor Cloud')
    .version(`tessera ${PRODUCT_VERSION}`, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .exitOverride()
    .showSuggestionAfterError()
    // Options after a subcommand are the subcommand's: `lease run` passes those after its command on.
    .enablePositionalOptions();
  registerServerCommands(program);
  registerLicenseCommands(program);
  registerUserCommands(program);
  registerFlexibleCommands(program);
  registerConfigCommands(program);
  registerVendorCommands(program);
  registerCloudCommands(program);
  registerLeaseCommands(program);
  registerSeatCommands(program);
  registerUsageCommand(program);
  registerDemoCommand(program);
  examples(program, [
    '$ tessera demo                                   # everything at once, on embedded defaults',
    '$ tessera server start --data /var/lib/tessera',
    '$ tessera server-id --data /var/lib/tessera --out info.bts',
    '$ tessera license install acme.lic --data /var/lib/tessera',
    '$ tessera license list --data /var/lib/tessera',
    '$ tessera cloud start --data /var/lib/tessera-cloud',
    '$ tessera vendor customer add "Acme Speech Ltd" --data /var/lib/tessera-cloud',
    '$ tessera lease run --feature asr -- ./transcribe.sh input.wav   # a seat while a command runs',
    '$ tessera license --help                         # help of a group of commands',
  ]);
  program.addHelpText(
    'after',
    '\nExit codes: 0 success, 1 refused or failed (one line on stderr), 2 wrong usage\n' +
      "(`lease run`: the command's own status, or 3 when the seat is refused).\n" +
      'Admin commands take --data DIR: they use the server running on DIR, or open DIR themselves when\n' +
      'none runs; --server URL --token T reaches a server elsewhere. Vendor commands on a Cloud take\n' +
      '--data DIR of a running Cloud node, or --cloud URL --token T. See docs/cli.md.\n',
  );
  forEachCommand(program, (cmd) => {
    const name = fullName(cmd);
    cmd.configureOutput({
      // A usage error is one line too, with where to find the usage.
      outputError: (message, write) =>
        write(`tessera: ${oneLine(message.replace(/^error: /, ''))} (see \`${name} --help\`)\n`),
    });
  });
  return program;
}

/** Runs the CLI on `argv` (as `process.argv`) and returns the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv]);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ExitStatus) return err.exitCode;
    const json = wantsJson(argv);
    if (err instanceof CommanderError) {
      // Commander has printed help, the version, or the usage error (through outputError).
      if (err.exitCode === 0) return EXIT.ok;
      if (json) process.stdout.write(jsonFailure(describeFailure(err)));
      return EXIT.usage;
    }
    const failure = describeFailure(err);
    process.stderr.write(`${failure.line}\n`);
    if (json) process.stdout.write(jsonFailure(failure));
    return failure.exitCode;
  }
}

function forEachCommand(cmd: Command, fn: (cmd: Command) => void): void {
  fn(cmd);
  for (const sub of cmd.commands) forEachCommand(sub, fn);
}

function fullName(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
