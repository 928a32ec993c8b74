/**
 * Usage totals at the Cloud equal the usage that happened, nothing lost and nothing counted
 * twice (issue 5), with real processes: `tessera cloud start`, a PLS, an ALS and an online
 * flexible server, seats held by clients over known hours.
 *
 * Hours must close before they are reported, so the License Servers under test and the Cloud
 * run on one test clock (`TESSERA_TEST_CLOCK_FILE`, honoured because the test runner sets
 * `TESSERA_TEST=1`) that stands still at instants the test chooses and jumps forward when told.
 * They share it because each checks the other's time: the Cloud refuses hours that have not
 * ended by its clock, and a License Server refuses a Sync issued more than ten minutes ahead of
 * its own. Leases live a day so that the jumps do not lapse them.
 */
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeReportUnverified } from '@tessera/core';
import {
  type CloudAdmin,
  type CloudProcess,
  checkout,
  cleanup,
  cli,
  cliJson,
  cliOk,
  cloudAdmin,
  features,
  flexibleCustomer,
  release,
  type ServerProcess,
  sleep,
  startCloud,
  startServer,
  tempDir,
} from './support.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Long leases: time jumps hours at a step, and no client heartbeats through a jump. */
const LEASE_ARGS = ['--lease-seconds', '86400', '--heartbeat-seconds', '3600'];

interface Totals {
  feature: string;
  peakSeats: number;
  seatSeconds: number;
  checkouts: number;
  denials: number;
}
interface UsageAnswer {
  series: { serverId: string; feature: string; points: ({ t: string } & Omit<Totals, 'feature'>)[] }[];
  totals: Totals[];
}

describe('usage totals at the Cloud equal the usage that happened (real processes)', { timeout: 300_000 }, () => {
  const work = tempDir('tessera-usage-');
  const cloudDir = join(work, 'cloud');
  let cloud: CloudProcess;
  let pls: ServerProcess;
  let admin: CloudAdmin;
  let customerId = '';
  /**
   * Start of an hour eight hours ago: the offline test begins there, the online one four hours
   * later, and both end before now (the PLS runs on the real clock: a Sync the Cloud issued in
   * its future would be refused).
   */
  const H = Math.floor(Date.now() / HOUR) * HOUR - 8 * HOUR;
  const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 13)}:00:00Z`;

  const enroll = () => admin.enroll(customerId);
  const allocate = (serverId: string, count: number) => admin.allocate(serverId, 'asr', count);
  const usageAt = (serverId: string) =>
    admin.api<UsageAnswer>('GET', `/api/v1/usage?serverId=${serverId}&bucket=hour&days=2`);
  const total = async (clientUrl: string) =>
    (await features(clientUrl)).features.find((f) => f.feature === 'asr')?.total ?? 0;

  /**
   * The test clock of the Cloud and of the servers under test, standing at `ms`; each process
   * re-reads it within 100 ms. Time only moves forward, through both tests.
   */
  const clock = (() => {
    const file = join(work, 'test.clock');
    const set = async (ms: number) => {
      writeFileSync(`${file}.tmp`, `@${ms}\n`);
      renameSync(`${file}.tmp`, file);
      await sleep(250);
    };
    return { file, set };
  })();

  /** Create Report File on `dir`, keep it as `name`.report, and return its path and claims. */
  const report = async (dir: string, name: string) => {
    const out = join(work, `${name}.report`);
    await cliOk(['report', 'create', '--data', dir, '--out', out]);
    return { path: out, claims: decodeReportUnverified(readFileSync(out, 'utf8')) };
  };
  /** Send Report File through the PLS; returns the Sync File's path. */
  const send = async (reportPath: string, name: string) => {
    const out = join(work, `${name}.sync`);
    await cliOk(['report', 'send', reportPath, '--data', pls.dataDir, '--out', out]);
    return out;
  };
  const importSync = (dir: string, syncPath: string) =>
    cliJson<{ applied: { seats: number; acknowledgedThrough: string | null } }>([
      'sync',
      'import',
      syncPath,
      '--data',
      dir,
    ]);
  const hold = async (clientUrl: string, count: number, client: string) => {
    const r = await checkout(clientUrl, 'asr', count, client);
    assert.equal(r.status, 201, `${client} holds ${count}: ${JSON.stringify(r.body)}`);
    return r.body.leaseId;
  };

  before(async () => {
    await clock.set(H);
    cloud = await startCloud(cloudDir, {
      args: ['--sync-interval', '3600', '--grace', '86400'],
      env: { TESSERA_TEST_CLOCK_FILE: clock.file },
    });
    admin = cloudAdmin(cloud);
    customerId = await flexibleCustomer(cloud, 'Acme Usage', 'asr=20');
    const plsDir = join(work, 'pls');
    pls = await startServer(plsDir, {
      vendorKeys: [join(cloudDir, 'vendor.pub')],
      args: ['--mode', 'pls', '--cloud', cloud.url, '--enroll', await enroll()],
    });
  });
  after(async () => {
    await pls?.stop();
    await cloud?.stop();
    await cleanup();
  });

  test('offline: ALS report, kill -9, restart, second report, PLS send both, ALS import; replays count nothing twice', async () => {
    const alsDir = join(work, 'als');
    await clock.set(H + 10 * MIN);
    const startAls = async (extra: string[] = []) =>
      startServer(alsDir, {
        vendorKeys: [join(cloudDir, 'vendor.pub')],
        env: { TESSERA_TEST_CLOCK_FILE: clock.file },
        args: ['--mode', 'als', ...LEASE_ARGS, ...extra],
      });
    let als = await startAls(['--enroll', await enroll()]);
    try {
      assert.match(als.log(), /TESSERA_TEST_CLOCK_FILE/, 'the knob is announced');
      // Enrollment by Report File through the PLS, then the allocation arrives with the next Sync.
      const r0 = await report(alsDir, 'als-0');
      await importSync(alsDir, await send(r0.path, 'als-0'));
      await allocate(als.info.serverId, 3);
      const r0b = await report(alsDir, 'als-0b');
      assert.equal((await importSync(alsDir, await send(r0b.path, 'als-0b'))).applied.seats, 3);
      assert.equal(await total(als.clientUrl), 3);

      // Hour H: a holds 2 seats from :10, b 1 seat from :10 to :40; c is denied at :10.
      const a = await hold(als.clientUrl, 2, 'client-a');
      const b = await hold(als.clientUrl, 1, 'client-b');
      const denied = await checkout(als.clientUrl, 'asr', 1, 'client-c');
      assert.equal(denied.status, 409);
      await clock.set(H + 40 * MIN);
      assert.equal((await release(als.clientUrl, b)).status, 204);

      // H+1:30: hour H has closed. Report 1, then the ALS dies before any Sync comes back.
      await clock.set(H + HOUR + 30 * MIN);
      const r1 = await report(alsDir, 'als-1');
      assert.deepEqual(
        r1.claims.usage.map((u) => u.hour),
        [iso(H)],
      );
      await als.kill9();
      als = await startAls();
      // d holds 1 seat from H+1:30; a is still held (its lease came back with the restart).
      const d = await hold(als.clientUrl, 1, 'client-d');

      // H+2:20: hour H+1 has closed. Report 2 covers everything not yet acknowledged.
      await clock.set(H + 2 * HOUR + 20 * MIN);
      const r2 = await report(alsDir, 'als-2');
      assert.equal(r2.claims.sequence, r1.claims.sequence + 1, 'the sequence survived kill -9');
      assert.deepEqual(
        r2.claims.usage.map((u) => u.hour),
        [iso(H), iso(H + HOUR)],
        'a newer Report covers the older one',
      );
      // Both are carried to the PLS; only the newer Sync is imported.
      const s1 = await send(r1.path, 'als-1');
      const s2 = await send(r2.path, 'als-2');
      const imported = await importSync(alsDir, s2);
      assert.equal(imported.applied.acknowledgedThrough, iso(H + HOUR));
      const old = await cli(['sync', 'import', s1, '--data', alsDir]);
      assert.notEqual(old.code, 0);
      assert.match(old.stderr, /SYNC_NOT_NEWER|older than the one applied/);

      const expectedHours = [
        { t: iso(H), peakSeats: 3, seatSeconds: 2 * 3000 + 1 * 1800, checkouts: 2, denials: 1 },
        { t: iso(H + HOUR), peakSeats: 3, seatSeconds: 2 * 3600 + 1 * 1800, checkouts: 1, denials: 0 },
      ];
      const seen = await usageAt(als.info.serverId);
      assert.deepEqual(seen.series[0]?.points, expectedHours);

      // Replays: the old Report sent again (by the PLS) and the new one again change no total.
      await send(r1.path, 'als-1-again');
      await send(r2.path, 'als-2-again');
      assert.deepEqual(
        (await usageAt(als.info.serverId)).totals,
        seen.totals,
        'a replayed Report counts nothing twice',
      );

      // H+2:40 both release; at H+3:05 hour H+2 has closed. The ALS is killed once more first:
      // the acknowledgement it imported is on disk, so the next Report holds H+2 only.
      await clock.set(H + 2 * HOUR + 40 * MIN);
      assert.equal((await release(als.clientUrl, a)).status, 204);
      assert.equal((await release(als.clientUrl, d)).status, 204);
      await clock.set(H + 3 * HOUR + 5 * MIN);
      await report(alsDir, 'als-flush'); // writes the closed hour, as any Report does
      await als.kill9();
      als = await startAls();
      const r3 = await report(alsDir, 'als-3');
      assert.deepEqual(
        r3.claims.usage.map((u) => u.hour),
        [iso(H + 2 * HOUR)],
      );
      await importSync(alsDir, await send(r3.path, 'als-3'));

      const final = await usageAt(als.info.serverId);
      assert.deepEqual(final.series[0]?.points, [
        ...expectedHours,
        { t: iso(H + 2 * HOUR), peakSeats: 3, seatSeconds: 2 * 2400 + 1 * 2400, checkouts: 0, denials: 0 },
      ]);
      assert.deepEqual(final.totals, [
        { feature: 'asr', peakSeats: 3, seatSeconds: 7800 + 9000 + 7200, checkouts: 3, denials: 1 },
      ]);
    } finally {
      await als.stop();
    }
  });

  test('online: Resync Info reports closed hours; kill -9 between syncs and an old Report replayed lose and add nothing', async () => {
    const dir = join(work, 'flex');
    // After the offline test's hours: the shared clock only goes forward.
    const H2 = H + 4 * HOUR;
    await clock.set(H2 + 10 * MIN);
    const startFlex = async (extra: string[] = []) =>
      startServer(dir, {
        vendorKeys: [join(cloudDir, 'vendor.pub')],
        env: { TESSERA_TEST_CLOCK_FILE: clock.file },
        args: ['--mode', 'flexible', '--cloud', cloud.url, ...LEASE_ARGS, ...extra],
      });
    let flex = await startFlex(['--enroll', await enroll()]);
    try {
      for (let i = 0; i < 100; i++) {
        const st = await cliJson<{ enrolled: boolean }>(['sync', 'status', '--data', dir]);
        if (st.enrolled) break;
        await sleep(100);
      }
      await allocate(flex.info.serverId, 2);
      await cliOk(['resync', '--data', dir]);
      assert.equal(await total(flex.clientUrl), 2);
      // One seat from H2+0:10 to H2+2:10.
      const lease = await hold(flex.clientUrl, 1, 'online-client');
      await clock.set(H2 + HOUR + 5 * MIN);
      // A Report File made now and kept: replayed later, after newer Reports of the same hours.
      const kept = await report(dir, 'flex-kept');
      assert.deepEqual(
        kept.claims.usage.map((u) => u.hour),
        [iso(H2)],
      );
      await cliOk(['resync', '--data', dir]);
      await flex.kill9();
      flex = await startFlex();
      await clock.set(H2 + 2 * HOUR + 10 * MIN);
      assert.equal((await release(flex.clientUrl, lease)).status, 204);
      await clock.set(H2 + 3 * HOUR + 1 * MIN);
      await cliOk(['resync', '--data', dir]);
      const expected = [
        { t: iso(H2), peakSeats: 1, seatSeconds: 3000, checkouts: 1, denials: 0 },
        { t: iso(H2 + HOUR), peakSeats: 1, seatSeconds: 3600, checkouts: 0, denials: 0 },
        { t: iso(H2 + 2 * HOUR), peakSeats: 1, seatSeconds: 600, checkouts: 0, denials: 0 },
      ];
      assert.deepEqual((await usageAt(flex.info.serverId)).series[0]?.points, expected);
      // The kept (older) Report arrives late through a PLS: its hours were reported already.
      await send(kept.path, 'flex-kept');
      const after = await usageAt(flex.info.serverId);
      assert.deepEqual(after.series[0]?.points, expected);
      assert.deepEqual(after.totals, [{ feature: 'asr', peakSeats: 1, seatSeconds: 7200, checkouts: 1, denials: 0 }]);
    } finally {
      await flex.stop();
    }
  });
});
