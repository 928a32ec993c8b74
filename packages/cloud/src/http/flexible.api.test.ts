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
import { basic, startTestCloud, type TestCloud } from '../test-support/cloud.js';
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

describe('the flexible server list (GET /api/v1/flexible/servers)', { timeout: 60_000 }, () => {
  let t: TestCloud;
  let api: CloudApiClient;
  let acme: string;
  let globex: string;
  let globexUser: Record<string, string>;

  /** A customer's user with its password changed, signed in: its session cookie and CSRF token. */
  const customerUser = async (customerId: string, username: string) => {
    const password = 'initial password 1';
    const next = 'a long enough password';
    assert.equal(
      (await t.call('POST', '/api/v1/users', { username, role: 'customer', customerId, password })).status,
      201,
    );
    const changed = await t.call(
      'POST',
      '/api/v1/me/password',
      { current: password, next },
      { authorization: basic(username, password) },
    );
    assert.equal(changed.status, 204);
    const signIn = await t.call('POST', '/api/v1/session', { username, password: next }, { authorization: '' });
    return {
      authorization: '',
      cookie: String(signIn.headers['set-cookie']).split(';')[0]!,
      'x-csrf-token': signIn.json().csrfToken as string,
    };
  };
  const list = async (query = '', headers: Record<string, string> = {}) => {
    const r = await t.call('GET', `/api/v1/flexible/servers${query}`, undefined, headers);
    return { status: r.status, body: r.json() };
  };
  const enrolled = async (customerId: string, host: string) => {
    const srv = await newLicenseServer(host);
    const { code } = await api.enroll(customerId);
    await api.sync(await reportOf(srv, 1, [], { enrollment: { code, serverIdDocument: srv.serverIdFile } }));
    return srv;
  };

  before(async () => {
    t = await startTestCloud({ syncIntervalSeconds: 5, graceSeconds: 20 });
    api = new CloudApiClient({ url: t.cloud.url, token: t.token });
    for (const f of ['asr', 'tts']) await api.featureAdd(f);
    acme = (await api.customerAdd('Acme')).id;
    globex = (await api.customerAdd('Globex')).id;
    await api.entitlementAdd({ customerId: acme, type: 'flexible', feature: 'asr', count: 4 });
    await api.entitlementAdd({ customerId: acme, type: 'flexible', feature: 'tts', count: 2 });
    await api.entitlementAdd({ customerId: globex, type: 'flexible', feature: 'asr', count: 3 });
    globexUser = await customerUser(globex, 'globex-admin');
  });
  after(async () => {
    await t.stop();
  });

  test('lists servers that synced or hold seats, with seats allocated against seats delivered by the last Sync', async () => {
    const a1 = await enrolled(acme, 'a1.acme.example');
    const a2 = await newLicenseServer('a2.acme.example');
    await api.serverRegister(acme, a2.serverIdFile);

    let r = await list(`?customerId=${acme}`);
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.map((s: { id: string }) => s.id),
      [a1.serverId],
      'a server registered for perpetual licenses only is not a flexible one',
    );
    const first = r.body[0];
    assert.equal(first.hostName, 'a1.acme.example');
    assert.ok(first.enrolledAt, 'enrolled with a code');
    assert.deepEqual(first.features, []);
    assert.equal(first.sync.syncCounter, 1);
    assert.equal(first.sync.lastSequence, 1);
    assert.ok(first.sync.lastSyncAt && first.sync.validUntil);
    assert.deepEqual(first.flags, []);

    await api.allocate(a1.serverId, ['asr=3', 'tts=1']);
    r = await list(`?customerId=${acme}`);
    assert.deepEqual(r.body[0].features, [
      { feature: 'asr', count: 3, delivered: 0 },
      { feature: 'tts', count: 1, delivered: 0 },
    ]);

    await api.sync(await reportOf(a1, 2, []));
    r = await list(`?customerId=${acme}`);
    assert.deepEqual(r.body[0].features, [
      { feature: 'asr', count: 3, delivered: 3 },
      { feature: 'tts', count: 1, delivered: 1 },
    ]);
    assert.deepEqual([r.body[0].sync.syncCounter, r.body[0].sync.lastSequence], [2, 2]);

    // Taken down: tts shows at 0 until the server's next sync takes it away.
    await api.allocate(a1.serverId, ['asr=1']);
    r = await list(`?customerId=${acme}`);
    assert.deepEqual(r.body[0].features, [
      { feature: 'asr', count: 1, delivered: 3 },
      { feature: 'tts', count: 0, delivered: 1 },
    ]);
    await api.sync(await reportOf(a1, 3, []));
    assert.deepEqual((await list(`?customerId=${acme}`)).body[0].features, [
      { feature: 'asr', count: 1, delivered: 1 },
    ]);

    // A registered server becomes flexible with its first allocation, before it ever syncs.
    await api.allocate(a2.serverId, ['asr=2']);
    r = await list(`?customerId=${acme}`);
    const second = r.body.find((s: { id: string }) => s.id === a2.serverId);
    assert.ok(second, 'the allocated server is listed');
    assert.equal(second.enrolledAt, null);
    assert.deepEqual(second.features, [{ feature: 'asr', count: 2, delivered: 0 }]);
    assert.deepEqual([second.sync.syncCounter, second.sync.lastSyncAt], [0, null]);

    // The same sequence with other content: a clone sign, counted on the server.
    const replay = await reportOf(a1, 3, [
      {
        feature: 'asr',
        hour: hourMark(Date.now() - 3_600_000),
        peakSeats: 1,
        seatSeconds: 60,
        checkouts: 1,
        denials: 0,
      },
    ]);
    assert.equal((await t.call('POST', '/v1/sync', { report: replay }, { authorization: '' })).status, 409);
    const flagged = (await list(`?customerId=${acme}`)).body.find((s: { id: string }) => s.id === a1.serverId);
    assert.deepEqual(
      flagged.flags.map((f: { kind: string; count: number }) => [f.kind, f.count]),
      [['SEQUENCE_REUSED', 1]],
    );
  });

  test("each customer sees its own servers only; another customer's are answered as not there", async () => {
    const g1 = await enrolled(globex, 'g1.globex.example');
    const acmeServers = (await list(`?customerId=${acme}`)).body.map((s: { id: string }) => s.id);
    assert.ok(acmeServers.length > 0);

    const all = (await list()).body.map((s: { id: string }) => s.id);
    assert.deepEqual(new Set(all), new Set([...acmeServers, g1.serverId]), 'vendor staff see every customer');

    const own = await list('', globexUser);
    assert.equal(own.status, 200);
    assert.deepEqual(
      own.body.map((s: { id: string; customerId: string }) => [s.id, s.customerId]),
      [[g1.serverId, globex]],
    );
    const probe = await list(`?customerId=${acme}`, globexUser);
    assert.deepEqual([probe.status, probe.body.error.code], [404, 'NOT_FOUND']);
    const foreignUsage = await t.call('GET', `/api/v1/usage?serverId=${acmeServers[0]}`, undefined, globexUser);
    assert.equal(foreignUsage.status, 404);
    const put = (serverId: string, features: unknown) =>
      t.cloud.app.inject({
        method: 'PUT',
        url: `/api/v1/servers/${serverId}/allocations`,
        headers: { ...globexUser, 'content-type': 'application/json' },
        payload: JSON.stringify({ features }),
      });
    assert.equal((await put(acmeServers[0], [{ feature: 'asr', count: 1 }])).statusCode, 404);
    const mine = await put(g1.serverId, [{ feature: 'asr', count: 2 }]);
    assert.equal(mine.statusCode, 200, mine.body);
    const over = await put(g1.serverId, [{ feature: 'asr', count: 9 }]);
    assert.deepEqual([over.statusCode, over.json().error.reason], [409, 'OVER_ALLOCATION']);
    assert.deepEqual((await list('', globexUser)).body[0].features, [{ feature: 'asr', count: 2, delivered: 0 }]);

    const anonymous = await t.call('GET', '/api/v1/flexible/servers', undefined, { authorization: '' });
    assert.equal(anonymous.status, 401);
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
