/**
 * `tessera user` with real processes: the recovery of a forgotten admin password on a data dir
 * with no server running, then the same through a running server's admin API, and the rules
 * (the last admin) answered as one line on stderr.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cleanup, cli, cliJson, makeDir, oneStderrLine, type ServerProcess, startServer, tempDir } from './support.js';

after(cleanup);

interface UserJson {
  username: string;
  role: string;
  disabled: boolean;
  mustChange: boolean;
  lastSignInAt: string | null;
}

async function signIn(adminUrl: string, username: string, password: string) {
  const res = await fetch(`${adminUrl}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, body: (await res.json()) as { mustChange?: boolean; error?: { code: string } } };
}

describe('tessera user', { timeout: 120_000 }, () => {
  test('reset-password recovers a forgotten admin password, with the server stopped or running', async () => {
    const data = makeDir(join(tempDir(), 'srv'));
    let server: ServerProcess | undefined;
    try {
      // The first start writes the initial password; nobody noted it, and the file is lost below.
      server = await startServer(data);
      await server.stop();
      server = undefined;

      const offline = await cliJson<{ via: string; password: string }>([
        'user',
        'reset-password',
        'admin',
        '--data',
        data,
      ]);
      assert.equal(offline.via, 'data-dir', 'no server ran: the CLI opened the data dir itself');
      assert.ok(offline.password.length >= 20);
      assert.ok(!existsSync(join(data, 'initial-admin-password')), 'the old password file no longer misleads');

      server = await startServer(data);
      const first = await signIn(server.adminUrl, 'admin', offline.password);
      assert.equal(first.status, 201, 'the new password signs in through the admin API');
      assert.equal(first.body.mustChange, true, 'and must be changed at once');

      const online = await cliJson<{ via: string; password: string }>([
        'user',
        'reset-password',
        'admin',
        '--data',
        data,
      ]);
      assert.equal(online.via, 'admin-api', 'a running server is reached through its admin API');
      assert.equal((await signIn(server.adminUrl, 'admin', offline.password)).status, 401);
      assert.equal((await signIn(server.adminUrl, 'admin', online.password)).status, 201);

      const listed = await cliJson<{ users: UserJson[] }>(['user', 'list', '--data', data]);
      const admin = listed.users.find((u) => u.username === 'admin');
      assert.match(admin?.lastSignInAt ?? '', /^\d{4}-\d\d-\d\dT/, 'the last sign-in is listed');

      const last = await cli(['user', 'delete', 'admin', '--data', data]);
      assert.equal(last.code, 1);
      assert.match(oneStderrLine(last), /^tessera: admin is the only enabled admin.*\(LAST_ADMIN\)$/);
    } finally {
      await server?.stop();
    }
  });

  test('add, role, disable, enable and delete on a data dir with no server', async () => {
    const data = makeDir(join(tempDir(), 'srv'));
    const added = await cliJson<{ password: string; role: string }>([
      'user',
      'add',
      'alice',
      '--role',
      'manage',
      '--data',
      data,
    ]);
    assert.equal(added.role, 'manage');
    assert.ok(added.password.length >= 20);
    assert.equal((await cliJson<UserJson>(['user', 'role', 'alice', 'admin', '--data', data])).role, 'admin');
    assert.equal((await cliJson<UserJson>(['user', 'disable', 'alice', '--data', data])).disabled, true);
    assert.equal((await cliJson<UserJson>(['user', 'enable', 'alice', '--data', data])).disabled, false);
    const human = await cli(['user', 'list', '--data', data]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^USER +ROLE +STATE +LAST SIGN-IN/);
    assert.match(human.stdout, /\nalice +admin +must change password +never signed in\n/);
    await cliJson(['user', 'delete', 'alice', '--data', data]);
    const bad = await cli(['user', 'role', 'admin', 'root', '--data', data]);
    assert.equal(bad.code, 2, 'an unknown role is a usage error');
    const gone = await cli(['user', 'delete', 'alice', '--data', data]);
    assert.match(oneStderrLine(gone), /there is no user alice \(NOT_FOUND\)/);
  });
});
