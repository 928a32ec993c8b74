import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  checkout,
  cleanup,
  cli,
  cliJson,
  features,
  heartbeat,
  issueInProcess,
  release,
  startServer,
  tempDir,
  vendorKeyInProcess,
} from './support.js';

after(cleanup);

describe('crashes', () => {
  test('after kill -9 and a restart, every lease acknowledged before the kill is still held, and nothing more', {
    timeout: 45_000,
  }, async () => {
    const work = tempDir();
    const data = join(work, 'srv');
    const vendor = vendorKeyInProcess(join(work, 'vendor'));
    const first = await startServer(data, { vendorKeys: [vendor.pub] });
    await cliJson(['server-id', '--data', data, '--out', join(work, 'info.bts')]);
    const lic = join(work, 'a.lic');
    await issueInProcess(vendor, join(work, 'info.bts'), lic, ['asr=5']);
    await cliJson(['license', 'install', lic, '--data', data]);

    // Four leases (5 seats), checked out concurrently; one released again before the kill.
    const granted = await Promise.all([
      checkout(first.clientUrl, 'asr', 1, 'c1'),
      checkout(first.clientUrl, 'asr', 2, 'c2'),
      checkout(first.clientUrl, 'asr', 1, 'c3'),
      checkout(first.clientUrl, 'asr', 1, 'c4'),
    ]);
    assert.deepEqual(
      granted.map((g) => g.status),
      [201, 201, 201, 201],
    );
    const [l1, l2, l3, l4] = granted.map((g) => g.body.leaseId) as [string, string, string, string];
    assert.equal((await release(first.clientUrl, l4)).status, 204);
    const held = [l1, l2, l3];
    const seatsHeld = 4; // 1 + 2 + 1
    await first.kill9();

    const second = await startServer(data, { vendorKeys: [vendor.pub] });
    const asr = (await features(second.clientUrl)).features.find((f) => f.feature === 'asr');
    assert.equal(asr?.inUse, seatsHeld, 'every acknowledged seat is held again, the released one is not');
    for (const leaseId of held) {
      assert.equal((await heartbeat(second.clientUrl, leaseId)).status, 200, `heartbeat of ${leaseId}`);
    }
    const releasedHeartbeat = await heartbeat(second.clientUrl, l4);
    assert.equal(releasedHeartbeat.status, 410, 'the lease released before the kill stays released');
    // The usage counted with those leases is on disk with them: none of it waited for a flush.
    const token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
    const usage = (await (
      await fetch(`${second.adminUrl}/api/v1/usage?days=1`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { features: { feature: string; peak: number[]; checkouts: number[] }[] };
    const asrUsage = usage.features.find((f) => f.feature === 'asr');
    assert.deepEqual(
      asrUsage && { checkouts: asrUsage.checkouts.reduce((a, b) => a + b, 0), peak: Math.max(...asrUsage.peak) },
      { checkouts: 4, peak: 5 },
      'the checkouts and the peak acknowledged before kill -9 are counted',
    );
    // One seat is left: it is granted, and the next checkout finds none.
    assert.equal((await checkout(second.clientUrl, 'asr', 1, 'c5')).status, 201);
    const denied = await checkout(second.clientUrl, 'asr', 1, 'c6');
    assert.equal(denied.status, 409);
    assert.equal(denied.body.error?.code, 'NO_SEATS');
    await second.stop();
  });

  test('a server killed inside the install transaction has not installed the license; installing it again succeeds', {
    timeout: 45_000,
  }, async () => {
    const work = tempDir();
    const data = join(work, 'srv');
    const vendor = vendorKeyInProcess(join(work, 'vendor'));
    const crashing = await startServer(data, {
      vendorKeys: [vendor.pub],
      env: { TESSERA_TEST_CRASH_AT: 'install-mid-transaction' },
    });
    await cliJson(['server-id', '--data', data, '--out', join(work, 'info.bts')]);
    const lic = join(work, 'a.lic');
    const licenseId = await issueInProcess(vendor, join(work, 'info.bts'), lic, ['asr=3']);

    const install = await cli(['license', 'install', lic, '--data', data]);
    assert.equal(install.code, 1, 'the install fails: the server died before answering');
    assert.match(install.stderr, /^tessera: .*\(UNAVAILABLE\)\n$/);
    const died = await crashing.exited;
    assert.equal(died.signal, 'SIGKILL', `the server killed itself at the crash point:\n${crashing.log()}`);

    const restarted = await startServer(data, { vendorKeys: [vendor.pub] });
    const list = await cliJson<{ licenses: unknown[] }>(['license', 'list', '--data', data]);
    assert.deepEqual(list.licenses, [], 'the torn install left nothing behind');
    assert.deepEqual((await features(restarted.clientUrl)).features, []);

    const again = await cliJson(['license', 'install', lic, '--data', data]);
    assert.equal(again.id, licenseId);
    assert.equal((await checkout(restarted.clientUrl, 'asr', 3)).status, 201);
    await restarted.stop();
  });
});
