import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { verifyServerId, verifyUninstall } from '@tessera/core';
import {
  checkout,
  cleanup,
  cli,
  cliJson,
  heartbeat,
  issueInProcess,
  oneStderrLine,
  startServer,
  tempDir,
  vendorKeyInProcess,
} from './support.js';

after(cleanup);

interface ListJson {
  licenses: { licenseId: string; revision: number; features: { name: string; count: number }[] }[];
  uninstalled: { licenseId: string }[];
}

describe('uninstall and renew', () => {
  test('uninstall writes a certificate that verifies with the server key, revokes the seats, and the license is refused forever after', {
    timeout: 50_000,
  }, async () => {
    const work = tempDir();
    const data = join(work, 'srv');
    const vendor = vendorKeyInProcess(join(work, 'vendor'));
    let server = await startServer(data, { vendorKeys: [vendor.pub] });
    const info = join(work, 'info.bts');
    await cliJson(['server-id', '--data', data, '--out', info]);
    const lic = join(work, 'a.lic');
    const licenseId = await issueInProcess(vendor, info, lic, ['asr=2']);
    await cliJson(['license', 'install', lic, '--data', data]);
    const leases = await Promise.all([
      checkout(server.clientUrl, 'asr', 1, 'a'),
      checkout(server.clientUrl, 'asr', 1, 'b'),
    ]);
    assert.deepEqual(
      leases.map((l) => l.status),
      [201, 201],
    );

    // An --out that exists is refused before anything happens: the license stays installed.
    const taken = join(work, 'taken.uninstall');
    writeFileSync(taken, 'keep me\n');
    const refused = await cli(['license', 'uninstall', licenseId, '--data', data, '--out', taken]);
    assert.equal(refused.code, 1);
    assert.match(oneStderrLine(refused), /exists; refusing to overwrite/);
    assert.equal(readFileSync(taken, 'utf8'), 'keep me\n');
    assert.equal((await cliJson<ListJson>(['license', 'list', '--data', data])).licenses.length, 1);

    const certPath = join(work, 'a.uninstall');
    const out = await cliJson<{ revokedLeases: number; certificate: string }>([
      'license',
      'uninstall',
      licenseId,
      '--data',
      data,
      '--out',
      certPath,
    ]);
    assert.equal(out.id, licenseId);
    assert.equal(out.revokedLeases, 2);
    assert.equal(statSync(certPath).mode & 0o777, 0o644);
    const { publicKey } = await verifyServerId(readFileSync(info, 'utf8'));
    const cert = await verifyUninstall(readFileSync(certPath, 'utf8'), publicKey);
    assert.equal(cert.claims.licenseId, licenseId);
    assert.equal(cert.claims.revision, 1);
    assert.equal(cert.claims.serverId, server.info.serverId);

    for (const l of leases) {
      const hb = await heartbeat(server.clientUrl, l.body.leaseId);
      assert.equal(hb.status, 410);
      assert.equal(hb.body.error?.code, 'LEASE_GONE');
      assert.equal(hb.body.error?.reason, 'LICENSE_UNINSTALLED');
    }

    const expectRefused = async (args: string[], how: string) => {
      const r = await cli(['license', 'install', lic, '--data', data, ...args]);
      assert.equal(r.code, 1, how);
      assert.match(oneStderrLine(r), /\(LICENSE_UNINSTALLED\)$/, how);
    };
    await expectRefused([], 'installing it again on the running server');
    const list = await cliJson<ListJson>(['license', 'list', '--data', data]);
    assert.deepEqual(list.licenses, []);
    assert.deepEqual(
      list.uninstalled.map((u) => u.licenseId),
      [licenseId],
    );

    await server.stop();
    await expectRefused(['--vendor-key', vendor.pub], 'with no server running');
    server = await startServer(data, { vendorKeys: [vendor.pub] });
    await expectRefused([], 'after a restart');

    // The certificate can be had again, and is the same document.
    const again = join(work, 'again.uninstall');
    await cliJson(['license', 'certificate', licenseId, '--data', data, '--out', again]);
    assert.equal(readFileSync(again, 'utf8'), readFileSync(certPath, 'utf8'));
    assert.ok(existsSync(again));
    await server.stop();
  });

  test('a renewal with an equal revision is refused and a higher revision is accepted', {
    timeout: 40_000,
  }, async () => {
    const work = tempDir();
    const data = join(work, 'srv');
    const vendor = vendorKeyInProcess(join(work, 'vendor'));
    const server = await startServer(data, { vendorKeys: [vendor.pub] });
    const info = join(work, 'info.bts');
    await cliJson(['server-id', '--data', data, '--out', info]);
    const licenseId = await issueInProcess(vendor, info, join(work, 'rev1.lic'), ['asr=2']);
    await issueInProcess(vendor, info, join(work, 'rev1-again.lic'), ['asr=5'], { licenseId, revision: 1 });
    await issueInProcess(vendor, info, join(work, 'rev2.lic'), ['asr=3'], { licenseId, revision: 2 });
    await cliJson(['license', 'install', join(work, 'rev1.lic'), '--data', data]);

    const equal = await cli(['license', 'renew', join(work, 'rev1-again.lic'), '--data', data]);
    assert.equal(equal.code, 1);
    assert.match(oneStderrLine(equal), /\(REVISION_NOT_NEWER\)$/);

    const renewed = await cliJson<{ revision: number }>(['license', 'renew', join(work, 'rev2.lic'), '--data', data]);
    assert.equal(renewed.id, licenseId);
    assert.equal(renewed.revision, 2);
    const list = await cliJson<ListJson>(['license', 'list', '--data', data]);
    assert.deepEqual(
      list.licenses.map((l) => ({ id: l.licenseId, revision: l.revision, asr: l.features[0]?.count })),
      [{ id: licenseId, revision: 2, asr: 3 }],
    );
    await server.stop();
  });
});
