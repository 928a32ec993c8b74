import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import {
  decodeDocumentUnverified,
  decodeReportUnverified,
  generateSigningKey,
  hashFactors,
  issueLicense,
  ManualClock,
  type SyncClaims,
  signReport,
  signSync,
  TesseraError,
  thumbprint,
} from '@tessera/core';
import { FileClock, readServerEnv } from '../../runtime/env.js';
import { type LicenseServerOptions, type RunningServer, startLicenseServer } from '../../runtime/server.js';
import { makeVendor, silentLogger, tempDir, type Vendor } from '../../test-support/fixtures.js';
import { LOCAL_CLI_ACTOR } from '../audit.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 5, 1, 10, 30);

interface Env {
  dir: string;
  dataDir: string;
  vendor: Vendor;
  clock: ManualClock;
  server?: RunningServer;
  cleanup(): void;
}

const envs: Env[] = [];

function makeEnv(): Env {
  const t = tempDir('tessera-flex-');
  const env: Env = {
    dir: t.dir,
    dataDir: join(t.dir, 'data'),
    vendor: makeVendor(t.dir),
    clock: new ManualClock(T0),
    cleanup: t.cleanup,
  };
  envs.push(env);
  return env;
}

async function start(env: Env, opts: Partial<LicenseServerOptions> = {}): Promise<RunningServer> {
  env.server = await startLicenseServer({
    clientListen: '127.0.0.1:0',
    adminListen: '127.0.0.1:0',
    logger: silentLogger,
    mode: 'als',
    clock: env.clock,
    leaseSeconds: 60,
    heartbeatSeconds: 20,
    ...opts,
    dataDir: env.dataDir,
    vendorKeyFiles: [env.vendor.pubFile],
  });
  return env.server;
}

afterEach(async () => {
  for (const e of envs.splice(0)) {
    await e.server?.stop();
    e.cleanup();
  }
});

function syncClaims(s: RunningServer, clock: ManualClock, over: Partial<SyncClaims> = {}): SyncClaims {
  return {
    serverId: s.core.identity.serverId,
    syncCounter: 1,
    reportSequence: 1,
    acknowledgedThrough: null,
    licenses: [
      {
        licenseId: 'flex-acme-1',
        revision: 1,
        customer: 'ACME',
        features: [{ name: 'asr', count: 2, expires: null, maintenanceUntil: null }],
      },
    ],
    issuedAt: new Date(clock.now()).toISOString(),
    validUntil: new Date(clock.now() + 24 * HOUR).toISOString(),
    nextSyncSeconds: 3600,
    ...over,
  };
}

async function checkout(s: RunningServer, feature = 'asr', client = 'client-1') {
  const r = await s.client.inject({
    method: 'POST',
    url: '/v1/leases',
    payload: { feature, client: { id: client, host: 'host-secret-name', app: 'app-secret-name' } },
  });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> & { error?: { code: string } } };
}

async function heartbeat(s: RunningServer, leaseId: string) {
  const r = await s.client.inject({ method: 'POST', url: `/v1/leases/${leaseId}/heartbeat` });
  return { status: r.statusCode, body: r.json() as { error?: { code: string; reason?: string } } };
}

async function refusedWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof TesseraError && e.code === code);
}

function snapshot(s: RunningServer) {
  const st = s.core.flexible.status();
  return JSON.stringify({ ...st, nextAttemptAt: null, validUntil: null, features: s.core.engine.features() });
}

describe('flexible licensing: applying a Sync', () => {
  test('a Sync puts its seats in the pool; replayed, older, foreign, tampered or unknown-key Syncs change nothing', async () => {
    const env = makeEnv();
    const s = await start(env);
    const flex = s.core.flexible;
    await flex.createReport(LOCAL_CLI_ACTOR);
    const first = await signSync(syncClaims(s, env.clock, { syncCounter: 5 }), env.vendor.privateKey);
    const applied = await flex.applySync(LOCAL_CLI_ACTOR, first, 'file');
    assert.equal(applied.seats, 2);
    assert.equal((await checkout(s)).status, 201);
    const shown = s.core.licenses.tree().licenses.find((l) => l.licenseId === 'flex-acme-1');
    assert.equal(shown?.mode, 'flexible', 'the license tree shows the flexible license');
    assert.equal(shown?.features[0]?.inUse, 1);
    const before = snapshot(s);

    await refusedWith(flex.applySync(LOCAL_CLI_ACTOR, first, 'file'), 'SYNC_NOT_NEWER');
    const older = await signSync(syncClaims(s, env.clock, { syncCounter: 4, licenses: [] }), env.vendor.privateKey);
    await refusedWith(flex.applySync(LOCAL_CLI_ACTOR, older, 'file'), 'SYNC_NOT_NEWER');
    const foreign = await signSync(
      syncClaims(s, env.clock, { syncCounter: 9, serverId: 'srv_someoneElse', licenses: [] }),
      env.vendor.privateKey,
    );
    await refusedWith(flex.applySync(LOCAL_CLI_ACTOR, foreign, 'file'), 'WRONG_SERVER');
    const other = generateSigningKey();
    const unknownKey = await signSync(syncClaims(s, env.clock, { syncCounter: 9, licenses: [] }), other.privateKey);
    await refusedWith(flex.applySync(LOCAL_CLI_ACTOR, unknownKey, 'file'), 'DOC_UNKNOWN_KEY');
    // Tampered: the payload of a good newer Sync swapped for one with more seats.
    const good = await signSync(syncClaims(s, env.clock, { syncCounter: 9 }), env.vendor.privateKey);
    const jws = good.split('\n').find((l) => l.split('.').length === 3 && !l.startsWith('#'))!;
    const [h, p, sig] = jws.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as SyncClaims;
    claims.licenses[0]!.features[0]!.count = 1000;
    const tampered = good.replace(jws, `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`);
    await refusedWith(flex.applySync(LOCAL_CLI_ACTOR, tampered, 'file'), 'DOC_BAD_SIGNATURE');
    // Answers a report this server never wrote.
    const ahead = await signSync(
      syncClaims(s, env.clock, { syncCounter: 9, reportSequence: 7 }),
      env.vendor.privateKey,
    );
    await refusedWith(flex.applySync(LOCAL_CLI_ACTOR, ahead, 'file'), 'DOC_INVALID');

    assert.equal(snapshot(s), before, 'no refused Sync changed anything');
    // Over the admin API the refusal names its code.
    const r = await s.admin.inject({
      method: 'POST',
      url: '/api/v1/flexible/sync',
      headers: { authorization: `Bearer ${adminToken(env)}` },
      payload: { file: first },
    });
    assert.equal(r.statusCode, 409);
    assert.equal(r.json().error.code, 'SYNC_NOT_NEWER');
  });

  test('fewer seats in a newer Sync revoke the newest leases (SEATS_REDUCED); none at all removes the license', async () => {
    const env = makeEnv();
    const s = await start(env);
    const flex = s.core.flexible;
    await flex.createReport(LOCAL_CLI_ACTOR);
    await flex.applySync(LOCAL_CLI_ACTOR, await signSync(syncClaims(s, env.clock), env.vendor.privateKey), 'file');
    const a = await checkout(s, 'asr', 'a');
    const b = await checkout(s, 'asr', 'b');
    assert.equal(b.status, 201);
    assert.equal((await checkout(s, 'asr', 'c')).status, 409);
    const fewer = syncClaims(s, env.clock, { syncCounter: 2 });
    fewer.licenses[0]!.features[0]!.count = 1;
    fewer.licenses[0]!.revision = 2;
    const applied = await flex.applySync(LOCAL_CLI_ACTOR, await signSync(fewer, env.vendor.privateKey), 'file');
    assert.equal(applied.revokedLeases, 1);
    assert.equal((await heartbeat(s, String(a.body.leaseId))).status, 200);
    const gone = await heartbeat(s, String(b.body.leaseId));
    assert.equal(gone.status, 410);
    assert.equal(gone.body.error?.reason, 'SEATS_REDUCED');
    const none = syncClaims(s, env.clock, { syncCounter: 3, licenses: [] });
    await flex.applySync(LOCAL_CLI_ACTOR, await signSync(none, env.vendor.privateKey), 'file');
    assert.equal((await heartbeat(s, String(a.body.leaseId))).status, 410);
    assert.deepEqual(s.core.engine.features().features, []);
  });
});

describe('flexible licensing: valid-until', () => {
  test('measured by monotonic time too: setting the clock back does not extend it; a newer Sync restores service', async () => {
    const env = makeEnv();
    // Leases long enough that only valid-until can end them.
    const s = await start(env, { leaseSeconds: 86_400, heartbeatSeconds: 3600 });
    const flex = s.core.flexible;
    await flex.createReport(LOCAL_CLI_ACTOR);
    const sync = syncClaims(s, env.clock, { validUntil: new Date(env.clock.now() + HOUR).toISOString() });
    await flex.applySync(LOCAL_CLI_ACTOR, await signSync(sync, env.vendor.privateKey), 'file');
    const held = await checkout(s, 'asr', 'a');
    assert.equal(held.status, 201);
    env.clock.advance(HOUR / 2);
    assert.equal((await heartbeat(s, String(held.body.leaseId))).status, 200);
    // Someone sets the wall clock back a day; 40 more minutes pass.
    env.clock.setWall(env.clock.now() - 24 * HOUR);
    env.clock.advance(40 * 60_000);
    assert.ok(env.clock.now() < Date.parse(sync.validUntil), 'by the wall clock it would still be valid');
    const refused = await checkout(s, 'asr', 'b');
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error?.code, 'SYNC_EXPIRED');
    await new Promise((r) => setTimeout(r, 20));
    const gone = await heartbeat(s, String(held.body.leaseId));
    assert.equal(gone.status, 410);
    assert.equal(gone.body.error?.reason, 'SYNC_EXPIRED');
    assert.equal(flex.status().expired, true);
    // A later good Sync brings the seats back.
    const next = syncClaims(s, env.clock, { syncCounter: 2 });
    await flex.applySync(LOCAL_CLI_ACTOR, await signSync(next, env.vendor.privateKey), 'file');
    assert.equal((await checkout(s, 'asr', 'c')).status, 201);
    assert.equal(flex.status().expired, false);
  });

  test('an expired Sync stays expired across a restart, and leases held over it hear SYNC_EXPIRED', async () => {
    const env = makeEnv();
    let s = await start(env, { leaseSeconds: 86_400, heartbeatSeconds: 3600 });
    await s.core.flexible.createReport(LOCAL_CLI_ACTOR);
    const sync = syncClaims(s, env.clock, { validUntil: new Date(env.clock.now() + HOUR).toISOString() });
    await s.core.flexible.applySync(LOCAL_CLI_ACTOR, await signSync(sync, env.vendor.privateKey), 'file');
    const held = await checkout(s, 'asr', 'a');
    assert.equal(held.status, 201);
    // The server is down while valid-until passes.
    await s.stop();
    env.clock.advance(2 * HOUR);
    s = await start(env, { leaseSeconds: 86_400, heartbeatSeconds: 3600 });
    const r = await checkout(s);
    assert.equal(r.status, 503);
    assert.equal(r.body.error?.code, 'SYNC_EXPIRED');
    const gone = await heartbeat(s, String(held.body.leaseId));
    assert.equal(gone.status, 410);
    assert.equal(gone.body.error?.reason, 'SYNC_EXPIRED', 'the lease went because the Sync expired, not an uninstall');
    // And once more after another restart (the reason is on disk).
    await s.stop();
    s = await start(env, { leaseSeconds: 86_400, heartbeatSeconds: 3600 });
    assert.equal((await heartbeat(s, String(held.body.leaseId))).body.error?.reason, 'SYNC_EXPIRED');
  });
});

function adminToken(env: Env): string {
  return readFileSync(join(env.dataDir, 'admin.token'), 'utf8').trim();
}

describe('flexible licensing: Reports and acknowledgement', () => {
  function seedUsage(s: RunningServer, hours: string[]): void {
    const repo = s.core.store.usage;
    for (const hour of hours) {
      repo.upsert({ feature: 'asr', hour, peakSeats: 2, seatSeconds: 3600, checkouts: 3, denials: 1 });
    }
  }

  test('a Report carries unacknowledged closed hours and no client identity; a Sync acknowledges them', async () => {
    const env = makeEnv();
    const s = await start(env, { enrollCode: 'ENROLL-123' });
    const flex = s.core.flexible;
    await flex.createReport(LOCAL_CLI_ACTOR);
    await flex.applySync(LOCAL_CLI_ACTOR, await signSync(syncClaims(s, env.clock), env.vendor.privateKey), 'file');
    await checkout(s, 'asr', 'client-secret-id');
    seedUsage(s, ['2026-06-01T07:00:00Z', '2026-06-01T08:00:00Z', '2026-06-01T09:00:00Z']);
    const r1 = await flex.createReport(LOCAL_CLI_ACTOR);
    assert.equal(r1.sequence, 2);
    const c1 = decodeReportUnverified(r1.file);
    assert.deepEqual(
      c1.usage.map((u) => u.hour),
      ['2026-06-01T07:00:00Z', '2026-06-01T08:00:00Z', '2026-06-01T09:00:00Z'],
    );
    const raw = JSON.stringify(decodeDocumentUnverified(r1.file).payload) + JSON.stringify(c1);
    for (const secret of ['client-secret-id', 'host-secret-name', 'app-secret-name', 'client-1']) {
      assert.ok(!raw.includes(secret), `the report holds no ${secret}`);
    }
    assert.deepEqual(Object.keys(c1.usage[0]!).sort(), [
      'checkouts',
      'denials',
      'feature',
      'hour',
      'peakSeats',
      'seatSeconds',
    ]);
    assert.equal(c1.enrollment, undefined, 'enrolled already: the code was consumed by the first Sync');
    // The Cloud acknowledges through 08:00.
    const ack = syncClaims(s, env.clock, {
      syncCounter: 2,
      reportSequence: 2,
      acknowledgedThrough: '2026-06-01T08:00:00Z',
    });
    await flex.applySync(LOCAL_CLI_ACTOR, await signSync(ack, env.vendor.privateKey), 'file');
    const r2 = await flex.createReport(LOCAL_CLI_ACTOR);
    assert.equal(r2.sequence, 3);
    assert.deepEqual(
      decodeReportUnverified(r2.file).usage.map((u) => u.hour),
      ['2026-06-01T09:00:00Z'],
    );
    assert.equal(decodeReportUnverified(r2.file).acknowledgedThrough, '2026-06-01T08:00:00Z');
  });

  test('the first Report carries the enrollment code and Server ID; restart and two Reports before one import lose nothing', async () => {
    const env = makeEnv();
    let s = await start(env, { enrollCode: 'ENROLL-123' });
    seedUsage(s, ['2026-06-01T08:00:00Z']);
    const r1 = await s.core.flexible.createReport(LOCAL_CLI_ACTOR);
    const c1 = decodeReportUnverified(r1.file);
    assert.equal(c1.enrollment?.code, 'ENROLL-123');
    assert.match(c1.enrollment?.serverIdDocument ?? '', /tessera-server-id|\./);
    // The server is stopped between the Report and the import (the seed's ALS would lose the exchange).
    await s.stop();
    s = await start(env);
    seedUsage(s, ['2026-06-01T09:00:00Z']);
    const r2 = await s.core.flexible.createReport(LOCAL_CLI_ACTOR);
    assert.equal(r2.sequence, 2, 'the sequence survives the restart');
    const c2 = decodeReportUnverified(r2.file);
    assert.deepEqual(
      c2.usage.map((u) => u.hour),
      ['2026-06-01T08:00:00Z', '2026-06-01T09:00:00Z'],
      'a newer Report covers the older one',
    );
    assert.equal(c2.enrollment?.code, 'ENROLL-123', 'still not enrolled: the code is sent again');
    // The Sync answering the first Report arrives after the restart.
    const sync1 = syncClaims(s, env.clock, { reportSequence: 1, acknowledgedThrough: '2026-06-01T08:00:00Z' });
    await s.core.flexible.applySync(LOCAL_CLI_ACTOR, await signSync(sync1, env.vendor.privateKey), 'file');
    assert.equal((await checkout(s)).status, 201);
    const r3 = await s.core.flexible.createReport(LOCAL_CLI_ACTOR);
    const c3 = decodeReportUnverified(r3.file);
    assert.deepEqual(
      c3.usage.map((u) => u.hour),
      ['2026-06-01T09:00:00Z'],
    );
    assert.equal(c3.enrollment, undefined);
    const status = s.core.flexible.status();
    assert.equal(status.enrolled, true);
    assert.equal(status.reportSequence, 3);
  });

  test('modes: Send Report File is for a PLS, Resync Info for online modes', async () => {
    const env = makeEnv();
    const s = await start(env);
    const r = await s.admin.inject({
      method: 'POST',
      url: '/api/v1/flexible/resync',
      headers: { authorization: `Bearer ${adminToken(env)}` },
    });
    assert.equal(r.statusCode, 409);
    assert.equal(r.json().error.code, 'MODE_MISMATCH');
    const status = await s.admin.inject({
      method: 'GET',
      url: '/api/v1/flexible/status',
      headers: { authorization: `Bearer ${adminToken(env)}` },
    });
    assert.equal(status.json().mode, 'als');
  });
});

describe('flexible licensing: applying a Sync is one transaction', () => {
  test('a Sync needing more writes than one commit batch is all or nothing: a failure midway leaves the last Sync whole', async () => {
    const env = makeEnv();
    const s = await start(env);
    const flex = s.core.flexible;
    const N = 600; // more license writes than the commit queue's batch (512)
    const licenses = (count: number, revision: number) =>
      Array.from({ length: N }, (_, i) => ({
        licenseId: `flex-${String(i).padStart(4, '0')}`,
        revision,
        customer: 'ACME',
        features: [{ name: `f${i}`, count, expires: null, maintenanceUntil: null }],
      }));
    await flex.createReport(LOCAL_CLI_ACTOR);
    await flex.applySync(
      LOCAL_CLI_ACTOR,
      await signSync(syncClaims(s, env.clock, { licenses: licenses(2, 1) }), env.vendor.privateKey),
      'file',
    );
    // Two seats held on the last license; the next Sync cuts it to one, so its revocation is
    // the last write of the application.
    const lastFeature = `f${N - 1}`;
    await checkout(s, lastFeature, 'a');
    const victim = await checkout(s, lastFeature, 'b');
    assert.equal(victim.status, 201);
    const db = s.core.store.db;
    const disk = () =>
      JSON.stringify({
        sync: s.core.store.flexible.lastSync()?.syncCounter,
        // revision:seats -> how many licenses
        licenses: s.core.store.flexible.licenses().reduce<Record<string, number>>((m, l) => {
          const k = `${l.revision}:${l.claims.features[0]?.count}`;
          m[k] = (m[k] ?? 0) + 1;
          return m;
        }, {}),
        leases: db.prepare('SELECT lease_id FROM leases ORDER BY lease_id').all(),
        gone: db.prepare('SELECT lease_id FROM gone_leases ORDER BY lease_id').all(),
      });
    const before = disk();
    // The write of that revocation fails (as a full disk would), after hundreds of others ran.
    db.exec(`CREATE TEMP TRIGGER fail_midway BEFORE INSERT ON gone_leases
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    // Every license changes (3 seats), so each is a write of its own; the last one shrinks.
    const next = licenses(3, 2);
    next[N - 1]!.features[0]!.count = 1;
    const second = await signSync(syncClaims(s, env.clock, { syncCounter: 2, licenses: next }), env.vendor.privateKey);
    await assert.rejects(flex.applySync(LOCAL_CLI_ACTOR, second, 'file'), /injected failure/);
    assert.equal(disk(), before, 'nothing of the failed Sync reached the disk');
    assert.equal(flex.status().lastSync?.syncCounter, 1);
    assert.equal(
      s.core.engine.features().features.find((f) => f.feature === 'f0')?.licenses[0]?.licenseId,
      'flex-0000',
    );
    // Once the disk takes writes again, the same Sync applies whole.
    db.exec('DROP TRIGGER fail_midway');
    const applied = await flex.applySync(LOCAL_CLI_ACTOR, second, 'file');
    assert.equal(applied.licenses, N);
    const revs = new Set(s.core.store.flexible.licenses().map((l) => l.revision));
    assert.deepEqual([...revs], [2]);
    assert.equal(s.core.engine.features().features.find((f) => f.feature === lastFeature)?.total, 1);
  });

  test('the commit queue keeps an atomic group whole past its batch cap; other writes still batch', async () => {
    const env = makeEnv();
    const s = await start(env);
    const sizes: number[] = [];
    s.core.queue.setOnCommit((ops) => sizes.push(ops));
    const meta = s.core.store.meta;
    const writes = s.core.queue.atomically(() =>
      Array.from({ length: 1200 }, (_, i) => s.core.queue.enqueue(() => meta.set(`t.${i}`, String(i)))),
    );
    const after = Array.from({ length: 600 }, (_, i) => s.core.queue.enqueue(() => meta.set(`u.${i}`, String(i))));
    await Promise.all([...writes, ...after]);
    assert.equal(sizes[0], 1200, 'the group commits in one transaction');
    assert.deepEqual(sizes.slice(1), [512, 88], 'writes outside a group keep the cap');
  });
});

describe('flexible licensing: what the License Server does not do to a flexible license', () => {
  test('Uninstall and Renew of a flexible license are refused with a clear error, audited, and change nothing', async () => {
    const env = makeEnv();
    const s = await start(env);
    const flex = s.core.flexible;
    await flex.createReport(LOCAL_CLI_ACTOR);
    await flex.applySync(LOCAL_CLI_ACTOR, await signSync(syncClaims(s, env.clock), env.vendor.privateKey), 'file');
    const before = snapshot(s);
    const auth = { authorization: `Bearer ${adminToken(env)}` };
    const un = await s.admin.inject({ method: 'POST', url: '/api/v1/licenses/flex-acme-1/uninstall', headers: auth });
    assert.equal(un.statusCode, 409);
    assert.equal(un.json().error.code, 'CONFLICT');
    assert.equal(un.json().error.reason, 'FLEXIBLE_LICENSE');
    assert.match(un.json().error.message, /flex-acme-1 is a flexible license .* cannot be uninstalled/);
    // A vendor-signed license file with the same id, for this server: still the Cloud's.
    const { file } = await issueLicense({
      serverIdFile: await s.core.licenses.makeServerIdFile(LOCAL_CLI_ACTOR),
      vendorKey: env.vendor.privateKey,
      customer: 'ACME',
      features: [{ name: 'asr', count: 50 }],
      maintenanceUntil: null,
      expires: null,
      licenseId: 'flex-acme-1',
      revision: 7,
      nowMs: env.clock.now(),
    });
    const re = await s.admin.inject({
      method: 'POST',
      url: '/api/v1/licenses/renew',
      headers: auth,
      payload: { file },
    });
    assert.equal(re.statusCode, 409);
    assert.equal(re.json().error.reason, 'FLEXIBLE_LICENSE');
    assert.match(re.json().error.message, /cannot be renewed/);
    assert.equal(snapshot(s), before);
    assert.equal(s.core.store.licenses.tombstone('flex-acme-1'), undefined, 'no tombstone');
    const audit = s.core.audit.page(undefined, 5).map((e) => `${e.action} ${e.outcome}`);
    assert.ok(audit.includes('license.uninstall refused:CONFLICT'), audit.join('; '));
    assert.ok(audit.includes('license.renew refused:CONFLICT'), audit.join('; '));
  });
});

describe('flexible licensing: Send Report File (PLS) is audited', () => {
  test("who relayed which server's Report (sequence) and what came of it, accepted or refused", async () => {
    const env = makeEnv();
    const answers: { status: number; body: unknown }[] = [];
    const alsServer = { id: '' };
    // Answers the relayed ALS's Reports from `answers`; the PLS's own exchanges get 503.
    const cloud = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const down = { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'down' } } };
        const from = decodeReportUnverified((JSON.parse(body) as { report: string }).report).serverId;
        const a = from === alsServer.id ? (answers.shift() ?? down) : down;
        res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
      });
    });
    await new Promise<void>((r) => cloud.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(cloud.address() as { port: number }).port}`;
      const s = await start(env, { mode: 'pls', cloudUrls: [url], syncRetryBaseMs: 60_000, syncRetryCapMs: 60_000 });
      // An ALS's Report: signed by that server's own key.
      const { file: als, serverId: alsId } = await alsReport(4);
      alsServer.id = alsId;
      const sync = await signSync(
        { ...syncClaims(s, env.clock, { syncCounter: 9 }), serverId: alsId, reportSequence: 4 },
        env.vendor.privateKey,
      );
      answers.push({ status: 200, body: { sync } });
      const auth = { authorization: `Bearer ${adminToken(env)}` };
      const ok = await s.admin.inject({
        method: 'POST',
        url: '/api/v1/flexible/relay',
        headers: auth,
        payload: { file: als },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      answers.push({
        status: 409,
        body: { error: { code: 'REPORT_REPLAYED', message: `server ${alsId} already sent a different report 4` } },
      });
      const refused = await s.admin.inject({
        method: 'POST',
        url: '/api/v1/flexible/relay',
        headers: auth,
        payload: { file: als },
      });
      assert.equal(refused.statusCode, 409);
      const garbage = await s.admin.inject({
        method: 'POST',
        url: '/api/v1/flexible/relay',
        headers: auth,
        payload: { file: 'not a report' },
      });
      assert.equal(garbage.statusCode, 400);
      const relays = s.core.audit
        .page(undefined, 50)
        .filter((e) => e.action === 'report.relay')
        .reverse();
      assert.deepEqual(
        relays.map((e) => [e.actor, e.target, e.outcome, (e.detail as { sequence?: number }).sequence]),
        [
          ['token:cli', alsId, 'ok', 4],
          ['token:cli', alsId, 'refused:CONFLICT', 4],
          ['token:cli', null, 'refused:DOC_MALFORMED', undefined],
        ],
      );
      assert.equal((relays[0]!.detail as { syncCounter: number }).syncCounter, 9);
      assert.equal((relays[1]!.detail as { reason: string }).reason, 'REPORT_REPLAYED', "the Cloud's own code");
      assert.match(String((relays[1]!.detail as { message: string }).message), /already sent a different report/);
    } finally {
      cloud.close();
    }
  });
});

/** A Report of another server (an ALS): signed by its own key, whose thumbprint is its id. */
async function alsReport(sequence: number): Promise<{ file: string; serverId: string }> {
  const key = generateSigningKey();
  const serverId = `srv_${await thumbprint(key.publicKey)}`;
  const file = await signReport(
    {
      serverId,
      sequence,
      createdAt: new Date(T0).toISOString(),
      factors: hashFactors({ hostname: 'als-host' }, serverId),
      acknowledgedThrough: null,
      usage: [
        { feature: 'asr', hour: '2026-06-01T08:00:00Z', peakSeats: 1, seatSeconds: 60, checkouts: 1, denials: 0 },
      ],
    },
    key.privateKey,
  );
  return { file, serverId };
}

describe('the test clock knob (TESSERA_TEST_CLOCK_FILE), which the usage-totals test runs on', () => {
  test('honoured only with TESSERA_TEST=1; a bad file is a clear error', () => {
    const env = makeEnv();
    const file = join(env.dir, 'clock');
    writeFileSync(file, '0');
    assert.equal(readServerEnv({}).clock, undefined);
    assert.throws(
      () => readServerEnv({ TESSERA_TEST_CLOCK_FILE: file }),
      (e: unknown) => e instanceof TesseraError && /only with TESSERA_TEST=1/.test(e.message),
    );
    assert.ok(readServerEnv({ TESSERA_TEST_CLOCK_FILE: file, TESSERA_TEST: '1' }).clock instanceof FileClock);
    writeFileSync(file, 'next tuesday');
    assert.throws(
      () => readServerEnv({ TESSERA_TEST_CLOCK_FILE: file, TESSERA_TEST: '1' }),
      /must hold an offset in ms .* or @ and an instant/,
    );
    assert.throws(
      () => readServerEnv({ TESSERA_TEST_CLOCK_FILE: join(env.dir, 'missing'), TESSERA_TEST: '1' }),
      /cannot read/,
    );
  });

  test('an offset or a standing instant, re-read as the file changes; monotonic time moves with it and never back', async () => {
    const env = makeEnv();
    const file = join(env.dir, 'clock');
    const write = (text: string) => {
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
    };
    const real = new ManualClock(T0);
    write('-10800000');
    const clock = new FileClock(file, real);
    assert.equal(clock.now(), T0 - 3 * HOUR);
    const m0 = clock.monotonic();
    write('@2026-06-01T08:00:00Z');
    real.advance(50);
    assert.equal(clock.now(), T0 - 3 * HOUR + 50, 'read again at most every 100 ms');
    real.advance(50);
    assert.equal(clock.now(), Date.parse('2026-06-01T08:00:00Z'));
    real.advance(10_000);
    assert.equal(clock.now(), Date.parse('2026-06-01T08:00:00Z'), 'time stands still');
    const m1 = clock.monotonic();
    write('@2026-06-01T10:00:00Z');
    real.advance(100);
    assert.equal(clock.now(), Date.parse('2026-06-01T10:00:00Z'));
    assert.equal(clock.monotonic() - m1, 2 * HOUR, 'two test hours pass for monotonic time too');
    write('@2026-06-01T07:00:00Z');
    real.advance(100);
    assert.equal(clock.now(), Date.parse('2026-06-01T07:00:00Z'), 'the wall clock may be set back');
    assert.ok(clock.monotonic() >= m1 + 2 * HOUR && clock.monotonic() > m0, 'monotonic time does not go back');
    write('garbage');
    real.advance(100);
    assert.equal(clock.now(), Date.parse('2026-06-01T07:00:00Z'), 'a bad rewrite keeps the last good setting');
  });
});
