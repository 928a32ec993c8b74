import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  decodeDocumentUnverified,
  hashFactors,
  hourMark,
  ManualClock,
  type ReportClaims,
  signReport,
  type UsageHour,
  verifySync,
} from '@tessera/core';
import { DIALECTS, openTestStore, type TestStore } from '../test-support/db.js';
import {
  customerActor,
  newLicenseServer,
  RAW_FACTORS,
  rejectsWith,
  servicesOn,
  type TestLicenseServer,
  type TestVendor,
} from '../test-support/fixtures.js';
import type { Actor } from './actor.js';
import type { CloudServices } from './services.js';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 2, 1, 12, 0, 0);

/** A License Server that keeps a sequence and signs Reports, as the real one would. */
class Reporter {
  sequence = 0;
  constructor(
    readonly srv: TestLicenseServer,
    readonly clock: ManualClock,
    private factors = hashFactors(RAW_FACTORS, srv.serverId),
  ) {}

  hour(hoursAgo: number): string {
    return hourMark(this.clock.now() - hoursAgo * HOUR);
  }

  async report(usage: UsageHour[], extra: Partial<ReportClaims> = {}): Promise<string> {
    this.sequence += 1;
    return signReport(
      {
        serverId: this.srv.serverId,
        sequence: this.sequence,
        createdAt: new Date(this.clock.now()).toISOString(),
        factors: this.factors,
        acknowledgedThrough: null,
        usage,
        ...extra,
      },
      this.srv.privateKey,
    );
  }
}

function use(feature: string, hour: string, seatSeconds: number, checkouts = 1): UsageHour {
  return { feature, hour, peakSeats: Math.ceil(seatSeconds / 3600) || 0, seatSeconds, checkouts, denials: 0 };
}

for (const dialect of DIALECTS) {
  describe(`flexible licensing on ${dialect}`, { timeout: 120_000 }, () => {
    let t: TestStore;
    let s: CloudServices;
    let vendor: TestVendor;
    let admin: Actor;
    let acme: string;
    let globex: string;
    let acmeUser: Actor;
    let clock: ManualClock;

    /** Everything a refused report must leave as it was. */
    const snapshot = async () => ({
      servers: await t.store.servers.list(),
      entitlements: await t.store.entitlements.list({}),
      usage: await t.store.usage.list({ from: '2000-01-01T00:00:00Z' }),
      enrollments: await t.store.enrollments.list(),
      states: await Promise.all((await t.store.servers.list()).map((x) => t.store.serverSync.get(x.id))),
    });

    before(async () => {
      t = await openTestStore(dialect);
      clock = new ManualClock(START);
      ({ services: s, vendor, admin } = await servicesOn(t.store, { clock }));
      await s.catalog.add(admin, { name: 'asr' });
      await s.catalog.add(admin, { name: 'tts' });
      acme = (await s.customers.add(admin, { name: 'Acme' })).id;
      globex = (await s.customers.add(admin, { name: 'Globex' })).id;
      acmeUser = await customerActor(s, admin, acme, 'acme-admin');
      await s.entitlements.add(admin, {
        customerId: acme,
        type: 'flexible',
        feature: 'asr',
        count: 10,
        maintenanceUntil: '2027-06-30',
      });
      await s.entitlements.add(admin, { customerId: acme, type: 'flexible', feature: 'tts', count: 2 });
      await s.entitlements.add(admin, { customerId: globex, type: 'flexible', feature: 'asr', count: 5 });
    });
    after(async () => {
      await s.seats.stop();
      await t.close();
    });

    test('enrollment by code: the first report registers the server; the code is then used up', async () => {
      const enr = await s.flexible.enroll(acmeUser, {});
      assert.match(enr.code, /^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
      assert.equal(enr.customerId, acme);
      const r = new Reporter(await newLicenseServer('flex01.acme.example'), clock);
      const first = await r.report([], {
        enrollment: { code: enr.code.toLowerCase(), serverIdDocument: r.srv.serverIdFile },
      });
      const answer = await s.sync.sync(first);
      const { claims } = await verifySync(answer.sync, vendor.keyring);
      assert.equal(claims.serverId, r.srv.serverId);
      assert.equal(claims.syncCounter, 1);
      assert.equal(claims.reportSequence, 1);
      assert.equal(claims.acknowledgedThrough, null);
      assert.deepEqual(claims.licenses, []);
      assert.equal(claims.nextSyncSeconds, 86_400);
      assert.equal(Date.parse(claims.validUntil) - Date.parse(claims.issuedAt), 7 * 86_400_000);
      assert.equal((await s.servers.get(admin, r.srv.serverId)).customerId, acme);
      const listed = await s.flexible.enrollments(acmeUser);
      assert.equal(listed[0]!.serverId, r.srv.serverId);
      assert.equal(JSON.stringify(listed).includes(enr.code), false, 'codes are never shown again');
      // The same first report again (a lost Sync File): answered again, nothing counted twice.
      const again = await verifySync((await s.sync.sync(first)).sync, vendor.keyring);
      assert.equal(again.claims.syncCounter, 2);

      // The used code enrolls no other server.
      const other = new Reporter(await newLicenseServer('flex02.acme.example'), clock);
      const before = await snapshot();
      await rejectsWith(
        s.sync.sync(
          await other.report([], { enrollment: { code: enr.code, serverIdDocument: other.srv.serverIdFile } }),
        ),
        'ENROLLMENT_INVALID',
        { reason: 'CODE_USED' },
      );
      assert.deepEqual(await snapshot(), before);
    });

    test('enrollment refusals change nothing: unknown, expired, no code, mismatched key, another customer', async () => {
      const r = new Reporter(await newLicenseServer('flex03.acme.example'), clock);
      const before = await snapshot();
      await rejectsWith(s.sync.sync(await r.report([])), 'SERVER_UNKNOWN');
      await rejectsWith(
        s.sync.sync(await r.report([], { enrollment: { code: 'AAAAA-BBBBB', serverIdDocument: r.srv.serverIdFile } })),
        'ENROLLMENT_INVALID',
        { reason: 'UNKNOWN_CODE' },
      );
      const old = await s.flexible.enroll(admin, { customerId: acme });
      clock.advance(8 * 86_400_000);
      await rejectsWith(
        s.sync.sync(await r.report([], { enrollment: { code: old.code, serverIdDocument: r.srv.serverIdFile } })),
        'ENROLLMENT_INVALID',
        { reason: 'CODE_EXPIRED' },
      );
      // Another server's Server ID document with this server's report: the keys do not match.
      const enr = await s.flexible.enroll(admin, { customerId: acme });
      const stranger = await newLicenseServer('stranger.example');
      await rejectsWith(
        s.sync.sync(await r.report([], { enrollment: { code: enr.code, serverIdDocument: stranger.serverIdFile } })),
        'ENROLLMENT_INVALID',
        { reason: 'KEY_MISMATCH' },
      );
      assert.deepEqual((await snapshot()).servers, before.servers);
      assert.equal((await s.flexible.enrollments(admin, acme)).find((e) => e.id === enr.id)!.usedAt, null);

      // A server registered to Acme cannot be moved to Globex with a Globex code.
      const acmeServer = new Reporter(await newLicenseServer('flex04.acme.example'), clock);
      await s.servers.register(admin, { customerId: acme, file: acmeServer.srv.serverIdFile });
      const globexCode = await s.flexible.enroll(admin, { customerId: globex });
      await rejectsWith(
        s.sync.sync(
          await acmeServer.report([], {
            enrollment: { code: globexCode.code, serverIdDocument: acmeServer.srv.serverIdFile },
          }),
        ),
        'ENROLLMENT_INVALID',
        { reason: 'OTHER_CUSTOMER' },
      );
      assert.equal((await s.servers.get(admin, acmeServer.srv.serverId)).customerId, acme);
      // ...and a server registered at the portal syncs with no code at all.
      const ok = await verifySync((await s.sync.sync(await acmeServer.report([]))).sync, vendor.keyring);
      assert.equal(ok.claims.syncCounter, 1);
    });

    test('allocations: drawn from flexible entitlements, over-allocation across servers refused and changes nothing', async () => {
      const a = await newLicenseServer('alloc-a.acme.example');
      const b = await newLicenseServer('alloc-b.acme.example');
      await s.servers.register(admin, { customerId: acme, file: a.serverIdFile });
      await s.servers.register(admin, { customerId: acme, file: b.serverIdFile });
      const va = await s.flexible.allocate(acmeUser, a.serverId, { features: [{ feature: 'asr', count: 6 }] });
      assert.deepEqual(
        va.features.map((f) => [f.feature, f.count]),
        [['asr', 6]],
      );
      const before = await snapshot();
      await rejectsWith(
        s.flexible.allocate(acmeUser, b.serverId, { features: [{ feature: 'asr', count: 5 }] }),
        'CONFLICT',
        { reason: 'OVER_ALLOCATION', message: /only 4 are free/ },
      );
      await rejectsWith(
        s.flexible.allocate(acmeUser, b.serverId, {
          features: [
            { feature: 'tts', count: 1 },
            { feature: 'asr', count: 9 },
          ],
        }),
        'CONFLICT',
        { reason: 'OVER_ALLOCATION' },
      );
      assert.deepEqual(await snapshot(), before);
      assert.deepEqual((await s.flexible.allocations(admin, b.serverId)).features, []);
      // Seats a server holds count as free for its own reallocation.
      const up = await s.flexible.allocate(acmeUser, a.serverId, { features: [{ feature: 'asr', count: 10 }] });
      assert.equal(up.features[0]!.count, 10);
      await s.flexible.allocate(acmeUser, a.serverId, { features: [{ feature: 'asr', count: 3 }] });
      await s.flexible.allocate(acmeUser, b.serverId, {
        features: [
          { feature: 'asr', count: 4 },
          { feature: 'tts', count: 2 },
        ],
      });
      const ents = await s.entitlements.list(admin, { customerId: acme });
      assert.equal(ents.find((e) => e.feature === 'asr' && e.type === 'flexible')!.used, 7);
      await rejectsWith(
        s.flexible.allocate(acmeUser, b.serverId, { features: [{ feature: 'nope', count: 1 }] }),
        'UNKNOWN_FEATURE',
      );
      // Another customer's user sees no such server.
      const globexUser = await customerActor(s, admin, globex, 'globex-alloc');
      await rejectsWith(s.flexible.allocate(globexUser, a.serverId, { features: [] }), 'NOT_FOUND');
      // Everything back to 0: the features named nowhere go.
      await s.flexible.allocate(admin, a.serverId, { features: [] });
      await s.flexible.allocate(admin, b.serverId, { features: [] });
      const back = await s.entitlements.list(admin, { customerId: acme });
      assert.deepEqual(
        back.filter((e) => e.type === 'flexible').map((e) => e.used),
        [0, 0],
      );
    });

    test('a server registered at the portal from its Server ID file syncs without an enrollment code', async () => {
      const srv = await newLicenseServer('registered.globex.example');
      await s.servers.register(admin, { customerId: globex, file: srv.serverIdFile });
      await s.flexible.allocate(admin, srv.serverId, { features: [{ feature: 'asr', count: 2 }] });
      const r = new Reporter(srv, clock);
      const { claims } = await verifySync((await s.sync.sync(await r.report([]))).sync, vendor.keyring);
      assert.equal(claims.serverId, srv.serverId);
      assert.deepEqual(
        claims.licenses.map((l) => [l.customer, l.features.map((f) => [f.name, f.count])]),
        [['Globex', [['asr', 2]]]],
      );
    });

    test('syncs carry allocations as licenses, revised when they change, effective at the next sync', async () => {
      const enr = await s.flexible.enroll(admin, { customerId: acme });
      const r = new Reporter(await newLicenseServer('sync.acme.example'), clock);
      const first = await s.sync.sync(
        await r.report([], { enrollment: { code: enr.code, serverIdDocument: r.srv.serverIdFile } }),
      );
      assert.deepEqual((await verifySync(first.sync, vendor.keyring)).claims.licenses, []);
      await s.flexible.allocate(acmeUser, r.srv.serverId, { features: [{ feature: 'asr', count: 4 }] });
      const one = (await verifySync((await s.sync.sync(await r.report([]))).sync, vendor.keyring)).claims;
      assert.equal(one.licenses.length, 1);
      const lic = one.licenses[0]!;
      assert.equal(lic.revision, 1);
      assert.equal(lic.customer, 'Acme');
      assert.deepEqual(lic.features, [{ name: 'asr', count: 4, expires: null, maintenanceUntil: '2027-06-30' }]);
      // Unchanged: same revision.
      const same = (await verifySync((await s.sync.sync(await r.report([]))).sync, vendor.keyring)).claims;
      assert.equal(same.licenses[0]!.revision, 1);
      assert.equal(same.syncCounter, one.syncCounter + 1);
      // Reallocated: the same license id, the next revision, the new count.
      await s.flexible.allocate(acmeUser, r.srv.serverId, { features: [{ feature: 'asr', count: 2 }] });
      const two = (await verifySync((await s.sync.sync(await r.report([]))).sync, vendor.keyring)).claims;
      assert.equal(two.licenses[0]!.licenseId, lic.licenseId);
      assert.equal(two.licenses[0]!.revision, 2);
      assert.equal(two.licenses[0]!.features[0]!.count, 2);
      const status = await s.sync.status(acmeUser, r.srv.serverId);
      assert.equal(status.syncCounter, two.syncCounter);
      assert.equal(status.lastSync?.includes('Tessera sync'), true);
      await s.flexible.allocate(admin, r.srv.serverId, { features: [] });
      const none = (await verifySync((await s.sync.sync(await r.report([]))).sync, vendor.keyring)).claims;
      assert.deepEqual(none.licenses, []);
    });

    test('usage is upserted by hour: resends and repeated hours count once; acknowledgedThrough and counters', async () => {
      const enr = await s.flexible.enroll(admin, { customerId: acme });
      const r = new Reporter(await newLicenseServer('usage.acme.example'), clock);
      const h = (n: number) => r.hour(n);
      const r1 = await r.report([use('asr', h(3), 3600, 2), use('asr', h(2), 1800, 1)], {
        enrollment: { code: enr.code, serverIdDocument: r.srv.serverIdFile },
      });
      const a1 = (await verifySync((await s.sync.sync(r1)).sync, vendor.keyring)).claims;
      assert.equal(a1.acknowledgedThrough, h(2));
      // The same report twice: counted once.
      await s.sync.sync(r1);
      // A newer report repeating an older hour (as an ALS that lost its Sync File would) and a new one.
      const r2 = await r.report([use('asr', h(2), 1800, 1), use('asr', h(1), 600, 3), use('tts', h(1), 100, 1)]);
      const a2 = (await verifySync((await s.sync.sync(r2)).sync, vendor.keyring)).claims;
      assert.equal(a2.acknowledgedThrough, h(1));
      assert.equal(a2.reportSequence, 2);
      const usage = await s.sync.usage(acmeUser, { serverId: r.srv.serverId, bucket: 'hour', days: 1 });
      const asr = usage.totals.find((x) => x.feature === 'asr')!;
      assert.equal(asr.seatSeconds, 3600 + 1800 + 600);
      assert.equal(asr.checkouts, 2 + 1 + 3);
      assert.equal(asr.peakSeats, 1);
      assert.equal(usage.series.find((x) => x.feature === 'asr')!.points.length, 3);
      assert.equal(usage.totals.find((x) => x.feature === 'tts')!.seatSeconds, 100);
      const daily = await s.sync.usage(admin, { customerId: acme, serverId: r.srv.serverId, days: 2 });
      assert.equal(daily.bucket, 'day');
      assert.equal(daily.totals.find((x) => x.feature === 'asr')!.seatSeconds, 6000);

      // A delayed older report (a Report File carried late) still brings its usage but never
      // lowers the sequence; an hour it repeats keeps the newer report's values.
      const late = await signReport(
        {
          serverId: r.srv.serverId,
          sequence: 1,
          createdAt: new Date(clock.now()).toISOString(),
          factors: hashFactors(RAW_FACTORS, r.srv.serverId),
          acknowledgedThrough: null,
          usage: [use('asr', h(3), 3600, 2), use('asr', h(2), 1800, 1)],
        },
        r.srv.privateKey,
      );
      // Sequence 1 with other content than the first report: a replay / clone, refused and flagged.
      const before = await snapshot();
      await rejectsWith(s.sync.sync(late), 'REPORT_REPLAYED');
      const after = await snapshot();
      assert.deepEqual(after.usage, before.usage);
      assert.deepEqual(after.states, before.states);
      const flags = (await s.sync.status(admin, r.srv.serverId)).flags;
      assert.equal(flags[0]!.kind, 'SEQUENCE_REUSED');

      // Sequence 5 then sequence 4 (two report files, sent in the other order).
      r.sequence = 4;
      const r5 = await r.report([use('asr', h(1), 600, 3)]);
      r.sequence = 3;
      const r4 = await r.report([use('tts', h(5), 50, 1)]);
      const a5 = (await verifySync((await s.sync.sync(r5)).sync, vendor.keyring)).claims;
      const a4 = (await verifySync((await s.sync.sync(r4)).sync, vendor.keyring)).claims;
      assert.equal(a4.syncCounter, a5.syncCounter + 1);
      assert.equal(a4.acknowledgedThrough, h(1), "the mark is the newest hour stored, not the report's");
      assert.equal((await s.sync.status(admin, r.srv.serverId)).lastSequence, 5);
      const final = await s.sync.usage(admin, { serverId: r.srv.serverId, bucket: 'hour', days: 1 });
      assert.equal(final.totals.find((x) => x.feature === 'tts')!.seatSeconds, 150);
      assert.equal(final.totals.find((x) => x.feature === 'asr')!.seatSeconds, 6000);
    });

    test('tampered and foreign reports are refused and change nothing; the report has no client identity', async () => {
      const srv = await newLicenseServer('tamper.acme.example');
      await s.servers.register(admin, { customerId: acme, file: srv.serverIdFile });
      const r = new Reporter(srv, clock);
      const text = await r.report([use('asr', r.hour(1), 60)]);
      const payload = decodeDocumentUnverified(text).payload as Record<string, unknown>;
      assert.deepEqual(Object.keys(payload).sort(), [
        'acknowledgedThrough',
        'createdAt',
        'factors',
        'sequence',
        'serverId',
        'usage',
      ]);
      const before = await snapshot();
      const jws = text.trim().split('\n').pop()!;
      const [h, , sig] = jws.split('.');
      // An attacker's edit: the payload re-encoded with another sequence, the signature kept.
      const edited = Buffer.from(JSON.stringify({ ...payload, sequence: 99 })).toString('base64url');
      await rejectsWith(s.sync.sync(`${h}.${edited}.${sig}`), 'DOC_BAD_SIGNATURE');
      // Signed by another key but naming this server.
      const intruder = await newLicenseServer('intruder.example');
      const forged = new Reporter({ ...srv, privateKey: intruder.privateKey }, clock);
      await assert.rejects(forged.report([]), /serverId must be/);
      const { signDocument } = await import('@tessera/core');
      const forgedDoc = await signDocument('tessera-report+jws', payload, intruder.privateKey);
      await rejectsWith(s.sync.sync(forgedDoc), 'DOC_UNKNOWN_KEY');
      await rejectsWith(s.sync.sync(srv.serverIdFile), 'DOC_WRONG_TYPE');
      await rejectsWith(s.sync.sync('not a report'), 'DOC_MALFORMED');
      assert.deepEqual(await snapshot(), before);
    });

    test('usage of hours that have not ended by the Cloud clock is refused and changes nothing', async () => {
      const srv = await newLicenseServer('ahead.acme.example');
      await s.servers.register(admin, { customerId: acme, file: srv.serverIdFile });
      const ahead = new ManualClock(clock.now() + 3 * HOUR);
      const r = new Reporter(srv, ahead);
      const before = await snapshot();
      await rejectsWith(s.sync.sync(await r.report([use('asr', r.hour(1), 60)])), 'BAD_REQUEST', {
        reason: 'REPORT_FROM_THE_FUTURE',
      });
      assert.deepEqual(await snapshot(), before);
    });

    test('a second fingerprint for one server id is flagged, the report still accepted', async () => {
      const srv = await newLicenseServer('fp.acme.example');
      await s.servers.register(admin, { customerId: acme, file: srv.serverIdFile });
      const elsewhere = new Reporter(
        srv,
        clock,
        hashFactors({ ...RAW_FACTORS, machineId: 'other', macs: '02:00:00:00:00:09', hostname: 'x' }, srv.serverId),
      );
      await s.sync.sync(await elsewhere.report([]));
      const status = await s.sync.status(admin, srv.serverId);
      assert.equal(status.flags[0]!.kind, 'FINGERPRINT_CHANGED');
      assert.equal(status.syncCounter, 1);
    });
  });
}

describe('two nodes on PostgreSQL', { timeout: 120_000 }, () => {
  test('concurrent syncs of one server on two nodes get distinct, gapless counters', async () => {
    const t = await openTestStore('postgres');
    try {
      const one = await servicesOn(t.store);
      const other = await servicesOn(await t.openAnother(), { vendor: one.vendor });
      const admin = one.admin;
      const acme = (await one.services.customers.add(admin, { name: 'Acme' })).id;
      const srv = await newLicenseServer('two-nodes.example');
      await one.services.servers.register(admin, { customerId: acme, file: srv.serverIdFile });
      const clock = new ManualClock(Date.now());
      const r = new Reporter(srv, clock);
      const reports = await Promise.all(Array.from({ length: 20 }, () => r.report([])));
      const answers = await Promise.all(
        reports.map((text, i) => (i % 2 === 0 ? one.services : other.services).sync.sync(text)),
      );
      const counters = answers.map((a) => a.syncCounter).sort((x, y) => x - y);
      assert.deepEqual(
        counters,
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      await one.services.seats.stop();
      await other.services.seats.stop();
    } finally {
      await t.close();
    }
  });
});

test('a Report whose typ is an object or an array nested deep is DOC_WRONG_TYPE, not a TypeError (fuzz finding)', async () => {
  const t = await openTestStore('sqlite');
  try {
    const { services: s } = await servicesOn(t.store);
    const srv = await newLicenseServer('typ.example');
    const r = new Reporter(srv, new ManualClock(START));
    const [, payload, sig] = (await r.report([])).trim().split('\n').at(-1)!.split('.');
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    for (const typ of ['{"toString":1}', deep]) {
      const header = Buffer.from(`{"alg":"EdDSA","typ":${typ},"kid":"k"}`).toString('base64url');
      const e = await rejectsWith(s.sync.sync(`${header}.${payload}.${sig}\n`), 'DOC_WRONG_TYPE');
      assert.ok(e.message.length < 200);
    }
  } finally {
    await t.close();
  }
});
