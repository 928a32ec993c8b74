import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  hashFactors,
  hourMark,
  Keyring,
  publicKeyFromPem,
  type ReportClaims,
  signReport,
  type UsageHour,
  verifySync,
} from '@tessera/core';
import { CloudApiClient, CloudApiError } from '../api/client.js';
import { startCloud } from '../runtime/cloud.js';
import { startTestCloud, type TestCloud } from '../test-support/cloud.js';
import { newLicenseServer, RAW_FACTORS, silentLogger, type TestLicenseServer } from '../test-support/fixtures.js';

function reportOf(srv: TestLicenseServer, sequence: number, usage: UsageHour[], extra: Partial<ReportClaims> = {}) {
  return signReport(
    {
      serverId: srv.serverId,
      sequence,
      createdAt: new Date().toISOString(),
      factors: hashFactors(RAW_FACTORS, srv.serverId),
      acknowledgedThrough: null,
      usage,
      ...extra,
    },
    srv.privateKey,
  );
}

describe('flexible licensing over HTTP', { timeout: 60_000 }, () => {
  let t: TestCloud;
  let api: CloudApiClient;
  let keyring: Keyring;
  let customerId: string;

  before(async () => {
    t = await startTestCloud({ syncIntervalSeconds: 5, graceSeconds: 20 });
    api = new CloudApiClient({ url: t.cloud.url, token: t.token });
    keyring = await Keyring.from([publicKeyFromPem(await api.vendorKey())]);
    await api.featureAdd('asr');
    customerId = (await api.customerAdd('Acme')).id;
    await api.entitlementAdd({ customerId, type: 'flexible', feature: 'asr', count: 5 });
  });
  after(async () => {
    await t.stop();
  });

  test('enroll by code, allocate, sync: the Sync carries the seats, verifies with the vendor key, usage is charted', async () => {
    const enr = await api.enroll(customerId);
    assert.ok(enr.code);
    const srv = await newLicenseServer('http.acme.example');
    const first = await reportOf(srv, 1, [], { enrollment: { code: enr.code, serverIdDocument: srv.serverIdFile } });
    const s1 = (await verifySync(await api.sync(first), keyring)).claims;
    assert.deepEqual([s1.syncCounter, s1.nextSyncSeconds, s1.licenses.length], [1, 5, 0]);
    assert.equal(Date.parse(s1.validUntil) - Date.parse(s1.issuedAt), 20_000);

    const alloc = await api.allocate(srv.serverId, ['asr=3']);
    assert.deepEqual(
      alloc.features.map((f) => [f.feature, f.count]),
      [['asr', 3]],
    );
    assert.deepEqual((await api.allocations(srv.serverId)).features[0]!.count, 3);
    const hour = hourMark(Date.now() - 3_600_000);
    const usage: UsageHour[] = [{ feature: 'asr', hour, peakSeats: 2, seatSeconds: 3600, checkouts: 4, denials: 1 }];
    const s2 = (await verifySync(await api.sync(await reportOf(srv, 2, usage)), keyring)).claims;
    assert.equal(s2.licenses[0]!.features[0]!.count, 3);
    assert.equal(s2.acknowledgedThrough, hour);

    // Raw HTTP: the envelope of the sync endpoint, no credentials needed.
    const raw = await t.call('POST', '/v1/sync', { report: await reportOf(srv, 3, usage) }, { authorization: '' });
    assert.equal(raw.status, 200);
    assert.match(raw.json().sync, /^# Tessera sync 3 for /);

    const status = await api.syncStatus(srv.serverId);
    assert.equal(status.syncCounter, 3);
    assert.equal(status.lastSequence, 3);
    assert.deepEqual(status.flags, []);
    const chart = await api.usage({ customerId, bucket: 'hour', days: 2 });
    assert.deepEqual(chart.totals, [{ feature: 'asr', peakSeats: 2, seatSeconds: 3600, checkouts: 4, denials: 1 }]);
    assert.equal(chart.series[0]!.serverId, srv.serverId);
    assert.deepEqual(chart.series[0]!.points, [{ t: hour, peakSeats: 2, seatSeconds: 3600, checkouts: 4, denials: 1 }]);
    assert.equal((await api.enrollmentList(customerId))[0]!.serverId, srv.serverId);
  });

  test('refusals come in the error envelope with their codes', async () => {
    const srv = await newLicenseServer('unknown.acme.example');
    const unknown = await t.call('POST', '/v1/sync', { report: await reportOf(srv, 1, []) }, { authorization: '' });
    assert.equal(unknown.status, 403);
    assert.equal(unknown.json().error.code, 'SERVER_UNKNOWN');
    const bad = await t.call('POST', '/v1/sync', { report: 'garbage' }, { authorization: '' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().error.code, 'DOC_MALFORMED');
    const enrollBad = await t.call(
      'POST',
      '/v1/sync',
      {
        report: await reportOf(srv, 1, [], { enrollment: { code: 'NOPE1-NOPE2', serverIdDocument: srv.serverIdFile } }),
      },
      { authorization: '' },
    );
    assert.equal(enrollBad.status, 403);
    assert.deepEqual(
      [enrollBad.json().error.code, enrollBad.json().error.reason],
      ['ENROLLMENT_INVALID', 'UNKNOWN_CODE'],
    );

    await api.serverRegister(customerId, srv.serverIdFile);
    await assert.rejects(api.allocate(srv.serverId, ['asr=99']), (e: unknown) => {
      assert.ok(e instanceof CloudApiError);
      assert.deepEqual([e.status, e.code, e.reason], [409, 'CONFLICT', 'OVER_ALLOCATION']);
      return true;
    });
    await api.sync(await reportOf(srv, 1, []));
    const replay = await t.call(
      'POST',
      '/v1/sync',
      {
        report: await reportOf(srv, 1, [
          {
            feature: 'asr',
            hour: hourMark(Date.now() - 7_200_000),
            peakSeats: 1,
            seatSeconds: 1,
            checkouts: 1,
            denials: 0,
          },
        ]),
      },
      { authorization: '' },
    );
    assert.equal(replay.status, 409);
    assert.equal(replay.json().error.code, 'REPORT_REPLAYED');
    assert.equal((await api.syncStatus(srv.serverId)).flags[0]!.kind, 'SEQUENCE_REUSED');
  });
});

describe('the sync schedule', { timeout: 60_000 }, () => {
  test('production allows 1 day to 1 week; seconds only behind the test knob', async () => {
    const saved = { TESSERA_TEST: process.env.TESSERA_TEST, SHORT: process.env.TESSERA_TEST_SHORT_SYNC };
    delete process.env.TESSERA_TEST;
    delete process.env.TESSERA_TEST_SHORT_SYNC;
    try {
      const dataDir = `/tmp/tessera-sync-policy-${process.pid}`;
      await assert.rejects(
        startCloud({ dataDir, listen: '127.0.0.1:0', logger: silentLogger, syncIntervalSeconds: 60 }),
        /--sync-interval must be 86400\.\.604800 seconds .*TESSERA_TEST_SHORT_SYNC=1/,
      );
      await assert.rejects(
        startCloud({ dataDir, listen: '127.0.0.1:0', logger: silentLogger, graceSeconds: 60 }),
        /--grace must be 86400\.\.7776000 seconds/,
      );
      await assert.rejects(
        startCloud({ dataDir, listen: '127.0.0.1:0', logger: silentLogger, syncIntervalSeconds: 8 * 86_400 }),
        /--sync-interval must be/,
      );
    } finally {
      if (saved.TESSERA_TEST !== undefined) process.env.TESSERA_TEST = saved.TESSERA_TEST;
      if (saved.SHORT !== undefined) process.env.TESSERA_TEST_SHORT_SYNC = saved.SHORT;
    }
  });
});
