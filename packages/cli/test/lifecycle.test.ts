import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { LicenseClient, parseClientProperties } from '@tessera/client';
import {
  checkout,
  cleanup,
  cli,
  cliJson,
  cliOk,
  features,
  issue,
  keygen,
  makeDir,
  oneStderrLine,
  startServer,
  tempDir,
} from './support.js';

after(cleanup);

interface ListJson {
  id: string;
  via: string;
  licenses: { licenseId: string; features: { name: string; count: number; inUse: number; available: number }[] }[];
}

describe('the perpetual license workflow through the CLI', () => {
  test('keygen -> server start -> server-id -> vendor issue -> license install -> SDK checkout -> license list shows it in use', {
    timeout: 45_000,
  }, async () => {
    const work = tempDir();
    const data = join(work, 'srv');
    const vendor = await keygen(join(work, 'vendor'));
    const server = await startServer(data, { vendorKeys: [vendor.pub] });

    const serverId = await cliJson(['server-id', '--data', data, '--out', join(work, 'info.bts')]);
    assert.equal(serverId.id, server.info.serverId);
    assert.equal(serverId.via, undefined, 'server-id prints the server, not how it was reached');

    const lic = join(work, 'acme.lic');
    const licenseId = await issue(vendor, join(work, 'info.bts'), lic, ['asr=5', 'tts=2'], ['--customer', 'Acme']);
    const installed = await cliJson(['license', 'install', lic, '--data', data]);
    assert.equal(installed.id, licenseId);
    assert.equal(installed.via, 'admin-api', 'a running server is used through its admin API');

    const config = parseClientProperties(
      `[GLOBAL]\nLICENSE_SERVERS = ${new URL(server.clientUrl).host}\nLICENSE_CACHE_PERIOD = 0\n`,
      'client_property.conf',
    );
    const client = new LicenseClient(config, { app: 'e2e', version: '1.0.0' });
    try {
      const granted = await client.checkout('asr', { count: 2 });
      assert.ok(granted.ok, `checkout refused: ${granted.ok ? '' : granted.message}`);
      assert.equal(granted.lease.licenseId, licenseId);

      const list = await cliJson<ListJson>(['license', 'list', '--data', data]);
      assert.equal(list.id, server.info.serverId);
      const asr = list.licenses[0]?.features.find((f) => f.name === 'asr');
      assert.deepEqual(asr && { count: asr.count, inUse: asr.inUse, available: asr.available }, {
        count: 5,
        inUse: 2,
        available: 3,
      });
      const human = await cliOk(['license', 'list', '--data', data]);
      assert.match(human.stdout, new RegExp(`${licenseId}\\s+rev 1\\s+customer "Acme"`));
      assert.match(human.stdout, /asr\s+5 seats, 2 in use, 3 available/);

      await granted.lease.release();
    } finally {
      await client.close();
    }
    const stopped = await server.stop();
    assert.equal(stopped.code, 0, `the server stops cleanly on SIGTERM:\n${server.log()}`);
  });

  test('with no server running the same commands work on the data dir, and every --json output is one object with an id', {
    timeout: 45_000,
  }, async () => {
    const work = tempDir();
    const data = makeDir(join(work, 'srv'));
    const vendor = await keygen(join(work, 'vendor'));
    assert.equal(statSync(vendor.key).mode & 0o777, 0o600);
    assert.equal(statSync(vendor.pub).mode & 0o777, 0o644);
    const again = await cli(['vendor', 'keygen', '--out', vendor.dir]);
    assert.equal(again.code, 1, 'keygen never overwrites a key');
    assert.match(oneStderrLine(again), /refusing to overwrite a vendor key/);

    // Every cliJson call below checks that stdout is one JSON object with a non-empty id.
    const info = join(work, 'info.bts');
    const serverId = await cliJson(['server-id', '--data', data, '--out', info]);
    assert.match(serverId.id, /^srv_/);
    const lic = join(work, 'acme.lic');
    const licenseId = await issue(
      vendor,
      info,
      lic,
      ['asr=3'],
      ['--feature', 'tts=1', '--maintenance-until', '2030-01-31'],
    );
    const vendorKey = ['--vendor-key', vendor.pub];
    const installed = await cliJson<{ via: string; features: { name: string }[] }>([
      'license',
      'install',
      lic,
      '--data',
      data,
      ...vendorKey,
    ]);
    assert.equal(installed.id, licenseId);
    assert.equal(installed.via, 'data-dir');
    assert.deepEqual(
      installed.features.map((f) => f.name),
      ['asr', 'tts'],
      '--feature is variadic and repeatable',
    );
    const list = await cliJson<ListJson>(['license', 'list', '--data', data]);
    assert.equal(list.via, 'data-dir');
    assert.equal(list.id, serverId.id);
    assert.deepEqual(
      list.licenses.map((l) => l.licenseId),
      [licenseId],
    );

    // What the CLI installed is what the server, started afterwards, serves.
    const server = await startServer(data, { vendorKeys: [vendor.pub] });
    assert.equal(server.info.serverId, serverId.id);
    const granted = await checkout(server.clientUrl, 'asr', 2);
    assert.equal(granted.status, 201);
    assert.equal(granted.body.licenseId, licenseId);
    const asr = (await features(server.clientUrl)).features.find((f) => f.feature === 'asr');
    assert.equal(asr?.inUse, 2);
    const inUse = await cliJson<ListJson>(['license', 'list', '--data', data]);
    assert.equal(inUse.via, 'admin-api');
    assert.equal(inUse.licenses[0]?.features[0]?.inUse, 2);
    await server.stop();

    // The rest of the admin commands, on the data dir again.
    await issue(vendor, info, join(work, 'acme-2.lic'), ['asr=4'], ['--license-id', licenseId, '--revision', '2']);
    const renewed = await cliJson(['license', 'renew', join(work, 'acme-2.lic'), '--data', data, ...vendorKey]);
    assert.equal(renewed.id, licenseId);
    const uninstalled = await cliJson<{ revokedLeases: number }>([
      'license',
      'uninstall',
      licenseId,
      '--data',
      data,
      '--out',
      join(work, 'acme.uninstall'),
    ]);
    assert.equal(uninstalled.id, licenseId);
    assert.equal(uninstalled.revokedLeases, 1, 'the lease held when the server stopped lost its seats');
    const cert = await cliJson([
      'license',
      'certificate',
      licenseId,
      '--data',
      data,
      '--out',
      join(work, 'b.uninstall'),
    ]);
    assert.equal(cert.id, licenseId);
  });
});
