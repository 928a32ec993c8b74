/**
 * The online exchange against a stand-in Cloud on loopback: the first exchange at start,
 * failover to the next Cloud URL, serving on while the Cloud is away, SYNC_EXPIRED past
 * valid-until, service back after the next good sync.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeReportUnverified, signSync } from '@tessera/core';
import { type RunningServer, startLicenseServer } from '../../runtime/server.js';
import { makeVendor, silentLogger, tempDir, type Vendor } from '../../test-support/fixtures.js';

async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await fn())) {
    if (Date.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('online sync with a stand-in Cloud', () => {
  const t = tempDir('tessera-online-');
  let vendor: Vendor;
  let cloud: Server;
  let cloudUrl = '';
  const state = { up: true, seats: 2, validMs: 60_000, syncs: 0, hours: [] as string[] };
  let s: RunningServer;

  before(async () => {
    vendor = makeVendor(t.dir);
    let counter = 0;
    cloud = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        void (async () => {
          if (!state.up) {
            req.socket.destroy();
            return;
          }
          const report = decodeReportUnverified((JSON.parse(body) as { report: string }).report);
          for (const u of report.usage) state.hours.push(u.hour);
          const now = Date.now();
          const sync = await signSync(
            {
              serverId: report.serverId,
              syncCounter: ++counter,
              reportSequence: report.sequence,
              acknowledgedThrough: report.acknowledgedThrough,
              licenses: [
                {
                  licenseId: 'flex-online',
                  revision: counter,
                  customer: 'ACME',
                  features: [{ name: 'asr', count: state.seats, expires: null, maintenanceUntil: null }],
                },
              ],
              issuedAt: new Date(now).toISOString(),
              validUntil: new Date(now + state.validMs).toISOString(),
              nextSyncSeconds: 3600,
            },
            vendor.privateKey,
          );
          state.syncs++;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ sync }));
        })();
      });
    });
    await new Promise<void>((r) => cloud.listen(0, '127.0.0.1', r));
    cloudUrl = `http://127.0.0.1:${(cloud.address() as { port: number }).port}`;
    s = await startLicenseServer({
      dataDir: join(t.dir, 'data'),
      vendorKeyFiles: [vendor.pubFile],
      clientListen: '127.0.0.1:0',
      adminListen: '127.0.0.1:0',
      logger: silentLogger,
      mode: 'flexible',
      // The first URL answers nothing: every exchange fails over to the second.
      cloudUrls: ['http://127.0.0.1:9', cloudUrl],
      enrollCode: 'ENROLL-1',
      syncRetryBaseMs: 50,
      syncRetryCapMs: 200,
    });
  });
  after(async () => {
    await s?.stop();
    cloud?.close();
    t.cleanup();
  });

  const checkout = async (client: string) => {
    const r = await s.client.inject({
      method: 'POST',
      url: '/v1/leases',
      payload: { feature: 'asr', client: { id: client } },
    });
    return { status: r.statusCode, body: r.json() as { error?: { code: string } } };
  };

  test('the first exchange runs at start, through the second Cloud URL', async () => {
    await until('first sync', () => s.core.flexible.status().enrolled);
    const st = s.core.flexible.status();
    assert.equal(st.enrollmentPending, false, 'the enrollment code was used up by the first Sync');
    assert.equal(st.lastFailure, null);
    assert.equal((await checkout('a')).status, 201);
  });

  test('Resync Info brings new seat counts now', async () => {
    state.seats = 5;
    const r = await s.admin.inject({
      method: 'POST',
      url: '/api/v1/flexible/resync',
      headers: { authorization: `Bearer ${adminToken()}` },
    });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().applied.seats, 5);
    assert.equal(s.core.engine.features().features[0]?.total, 5);
  });

  test('a preferred sync time set in the settings picks the next exchange within the vendor interval, at once', async () => {
    const put = (values: Record<string, string | null>) =>
      s.admin.inject({
        method: 'PUT',
        url: '/api/v1/settings',
        headers: { authorization: `Bearer ${adminToken()}` },
        payload: { values },
      });
    const last = Date.parse(s.core.flexible.status().lastSync?.appliedAt ?? '');
    // Half an hour after the last sync, to the minute, in local time: inside the stand-in's 3600 s interval.
    const preferred = new Date(last + 30 * 60_000);
    preferred.setSeconds(0, 0);
    const hhmm = `${String(preferred.getHours()).padStart(2, '0')}:${String(preferred.getMinutes()).padStart(2, '0')}`;
    assert.equal((await put({ sync_time: hhmm })).statusCode, 200);
    assert.equal(s.core.flexible.status().nextAttemptAt, preferred.toISOString());
    assert.equal((await put({ sync_time: null })).statusCode, 200);
    assert.equal(s.core.flexible.status().nextAttemptAt, new Date(last + 3600_000).toISOString());
  });

  test('Cloud away: still served until valid-until, then SYNC_EXPIRED; Cloud back: served again', async () => {
    state.validMs = 1500;
    const resync = await s.admin.inject({
      method: 'POST',
      url: '/api/v1/flexible/resync',
      headers: { authorization: `Bearer ${adminToken()}` },
    });
    assert.equal(resync.statusCode, 200);
    state.up = false;
    const failed = await s.admin.inject({
      method: 'POST',
      url: '/api/v1/flexible/resync',
      headers: { authorization: `Bearer ${adminToken()}` },
    });
    assert.equal(failed.statusCode, 503);
    assert.equal(failed.json().error.code, 'CLOUD_UNREACHABLE');
    assert.equal((await checkout('b')).status, 201, 'served while the Sync is valid');
    await until('valid-until passes', async () => (await checkout('c')).status === 503);
    const refused = await checkout('d');
    assert.equal(refused.body.error?.code, 'SYNC_EXPIRED');
    const st = s.core.flexible.status();
    assert.equal(st.expired, true);
    assert.match(st.lastFailure?.code ?? '', /CLOUD_UNREACHABLE/);
    assert.ok(st.nextAttemptAt !== null, 'the server keeps retrying');
    state.validMs = 60_000;
    state.up = true;
    // The backoff retry finds the Cloud again by itself.
    await until('served again', async () => (await checkout('e')).status === 201);
    assert.equal(s.core.flexible.status().expired, false);
  });

  function adminToken(): string {
    return readFileSync(join(t.dir, 'data', 'admin.token'), 'utf8').trim();
  }
});
