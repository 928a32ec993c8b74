/**
 * `tessera user list | add | role | disable | enable | reset-password | delete`: the License
 * Server's users (docs/cli.md), as the Dashboard's Users page manages them. `reset-password` on
 * `--data DIR` is also how a forgotten admin password is recovered, with the server running or not.
 */
import { newSecret } from '@tessera/core';
import { type Command, InvalidArgumentError } from 'commander';
import { withAdminTarget } from '../admin-target.js';
import { Output } from '../output.js';
import type { UserAdmin, UserRole, UserView } from '../user-target.js';
import { examples, jsonOption, type TargetFlags, targetOf, targetOptions } from './common.js';

type Flags = TargetFlags & { json?: boolean };

const ROLES: readonly UserRole[] = ['view', 'manage', 'admin'];

function roleArg(value: string): UserRole {
  if (!(ROLES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`a role is one of ${ROLES.join(', ')}`);
  }
  return value as UserRole;
}

/** Runs one users action on the target the flags name; prints its result. */
async function run<T extends { id: string }>(
  flags: Flags,
  command: string,
  action: (users: UserAdmin) => Promise<T>,
  human: (data: T & { via: string }) => string | string[],
): Promise<void> {
  const data = await withAdminTarget(targetOf(flags, command), async (t) => ({
    ...(await action(t.users())),
    via: t.via,
  }));
  new Output(!!flags.json).result(data, human);
}

export function registerUserCommands(program: Command): void {
  const user = program
    .command('user')
    .description('the users of a License Server: list, add, role, disable, enable, reset-password, delete')
    .helpCommand(false);
  user.addHelpText(
    'after',
    '\nA forgotten admin password: `tessera user reset-password admin --data DIR` on the server machine\n' +
      '(the server running or not) prints a new one, to be changed at the next sign-in.\n',
  );
  examples(user, [
    '$ tessera user list --data /var/lib/tessera',
    '$ tessera user add alice --role manage --data /var/lib/tessera',
    '$ tessera user reset-password admin --data /var/lib/tessera',
  ]);

  command(user, 'list', 'each user: role, enabled or disabled, last sign-in', 'list').action(async (flags: Flags) =>
    run(
      flags,
      'user list',
      async (u) => {
        const users = await u.list();
        return { id: users.map((x) => x.username).join(','), users };
      },
      (d) => formatUsers(d.users),
    ),
  );

  command(
    user,
    'add',
    'add a user with a new password, shown once, to be changed at the first sign-in',
    'add alice --role manage',
  )
    .argument('<username>', '2-32 characters: a-z first, then a-z 0-9 . _ -')
    .option('--role <role>', 'view, manage or admin', roleArg, 'view' as UserRole)
    .action(async (username: string, flags: Flags & { role: UserRole }) =>
      run(
        flags,
        'user add',
        async (u) => {
          const password = newSecret(18);
          await u.add(username, password, flags.role);
          return { id: username, username, role: flags.role, password };
        },
        (d) => [`added user ${d.username} (${d.role})`, ...oneTimePassword(d.password)],
      ),
    );

  command(user, 'role', 'change a user’s role', 'role alice admin')
    .argument('<username>', 'the user')
    .argument('<role>', 'view, manage or admin', roleArg)
    .action(async (username: string, role: UserRole, flags: Flags) =>
      run(
        flags,
        'user role',
        async (u) => withId(await u.setRole(username, role)),
        (d) => {
          return `${d.username} now has the ${d.role} role`;
        },
      ),
    );

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    const what = disabled
      ? 'disable a user: they cannot sign in, and their sessions end at once'
      : 'enable a disabled user again';
    command(user, verb, what, `${verb} alice`)
      .argument('<username>', 'the user')
      .action(async (username: string, flags: Flags) =>
        run(
          flags,
          `user ${verb}`,
          async (u) => withId(await u.setDisabled(username, disabled)),
          (d) => {
            return `${d.username} is ${verb}d`;
          },
        ),
      );
  }

  command(
    user,
    'reset-password',
    'give a user a new password, shown once, to be changed at the next sign-in',
    'reset-password admin',
  )
    .argument('<username>', 'the user (`admin` to recover a forgotten admin password)')
    .action(async (username: string, flags: Flags) =>
      run(
        flags,
        'user reset-password',
        async (u) => ({ id: username, ...(await u.resetPassword(username)) }),
        (d) => [`new password of ${d.username} (their sessions have ended):`, ...oneTimePassword(d.password)],
      ),
    );

  command(user, 'delete', 'delete a user (never the last enabled admin); their sessions end', 'delete alice')
    .argument('<username>', 'the user')
    .action(async (username: string, flags: Flags) =>
      run(
        flags,
        'user delete',
        async (u) => {
          await u.delete(username);
          return { id: username, username, deleted: true };
        },
        (d) => `deleted user ${d.username}`,
      ),
    );
}

function command(parent: Command, name: string, description: string, example: string): Command {
  const cmd = parent.command(name).description(description);
  examples(cmd, [
    `$ tessera user ${example} --data /var/lib/tessera`,
    `$ tessera user ${example} --data /var/lib/tessera --json`,
  ]);
  targetOptions(cmd);
  jsonOption(cmd);
  return cmd;
}

function withId<T extends { username: string }>(v: T): T & { id: string } {
  return { id: v.username, ...v };
}

function oneTimePassword(password: string): string[] {
  return [`  ${password}`, 'It is shown only this once; it must be changed at the next sign-in.'];
}

function formatUsers(users: readonly UserView[]): string[] {
  if (users.length === 0) return ['no users'];
  const rows = users.map((u) => [
    u.username,
    u.role,
    u.disabled ? 'disabled' : u.mustChange ? 'must change password' : 'enabled',
    u.lastSignInAt ?? 'never signed in',
  ]);
  const header = ['USER', 'ROLE', 'STATE', 'LAST SIGN-IN (UTC)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}
