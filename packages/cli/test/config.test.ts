/**
 * Settings with real processes: `tessera config` on a data dir with and without a running
 * server, a hand-written mistake in server.conf stopping `server start` with its line, a flag
 * pinning a value, and a mode switch while clients hold seats dropping none of them.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  type CloudProcess,
  checkout,
  cleanup,
  cli,
  cliJson,
  cliOk,
  cloudAdmin,
  features,
  flexibleCustomer,
  heartbeat,
  issueInProcess,
  makeDir,
  oneStderrLine,
  type ServerProcess,
  startCloud,
  startServer,
  tempDir,
  untilEnrolled,
  vendorKeyInProcess,
} from './support.js';

after(cleanup);

interface SettingJson {
  key: string;
  value: string | null;
  saved: string | null;
  source: string;
  pinnedBy: string | null;
}

interface UpdateJson {
  changes: { key: string; old: string | null; new: string | null; apply: string }[];
  warnings: Record<string, string>;
}

describe('tessera config', { timeout: 120_000 }, () => {
  test('set and get on a data dir with no server; a mistake by hand stops the start, naming the line', async () => {
    const work = tempDir();
    const data = makeDir(join(work, 'srv'));
    const conf = join(data, 'server.conf');
    const set = await cliJson<UpdateJson & { id: string }>([
      'config',
      'set',
      'lease_seconds',
      '60',
      '--data',
      data,
      '--json',
    ]);
    assert.deepEqual(
      set.changes.map((c) => [c.key, c.old, c.new, c.apply]),
      [['lease_seconds', null, '60', 'live']],
    );
    assert.match(readFileSync(conf, 'utf8'), /^lease_seconds = 60$/m);
    const got = await cliJson<SettingJson>(['config', 'get', 'lease_seconds', '--data', data, '--json']);
    assert.deepEqual([got.value, got.source], ['60', 'file']);

    const before = readFileSync(conf, 'utf8');
    const bad = await cli(['config', 'set', 'sync_time', '25:00', '--data', data]);
    assert.equal(bad.code, 1);
    assert.match(oneStderrLine(bad), /^tessera: sync_time hour must be 0-23, got 25 \(SETTINGS_INVALID\)$/);
    assert.equal(readFileSync(conf, 'utf8'), before, 'a refused value leaves the file as it was');

    const lines = before.split('\n').length;
    appendFileSync(conf, 'mdoe = als\n');
    const start = await cli([
      'server',
      'start',
      '--data',
      data,
      '--client-listen',
      '127.0.0.1:0',
      '--admin-listen',
      '127.0.0.1:0',
    ]);
    assert.equal(start.code, 1);
    assert.match(oneStderrLine(start), new RegExp(`server\\.conf:${lines}: unknown key "mdoe" \\(known: mode, `));

    writeFileSync(conf, before);
    const server = await startServer(data, { args: ['--lease-seconds', '90'] });
    try {
      const pinned = await cliJson<SettingJson>(['config', 'get', 'lease_seconds', '--data', data, '--json']);
      assert.deepEqual(
        { value: pinned.value, saved: pinned.saved, source: pinned.source, pinnedBy: pinned.pinnedBy },
        { value: '90', saved: '60', source: 'flag', pinnedBy: '--lease-seconds' },
      );
      const human = await cliOk(['config', 'get', '--data', data]);
      assert.match(human.stdout, /^lease_seconds\s+90\s+\[flag --lease-seconds \(file has 60\)\]$/m);
      assert.match(human.stdout, /^mode\s+perpetual\s+\[default\]$/m);
    } finally {
      await server.stop();
    }
  });

  describe('a mode switch while clients hold seats', () => {
    const work = tempDir();
    const cloudDir = join(work, 'cloud');
    const data = makeDir(join(work, 'srv'));
    let cloud: CloudProcess | undefined;
    let server: ServerProcess | undefined;
    after(async () => {
      await server?.stop();
      await cloud?.stop();
    });

    test('perpetual and flexible seats survive flexible -> pls -> als -> perpetual -> flexible and a restart', async () => {
      cloud = await startCloud(cloudDir, { args: ['--sync-interval', '3600', '--grace', '3600'] });
      const admin = cloudAdmin(cloud);
      const customerId = await flexibleCustomer(cloud, 'Switch Co', 'asr=10');
      const code = await admin.enroll(customerId);

      // The mode comes from the file (a --mode flag would pin it and the switch would wait).
      for (const [key, value] of [
        ['cloud_nodes', cloud.url],
        ['enrollment_code', code],
        ['mode', 'flexible'],
      ] as const) {
        await cliOk(['config', 'set', key, value, '--data', data]);
      }
      const vendor = vendorKeyInProcess(join(work, 'vendor'));
      const keys = [join(cloudDir, 'vendor.pub'), vendor.pub];
      server = await startServer(data, { vendorKeys: keys });
      const s = server;
      assert.ok(await untilEnrolled(data), 'the first exchange enrolled the server');
      await admin.allocate(s.info.serverId, 'asr', 3);
      assert.equal((await cliJson<{ applied: { seats: number } }>(['resync', '--data', data])).applied.seats, 3);
      await cliOk(['server-id', '--data', data, '--out', join(work, 'info.bts')]);
      await issueInProcess(vendor, join(work, 'info.bts'), join(work, 'tts.lic'), ['tts=2']);
      await cliOk(['license', 'install', join(work, 'tts.lic'), '--data', data]);

      const leases: string[] = [];
      for (const feature of ['asr', 'asr', 'tts', 'tts']) {
        const r = await checkout(s.clientUrl, feature);
        assert.equal(r.status, 201, JSON.stringify(r.body));
        leases.push(r.body.leaseId);
      }
      const held = async (when: string) => {
        for (const id of leases) {
          const hb = await heartbeat(s.clientUrl, id);
          assert.equal(hb.status, 200, `${when}: lease ${id} heartbeats (${JSON.stringify(hb.body)})`);
        }
        const f = (await features(s.clientUrl)).features;
        const seats = Object.fromEntries(f.map((x) => [x.feature, [x.total, x.inUse]]));
        assert.deepEqual(seats, { asr: [3, 2], tts: [2, 2] }, `${when}: every license and lease is still there`);
      };
      await held('in mode flexible');

      for (const mode of ['pls', 'als', 'perpetual', 'flexible']) {
        const r = await cliJson<UpdateJson>(['config', 'set', 'mode', mode, '--data', data, '--json']);
        assert.deepEqual(
          r.changes.map((c) => [c.key, c.new, c.apply]),
          [['mode', mode, 'live']],
        );
        const info = await cliJson<{ mode: string }>(['sync', 'status', '--data', data]);
        assert.equal(info.mode, mode, 'the running server took the new mode at once');
        await held(`after the switch to ${mode}`);
      }
      // Back online: the exchange runs again.
      assert.equal((await cliJson<{ applied: { seats: number } }>(['resync', '--data', data])).applied.seats, 3);

      await server.stop();
      server = await startServer(data, { vendorKeys: keys });
      const restarted = server;
      assert.equal((await cliJson<{ mode: string }>(['sync', 'status', '--data', data])).mode, 'flexible');
      for (const id of leases)
        assert.equal((await heartbeat(restarted.clientUrl, id)).status, 200, 'held across the restart');
    });
  });
});
