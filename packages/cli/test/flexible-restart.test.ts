/**
 * A flexible License Server enrolled with the command the portal shows (`--mode flexible
 * --cloud URL --enroll CODE`, flags that pin a value for one run) keeps its mode and its Cloud
 * across a restart without those flags: enrolling saved them in DIR/server.conf.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type CloudAdmin,
  type CloudProcess,
  cleanup,
  cliJson,
  cloudAdmin,
  features,
  flexibleCustomer,
  type ServerProcess,
  sleep,
  startCloud,
  startServer,
  tempDir,
  untilEnrolled,
} from './support.js';

describe('flexible mode across a restart, with real processes', { timeout: 180_000 }, () => {
  const work = tempDir();
  const cloudDir = join(work, 'cloud');
  const dir = join(work, 'flex');
  let cloud: CloudProcess;
  let admin: CloudAdmin;
  let server: ServerProcess | undefined;
  let customerId = '';

  before(async () => {
    cloud = await startCloud(cloudDir, { args: ['--sync-interval', '3600', '--grace', '3600'] });
    admin = cloudAdmin(cloud);
    customerId = await flexibleCustomer(cloud, 'Acme Restart', 'asr=10');
  });
  after(async () => {
    await server?.stop();
    await cloud?.stop();
    await cleanup();
  });

  const vendorKeys = () => [join(cloudDir, 'vendor.pub')];
  const conf = () => readFileSync(join(dir, 'server.conf'), 'utf8');
  const total = async (clientUrl: string) =>
    (await features(clientUrl)).features.find((f) => f.feature === 'asr')?.total ?? 0;

  test('enrolled with the portal command, stopped, started with no mode or Cloud flag: still flexible, and it syncs', async () => {
    const code = await admin.enroll(customerId);
    // The portal's command (packages/portal, the Flexible page), with DIR filled in.
    const portalCommand = `--mode flexible --cloud ${cloud.url} --enroll ${code}`;
    server = await startServer(dir, { vendorKeys: vendorKeys(), args: portalCommand.split(' ') });
    assert.equal(await untilEnrolled(dir), true, 'the first exchange at start enrolled the server');
    for (let i = 0; i < 50 && !/^mode = flexible$/m.test(conf()); i++) await sleep(100);
    assert.match(conf(), /^mode = flexible$/m, 'enrolling saved the mode in server.conf');
    assert.ok(conf().includes(`\ncloud_nodes = ${cloud.url}\n`), conf());
    assert.doesNotMatch(conf(), /^enrollment_code/m);
    await admin.allocate(server.info.serverId, 'asr', 2);
    assert.equal((await cliJson<{ applied: { seats: number } }>(['resync', '--data', dir])).applied.seats, 2);
    await server.stop();

    // Only what the test harness always gives (listeners on port 0, the test vendor's key, log level).
    server = await startServer(dir, { vendorKeys: vendorKeys() });
    const status = await cliJson<{ mode: string; cloudUrls: string[]; enrolled: boolean }>([
      'sync',
      'status',
      '--data',
      dir,
    ]);
    assert.deepEqual([status.mode, status.cloudUrls, status.enrolled], ['flexible', [cloud.url], true]);
    const mode = await cliJson<{ value: string; source: string }>(['config', 'get', 'mode', '--data', dir, '--json']);
    assert.deepEqual([mode.value, mode.source], ['flexible', 'file']);
    assert.equal(await total(server.clientUrl), 2, 'the seats of the last Sync are served after the restart');
    await admin.allocate(server.info.serverId, 'asr', 3);
    assert.equal((await cliJson<{ applied: { seats: number } }>(['resync', '--data', dir])).applied.seats, 3);
    assert.equal(await total(server.clientUrl), 3);
    assert.doesNotMatch(server.log(), /licensing mode changed/, 'the mode is the one it ran in: nothing to warn of');
  });
});
