import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOC_TYPES, generateSigningKey, signDocument, verifyLicense } from '@tessera/core';
import { DIALECTS, openTestStore, type TestStore } from '../test-support/db.js';
import {
  customerActor,
  newLicenseServer,
  rejectsWith,
  servicesOn,
  type TestLicenseServer,
  type TestVendor,
} from '../test-support/fixtures.js';
import type { Actor } from './actor.js';
import type { CloudServices } from './services.js';

for (const dialect of DIALECTS) {
  describe(`perpetual licensing on ${dialect}`, { timeout: 60_000 }, () => {
    let t: TestStore;
    let s: CloudServices;
    let vendor: TestVendor;
    let admin: Actor;
    let acme: string;
    let globex: string;
    let acmeUser: Actor;
    let globexUser: Actor;
    let asrEnt: string;
    let srv1: TestLicenseServer;
    let srv2: TestLicenseServer;

    /** Everything a refused request must leave as it was. */
    const snapshot = async () => ({
      entitlements: await t.store.entitlements.list({}),
      deployments: await t.store.deployments.list({}),
      servers: await t.store.servers.list(),
      returns: await t.store.returns.list(),
    });

    before(async () => {
      t = await openTestStore(dialect);
      ({ services: s, vendor, admin } = await servicesOn(t.store));
      await s.catalog.add(admin, { name: 'asr', description: 'speech recognition' });
      await s.catalog.add(admin, { name: 'tts' });
      await s.catalog.add(admin, { name: 'unsold' });
      acme = (await s.customers.add(admin, { name: 'Acme' })).id;
      globex = (await s.customers.add(admin, { name: 'Globex' })).id;
      acmeUser = await customerActor(s, admin, acme, 'acme-admin');
      globexUser = await customerActor(s, admin, globex, 'globex-admin');
      asrEnt = (
        await s.entitlements.add(admin, {
          customerId: acme,
          type: 'perpetual',
          feature: 'asr',
          count: 10,
          maintenanceUntil: '2027-06-30',
        })
      ).id;
      await s.entitlements.add(admin, { customerId: acme, type: 'perpetual', feature: 'tts', count: 2 });
      await s.entitlements.add(admin, { customerId: globex, type: 'perpetual', feature: 'asr', count: 5 });
      srv1 = await newLicenseServer('lic01.acme.example');
      srv2 = await newLicenseServer('lic02.acme.example');
    });
    after(() => t?.close());

    test('a corrupt or forged Server ID file is refused with a clear error and stores nothing', async () => {
      const before = await snapshot();
      await rejectsWith(s.servers.register(admin, { customerId: acme, file: 'not a server id file' }), 'DOC_MALFORMED');
      const jws = srv1.serverIdFile.trim().split('\n').at(-1)!;
      await rejectsWith(s.servers.register(admin, { customerId: acme, file: jws.slice(0, -20) }), 'DOC_MALFORMED');
      const [h, p, sig] = jws.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, hostName: 'evil' })).toString('base64url')}.${sig}`;
      await rejectsWith(s.servers.register(admin, { customerId: acme, file: tampered }), 'DOC_BAD_SIGNATURE');
      const foreign = await signDocument(DOC_TYPES.serverId, claims, generateSigningKey().privateKey);
      await rejectsWith(s.servers.register(admin, { customerId: acme, file: foreign }), 'DOC_UNKNOWN_KEY');
      const notServerId = await signDocument(DOC_TYPES.license, claims, srv1.privateKey);
      await rejectsWith(s.servers.register(admin, { customerId: acme, file: notServerId }), 'DOC_WRONG_TYPE');
      await rejectsWith(s.servers.register(admin, { customerId: 'cus_nope', file: srv1.serverIdFile }), 'NOT_FOUND');
      assert.deepEqual(await snapshot(), before);
    });

    test('a server id belongs to one customer', async () => {
      const first = await s.servers.register(admin, { customerId: acme, file: srv1.serverIdFile });
      assert.equal(first.created, true);
      assert.equal(first.id, srv1.serverId);
      assert.deepEqual(first.factors, ['cpu', 'hostname', 'machineId', 'macs', 'productUuid', 'rootFsId']);
      const again = await s.servers.register(acmeUser, { file: srv1.serverIdFile });
      assert.equal(again.created, false);
      await rejectsWith(s.servers.register(admin, { customerId: globex, file: srv1.serverIdFile }), 'CONFLICT', {
        message: /another customer/,
      });
      await rejectsWith(s.servers.register(globexUser, { file: srv1.serverIdFile }), 'CONFLICT');
      assert.equal((await s.servers.get(admin, srv1.serverId)).customerId, acme);
    });

    test('a deployment draws perpetual seats and yields a signed license bound to the server', async () => {
      const d = await s.deployments.deploy(acmeUser, {
        serverId: srv1.serverId,
        features: [{ name: 'asr', count: 4 }],
      });
      assert.match(d.id, /^lic_/);
      assert.equal(d.licenseId, d.id);
      assert.equal(d.revision, 1);
      const { claims, kid } = await verifyLicense(d.file, vendor.keyring);
      assert.equal(kid, vendor.kid);
      assert.equal(claims.licenseId, d.id);
      assert.equal(claims.revision, 1);
      assert.equal(claims.customer, 'Acme');
      assert.equal(claims.binding.serverId, srv1.serverId);
      assert.deepEqual(claims.features, [{ name: 'asr', count: 4, expires: null, maintenanceUntil: '2027-06-30' }]);
      assert.equal((await s.entitlements.get(admin, asrEnt)).used, 4);
      assert.equal(await s.deployments.file(acmeUser, d.id).then((f) => f.file), d.file);
    });

    test('a server whose Server ID file names no hardware factor gets no license', async () => {
      const bare = await newLicenseServer('bare.acme.example', Date.now(), {});
      await s.servers.register(admin, { customerId: acme, file: bare.serverIdFile });
      const before = await snapshot();
      await rejectsWith(
        s.deployments.deploy(acmeUser, { serverId: bare.serverId, features: [{ name: 'asr', count: 1 }] }),
        'NO_HARDWARE_FACTORS',
        { message: new RegExp(`${bare.serverId} names no hardware factor`) },
      );
      assert.deepEqual(await snapshot(), before);
    });

    test('over-allocation, unknown features and bad counts are refused and change nothing', async () => {
      const before = await snapshot();
      const deploy = (features: { name: string; count: number }[]) =>
        s.deployments.deploy(admin, { serverId: srv1.serverId, features });
      const over = await rejectsWith(deploy([{ name: 'asr', count: 7 }]), 'CONFLICT', { reason: 'OVER_ALLOCATION' });
      assert.match(over.message, /7 seats of asr asked, but only 6 are free/);
      await rejectsWith(
        deploy([
          { name: 'tts', count: 1 },
          { name: 'asr', count: 7 },
        ]),
        'CONFLICT',
        { reason: 'OVER_ALLOCATION' },
      );
      await rejectsWith(deploy([{ name: 'nope', count: 1 }]), 'UNKNOWN_FEATURE', { message: /not in the catalog/ });
      await rejectsWith(deploy([{ name: 'unsold', count: 1 }]), 'CONFLICT', { reason: 'NOT_ENTITLED' });
      await rejectsWith(deploy([{ name: 'asr', count: 0 }]), 'BAD_REQUEST', { message: /count/ });
      await rejectsWith(deploy([{ name: 'asr', count: -3 }]), 'BAD_REQUEST', { message: /count/ });
      await rejectsWith(deploy([{ name: 'asr', count: 1.5 }]), 'BAD_REQUEST');
      await rejectsWith(deploy([]), 'BAD_REQUEST');
      await rejectsWith(
        deploy([
          { name: 'asr', count: 1 },
          { name: 'asr', count: 1 },
        ]),
        'BAD_REQUEST',
        { message: /twice/ },
      );
      await rejectsWith(
        s.entitlements.add(admin, { customerId: acme, type: 'perpetual', feature: 'asr', count: -1 }),
        'BAD_REQUEST',
      );
      await rejectsWith(
        s.entitlements.add(admin, { customerId: acme, type: 'perpetual', feature: 'ghost', count: 1 }),
        'UNKNOWN_FEATURE',
      );
      await rejectsWith(
        s.entitlements.add(admin, {
          customerId: acme,
          type: 'perpetual',
          feature: 'asr',
          count: 1,
          expires: '2026-02-30',
        }),
        'BAD_REQUEST',
      );
      await rejectsWith(
        s.entitlements.add(admin, { customerId: acme, type: 'lifetime' as never, feature: 'asr', count: 1 }),
        'BAD_REQUEST',
      );
      await rejectsWith(
        s.entitlements.add(acmeUser, { customerId: acme, type: 'perpetual', feature: 'asr', count: 100 }),
        'FORBIDDEN',
      );
      await rejectsWith(s.entitlements.update(admin, asrEnt, { count: 3 }), 'CONFLICT', { message: /4 seats/ });
      assert.deepEqual(await snapshot(), before);
    });

    test('adding licenses and extending maintenance make the next revisions: same license id, same binding', async () => {
      const [d] = await s.deployments.list(acmeUser, {});
      const rev2 = await s.deployments.addLicenses(acmeUser, d!.id, [
        { name: 'asr', count: 2 },
        { name: 'tts', count: 1 },
      ]);
      assert.equal(rev2.revision, 2);
      const c2 = (await verifyLicense(rev2.file, vendor.keyring)).claims;
      assert.equal(c2.licenseId, d!.id);
      assert.deepEqual(
        c2.features.map((f) => `${f.name}=${f.count}`),
        ['asr=6', 'tts=1'],
      );
      const rev1 = await s.deployments.file(admin, d!.id, 1);
      assert.deepEqual(c2.binding, (await verifyLicense(rev1.file, vendor.keyring)).claims.binding);
      const changed = await s.entitlements.update(admin, asrEnt, { maintenanceUntil: '2028-06-30' });
      assert.deepEqual(changed.reissued, [{ licenseId: d!.id, revision: 3 }]);
      const c3 = (await verifyLicense(await s.deployments.file(acmeUser, d!.id).then((f) => f.file), vendor.keyring))
        .claims;
      assert.equal(c3.revision, 3);
      assert.equal(c3.features.find((f) => f.name === 'asr')?.maintenanceUntil, '2028-06-30');
      const same = await s.deployments.renew(acmeUser, d!.id);
      assert.equal(same.changed, false);
      assert.equal(same.revision, 3);
      assert.deepEqual(
        (await s.deployments.get(admin, d!.id)).revisions.map((r) => r.reason),
        ['deployed', 'licenses added', 'entitlement changed'],
      );
    });

    test('an uninstall certificate gives the seats back once, and only to its own customer', async () => {
      const [d] = await s.deployments.list(admin, { customerId: acme });
      const before = await snapshot();
      // From another customer, from another server key, from an unregistered server, of a revision never issued:
      await rejectsWith(s.deployments.returnCertificate(globexUser, await srv1.uninstall(d!.id, 2)), 'NOT_FOUND');
      const impostor = await newLicenseServer('impostor');
      const forged = await signDocument(
        DOC_TYPES.uninstall,
        { licenseId: d!.id, revision: 2, serverId: srv1.serverId, uninstalledAt: new Date().toISOString() },
        impostor.privateKey,
      );
      await rejectsWith(s.deployments.returnCertificate(acmeUser, forged), 'DOC_UNKNOWN_KEY');
      await rejectsWith(
        s.deployments.returnCertificate(acmeUser, await impostor.uninstall(d!.id, 2)),
        'DOC_UNKNOWN_KEY',
        {
          message: /not registered/,
        },
      );
      await rejectsWith(s.deployments.returnCertificate(acmeUser, await srv1.uninstall(d!.id, 9)), 'DOC_INVALID', {
        message: /never issued/,
      });
      await rejectsWith(s.deployments.returnCertificate(acmeUser, 'garbage'), 'DOC_MALFORMED');
      assert.deepEqual(await snapshot(), before);

      // An older revision's certificate counts: the license id is dead on that server.
      const cert = await srv1.uninstall(d!.id, 2);
      const ret = await s.deployments.returnCertificate(acmeUser, cert);
      assert.match(ret.id, /^ret_/);
      assert.deepEqual(
        ret.seats.map((x) => `${x.feature}=${x.count}`),
        ['asr=6', 'tts=1'],
      );
      assert.equal((await s.entitlements.get(admin, asrEnt)).used, 0);
      assert.equal((await s.deployments.get(admin, d!.id)).status, 'returned');
      const twice = await rejectsWith(s.deployments.returnCertificate(acmeUser, cert), 'CONFLICT', {
        reason: 'ALREADY_RETURNED',
      });
      assert.match(twice.message, /returned already/);
      await rejectsWith(s.deployments.returnCertificate(admin, await srv1.uninstall(d!.id, 3)), 'CONFLICT', {
        reason: 'ALREADY_RETURNED',
      });
      await rejectsWith(s.deployments.addLicenses(admin, d!.id, [{ name: 'asr', count: 1 }]), 'CONFLICT', {
        reason: 'RETURNED',
      });
      assert.equal((await s.entitlements.get(admin, asrEnt)).used, 0);

      // The seats can go to another server now.
      await s.servers.register(acmeUser, { file: srv2.serverIdFile });
      const moved = await s.deployments.deploy(acmeUser, {
        serverId: srv2.serverId,
        features: [{ name: 'asr', count: 10 }],
      });
      assert.equal((await verifyLicense(moved.file, vendor.keyring)).claims.binding.serverId, srv2.serverId);
      assert.equal((await s.entitlements.get(admin, asrEnt)).used, 10);
    });

    test('a customer sees and changes nothing of another customer', async () => {
      const [acmeDeployment] = await s.deployments.list(acmeUser, {});
      await rejectsWith(s.deployments.get(globexUser, acmeDeployment!.id), 'NOT_FOUND');
      await rejectsWith(s.deployments.file(globexUser, acmeDeployment!.id), 'NOT_FOUND');
      await rejectsWith(
        s.deployments.addLicenses(globexUser, acmeDeployment!.id, [{ name: 'asr', count: 1 }]),
        'NOT_FOUND',
      );
      await rejectsWith(s.deployments.renew(globexUser, acmeDeployment!.id), 'NOT_FOUND');
      await rejectsWith(
        s.deployments.deploy(globexUser, { serverId: srv2.serverId, features: [{ name: 'asr', count: 1 }] }),
        'NOT_FOUND',
      );
      await rejectsWith(s.servers.get(globexUser, srv2.serverId), 'NOT_FOUND');
      await rejectsWith(s.entitlements.get(globexUser, asrEnt), 'NOT_FOUND');
      await rejectsWith(s.customers.get(globexUser, acme), 'NOT_FOUND');
      await rejectsWith(s.entitlements.list(globexUser, { customerId: acme }), 'NOT_FOUND');
      assert.deepEqual(
        (await s.customers.list(globexUser)).map((c) => c.id),
        [globex],
      );
      for (const list of [
        await s.deployments.list(globexUser, {}),
        await s.servers.list(globexUser),
        await s.deployments.listReturns(globexUser),
        await s.entitlements.list(globexUser, {}),
      ]) {
        for (const item of list) assert.equal(item.customerId, globex);
      }
      await rejectsWith(s.customers.add(globexUser, { name: 'Mine' }), 'FORBIDDEN');
      await rejectsWith(s.catalog.add(globexUser, { name: 'free' }), 'FORBIDDEN');
      await rejectsWith(
        s.auth.addUser(globexUser, {
          username: 'mole',
          role: 'customer',
          customerId: acme,
          password: 'a long enough password',
        }),
        'NOT_FOUND',
      );
      await rejectsWith(
        s.auth.addUser(globexUser, { username: 'boss', role: 'vendor', password: 'a long enough password' }),
        'FORBIDDEN',
      );
    });

    test('deployments on many connections at once never draw more seats than an entitlement holds', async () => {
      const ent = await s.entitlements.add(admin, { customerId: globex, type: 'perpetual', feature: 'tts', count: 6 });
      const srv = await newLicenseServer('lic.globex.example');
      await s.servers.register(admin, { customerId: globex, file: srv.serverIdFile });
      // On PostgreSQL a second node: another pool of connections on the same database.
      // (SQLite is one node: its requests share one connection.)
      const other = dialect === 'postgres' ? (await servicesOn(await t.openAnother(), { vendor })).services : s;
      const results = await Promise.allSettled(
        Array.from({ length: 16 }, (_, i) =>
          (i % 2 === 0 ? s : other).deployments.deploy(admin, {
            serverId: srv.serverId,
            features: [{ name: 'tts', count: 1 }],
          }),
        ),
      );
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      assert.equal(ok, 6);
      for (const r of results) {
        if (r.status === 'rejected') assert.equal((r.reason as { reason?: string }).reason, 'OVER_ALLOCATION');
      }
      assert.equal((await s.entitlements.get(admin, ent.id)).used, 6);
      assert.equal((await s.deployments.list(admin, { serverId: srv.serverId })).length, 6);
    });

    test('a customer can return seats of one entitlement only a few times a month; vendor staff can always', async () => {
      const ent = await s.entitlements.add(admin, { customerId: globex, type: 'perpetual', feature: 'asr', count: 1 });
      const srv = await newLicenseServer('churn.globex.example');
      await s.servers.register(globexUser, { file: srv.serverIdFile });
      const cycle = async (actor: Actor) => {
        const d = await s.deployments.deploy(globexUser, {
          serverId: srv.serverId,
          features: [{ name: 'asr', count: 1, entitlementId: ent.id }],
        });
        return s.deployments.returnCertificate(actor, await srv.uninstall(d.id, 1));
      };
      for (let i = 0; i < 3; i++) await cycle(globexUser);
      await rejectsWith(cycle(globexUser), 'CONFLICT', { reason: 'RETURN_LIMIT' });
      const [stuck] = (await s.deployments.list(globexUser, { serverId: srv.serverId })).filter(
        (d) => d.status === 'active',
      );
      await s.deployments.returnCertificate(admin, await srv.uninstall(stuck!.id, 1));
      assert.equal((await s.entitlements.get(admin, ent.id)).used, 0);
    });
  });
}
