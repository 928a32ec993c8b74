/** `tessera vendor account add | list | disable`: subscription accounts, on a running Cloud. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { accountNotes } from '../../cloud-format.js';
import { NewFile, SECRET_FILE_MODE } from '../../files.js';
import { type CloudContext, type CloudFlags, cloudCommand, cloudListCommand, intoNewFile } from '../cloud-command.js';
import { examples } from '../common.js';

export function registerAccounts(vendor: Command): void {
  const account = vendor
    .command('account')
    .description('subscription accounts: credentials for client applications that check seats out of the Cloud')
    .helpCommand(false);
  examples(account, ['$ tessera vendor account add --customer cus_06h2 --out client_property.conf --data ./cloud']);

  const add = account
    .command('add')
    .description('a subscription account: user name, secret and a ready client_property.conf (shown once)')
    .requiredOption('--customer <id>', 'the customer (cus_...)')
    .option('--label <text>', 'what the account is for, e.g. "call center"')
    .option('--out <file>', 'also write the client_property.conf here (mode 0600: it holds the secret)');
  cloudCommand(add, {
    help:
      '\nThe secret is stored only as a hash: keep the output. The client_property.conf lists every live\n' +
      'Cloud node under LICENSE_SERVERS (failover order) and the credentials under [AUTHENTICATION];\n' +
      "client applications (the SDK) read it and check seats out of the customer's subscription pool.\n",
    examples: [
      '$ tessera vendor account add --customer cus_06h2 --out client_property.conf --data ./cloud',
      '$ tessera vendor account add --customer cus_06h2 --label "call center" --data ./cloud --json',
    ],
    run: async ({ flags, cloud }: CloudContext<CloudFlags & { customer: string; label?: string; out?: string }>) => {
      const out =
        flags.out !== undefined
          ? NewFile.create(flags.out, SECRET_FILE_MODE, 'client_property.conf', 'pick another --out')
          : undefined;
      const a = await intoNewFile(
        out,
        () => cloud((api) => api.accountAdd(flags.customer, flags.label)),
        (answer) => answer.clientConfig,
      );
      // docs/cli.md: `account add` prints username, password, clientConfig (first, for people reading JSON).
      const { id, username, password, clientConfig, ...rest } = a;
      return {
        id,
        username,
        password,
        clientConfig,
        ...rest,
        ...(flags.out !== undefined && { file: resolve(flags.out) }),
      };
    },
    human: (d, flags) => [
      `subscription account ${d.id} for ${d.customerId} (pool ${d.poolId})`,
      `  username  ${d.username}`,
      `  password  ${d.password}  (shown once; only its hash is kept)`,
      flags.out !== undefined ? `client_property.conf (written to ${flags.out}):` : 'client_property.conf:',
      ...d.clientConfig
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    ],
  });

  const list = account
    .command('list')
    .description('subscription accounts (never their secrets)')
    .option('--customer <id>', 'only this customer');
  cloudListCommand(list, {
    examples: ['$ tessera vendor account list --customer cus_06h2 --data ./cloud'],
    key: 'accounts',
    list: (api, flags: CloudFlags & { customer?: string }) => api.accountList(flags.customer),
    empty: 'no subscription accounts',
    line: (a) => `${a.id}  ${a.customerId}${accountNotes(a)}`,
  });

  const disable = account
    .command('disable')
    .description('disable a subscription account: its credentials stop working')
    .argument('<account-id>', 'the account id (acct_...)');
  cloudCommand(disable, {
    examples: ['$ tessera vendor account disable acct_06h2 --data ./cloud'],
    run: ({ cloud }, id) => cloud((api) => api.accountDisable(id)),
    human: (d) => `disabled subscription account ${d.id} (${d.customerId})`,
  });
}
