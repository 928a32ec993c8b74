/**
 * Pieces every command definition shares: the Examples section, value parsers that turn a bad
 * value into a usage error (exit 2), and the options that say where the License Server is.
 */

import { isIsoDate, parseFeatureSpec, TesseraError } from '@tessera/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { TargetOptions } from '../admin-target.js';
import { UsageError } from '../output.js';

/** Adds the "Examples:" section shown after a command's `--help`. */
export function examples(cmd: Command, lines: readonly string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => (l === '' ? '' : `  ${l}`)).join('\n')}\n`);
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** An integer in [min, max]. */
export function integer(what: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `${what} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}.`,
      );
    }
    return n;
  };
}

/** A TCP port, 0 meaning "any free port". */
export const port = integer('a port', 0, 65535);

/** A calendar date `YYYY-MM-DD`. */
export function isoDate(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError('a date is written YYYY-MM-DD (e.g. 2027-03-31).');
  return value;
}

/** Options of an admin command: `--data DIR`, or `--server URL --token T`, and `--vendor-key`. */
export interface TargetFlags {
  data?: string;
  server?: string;
  token?: string;
  tokenFile?: string;
  vendorKey?: string[];
}

/** Adds the options that say where the License Server is. */
export function targetOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'the License Server data directory (uses the running server, or opens DIR when none runs)')
    .option('--server <url>', 'the admin API of a License Server elsewhere, e.g. http://10.0.0.5:7570')
    .addOption(new Option('--token <token>', 'admin token for --server (DIR/admin.token on that machine)'))
    .option('--token-file <file>', 'read the admin token for --server from a file')
    .option(
      '--vendor-key <file>',
      'also trust this vendor public key when no server runs on --data (repeatable)',
      collect,
    );
}

/** The admin target options of a command's parsed flags. */
export function targetOf(flags: TargetFlags, command: string): TargetOptions {
  return {
    data: flags.data,
    server: flags.server,
    token: flags.token,
    tokenFile: flags.tokenFile,
    vendorKeys: flags.vendorKey,
    command,
  };
}

/** Adds `--json`. */
export function jsonOption(cmd: Command): Command {
  return cmd.option('--json', 'print the result as one JSON object');
}

/** `NAME=COUNT` from --feature, a usage error when malformed. */
export function featureArg(spec: string): { name: string; count: number } {
  try {
    return parseFeatureSpec(spec);
  } catch (err) {
    if (err instanceof TesseraError) throw new UsageError(`--feature: ${err.message}`);
    throw err;
  }
}
