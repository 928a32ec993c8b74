/**
 * Flexible licensing with real processes: `tessera cloud start` (short sync interval and
 * grace), License Servers in modes pls and als, the CLI's resync / report / sync commands.
 * ALS report -> PLS send -> ALS import -> seats, with an ALS `kill -9` between report and
 * import and two reports before one import.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type CloudAdmin,
  type CloudProcess,
  checkout,
  cleanup,
  cliJson,
  cliOk,
  cloudAdmin,
  features,
  flexibleCustomer,
  freePort,
  type ServerProcess,
  startCloud,
  startServer,
  tempDir,
  untilEnrolled,
} from './support.js';

describe('flexible licensing with real processes', { timeout: 240_000 }, () => {
  const work = tempDir();
  const cloudDir = join(work, 'cloud');
  const plsDir = join(work, 'pls');
  const alsDir = join(work, 'als');
  let cloud: CloudProcess;
  let pls: ServerProcess;
  let als: ServerProcess;
  let admin: CloudAdmin;
  let customerId = '';
  const vendorPub = () => join(cloudDir, 'vendor.pub');

  const enroll = () => admin.enroll(customerId);
  const allocate = (serverId: string, count: number) => admin.allocate(serverId, 'asr', count);
  const total = async (clientUrl: string) =>
    (await features(clientUrl)).features.find((f) => f.feature === 'asr')?.total ?? 0;

  before(async () => {
    cloud = await startCloud(cloudDir, { args: ['--sync-interval', '3600', '--grace', '3600'] });
    admin = cloudAdmin(cloud);
    customerId = await flexibleCustomer(cloud, 'Acme Flex', 'asr=10');
  });
  after(async () => {
    await als?.stop();
    await pls?.stop();
    await cloud?.stop();
    await cleanup();
  });

  test('PLS online: enrolled at start, allocate -> resync -> seats', async () => {
    const code = await enroll();
    pls = await startServer(plsDir, {
      vendorKeys: [vendorPub()],
      args: ['--mode', 'pls', '--cloud', cloud.url, '--enroll', code],
    });
    assert.equal(await untilEnrolled(plsDir), true, 'the first exchange at start enrolled the PLS');
    await allocate(pls.info.serverId, 3);
    const r = await cliJson<{ applied: { seats: number } }>(['resync', '--data', plsDir]);
    assert.equal(r.applied.seats, 3);
    assert.equal(await total(pls.clientUrl), 3);
    assert.equal((await checkout(pls.clientUrl, 'asr')).status, 201);
  });

  test('ALS: report -> kill -9 -> restart -> second report -> PLS send -> ALS import -> seats', async () => {
    const code = await enroll();
    als = await startServer(alsDir, { vendorKeys: [vendorPub()], args: ['--mode', 'als', '--enroll', code] });
    const r1 = join(work, 'r1.report');
    await cliOk(['report', 'create', '--data', alsDir, '--out', r1]);
    await als.kill9();
    als = await startServer(alsDir, { vendorKeys: [vendorPub()], args: ['--mode', 'als'] });
    const r2 = join(work, 'r2.report');
    const second = await cliJson<{ sequence: number }>(['report', 'create', '--data', alsDir, '--out', r2]);
    assert.equal(second.sequence, 2, 'the sequence survived kill -9');
    // The first report is carried to the PLS: it enrolls the ALS; the allocation follows.
    const s1 = join(work, 's1.sync');
    await cliOk(['report', 'send', r1, '--data', plsDir, '--out', s1]);
    await allocate(als.info.serverId, 4);
    const s2 = join(work, 's2.sync');
    await cliOk(['report', 'send', r2, '--data', plsDir, '--out', s2]);
    const imported = await cliJson<{ applied: { seats: number; syncCounter: number } }>([
      'sync',
      'import',
      s2,
      '--data',
      alsDir,
    ]);
    assert.equal(imported.applied.seats, 4);
    assert.equal(await total(als.clientUrl), 4);
    // The older Sync, and the same one again, change nothing and say why.
    for (const f of [s1, s2]) {
      const again = await cliJson<unknown>(['sync', 'import', f, '--data', alsDir]).catch((e: Error) => e);
      assert.ok(again instanceof Error && /SYNC_NOT_NEWER/.test(again.message), String(again));
    }
    assert.equal(await total(als.clientUrl), 4);
  });

  test('Cloud stopped: served until valid-until (--grace), then SYNC_EXPIRED; Cloud back, resync, served', async () => {
    const dir = join(work, 'cloud-grace');
    const port = await freePort();
    const args = ['--listen', `127.0.0.1:${port}`, '--sync-interval', '1', '--grace', '4'];
    let c2 = await startCloud(dir, { args });
    const admin2 = cloudAdmin(c2);
    const graceCustomer = await flexibleCustomer(c2, 'Acme Grace', 'asr=5');
    const code = await admin2.enroll(graceCustomer);
    const flexDir = join(work, 'flex');
    const flex = await startServer(flexDir, {
      vendorKeys: [join(dir, 'vendor.pub')],
      args: ['--mode', 'flexible', '--cloud', c2.url, '--enroll', code],
    });
    try {
      await untilEnrolled(flexDir);
      await admin2.allocate(flex.info.serverId, 'asr', 2);
      await cliOk(['resync', '--data', flexDir]);
      assert.equal(await total(flex.clientUrl), 2);
      await c2.stop();
      assert.equal((await checkout(flex.clientUrl, 'asr', 1, 'during-outage')).status, 201, 'served while valid');
      let refused: { status: number; body: unknown } | undefined;
      for (let i = 0; i < 200; i++) {
        const r = await checkout(flex.clientUrl, 'asr', 1, `probe-${i}`);
        if (r.status === 503) {
          refused = r;
          break;
        }
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.ok(refused, 'refused once valid-until passed');
      assert.match(JSON.stringify(refused.body), /SYNC_EXPIRED/);
      const st = await cliJson<{ lastFailure: { code: string } | null; expired: boolean }>([
        'sync',
        'status',
        '--data',
        flexDir,
      ]);
      assert.equal(st.expired, true);
      assert.ok(st.lastFailure, 'the failure is shown');
      c2 = await startCloud(dir, { args });
      await cliOk(['resync', '--data', flexDir]);
      assert.equal((await checkout(flex.clientUrl, 'asr', 1, 'after-outage')).status, 201);
    } finally {
      await flex.stop();
      await c2.stop();
    }
  });
});
