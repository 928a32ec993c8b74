import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { afterEach, describe, test } from 'node:test';
import {
  decodeDocumentUnverified,
  decodeReportUnverified,
  generateSigningKey,
  hashFactors,
  signReport,
  signSync,
  thumbprint,
} from '@tessera/core';
import { LOCAL_CLI_ACTOR } from '../../domain/audit.js';
import type { RunningServer } from '../../runtime/server.js';
import { adminToken, checkout, makeEnv, start, stopEnvs, syncClaims, T0 } from '../../test-support/flexible.js';

afterEach(stopEnvs);

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
