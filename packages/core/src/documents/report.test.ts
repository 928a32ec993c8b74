import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { DOC_TYPES, decodeDocumentUnverified, signDocument } from './jws.js';
import {
  decodeReportUnverified,
  hourMark,
  isHourMark,
  type ReportClaims,
  signReport,
  type UsageHour,
  verifyReport,
} from './report.js';
import { flipChar, jwsOf, newServer, rejectsWith, type TestServer, withJws } from './test-support/fixtures.js';

function claimsFor(server: TestServer, usage: UsageHour[] = sampleUsage()): ReportClaims {
  return {
    serverId: server.serverId,
    sequence: 7,
    createdAt: '2026-03-02T10:15:00.000Z',
    factors: { ...server.factors },
    acknowledgedThrough: '2026-03-01T23:00:00Z',
    usage,
  };
}

function sampleUsage(): UsageHour[] {
  return [
    { feature: 'asr.en', hour: '2026-03-02T08:00:00Z', peakSeats: 3, seatSeconds: 7200, checkouts: 12, denials: 1 },
    { feature: 'asr.en', hour: '2026-03-02T09:00:00Z', peakSeats: 2, seatSeconds: 3600, checkouts: 4, denials: 0 },
    { feature: 'tts.en', hour: '2026-03-02T00:00:00Z', peakSeats: 0, seatSeconds: 0, checkouts: 0, denials: 5 },
  ];
}

/** 50 features × 90 days of hours, with values that compress as badly as real ones could. */
function bigUsage(): UsageHour[] {
  const out: UsageHour[] = [];
  let seed = 12345;
  // mulberry32: values as incompressible as Math.random, but the same every run.
  const rand = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  const start = Date.parse('2025-12-01T00:00:00Z');
  for (let f = 0; f < 50; f++) {
    for (let h = 0; h < 90 * 24; h++) {
      const peakSeats = rand(50);
      out.push({
        feature: `feature.number-${f}`,
        hour: hourMark(start + h * 3_600_000),
        peakSeats,
        seatSeconds: rand(peakSeats * 3600 + 1),
        checkouts: rand(500),
        denials: rand(20),
      });
    }
  }
  return out;
}

describe('reports', () => {
  it('round trip: signed by the server key, verified with its public key, usage as given', async () => {
    const server = await newServer();
    const claims = claimsFor(server);
    const text = await signReport(claims, server.privateKey);
    assert.match(text, /^# Tessera report 7 from srv_/);
    const v = await verifyReport(text, server.publicKey);
    // Usage comes back sorted by feature then hour.
    const sorted = [...claims.usage].sort((a, b) => (a.feature + a.hour < b.feature + b.hour ? -1 : 1));
    assert.deepEqual(v.claims, { ...claims, usage: sorted });
    assert.deepEqual(decodeReportUnverified(text), v.claims);
  });

  it('an empty report (an ALS with no usage yet) with an enrollment round-trips', async () => {
    const server = await newServer();
    const claims: ReportClaims = {
      ...claimsFor(server, []),
      sequence: 1,
      acknowledgedThrough: null,
      enrollment: { code: 'enr_abc-DEF_123', serverIdDocument: '# info\nAAAA.BBBB.CCCC\n' },
    };
    const v = await verifyReport(await signReport(claims, server.privateKey), server.publicKey);
    assert.deepEqual(v.claims, claims);
  });

  it('the decoded payload holds no client, host, user or app field', async () => {
    const server = await newServer();
    const text = await signReport(claimsFor(server), server.privateKey);
    const { payload } = decodeDocumentUnverified(text);
    // Factor names (one is "hostname") name hashed hardware factors, not a host.
    const { factors: _factors, ...rest } = payload as Record<string, unknown>;
    const unpacked = decodeReportUnverified(text);
    const keys = [JSON.stringify(rest), JSON.stringify(unpacked.usage)].join().match(/"[A-Za-z]+":/g) ?? [];
    for (const k of keys) assert.doesNotMatch(k, /client|host|user|app/i);
  });

  it('a report holding a client field is refused, at signing and at verifying', async () => {
    const server = await newServer();
    const usage = sampleUsage().map((u) => ({ ...u, clientId: 'c-1' }));
    await rejectsWith(
      signReport(claimsFor(server, usage), server.privateKey),
      'DOC_INVALID',
      /usage\[0\]\.clientId is not a known field/,
    );
    const withClient = {
      ...claimsFor(server, []),
      clientId: 'c-1',
      usage: { encoding: 'columns+deflate+base64url', hours: 0, data: '' },
    };
    const text = await signDocument(DOC_TYPES.report, withClient, server.privateKey);
    await rejectsWith(verifyReport(text, server.publicKey), 'DOC_INVALID', /clientId is not a known field/);
    // Plain usage objects on the wire (where a client name could hide) are refused too.
    const plain = await signDocument(DOC_TYPES.report, { ...claimsFor(server), usage: usage }, server.privateKey);
    await rejectsWith(verifyReport(plain, server.publicKey), 'DOC_INVALID', /usage must be a JSON object/);
  });

  it('decodeReportUnverified: a deeply nested value is DOC_INVALID, not a stack overflow (fuzz finding)', async () => {
    // A PLS decodes an ALS's Report without its key to relay it: any file reaches this.
    const server = await newServer();
    const text = await signReport(claimsFor(server), server.privateKey);
    const [h, p, sig] = jwsOf(text).split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const edited = Buffer.from(JSON.stringify({ ...payload, sequence: '@@' }).replace('"@@"', deep)).toString(
      'base64url',
    );
    assert.throws(
      () => decodeReportUnverified(withJws(text, `${h}.${edited}.${sig}`)),
      (e: unknown) =>
        e instanceof Error && (e as { code?: string }).code === 'DOC_INVALID' && /sequence/.test(e.message),
    );
  });

  it('decodeReportUnverified: a typ that is an object with a toString member is DOC_WRONG_TYPE (fuzz finding)', async () => {
    const server = await newServer();
    const text = await signReport(claimsFor(server), server.privateKey);
    const [, p, sig] = jwsOf(text).split('.') as [string, string, string];
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: { toString: 1 }, kid: 'k' })).toString('base64url');
    await assert.rejects(
      async () => decodeReportUnverified(withJws(text, `${header}.${p}.${sig}`)),
      (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'DOC_WRONG_TYPE',
    );
  });

  it('a tampered payload byte is DOC_BAD_SIGNATURE', async () => {
    const server = await newServer();
    const text = await signReport(claimsFor(server), server.privateKey);
    await rejectsWith(verifyReport(withJws(text, flipChar(jwsOf(text), 1)), server.publicKey), 'DOC_BAD_SIGNATURE');
  });

  it('a report of another server (a foreign key) is DOC_UNKNOWN_KEY', async () => {
    const server = await newServer();
    const other = await newServer();
    const text = await signReport(claimsFor(other), other.privateKey);
    await rejectsWith(verifyReport(text, server.publicKey), 'DOC_UNKNOWN_KEY');
  });

  it('a server speaks only for itself', async () => {
    const server = await newServer();
    const other = await newServer();
    await rejectsWith(signReport(claimsFor(other), server.privateKey), 'DOC_INVALID', /serverId must be/);
  });

  it('another kind of document is DOC_WRONG_TYPE', async () => {
    const server = await newServer();
    const text = await signDocument(DOC_TYPES.uninstall, claimsFor(server), server.privateKey);
    await rejectsWith(verifyReport(text, server.publicKey), 'DOC_WRONG_TYPE');
  });

  it('refuses hours that are not closed, not on the hour, repeated, or impossible', async () => {
    const server = await newServer();
    const u = sampleUsage()[0]!;
    const cases: [UsageHour[], RegExp][] = [
      [[{ ...u, hour: '2026-03-02T10:00:00Z' }], /had not ended/],
      [[{ ...u, hour: '2026-03-02T08:30:00Z' }], /usage\[0\]\.hour must be an hour mark/],
      [[u, { ...u }], /repeats feature asr.en/],
      [[u, { ...u, hour: '2026-03-02T09:00:00Z' }, { ...u }], /usage\[2\] repeats feature asr.en/],
      [[{ ...u, seatSeconds: 3 * 3600 + 1 }], /seatSeconds .* more than peakSeats/],
      [[{ ...u, checkouts: -1 }], /checkouts must be an integer/],
    ];
    for (const [usage, message] of cases) {
      await rejectsWith(signReport(claimsFor(server, usage), server.privateKey), 'DOC_INVALID', message);
    }
    await rejectsWith(
      signReport({ ...claimsFor(server), acknowledgedThrough: '2026-03-01' }, server.privateKey),
      'DOC_INVALID',
      /acknowledgedThrough must be an hour mark/,
    );
  });

  it('hour marks', () => {
    assert.equal(hourMark(Date.parse('2026-03-02T10:59:59.999Z')), '2026-03-02T10:00:00Z');
    assert.ok(isHourMark('2026-03-02T10:00:00Z'));
    assert.ok(!isHourMark('2026-02-30T10:00:00Z'));
    assert.ok(!isHourMark('2026-03-02T10:00:00.000Z'));
  });

  it('50 features × 90 days of hours: the report file stays under 2 MB', async () => {
    const server = await newServer();
    const usage = bigUsage();
    const claims = { ...claimsFor(server, usage), createdAt: '2026-03-02T00:00:00.000Z' };
    const t0 = performance.now();
    const text = await signReport(claims, server.privateKey);
    const t1 = performance.now();
    const v = await verifyReport(text, server.publicKey);
    const t2 = performance.now();
    const bytes = Buffer.byteLength(text);
    console.log(
      `report of ${usage.length} hours: ${bytes} bytes, sign ${Math.round(t1 - t0)} ms, verify ${Math.round(t2 - t1)} ms`,
    );
    assert.ok(bytes < 2_000_000, `${bytes} bytes`);
    // Features come back in name order (feature.number-10 before feature.number-2).
    const sorted = [...usage].sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
    assert.deepEqual(v.claims.usage, sorted);
  });

  it('a packed payload that lies about its length or indexes is DOC_INVALID', async () => {
    const server = await newServer();
    const text = await signReport(claimsFor(server), server.privateKey);
    const payload = decodeDocumentUnverified(text).payload as { usage: { hours: number } };
    const lying = await signDocument(
      DOC_TYPES.report,
      { ...payload, usage: { ...payload.usage, hours: 4 } },
      server.privateKey,
    );
    await rejectsWith(verifyReport(lying, server.publicKey), 'DOC_INVALID', /must be an array of 4 integers/);
    const garbage = await signDocument(
      DOC_TYPES.report,
      { ...payload, usage: { ...payload.usage, data: 'AAAA' } },
      server.privateKey,
    );
    await rejectsWith(verifyReport(garbage, server.publicKey), 'DOC_INVALID', /is not packed usage/);
  });

  it('a packed payload naming one feature twice cannot repeat an hour through it', async () => {
    const server = await newServer();
    const text = await signReport(claimsFor(server), server.privateKey);
    const payload = decodeDocumentUnverified(text).payload as { usage: Record<string, unknown> };
    // Two indexes, one name: each index's hours rise, yet both carry asr.en at 08:00.
    const columns = {
      features: ['asr.en', 'asr.en'],
      f: [0, 1],
      h: [492344, 0],
      p: [1, 1],
      s: [0, 0],
      c: [0, 0],
      d: [0, 0],
    };
    const data = deflateRawSync(JSON.stringify(columns)).toString('base64url');
    const twice = await signDocument(
      DOC_TYPES.report,
      { ...payload, usage: { ...payload.usage, hours: 2, data } },
      server.privateKey,
    );
    await rejectsWith(
      verifyReport(twice, server.publicKey),
      'DOC_INVALID',
      /usage\[1\] repeats feature asr.en hour 2026-03-02T08:00:00Z/,
    );
  });
});
