/**
 * `tessera seats list|release` and `tessera usage` against a real License Server holding real leases.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sinceOf } from '../src/commands/usage.js';
import {
  checkout,
  cleanup,
  cli,
  cliJson,
  cliOk,
  heartbeat,
  issueInProcess,
  makeDir,
  startServer,
  tempDir,
  vendorKeyInProcess,
} from './support.js';

after(cleanup);

interface SeatsJson {
  id: string;
  leases: { leaseId: string; feature: string; count: number; clientId: string; licenseId: string }[];
}

interface UsageJson {
  id: string;
  from: string;
  features: {
    feature: string;
    licensed: number;
    hours: { hour: string; peak: number; checkouts: number; denials: number }[];
  }[];
}

describe('seats and usage of a running License Server', () => {
  test('seats list shows every holder; seats release frees one (the client hears it); usage counts it all', {
    timeout: 60_000,
  }, async () => {
    const work = tempDir();
    const data = makeDir(join(work, 'srv'));
    const vendor = vendorKeyInProcess(join(work, 'vendor'));

    // No server yet: refused, saying why, instead of opening the data dir (seats live in a running server).
    const none = await cli(['seats', 'list', '--data', data]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no License Server is running on .*seats are known to a running server only/);

    const server = await startServer(data, { vendorKeys: [vendor.pub] });
    await cliOk(['server-id', '--data', data, '--out', join(work, 'info.bts')]);
    const licenseId = await issueInProcess(vendor, join(work, 'info.bts'), join(work, 'a.lic'), ['asr=3', 'tts=1']);
    await cliOk(['license', 'install', join(work, 'a.lic'), '--data', data]);

    const a = await checkout(server.clientUrl, 'asr', 2, 'alice-pc');
    const t = await checkout(server.clientUrl, 'tts', 1, 'bob-pc');
    assert.equal(a.status, 201);
    assert.equal(t.status, 201);
    const denied = await checkout(server.clientUrl, 'tts', 1, 'carol-pc');
    assert.equal(denied.status, 409, 'tts has one seat');

    const all = await cliJson<SeatsJson>(['seats', 'list', '--data', data]);
    assert.equal(all.id, server.info.serverId);
    assert.deepEqual(all.leases.map((l) => [l.feature, l.count, l.clientId, l.licenseId]).sort(), [
      ['asr', 2, 'alice-pc', licenseId],
      ['tts', 1, 'bob-pc', licenseId],
    ]);
    const onlyTts = await cliJson<SeatsJson>(['seats', 'list', '--data', data, '--feature', 'tts']);
    assert.deepEqual(
      onlyTts.leases.map((l) => l.leaseId),
      [t.body.leaseId],
    );
    const table = (await cliOk(['seats', 'list', '--data', data])).stdout;
    assert.match(table, /^LEASE +FEATURE +COUNT +CLIENT/m);
    assert.match(table, /2 lease\(s\), 3 seat\(s\)/);

    await cliOk(['seats', 'release', a.body.leaseId, '--data', data]);
    const gone = await heartbeat(server.clientUrl, a.body.leaseId);
    assert.equal(gone.body.error?.code, 'LEASE_GONE');
    assert.equal(gone.body.error?.reason, 'REVOKED_BY_ADMIN');
    const left = await cliJson<SeatsJson>(['seats', 'list', '--data', data]);
    assert.deepEqual(
      left.leases.map((l) => l.leaseId),
      [t.body.leaseId],
    );
    const again = await cli(['seats', 'release', a.body.leaseId, '--data', data]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /\(NOT_FOUND\)$/m);

    const usage = await cliJson<UsageJson>(['usage', '--data', data, '--since', '24h']);
    const asr = usage.features.find((f) => f.feature === 'asr');
    const tts = usage.features.find((f) => f.feature === 'tts');
    assert.equal(asr?.licensed, 3);
    assert.equal(Math.max(...(asr?.hours.map((h) => h.peak) ?? [])), 2, 'asr peaked at 2 seats');
    assert.equal(
      asr?.hours.reduce((n, h) => n + h.checkouts, 0),
      1,
    );
    assert.equal(
      tts?.hours.reduce((n, h) => n + h.denials, 0),
      1,
      'the refused tts checkout is a denial',
    );
    assert.ok(asr!.hours.length <= 25, `24 h back is at most 25 hours (${asr!.hours.length})`);

    const csv = (await cliOk(['usage', '--data', data, '--since', '24h', '--feature', 'tts', '--csv'])).stdout;
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'hour,feature,licensed,peak,checkouts,denials,seat_seconds');
    assert.ok(lines.length >= 2);
    assert.ok(
      lines.slice(1).every((l) => /^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z,tts,1,\d+,\d+,\d+,\d+$/.test(l)),
      csv,
    );
    const summary = (await cliOk(['usage', '--data', data])).stdout;
    assert.match(summary, /^FEATURE +LICENSED +PEAK +CHECKOUTS +DENIALS +SEAT-HOURS$/m);
    assert.match(summary, /^tts +1 +1 +1 +1 /m);

    const bad = await cli(['usage', '--data', data, '--since', 'yesterday']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since takes a past date/);
  });

  test('--since reads dates as local midnight and spans back from now', () => {
    const now = Date.UTC(2026, 11, 7, 12, 0, 0);
    assert.equal(sinceOf('24h', now), now - 24 * 3600_000);
    assert.equal(sinceOf('7d', now), now - 7 * 24 * 3600_000);
    assert.equal(sinceOf('2026-12-01', now), new Date(2026, 11, 1).getTime());
    assert.throws(() => sinceOf('2027-01-01', now), /past date/);
    assert.throws(() => sinceOf('1w', now), /--since/);
  });
});
