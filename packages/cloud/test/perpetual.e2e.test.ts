/**
 * The perpetual path end to end: a Cloud node process, real License Servers trusting its
 * vendor.pub, the SDK checking seats out. server-id -> register -> deployment -> install ->
 * seats; maintenance extended -> renewed file -> Renew -> a newer release allowed; uninstall
 * -> certificate -> return -> seats back -> new deployment on another server; a certificate
 * used twice, or by another customer, is refused.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LicenseClient, parseServerAddress } from '@tessera/client';
import { CloudApiClient, CloudApiError } from '@tessera/cloud';
import { LOCAL_CLI_ACTOR, type RunningServer, startLicenseServer } from '@tessera/server';
import pino from 'pino';
import { type CloudNode, cleanup, dayFromNow, spawnCloud, tempDir } from './support/processes.js';

const silent = pino({ level: 'silent' });
let cloud: CloudNode;
const servers: RunningServer[] = [];
const clients: LicenseClient[] = [];

before(async () => {
  cloud = await spawnCloud({});
});
after(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await Promise.allSettled(servers.map((s) => s.stop()));
  await cleanup();
});

async function licenseServer(): Promise<RunningServer> {
  const s = await startLicenseServer({
    dataDir: join(tempDir('tessera-ls-'), 'data'),
    clientListen: '127.0.0.1:0',
    adminListen: '127.0.0.1:0',
    vendorKeyFiles: [join(cloud.dataDir, 'vendor.pub')],
    logger: silent,
  });
  servers.push(s);
  return s;
}

function sdk(server: RunningServer, releaseDate?: string): LicenseClient {
  const c = new LicenseClient(
    { servers: [parseServerAddress(server.clientUrl)], cacheSeconds: 0 },
    releaseDate ? { releaseDate } : {},
  );
  clients.push(c);
  return c;
}

async function rejectsWithCode(p: Promise<unknown>, code: string, reason?: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CloudApiError, String(e));
    assert.equal(e.code, code, e.message);
    if (reason) assert.equal(e.reason, reason);
    return true;
  });
}

test('perpetual licenses from the portal flow: deploy, install, renew, uninstall, return, redeploy', {
  timeout: 90_000,
}, async () => {
  const api = cloud.api;
  await api.featureAdd('asr', 'speech recognition');
  const acme = await api.customerAdd('Acme Speech');
  const maintenance = dayFromNow(30);
  const newerRelease = dayFromNow(60);
  const ent = await api.entitlementAdd({
    customerId: acme.id,
    type: 'perpetual',
    feature: 'asr',
    count: 10,
    maintenanceUntil: maintenance,
  });

  // Make Server ID File -> register -> deployment -> Install License -> seats.
  const ls1 = await licenseServer();
  const serverIdFile = await ls1.core.licenses.makeServerIdFile(LOCAL_CLI_ACTOR);
  const registered = await api.serverRegister(acme.id, serverIdFile);
  assert.equal(registered.id, ls1.core.identity.serverId);
  const deployment = await api.deploy(registered.id, ['asr=4']);
  assert.match(deployment.id, /^lic_/);
  const installed = await ls1.core.licenses.install(LOCAL_CLI_ACTOR, deployment.file);
  assert.equal(installed.licenseId, deployment.id);
  assert.equal((await api.entitlementGet(ent.id)).used, 4);

  const today = sdk(ls1);
  const held = [];
  for (let i = 0; i < 4; i++) {
    const r = await today.checkout('asr');
    assert.ok(r.ok, `seat ${i + 1} of 4`);
    held.push(r.lease);
  }
  const fifth = await today.checkout('asr');
  assert.equal(fifth.ok ? 'granted' : fifth.code, 'NO_SEATS');
  for (const l of held) await l.release();
  const newer = await sdk(ls1, newerRelease).checkout('asr');
  assert.equal(newer.ok ? 'granted' : newer.code, 'MAINTENANCE_EXPIRED');

  // Maintenance extended -> the next revision -> Renew License -> the newer release runs.
  const extended = await api.entitlementUpdate(ent.id, { maintenanceUntil: dayFromNow(365) });
  assert.deepEqual(extended.reissued, [{ licenseId: deployment.id, revision: 2 }]);
  const renewedFile = await api.deploymentFile(deployment.id);
  const renewed = await ls1.core.licenses.renew(LOCAL_CLI_ACTOR, renewedFile);
  assert.equal(renewed.revision, 2);
  const newerNow = await sdk(ls1, newerRelease).checkout('asr');
  assert.ok(newerNow.ok, 'a release after the old maintenance date is allowed after the renewal');
  await newerNow.lease.release();

  // Uninstall -> certificate -> return -> seats back, once.
  const { certificate } = await ls1.core.licenses.uninstall(LOCAL_CLI_ACTOR, deployment.id);
  const globex = await api.customerAdd('Globex');
  await api.userAdd({
    username: 'globex-admin',
    role: 'customer',
    customerId: globex.id,
    password: 'initial password 1',
  });
  const asGlobex = new CloudApiClient({ url: cloud.url, username: 'globex-admin', password: 'initial password 1' });
  await asGlobex.changePassword('initial password 1', 'globex password 2');
  const globexApi = new CloudApiClient({ url: cloud.url, username: 'globex-admin', password: 'globex password 2' });
  await rejectsWithCode(globexApi.returnCertificate(certificate), 'NOT_FOUND');
  assert.equal((await api.entitlementGet(ent.id)).used, 4, "another customer's return changed nothing");

  const ret = await api.returnCertificate(certificate);
  assert.equal(ret.licenseId, deployment.id);
  assert.deepEqual(ret.seats, [{ feature: 'asr', count: 4, entitlementId: ent.id }]);
  assert.equal((await api.entitlementGet(ent.id)).used, 0);
  await rejectsWithCode(api.returnCertificate(certificate), 'CONFLICT', 'ALREADY_RETURNED');
  assert.equal((await api.entitlementGet(ent.id)).used, 0);
  assert.equal((await api.deploymentGet(deployment.id)).status, 'returned');

  // The seats are deployed on another server.
  const ls2 = await licenseServer();
  const second = await api.serverRegister(acme.id, await ls2.core.licenses.makeServerIdFile(LOCAL_CLI_ACTOR));
  const moved = await api.deploy(second.id, ['asr=10']);
  await ls2.core.licenses.install(LOCAL_CLI_ACTOR, moved.file);
  const onSecond = sdk(ls2);
  for (let i = 0; i < 10; i++) assert.ok((await onSecond.checkout('asr')).ok, `seat ${i + 1} of 10 on the new server`);
  assert.equal((await api.entitlementGet(ent.id)).used, 10);
  // A license bound to one server is refused by the other.
  await assert.rejects(ls1.core.licenses.install(LOCAL_CLI_ACTOR, moved.file), /bound to|WRONG_SERVER/);
});
