/**
 * A full disk (SQLite's own SQLITE_FULL, see `fillDisk`) during every kind of write: a failed
 * write changes nothing, in memory or on disk; holders keep their leases and are told nothing;
 * the refusal is a clear STORAGE_FULL; and the server goes on by itself once space returns.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type CheckoutRequest, ManualClock, signSync, TesseraError } from '@tessera/core';
import { openServerCore, type ServerCore } from '../runtime/core.js';
import { fillDisk } from '../test-support/disk-full.js';
import { licenseFor, makeVendor, silentLogger, tempDir } from '../test-support/fixtures.js';
import { LOCAL_CLI_ACTOR } from './audit.js';

const req = (client: string, feature = 'asr'): CheckoutRequest => ({
  feature,
  client: { id: client, releaseDate: '2026-01-01' },
});

const isStorageFull = (e: unknown) =>
  e instanceof TesseraError && e.code === 'STORAGE_FULL' && /disk .* is full .*nothing was changed/.test(e.message);

class Harness {
  readonly t = tempDir();
  readonly vendor = makeVendor(this.t.dir);
  readonly clock = new ManualClock(Date.UTC(2026, 5, 15, 12));
  core!: ServerCore;
  async open(): Promise<ServerCore> {
    this.core = await openServerCore({
      dataDir: join(this.t.dir, 'data'),
      vendorKeyFiles: [this.vendor.pubFile],
      clock: this.clock,
      logger: silentLogger,
      leaseSeconds: 120,
      heartbeatSeconds: 30,
    });
    return this.core;
  }
  async install(spec: Parameters<typeof licenseFor>[2]) {
    const { claims, file } = await licenseFor(this.core, this.vendor, spec);
    await this.core.licenses.install(LOCAL_CLI_ACTOR, file);
    return claims;
  }
  async lease(client: string, feature = 'asr'): Promise<string> {
    const r = await this.core.engine.checkout(req(client, feature));
    assert.ok(r.ok, `checkout for ${client}: ${!r.ok && r.code}`);
    return r.lease.leaseId;
  }
  inUse(feature = 'asr'): number {
    return this.core.engine.features().features.find((f) => f.feature === feature)?.inUse ?? 0;
  }
  heartbeats(ids: string[]): string[] {
    return ids.map((id) => {
      const r = this.core.engine.heartbeat(id);
      return r.ok ? 'ok' : r.reason;
    });
  }
}

const harnesses: Harness[] = [];
async function harness(): Promise<Harness> {
  const h = new Harness();
  harnesses.push(h);
  await h.open();
  return h;
}
after(() => {
  for (const h of harnesses) {
    h.core.close();
    h.t.cleanup();
  }
});

/** The error a promise rejects with (fails the test when it fulfils). */
async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => assert.fail(`expected a failure, got ${JSON.stringify(v)}`),
    (e: unknown) => e,
  );
}

describe('a full disk changes nothing', () => {
  test('a failed uninstall revokes nothing: holders keep heartbeating, no seat is handed out twice, a restart keeps the acknowledged leases', async () => {
    const h = await harness();
    const claims = await h.install({ features: [{ name: 'asr', count: 5 }] });
    const a = await h.lease('a');
    const b = await h.lease('b');
    const full = fillDisk(h.core.store.db);
    const err = await failure(h.core.licenses.uninstall(LOCAL_CLI_ACTOR, claims.licenseId));
    assert.deepEqual(h.heartbeats([a, b]), ['ok', 'ok'], 'both holders still hold their seats');
    assert.equal(h.inUse(), 2);
    assert.deepEqual(
      h.core.licenses.tree().licenses.map((l) => [l.licenseId, l.features[0]?.inUse]),
      [[claims.licenseId, 2]],
    );
    assert.ok(isStorageFull(err), `STORAGE_FULL, got ${String(err)}`);
    assert.ok(isStorageFull(await failure(h.core.engine.checkout(req('c')))), 'a checkout is not granted');
    assert.equal(h.inUse(), 2, 'the failed checkout took no seat');

    full.release();
    const more = [await h.lease('c'), await h.lease('d'), await h.lease('e')];
    const denied = await h.core.engine.checkout(req('f'));
    assert.equal(!denied.ok && denied.code, 'NO_SEATS');
    assert.equal(h.core.store.leases.count(), 5, 'five rows on disk for five seats');

    h.core.close();
    await h.open();
    assert.equal(h.inUse(), 5);
    assert.deepEqual(h.heartbeats([a, b, ...more]), ['ok', 'ok', 'ok', 'ok', 'ok'], 'every acknowledged lease is held');
    const done = await h.core.licenses.uninstall(LOCAL_CLI_ACTOR, claims.licenseId);
    assert.equal(done.revokedLeases, 5);
    assert.deepEqual(h.heartbeats([a, b]), ['LICENSE_UNINSTALLED', 'LICENSE_UNINSTALLED']);
    assert.equal(h.core.store.leases.count(), 0);
  });

  test('a failed renewal with fewer seats revokes nothing; once space returns it revokes the newest', async () => {
    const h = await harness();
    const claims = await h.install({ features: [{ name: 'asr', count: 3 }], licenseId: 'lic_renew' });
    const ids = [await h.lease('a'), await h.lease('b'), await h.lease('c')];
    const { file } = await licenseFor(h.core, h.vendor, {
      features: [{ name: 'asr', count: 1 }],
      licenseId: claims.licenseId,
      revision: 2,
    });
    const full = fillDisk(h.core.store.db);
    const err = await failure(h.core.licenses.renew(LOCAL_CLI_ACTOR, file));
    assert.deepEqual(h.heartbeats(ids), ['ok', 'ok', 'ok']);
    assert.equal(h.core.licenses.tree().licenses[0]?.revision, 1);
    assert.equal(h.core.engine.features().features[0]?.total, 3);
    assert.ok(isStorageFull(err));
    full.release();
    const renewed = await h.core.licenses.renew(LOCAL_CLI_ACTOR, file);
    assert.equal(renewed.revokedLeases, 2);
    assert.deepEqual(h.heartbeats(ids), ['ok', 'SEATS_REDUCED', 'SEATS_REDUCED']);
  });

  test('a failed install puts no seats in the pool; installing again once space returns works', async () => {
    const h = await harness();
    const { claims, file } = await licenseFor(h.core, h.vendor, { features: [{ name: 'asr', count: 2 }] });
    const full = fillDisk(h.core.store.db);
    const putting = h.core.engine.putLicense(
      claims,
      h.core.audit.writer({ actor: LOCAL_CLI_ACTOR, action: 'license.install', outcome: 'ok' }),
    );
    // A checkout asked while the license is being written waits for it: its seats are not
    // there until the write is on disk, and this one never is.
    const during = await h.core.engine.checkout(req('a')).catch((e: unknown) => e);
    assert.equal((during as { code?: string }).code, 'UNKNOWN_FEATURE');
    assert.ok(isStorageFull(await failure(putting)));
    assert.deepEqual(h.core.engine.features().features, []);
    const err = await failure(h.core.licenses.install(LOCAL_CLI_ACTOR, file));
    assert.deepEqual(h.core.licenses.tree().licenses, []);
    assert.ok(isStorageFull(err));
    full.release();
    await h.core.licenses.install(LOCAL_CLI_ACTOR, file);
    await h.lease('a');
    await h.lease('b');
    assert.equal(h.core.store.leases.count(), 2);
  });

  test("an administrator's release that cannot be stored leaves the lease held and its holder told nothing", async () => {
    const h = await harness();
    await h.install({ features: [{ name: 'asr', count: 2 }] });
    const a = await h.lease('a');
    const full = fillDisk(h.core.store.db);
    const revoking = h.core.engine.revoke(a);
    assert.deepEqual(h.heartbeats([a]), ['ok'], 'not told before the revocation is on disk');
    assert.ok(isStorageFull(await failure(revoking)));
    assert.deepEqual(h.heartbeats([a]), ['ok']);
    assert.equal(h.inUse(), 1);
    full.release();
    assert.equal(await h.core.engine.revoke(a), true);
    assert.deepEqual(h.heartbeats([a]), ['REVOKED_BY_ADMIN']);
    assert.equal(h.inUse(), 0);
  });

  test('a lapsed lease whose end cannot be written is freed once space returns', async () => {
    const h = await harness();
    await h.install({ features: [{ name: 'asr', count: 1 }] });
    await h.lease('a');
    const full = fillDisk(h.core.store.db);
    h.clock.advance(121_000);
    h.core.engine.sweep();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(h.core.store.leases.count(), 1, 'still on disk');
    full.release();
    h.clock.advance(300);
    h.core.engine.sweep();
    for (let i = 0; i < 5 && h.core.store.leases.count() > 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal(h.core.store.leases.count(), 0, 'its end is written at a later sweep');
    assert.equal(h.inUse(), 0, 'and its seat is free');
    await h.lease('b');
  });

  test('leases of an expired license hear LICENSE_EXPIRED only once their revocation is on disk', async () => {
    const h = await harness();
    await h.install({ features: [{ name: 'ocr', count: 1 }], expires: '2026-06-15' });
    const a = await h.lease('a', 'ocr');
    const full = fillDisk(h.core.store.db);
    h.clock.setWall(Date.UTC(2026, 5, 16, 1)); // past the end of the expiry day; the lease itself is alive
    h.core.engine.sweep();
    assert.deepEqual(h.heartbeats([a]), ['ok'], 'not told while the revocation is being written');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(h.heartbeats([a]), ['ok'], 'nor after it failed');
    full.release();
    h.core.engine.sweep();
    for (let i = 0; i < 5 && h.core.store.leases.count() > 0; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(h.heartbeats([a]), ['LICENSE_EXPIRED']);
  });

  test('settings, users, passwords and Make Server ID File: STORAGE_FULL, and nothing changed', async () => {
    const h = await harness();
    const confPath = h.core.settings.path;
    const conf = readFileSync(confPath, 'utf8');
    const auditBefore = h.core.audit.page(undefined, 500).length;
    const full = fillDisk(h.core.store.db);
    const err = await failure(h.core.settings.update(LOCAL_CLI_ACTOR, { log_level: 'debug' }));
    assert.equal(readFileSync(confPath, 'utf8'), conf, 'server.conf is unchanged');
    assert.equal(h.core.settings.settings.logLevel, 'info', 'nor the setting in force');
    assert.ok(isStorageFull(err));
    assert.ok(
      isStorageFull(await failure(h.core.auth.addUser(LOCAL_CLI_ACTOR, 'ops', 'a long enough pass 1', 'view'))),
    );
    assert.equal(h.core.store.users.get('ops'), undefined);
    const initial = readFileSync(join(h.t.dir, 'data', 'initial-admin-password'), 'utf8').trim();
    assert.ok(isStorageFull(await failure(h.core.auth.changePassword('admin', initial, 'another long pass 2'))));
    assert.equal((await h.core.auth.authenticatePassword('admin', initial)).ok, true, 'the old password still works');
    assert.ok(isStorageFull(await failure(h.core.licenses.makeServerIdFile(LOCAL_CLI_ACTOR))));
    full.release();
    assert.equal(
      h.core.audit.page(undefined, 500).length,
      auditBefore,
      'no audit entry of a change that did not happen',
    );
    await h.core.settings.update(LOCAL_CLI_ACTOR, { log_level: 'debug' });
    assert.equal(h.core.settings.settings.logLevel, 'debug');
    assert.match(readFileSync(confPath, 'utf8'), /^log_level = debug$/m);
    await h.core.auth.addUser(LOCAL_CLI_ACTOR, 'ops', 'a long enough pass 1', 'view');
    assert.equal(h.core.store.users.get('ops')?.role, 'view');
  });

  test('a Sync file cannot be imported on a full disk: nothing changes; it applies once space returns', async () => {
    const h = await harness();
    const report = await h.core.flexible.createReport(LOCAL_CLI_ACTOR);
    const sync = await signSync(
      {
        serverId: h.core.identity.serverId,
        syncCounter: 1,
        reportSequence: report.sequence,
        acknowledgedThrough: null,
        licenses: [
          {
            licenseId: 'flex-1',
            revision: 1,
            customer: 'ACME',
            features: [{ name: 'asr', count: 2, expires: null, maintenanceUntil: null }],
          },
        ],
        issuedAt: new Date(h.clock.now()).toISOString(),
        validUntil: new Date(h.clock.now() + 86_400_000).toISOString(),
        nextSyncSeconds: 3600,
      },
      h.vendor.privateKey,
    );
    const full = fillDisk(h.core.store.db);
    const err = await failure(h.core.flexible.applySync(LOCAL_CLI_ACTOR, sync, 'file'));
    assert.equal(h.core.flexible.repo.lastSync(), undefined);
    assert.deepEqual(h.core.engine.features().features, []);
    assert.ok(isStorageFull(err));
    full.release();
    const applied = await h.core.flexible.applySync(LOCAL_CLI_ACTOR, sync, 'file');
    assert.equal(applied.seats, 2);
    await h.lease('a');
  });
});
