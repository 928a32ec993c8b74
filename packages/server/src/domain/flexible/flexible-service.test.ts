import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { generateSigningKey, issueLicense, type SyncClaims, signSync, TesseraError, thumbprint } from '@tessera/core';
import { LOCAL_CLI_ACTOR } from '../../domain/audit.js';
import {
  adminToken,
  checkout,
  HOUR,
  heartbeat,
  makeEnv,
  refusedWith,
  snapshot,
  start,
  stopEnvs,
  syncClaims,
} from '../../test-support/flexible.js';

afterEach(stopEnvs);

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
    const otherKid = await thumbprint(other.publicKey);
    await assert.rejects(flex.applySync(LOCAL_CLI_ACTOR, unknownKey, 'file'), (e: unknown) => {
      assert.ok(e instanceof TesseraError && e.code === 'DOC_UNKNOWN_KEY', String(e));
      // In words: which key, where the trusted ones came from, what to do.
      assert.ok(
        e.message.includes(`signed by vendor key ${otherKid} (its thumbprint), which this server does not trust`),
      );
      assert.ok(e.message.includes('The Sync File was imported.'), e.message);
      assert.ok(e.message.includes(`1 key given with --vendor-key (${env.vendor.pubFile}: `), e.message);
      assert.match(e.message, /start the server with --vendor-key FILE/);
      return true;
    });
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
