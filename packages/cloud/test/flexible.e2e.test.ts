/**
 * Flexible licensing against real Cloud processes: two nodes on one PostgreSQL database, a
 * License Server enrolling on one and reporting to both at once (as after a failover, or a
 * PLS relaying an ALS's Report File to whichever node answers), then a node killed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  generateSigningKey,
  hashFactors,
  hourMark,
  Keyring,
  privateKeyToPem,
  publicKeyFromPem,
  type ReportClaims,
  signReport,
  type UsageHour,
  verifySync,
} from '@tessera/core';
import { createTestDatabase, type TestDatabase } from '../src/test-support/db.js';
import { newLicenseServer, RAW_FACTORS, type TestLicenseServer } from '../src/test-support/fixtures.js';
import { type CloudNode, cleanup, spawnCloud, tempDir } from './support/processes.js';

const START_TIMEOUT_MS = 90_000;

describe('flexible sync on two PostgreSQL nodes (real processes)', { timeout: 240_000 }, () => {
  let db: TestDatabase;
  let nodes: CloudNode[];
  let srv: TestLicenseServer;
  let keyring: Keyring;
  let sequence = 0;

  const report = (usage: UsageHour[], extra: Partial<ReportClaims> = {}) => {
    sequence += 1;
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
  };

  before(async () => {
    db = await createTestDatabase('postgres');
    const keyFile = join(tempDir(), 'vendor.key');
    writeFileSync(keyFile, privateKeyToPem(generateSigningKey().privateKey), { mode: 0o600 });
    const common = { db: db.url, signingKeyFile: keyFile, syncIntervalSeconds: 2, graceSeconds: 10 };
    nodes = await Promise.all([spawnCloud(common, START_TIMEOUT_MS), spawnCloud(common, START_TIMEOUT_MS)]);
    keyring = await Keyring.from([publicKeyFromPem(await nodes[0]!.api.vendorKey())]);
    srv = await newLicenseServer('flex-e2e.acme.example');
  });
  after(async () => {
    await cleanup();
    await db?.drop();
  });

  test('enroll on one node, allocate, then 30 concurrent reports over both nodes: counters exact, usage once', async () => {
    const [a, b] = nodes as [CloudNode, CloudNode];
    await a.api.featureAdd('asr');
    const customer = await a.api.customerAdd('Acme');
    await a.api.entitlementAdd({ customerId: customer.id, type: 'flexible', feature: 'asr', count: 8 });
    const enr = await b.api.enroll(customer.id);
    const first = (
      await verifySync(
        await a.api.sync(await report([], { enrollment: { code: enr.code, serverIdDocument: srv.serverIdFile } })),
        keyring,
      )
    ).claims;
    assert.equal(first.syncCounter, 1);
    assert.equal(first.nextSyncSeconds, 2);
    await b.api.allocate(srv.serverId, ['asr=5']);

    // Every report repeats the same two hours (absolute values): stored once whatever the order.
    const h1 = hourMark(Date.now() - 2 * 3_600_000);
    const h2 = hourMark(Date.now() - 3_600_000);
    const usage: UsageHour[] = [
      { feature: 'asr', hour: h1, peakSeats: 3, seatSeconds: 7200, checkouts: 9, denials: 1 },
      { feature: 'asr', hour: h2, peakSeats: 1, seatSeconds: 600, checkouts: 2, denials: 0 },
    ];
    const texts = await Promise.all(Array.from({ length: 30 }, () => report(usage)));
    const syncs = await Promise.all(texts.map((t, i) => nodes[i % 2]!.api.sync(t)));
    const claims = await Promise.all(syncs.map(async (s) => (await verifySync(s, keyring)).claims));
    assert.deepEqual(
      claims.map((c) => c.syncCounter).sort((x, y) => x - y),
      Array.from({ length: 30 }, (_, i) => i + 2),
    );
    for (const c of claims) {
      assert.equal(c.acknowledgedThrough, h2);
      assert.equal(c.licenses[0]!.features[0]!.count, 5);
      assert.equal(c.licenses[0]!.revision, 1);
    }
    const chart = await a.api.usage({ serverId: srv.serverId, bucket: 'hour', days: 1 });
    assert.deepEqual(chart.totals, [{ feature: 'asr', peakSeats: 3, seatSeconds: 7800, checkouts: 11, denials: 1 }]);
    const status = await b.api.syncStatus(srv.serverId);
    assert.equal(status.syncCounter, 31);
    assert.equal(status.lastSequence, 31);

    // One node dies; the other answers the next report and the counter goes on.
    await a.kill('SIGKILL');
    const after = (await verifySync(await b.api.sync(await report([])), keyring)).claims;
    assert.equal(after.syncCounter, 32);
  });
});
