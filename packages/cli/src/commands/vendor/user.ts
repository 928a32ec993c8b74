/** `tessera vendor user add | list | role | disable | enable | reset-password | delete`: the Cloud's users. */
import type { UserView } from '@tessera/cloud';
import type { Command } from 'commander';
import { type CloudContext, type CloudFlags, cloudCommand, cloudListCommand } from '../cloud-command.js';
import { examples } from '../common.js';

const at = '--data ./cloud';

function userLine(u: UserView): string {
  const who = u.role === 'vendor' ? 'vendor staff' : `customer ${u.customerId}`;
  const state = u.disabled ? 'disabled' : u.mustChange ? 'must change password' : 'enabled';
  return `${u.username}  ${who}  ${state}  last sign-in ${u.lastSignInAt ?? 'never'}`;
}

export function registerUsers(vendor: Command): void {
  const user = vendor
    .command('user')
    .description('users of the Cloud (vendor staff and customer users), on a running Cloud')
    .helpCommand(false);
  examples(user, [`$ tessera vendor user list ${at}`, `$ tessera vendor user disable alice ${at}`]);

  const list = user
    .command('list')
    .description('users, with role, state and last sign-in')
    .option('--customer <id>', 'only this customer');
  cloudListCommand(list, {
    examples: [`$ tessera vendor user list --customer cus_06h2 ${at}`],
    key: 'users',
    list: (api, flags: CloudFlags & { customer?: string }) => api.userList(flags.customer),
    empty: 'no users',
    line: userLine,
  });

  const add = user
    .command('add')
    .description(
      'add vendor staff, or a user of a customer (a password is generated and shown once when none is given)',
    )
    .argument('<username>', '2-32 characters: a-z first, then a-z 0-9 . _ -')
    .option('--role <role>', 'vendor | customer', 'customer')
    .option('--customer <id>', 'the customer, with role customer');
  cloudCommand(add, {
    examples: [
      `$ tessera vendor user add alice --customer cus_06h2 ${at}`,
      `$ tessera vendor user add bob --role vendor ${at}`,
    ],
    run: ({ flags, cloud }: CloudContext<CloudFlags & { role: string; customer?: string }>, username) =>
      cloud((api) =>
        api.userAdd({
          username,
          role: flags.role as 'vendor' | 'customer',
          ...(flags.customer !== undefined ? { customerId: flags.customer } : {}),
        }),
      ),
    human: (d) => [
      userLine(d),
      ...(d.password ? [`first password (shown once; to be changed at the first sign-in):`, `  ${d.password}`] : []),
    ],
  });

  const role = user
    .command('role')
    .description('make a user vendor staff, or a user of a customer (its API tokens are revoked)')
    .argument('<username>', 'the user')
    .argument('<role>', 'vendor | customer')
    .option('--customer <id>', 'the customer, with role customer');
  cloudCommand(role, {
    examples: [
      `$ tessera vendor user role alice customer --customer cus_06h2 ${at}`,
      `$ tessera vendor user role bob vendor ${at}`,
    ],
    run: ({ flags, cloud }: CloudContext<CloudFlags & { customer?: string }>, username, to) =>
      cloud((api) => api.userSetRole(username, to as 'vendor' | 'customer', flags.customer)),
    human: userLine,
  });

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    cloudCommand(
      user
        .command(verb)
        .description(
          disabled
            ? 'disable a user: it cannot sign in, its sessions end, its API tokens stop working'
            : 'enable a user again',
        )
        .argument('<username>', 'the user'),
      {
        examples: [`$ tessera vendor user ${verb} alice ${at}`],
        run: ({ cloud }, username) => cloud((api) => api.userSetDisabled(username, disabled)),
        human: userLine,
      },
    );
  }

  cloudCommand(
    user
      .command('reset-password')
      .description('give a user a new random password, shown once, to be changed at the next sign-in')
      .argument('<username>', 'the user'),
    {
      examples: [`$ tessera vendor user reset-password alice ${at}`],
      run: ({ cloud }, username) => cloud((api) => api.userResetPassword(username)),
      human: (d) => [
        `new password of ${d.username} (shown once; to be changed at the next sign-in):`,
        `  ${d.password}`,
      ],
    },
  );

  cloudCommand<CloudFlags, { id: string; username: string; deleted: boolean }>(
    user
      .command('delete')
      .description('delete a user with its sessions and API tokens (its audit entries stay)')
      .argument('<username>', 'the user'),
    {
      examples: [`$ tessera vendor user delete alice ${at}`],
      run: ({ cloud }, username) =>
        cloud(async (api) => {
          // `--json` names what it acted on by id (docs/cli.md); the API takes the user name.
          const id = (await api.userList()).find((u) => u.username === username.toLowerCase())?.id ?? username;
          await api.userDelete(username);
          return { id, username, deleted: true };
        }),
      human: (d) => `deleted user ${d.username}`,
    },
  );
}
