/**
 * The shape every `tessera vendor ...` command on a running Cloud shares: the options that say
 * where the Cloud is and `--json`, its help text and Examples, and an action that parses, calls
 * the Cloud's vendor API and prints one result (docs/cli.md). vendor/*.ts define the commands.
 */
import type { CloudApiClient } from '@tessera/cloud/client';
import type { Command } from 'commander';
import { type CloudTargetOptions, withCloud } from '../cloud-target.js';
import type { NewFile } from '../files.js';
import { Output } from '../output.js';
import { examples, jsonOption } from './common.js';

/** The flags every Cloud command has. */
export type CloudFlags = CloudTargetOptions & { json?: boolean };

/**
 * Runs `fn` with the vendor API of the Cloud the flags name. The Cloud is reached only when this
 * is called, so what a command refuses before calling it (a usage error, an existing --out file)
 * is refused without the network.
 */
export type CloudCall = <R>(fn: (api: CloudApiClient) => Promise<R>) => Promise<R>;

/** What a command's `run` is given besides its arguments. */
export interface CloudContext<F extends CloudFlags = CloudFlags> {
  flags: F;
  cloud: CloudCall;
}

export interface CloudCommandSpec<F extends CloudFlags, T extends { id?: unknown }> {
  /** Prose shown after the options, before the Examples. */
  help?: string | undefined;
  examples: readonly string[];
  /** Parses what the command was given, calls the Cloud, and answers the result (`--json` prints it). */
  run: (ctx: CloudContext<F>, ...args: string[]) => Promise<T>;
  /** The result as lines for a person. */
  human: (data: T, flags: F) => string | string[];
}

/**
 * Makes `cmd` (its arguments and its own options already declared, so they are listed first) a
 * command on a running Cloud: adds `--data`, `--cloud`, `--token`, `--token-file` and `--json`,
 * the help text and Examples, and the action.
 *
 * @example
 * cloudCommand(customer.command('add').argument('<name>', "the customer's name"), {
 *   examples: ['$ tessera vendor customer add "Acme Speech Ltd" --data ./cloud'],
 *   run: ({ cloud }, name) => cloud((api) => api.customerAdd(name)),
 *   human: (c) => `customer ${c.id}`,
 * });
 */
export function cloudCommand<F extends CloudFlags, T extends { id?: unknown }>(
  cmd: Command,
  spec: CloudCommandSpec<F, T>,
): Command {
  cmd
    .option('--data <dir>', 'the data directory of a Cloud node running on this machine (uses DIR/admin.token)')
    .option('--cloud <url>', 'the URL of a Cloud node elsewhere, e.g. https://licensing.example.com')
    .option('--token <token>', 'API token for --cloud (DIR/admin.token of a Cloud node)')
    .option('--token-file <file>', 'read the API token for --cloud from a file');
  jsonOption(cmd);
  if (spec.help !== undefined) cmd.addHelpText('after', spec.help);
  examples(cmd, spec.examples);
  return cmd.action(async () => {
    const flags = cmd.opts<F>();
    const target = { data: flags.data, cloud: flags.cloud, token: flags.token, tokenFile: flags.tokenFile };
    const data = await spec.run({ flags, cloud: (fn) => withCloud(target, fn) }, ...(cmd.processedArgs as string[]));
    new Output(!!flags.json).result(data, (d) => spec.human(d, flags));
  });
}

export interface CloudListSpec<F extends CloudFlags, K extends string, V> {
  help?: string | undefined;
  examples: readonly string[];
  /** The name of the list in the result, e.g. `customers`. */
  key: K;
  list: (api: CloudApiClient, flags: F) => Promise<V[]>;
  /** What a person reads when the list is empty. */
  empty: string;
  /** One item as a line (or lines) for a person. */
  line: (item: V) => string | string[];
}

/**
 * A command that lists something: `{ id, [key]: [...] }`, where the `id` is the Cloud node that
 * answered (docs/cli.md: the `id` of list output).
 */
export function cloudListCommand<F extends CloudFlags, K extends string, V>(
  cmd: Command,
  spec: CloudListSpec<F, K, V>,
): Command {
  type Listed = { id: string } & Record<K, V[]>;
  return cloudCommand<F, Listed>(cmd, {
    help: spec.help,
    examples: spec.examples,
    run: ({ flags, cloud }) =>
      cloud(async (api) => {
        const { nodeId } = await api.health();
        return { id: nodeId, [spec.key]: await spec.list(api, flags) } as Listed;
      }),
    human: (d) => (d[spec.key].length === 0 ? spec.empty : d[spec.key].flatMap(spec.line)),
  });
}

/**
 * Calls the Cloud for what goes into `out`, a file made before the call (so an existing one is
 * refused before anything changes at the Cloud): filled with `content` of the answer, or removed
 * again when the call fails. With no `out`, just the call.
 */
export async function intoNewFile<R>(
  out: NewFile | undefined,
  call: () => Promise<R>,
  content: (answer: R) => string,
): Promise<R> {
  let answer: R;
  try {
    answer = await call();
  } catch (err) {
    out?.abandon();
    throw err;
  }
  out?.fill(content(answer));
  return answer;
}
