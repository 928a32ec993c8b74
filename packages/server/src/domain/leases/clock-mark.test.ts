/**
 * The clock guard against signed dates in the future: a license or Sync issued beyond the
 * tolerance ahead of the local clock is refused, no document moves the mark past the local
 * clock, and a data dir whose mark an earlier version let a document poison recovers at start.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type CheckoutRequest, ManualClock, signSync, TesseraError } from '@tessera/core';
import Database from 'better-sqlite3';
import { openServerCore, type ServerCore } from '../../runtime/core.js';
import { licenseFor, makeVendor, silentLogger, tempDir } from '../../test-support/fixtures.js';
import { LOCAL_CLI_ACTOR } from '../audit.js';

const MIN = 60_000;
const NOW = Date.UTC(2026, 5, 15, 12);
const FAR = Date.UTC(2099, 0, 1);

const req = (feature: string): CheckoutRequest => ({ feature, client: { id: 'c1', releaseDate: '2026-01-01' } });

class Harness {
  readonly t = tempDir();
  readonly vendor = makeVendor(this.t.dir);
  readonly clock = new ManualClock(NOW);
  core!: ServerCore;
  async open(): Promise<ServerCore> {
    this.core = await openServerCore({
      dataDir: `${this.t.dir}/data`,
      vendorKeyFiles: [this.vendor.pubFile],
      clock: this.clock,
      logger: silentLogger,
    });
    return this.core;
  }
  async restart(): Promise<ServerCore> {
    this.core.close();
    return this.open();
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

describe('clock guard and signed dates', () => {
  test('a license issued in 2099 is refused with DOC_ISSUED_IN_FUTURE and changes nothing', async () => {
    const h = await harness();
    const { file } = await licenseFor(h.core, h.vendor, {
      features: [{ name: 'asr', count: 5 }],
      expires: '2030-01-01',
      nowMs: FAR,
    });
    await assert.rejects(
      h.core.licenses.install(LOCAL_CLI_ACTOR, file),
      (e: unknown) =>
        e instanceof TesseraError &&
        e.code === 'DOC_ISSUED_IN_FUTURE' &&
        e.message.includes('was issued at 2099-01-01T00:00:00.000Z') &&
        e.message.includes("clock says 2026-06-15T12:00:00.000Z: more than the 10 minutes' tolerance ahead"),
    );
    assert.deepEqual(h.core.licenses.tree().licenses, []);
    assert.ok(h.core.clockGuard.mark <= NOW, 'the mark did not move past the local clock');
    const audit = h.core.audit.page(undefined, 5).find((e) => e.action === 'license.install');
    assert.equal(audit?.outcome, 'refused:DOC_ISSUED_IN_FUTURE');
  });

  test('a license issued within the tolerance ahead installs; the mark stays at the local clock', async () => {
    const h = await harness();
    const { file } = await licenseFor(h.core, h.vendor, {
      features: [{ name: 'asr', count: 5 }],
      expires: '2030-01-01',
      nowMs: NOW + 9 * MIN,
    });
    await h.core.licenses.install(LOCAL_CLI_ACTOR, file);
    assert.ok(h.core.clockGuard.mark <= NOW);
    const r = await h.core.engine.checkout(req('asr'));
    assert.ok(r.ok, 'time-limited seats are served');
    await h.core.engine.release(r.lease.leaseId);
    h.core.engine.stop(); // persists the mark
    await h.restart();
    assert.ok(h.core.clockGuard.mark <= NOW + 1);
    assert.equal(h.core.engine.clockTampered, false);
  });

  test('a Sync issued beyond the tolerance ahead is refused and changes nothing', async () => {
    const h = await harness();
    const sync = await signSync(
      {
        serverId: h.core.identity.serverId,
        syncCounter: 1,
        reportSequence: 1,
        acknowledgedThrough: null,
        licenses: [
          {
            licenseId: 'flex-1',
            revision: 1,
            customer: 'ACME',
            features: [{ name: 'asr', count: 2, expires: '2030-01-01', maintenanceUntil: null }],
          },
        ],
        issuedAt: new Date(FAR).toISOString(),
        validUntil: new Date(FAR + 86_400_000).toISOString(),
        nextSyncSeconds: 3600,
      },
      h.vendor.privateKey,
    );
    await assert.rejects(h.core.flexible.applySync(LOCAL_CLI_ACTOR, sync, 'file'), { code: 'DOC_ISSUED_IN_FUTURE' });
    assert.equal(h.core.flexible.repo.lastSync(), undefined);
    assert.deepEqual(h.core.engine.features().features, []);
    assert.ok(h.core.clockGuard.mark <= NOW);
  });

  test('a data dir whose mark a document poisoned (an earlier version) serves time-limited seats after a restart', async () => {
    const h = await harness();
    const { file } = await licenseFor(h.core, h.vendor, {
      features: [{ name: 'asr', count: 5 }],
      expires: '2030-01-01',
    });
    await h.core.licenses.install(LOCAL_CLI_ACTOR, file);
    h.core.close();
    // What an earlier version left behind after installing a license issued 2099-01-01: the
    // mark there, and no record of when it was written.
    const db = new Database(join(h.t.dir, 'data', 'tessera.db'));
    db.prepare("DELETE FROM meta WHERE key LIKE 'clock.%'").run();
    db.prepare("INSERT INTO meta (key, value) VALUES ('clock.highWater', ?)").run(String(FAR));
    db.close();
    await h.open();
    assert.equal(h.core.engine.clockTampered, false);
    const r = await h.core.engine.checkout(req('asr'));
    assert.ok(r.ok, 'time-limited seats are served again');
    await h.core.engine.release(r.lease.leaseId);
    const saved = h.core.store.meta.clockMark();
    assert.ok(saved && saved.mark <= NOW && saved.writtenAt === NOW, 'the taken-back mark is written at once');
  });

  test('a clock set back across a restart is still caught', async () => {
    const h = await harness();
    const { file } = await licenseFor(h.core, h.vendor, {
      features: [{ name: 'asr', count: 5 }],
      expires: '2030-01-01',
    });
    await h.core.licenses.install(LOCAL_CLI_ACTOR, file);
    h.clock.advance(120 * MIN);
    h.core.engine.sweep(); // the mark sees the time
    h.core.close(); // and is written at stop
    h.clock.setWall(NOW);
    await h.open();
    assert.equal(h.core.engine.clockTampered, true);
    const r = await h.core.engine.checkout(req('asr'));
    assert.equal(!r.ok && r.code, 'CLOCK_TAMPERED');
  });
});
