/**
 * The vendor Cloud through the CLI, with real processes: `tessera cloud start`, a License Server
 * started with `tessera server start` trusting the Cloud's vendor.pub, the perpetual path
 * (server-id -> vendor customer add -> entitlement add -> server register -> deploy -> license
 * install -> seats through the SDK; maintenance extended -> renewed file -> Renew; uninstall ->
 * return -> seats back), a subscription account whose client_property.conf the SDK uses, an
 * enrollment code and a flexible allocation, and how failures print. (Several nodes on PostgreSQL, kill -9 and failover through the SDK are
 * the Cloud's own end-to-end tests: packages/cloud/test/subscription.e2e.test.ts.)
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type CheckoutResult,
  type Lease,
  LicenseClient,
  loadClientProperties,
  parseServerAddress,
} from '@tessera/client';
import {
  type CloudProcess,
  cleanup,
  cli,
  cliJson,
  cliOk,
  dayFromNow,
  makeDir,
  oneStderrLine,
  type ServerProcess,
  startCloud,
  startServer,
  tempDir,
} from './support.js';

/** The lease of a granted checkout; fails the test with the denial otherwise. */
function leaseOf(r: CheckoutResult): Lease {
  if (!r.ok) assert.fail(`checkout denied: ${r.code} ${r.message}`);
  return r.lease;
}

interface Entitlement {
  id: string;
  used: number;
  available: number;
  maintenanceUntil: string | null;
}

const clients: LicenseClient[] = [];
after(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await cleanup();
});

describe('the vendor Cloud through the CLI', { timeout: 240_000 }, () => {
  const work = tempDir();
  const cloudDir = join(work, 'cloud');
  const serverDir = join(work, 'server');
  let cloud: CloudProcess;
  let server: ServerProcess;
  let at: string[];
  let customerId: string;

  before(async () => {
    cloud = await startCloud(cloudDir);
    server = await startServer(serverDir, { vendorKeys: [join(cloudDir, 'vendor.pub')] });
    at = ['--data', cloudDir];
  });

  test('cloud start names its URL, vendor.pub and the initial admin password file', () => {
    const log = cloud.log();
    assert.match(log, new RegExp(`URL +${cloud.url.replaceAll('.', '\\.')} `));
    assert.ok(log.includes(join(cloudDir, 'vendor.pub')), log);
    assert.ok(log.includes(`password in ${join(cloudDir, 'initial-admin-password')}`), log);
    assert.ok(existsSync(join(cloudDir, 'initial-admin-password')));
    assert.equal(statSync(join(cloudDir, 'admin.token')).mode & 0o777, 0o600);
  });

  test('the perpetual path: register, deploy, install, seats; renew; uninstall and return', async () => {
    const infoBts = join(work, 'info.bts');
    await cliOk(['server-id', '--data', serverDir, '--out', infoBts]);
    const customer = await cliJson<{ name: string; poolId: string }>([
      'vendor',
      'customer',
      'add',
      'Acme Speech',
      ...at,
    ]);
    customerId = customer.id;
    assert.equal(customer.name, 'Acme Speech');
    const ent = await cliJson<Entitlement>([
      'vendor',
      'entitlement',
      'add',
      '--customer',
      customer.id,
      '--type',
      'perpetual',
      '--feature',
      'asr=10',
      '--maintenance-until',
      dayFromNow(30),
      ...at,
    ]);
    assert.match(ent.id, /^ent_/);
    const registered = await cliJson<{ created: boolean }>([
      'vendor',
      'server',
      'register',
      '--customer',
      customer.id,
      infoBts,
      ...at,
    ]);
    assert.equal(registered.id, server.info.serverId, 'the server id of the Server ID file');
    assert.equal(registered.created, true);

    // More than the entitlement holds: refused, nothing written, nothing taken.
    const tooMany = join(work, 'too-many.lic');
    const refused = await cli([
      'vendor',
      'deploy',
      '--server',
      registered.id,
      '--feature',
      'asr=11',
      '--out',
      tooMany,
      ...at,
    ]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(oneStderrLine(refused), /^tessera: .*only 10 are free.*\(CONFLICT: OVER_ALLOCATION\)$/);
    assert.equal(existsSync(tooMany), false, 'the --out of a refused deploy is not left behind');

    const lic = join(work, 'acme.lic');
    const deployed = await cliJson<{ revision: number; file: string; serverId: string }>([
      'vendor',
      'deploy',
      '--server',
      registered.id,
      '--feature',
      'asr=6',
      '--out',
      lic,
      ...at,
    ]);
    assert.match(deployed.id, /^lic_/);
    assert.equal(deployed.revision, 1);
    assert.equal(deployed.file, lic);
    const installed = await cliJson<{ revision: number; customer: string }>([
      'license',
      'install',
      lic,
      '--data',
      serverDir,
    ]);
    assert.equal(installed.id, deployed.id);
    assert.equal(installed.customer, 'Acme Speech');

    // Seats through the SDK, from the License Server.
    const sdk = new LicenseClient({ servers: [parseServerAddress(server.clientUrl)], cacheSeconds: 0 });
    clients.push(sdk);
    const six = leaseOf(await sdk.checkout('asr', { count: 6 }));
    assert.equal(six.licenseId, deployed.id);
    const seventh = await sdk.checkout('asr');
    assert.equal(seventh.ok, false);
    assert.equal(!seventh.ok && seventh.code, 'NO_SEATS');
    await six.release();

    const listed = await cliJson<{ entitlements: Entitlement[] }>([
      'vendor',
      'entitlement',
      'list',
      '--customer',
      customer.id,
      ...at,
    ]);
    assert.deepEqual(
      listed.entitlements.map((e) => [e.id, e.used, e.available]),
      [[ent.id, 6, 4]],
    );

    // Maintenance extended: the deployment's next revision, installed with Renew License.
    const later = dayFromNow(400);
    const updated = await cliJson<{ reissued: { licenseId: string; revision: number }[] }>([
      'vendor',
      'entitlement',
      'update',
      ent.id,
      '--maintenance-until',
      later,
      ...at,
    ]);
    assert.deepEqual(updated.reissued, [{ licenseId: deployed.id, revision: 2 }]);
    const rev2 = join(work, 'acme-rev2.lic');
    const file = await cliJson<{ revision: number }>([
      'vendor',
      'deployment',
      'file',
      deployed.id,
      '--out',
      rev2,
      ...at,
    ]);
    assert.equal(file.revision, 2);
    const renewed = await cliJson<{ revision: number; features: { maintenanceUntil: string }[] }>([
      'license',
      'renew',
      rev2,
      '--data',
      serverDir,
    ]);
    assert.equal(renewed.revision, 2);
    assert.equal(renewed.features[0]?.maintenanceUntil, later);
    // Software released after the old maintenance date is now covered.
    const newer = new LicenseClient(
      { servers: [parseServerAddress(server.clientUrl)], cacheSeconds: 0 },
      { releaseDate: dayFromNow(200) },
    );
    clients.push(newer);
    await leaseOf(await newer.checkout('asr')).release();

    // Uninstall -> certificate -> return: the seats are back, once.
    const cert = join(work, 'acme.uninstall');
    await cliJson(['license', 'uninstall', deployed.id, '--data', serverDir, '--out', cert]);
    const returned = await cliJson<{ licenseId: string; seats: { feature: string; count: number }[] }>([
      'vendor',
      'return',
      cert,
      ...at,
    ]);
    assert.match(returned.id, /^ret_/);
    assert.equal(returned.licenseId, deployed.id);
    assert.deepEqual(
      returned.seats.map((s) => [s.feature, s.count]),
      [['asr', 6]],
    );
    const again = await cli(['vendor', 'return', cert, ...at]);
    assert.equal(again.code, 1);
    assert.match(oneStderrLine(again), /ALREADY_RETURNED/);
    const after = await cliJson<{ entitlements: Entitlement[] }>([
      'vendor',
      'entitlement',
      'list',
      '--customer',
      customer.id,
      ...at,
    ]);
    assert.equal(after.entitlements[0]?.available, 10, 'all ten seats are free again');
  });

  test('a subscription account: the SDK checks seats out of the Cloud with its client_property.conf', async () => {
    assert.ok(customerId, 'the perpetual test made the customer');
    // The other way to reach a Cloud: its URL and a token file.
    const remote = ['--cloud', cloud.url, '--token-file', join(cloudDir, 'admin.token')];
    const sub = await cliJson<Entitlement>([
      'vendor',
      'entitlement',
      'add',
      '--customer',
      customerId,
      '--type',
      'subscription',
      '--feature',
      'stt=2',
      '--term-days',
      '30',
      ...remote,
    ]);
    const conf = join(work, 'client_property.conf');
    const account = await cliJson<{ username: string; password: string; clientConfig: string; file: string }>([
      'vendor',
      'account',
      'add',
      '--customer',
      customerId,
      '--out',
      conf,
      ...remote,
    ]);
    assert.match(account.id, /^acct_/);
    assert.equal(account.username, account.id);
    assert.ok(account.password.length >= 40, 'a 256-bit secret');
    assert.equal(readFileSync(conf, 'utf8'), account.clientConfig);
    assert.equal(statSync(conf).mode & 0o777, 0o600, 'the file holds the secret');
    assert.match(account.clientConfig, new RegExp(`LICENSE_SERVERS = ${cloud.url.replaceAll('.', '\\.')}`));

    const config = await loadClientProperties(conf);
    const sdk = new LicenseClient({ ...config, cacheSeconds: 0 });
    clients.push(sdk);
    const two = leaseOf(await sdk.checkout('stt', { count: 2 }));
    assert.equal(two.licenseId, sub.id, 'a subscription lease names its entitlement');
    const third = await sdk.checkout('stt');
    assert.equal(!third.ok && third.code, 'NO_SEATS');

    const shown = await cliJson<{ subscription: { features: { feature: string; inUse: number; total: number }[] } }>([
      'vendor',
      'customer',
      'show',
      customerId,
      ...at,
    ]);
    const stt = shown.subscription.features.find((f) => f.feature === 'stt');
    assert.deepEqual([stt?.inUse, stt?.total], [2, 2]);
    await two.release();
  });

  test('flexible: an enrollment code, and an allocation of a server drawn from a flexible entitlement', async () => {
    const code = await cliJson<{ code: string; customerId: string; expiresAt: string }>([
      'vendor',
      'enroll',
      '--customer',
      customerId,
      ...at,
    ]);
    assert.equal(code.id, code.code, 'the id of an enrollment is its code (docs/cli.md)');
    assert.equal(code.customerId, customerId);
    const flexible = await cliJson<Entitlement>([
      'vendor',
      'entitlement',
      'add',
      '--customer',
      customerId,
      '--type',
      'flexible',
      '--feature',
      'asr=5',
      ...at,
    ]);
    const allocation = await cliJson<{
      features: { feature: string; count: number; entitlements: { entitlementId: string }[] }[];
    }>(['vendor', 'allocate', '--server', server.info.serverId, '--feature', 'asr=3', ...at]);
    assert.equal(allocation.id, server.info.serverId);
    assert.deepEqual(
      allocation.features.map((f) => [f.feature, f.count, f.entitlements[0]?.entitlementId]),
      [['asr', 3, flexible.id]],
    );
    const tooMany = await cli(['vendor', 'allocate', '--server', server.info.serverId, '--feature', 'asr=6', ...at]);
    assert.equal(tooMany.code, 1);
    assert.match(oneStderrLine(tooMany), /\(CONFLICT: OVER_ALLOCATION\)$/);
    const cleared = await cliJson<{ features: { count: number }[] }>([
      'vendor',
      'allocate',
      '--server',
      server.info.serverId,
      '--feature',
      'asr=0',
      ...at,
    ]);
    assert.ok(cleared.features.every((f) => f.count === 0));
  });

  test("vendor user: add, reset the password, disable, change the role, delete; never one's own account", async () => {
    const added = await cliJson<{ id: string; username: string; password: string }>([
      ...['vendor', 'user', 'add', 'acme-ops', '--customer', customerId],
      ...at,
    ]);
    assert.equal(added.username, 'acme-ops');
    assert.ok(added.password.length >= 18);
    const reset = await cliJson<{ password: string }>(['vendor', 'user', 'reset-password', 'acme-ops', ...at]);
    assert.notEqual(reset.password, added.password);
    assert.equal(
      (await cliJson<{ disabled: boolean }>(['vendor', 'user', 'disable', 'acme-ops', ...at])).disabled,
      true,
    );
    const moved = await cliJson<{ role: string; customerId: null }>([
      'vendor',
      'user',
      'role',
      'acme-ops',
      'vendor',
      ...at,
    ]);
    assert.deepEqual([moved.role, moved.customerId], ['vendor', null]);
    const own = await cli(['vendor', 'user', 'disable', 'admin', ...at]);
    assert.equal(own.code, 1);
    assert.match(oneStderrLine(own), /OWN_ACCOUNT\)$/);
    assert.deepEqual(await cliJson(['vendor', 'user', 'delete', 'acme-ops', ...at]), {
      id: added.id,
      username: 'acme-ops',
      deleted: true,
    });
    const listed = await cliJson<{ users: { username: string; lastSignInAt: string | null }[] }>([
      ...['vendor', 'user', 'list'],
      ...at,
    ]);
    assert.deepEqual(
      listed.users.map((u) => u.username),
      ['admin'],
    );
  });

  test('failures are one line on stderr with the exit code of docs/cli.md', async () => {
    const empty = makeDir(join(work, 'no-cloud'));
    const cases: [string[], number, RegExp][] = [
      [['vendor', 'customer', 'list', '--data', empty], 1, /no Cloud node is running on .*no-cloud/],
      [['vendor', 'customer', 'list', '--cloud', cloud.url, '--token', 'wrong'], 1, /\(UNAUTHORIZED\)$/],
      [['vendor', 'customer', 'add', 'Nobody'], 2, /give --data DIR .* or --cloud URL --token T/],
      [
        ['vendor', 'entitlement', 'add', '--customer', 'cus_nope', '--type', 'perpetual', '--feature', 'asr=1', ...at],
        1,
        /no customer cus_nope \(NOT_FOUND\)$/,
      ],
      [['vendor', 'server', 'register', '--customer', customerId, join(work, 'acme.lic'), ...at], 1, /DOC_WRONG_TYPE/],
      [['vendor', 'enroll', ...at], 2, /required option '--customer <id>' not specified/],
      [['vendor', 'allocate', '--server', 'srv_x', '--feature', 'asr=-1', ...at], 2, /--feature: /],
      [
        ['vendor', 'allocate', '--server', server.info.serverId, '--feature', 'stt=1', ...at],
        1,
        /\(CONFLICT: NOT_ENTITLED\)$/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    results.forEach((r, i) => {
      const [args, code, pattern] = cases[i]!;
      assert.equal(r.code, code, `tessera ${args.join(' ')} exits ${code}: ${r.stderr}`);
      assert.match(oneStderrLine(r), pattern);
      assert.equal(r.stdout, '');
    });
  });

  test('cloud start stops cleanly on SIGTERM and removes cloud.json', async () => {
    await server.stop();
    const end = await cloud.stop();
    assert.deepEqual(end, { code: 0, signal: null }, cloud.log());
    assert.equal(existsSync(join(cloudDir, 'cloud.json')), false);
    const r = await cli(['vendor', 'customer', 'list', ...at]);
    assert.equal(r.code, 1);
    assert.match(oneStderrLine(r), /no Cloud node is running/);
  });
});
