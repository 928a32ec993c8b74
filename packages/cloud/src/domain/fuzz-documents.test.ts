/**
 * State-level fuzzing of the documents the Cloud takes (see docs/fuzzing.md): mutated Server
 * ID files through Register, mutated uninstall certificates through Return, mutated Reports
 * (of a registered server, and a first Report carrying an enrollment code) through the Report /
 * Sync exchange. A mutation the core verifier refuses must be refused with a documented code
 * and change nothing: every table but the audit log. One SQLite store serves the suite (the
 * refusal paths are the dialect-independent domain code; the store tests cover PostgreSQL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DOC_TYPES,
  type DocType,
  type ErrorCode,
  hashFactors,
  hourMark,
  ManualClock,
  publicKeyFromJwk,
  type ReportClaims,
  signReport,
  signServerId,
  verifyReport,
  verifyServerId,
  verifyUninstall,
} from '@tessera/core';
import fc from 'fast-check';
import { sql } from 'kysely';
import { DOCUMENT_CODES, text, usageBefore } from '../../../core/src/documents/test-support/fuzz-documents/kinds.js';
import {
  applyMutations,
  type MutationKeys,
  mutationsArb,
} from '../../../core/src/documents/test-support/fuzz-documents/mutations.js';
import {
  assertTypedRefusal,
  FuzzTally,
  fuzzParams,
  fuzzSuiteTimeout,
} from '../../../core/src/documents/test-support/fuzz-documents/run.js';
import { openTestStore, type TestStore } from '../test-support/db.js';
import { newLicenseServer, RAW_FACTORS, servicesOn, type TestLicenseServer } from '../test-support/fixtures.js';
import type { Actor } from './actor.js';
import type { CloudServices } from './services.js';

const CASES = 100;
const START = Date.UTC(2026, 2, 1, 12, 0, 0);
const HOUR = 3_600_000;

let t: TestStore;
let s: CloudServices;
let admin: Actor;
let acme: string;
let registered: TestLicenseServer;
let stranger: TestLicenseServer;
let deployed: { licenseId: string; revision: number };
let enrollmentCode: string;
let keysOf: (srv: TestLicenseServer, ownTyp: DocType) => MutationKeys;
const tally = new FuzzTally();

/** Every table but the audit log (a refusal is audited by design), rows sorted as text. */
async function snapshot(): Promise<string> {
  const tables = await sql<{ name: string }>`
    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'audit'
  `.execute(t.store.db);
  const out: Record<string, string[]> = {};
  for (const { name } of tables.rows) {
    const rows = await sql`SELECT * FROM ${sql.table(name)}`.execute(t.store.db);
    out[name] = rows.rows.map((r) => JSON.stringify(r)).sort();
  }
  return JSON.stringify(out);
}

before(async () => {
  t = await openTestStore('sqlite');
  const clock = new ManualClock(START);
  ({ services: s, admin } = await servicesOn(t.store, { clock }));
  await s.catalog.add(admin, { name: 'asr' });
  acme = (await s.customers.add(admin, { name: 'Acme' })).id;
  await s.entitlements.add(admin, { customerId: acme, type: 'perpetual', feature: 'asr', count: 100 });
  await s.entitlements.add(admin, { customerId: acme, type: 'flexible', feature: 'asr', count: 10 });
  registered = await newLicenseServer('fuzz-a.example', START - HOUR);
  stranger = await newLicenseServer('fuzz-b.example', START - HOUR);
  await s.servers.register(admin, { customerId: acme, file: registered.serverIdFile });
  const d = await s.deployments.deploy(admin, { serverId: registered.serverId, features: [{ name: 'asr', count: 2 }] });
  deployed = { licenseId: d.licenseId, revision: d.revision };
  enrollmentCode = (await s.flexible.enroll(admin, { customerId: acme })).code;
  const other = await newLicenseServer('fuzz-other.example');
  keysOf = (srv, ownTyp) => ({
    ownTyp,
    trusted: srv.privateKey,
    trustedKid: srv.serverId.slice(4),
    untrusted: other.privateKey,
    untrustedKid: other.serverId.slice(4),
  });
});

after(async () => {
  console.log(`# fuzz-documents (Cloud): ${tally.total()} cases: ${tally}`);
  await s?.seats.stop();
  await t?.close();
});

/** As in the License Server suite: refused by the verifier => refused by the service, nothing changed. */
async function refusedWithoutChange(
  label: string,
  mutated: string,
  codes: readonly ErrorCode[],
  verify: (f: string) => Promise<unknown>,
  act: (f: string) => Promise<unknown>,
): Promise<void> {
  try {
    await verify(mutated);
    tally.add(`${label}:benign`);
    return;
  } catch {
    // Refused by the verifier: the service must refuse it too.
  }
  const before = await snapshot();
  let refused = false;
  try {
    await act(mutated);
  } catch (e) {
    tally.add(`${label}:${assertTypedRefusal(e, codes, label)}`);
    refused = true;
  }
  assert.ok(refused, `${label} accepted a file the verifier refuses`);
  assert.equal(await snapshot(), before, `${label} changed state on a refusal`);
}

function reportOf(srv: TestLicenseServer, extra: Partial<ReportClaims>): fc.Arbitrary<ReportClaims> {
  return fc.record({ sequence: fc.integer({ min: 1, max: 2 ** 40 }), usage: usageBefore(START, 4) }).map((r) => ({
    serverId: srv.serverId,
    sequence: r.sequence,
    createdAt: new Date(START).toISOString(),
    factors: hashFactors(RAW_FACTORS, srv.serverId),
    acknowledgedThrough: hourMark(START - 2000 * HOUR),
    usage: r.usage,
    ...extra,
  }));
}

/** What a refused Report may answer: the DOC_* codes and the enrollment refusals `sync` documents. */
const REPORT_CODES: readonly ErrorCode[] = [...DOCUMENT_CODES, 'SERVER_UNKNOWN', 'ENROLLMENT_INVALID'];

describe('Cloud: mutated documents change nothing', { timeout: fuzzSuiteTimeout() }, () => {
  test('Register Server (Server ID file)', async () => {
    const claims = fc.record({ hostName: text(255), createdAt: fc.integer({ min: 0, max: 1000 }) });
    const jwk = JSON.parse(JSON.stringify((await verifyServerId(stranger.serverIdFile)).claims.publicKeyJwk));
    await fc.assert(
      fc.asyncProperty(claims, mutationsArb, async (c, ms) => {
        const file = await signServerId(
          {
            serverId: stranger.serverId,
            publicKeyJwk: jwk,
            factors: hashFactors(RAW_FACTORS, stranger.serverId),
            hostName: c.hostName,
            productVersion: '0.1.0',
            createdAt: new Date(START - c.createdAt * 1000).toISOString(),
          },
          stranger.privateKey,
        );
        await refusedWithoutChange(
          'register',
          applyMutations(file, ms, keysOf(stranger, DOC_TYPES.serverId)),
          DOCUMENT_CODES,
          (f) => verifyServerId(f),
          (f) => s.servers.register(admin, { customerId: acme, file: f }),
        );
      }),
      fuzzParams(CASES),
    );
  });

  test('Return License (uninstall certificate)', async () => {
    const key = publicKeyFromJwk((await verifyServerId(registered.serverIdFile)).claims.publicKeyJwk);
    await fc.assert(
      fc.asyncProperty(mutationsArb, async (ms) => {
        const file = await registered.uninstall(deployed.licenseId, deployed.revision);
        await refusedWithoutChange(
          'return',
          applyMutations(file, ms, keysOf(registered, DOC_TYPES.uninstall)),
          DOCUMENT_CODES,
          (f) => verifyUninstall(f, key),
          (f) => s.deployments.returnCertificate(admin, f),
        );
      }),
      fuzzParams(CASES),
    );
  });

  test('Report of a registered server', async () => {
    await fc.assert(
      fc.asyncProperty(reportOf(registered, {}), mutationsArb, async (claims, ms) => {
        const file = await signReport(claims, registered.privateKey);
        await refusedWithoutChange(
          'report',
          applyMutations(file, ms, keysOf(registered, DOC_TYPES.report)),
          REPORT_CODES,
          (f) => verifyReport(f, registered.publicKey),
          (f) => s.sync.sync(f),
        );
      }),
      fuzzParams(CASES),
    );
  });

  test('first Report carrying an enrollment code: the code stays unused', async () => {
    const enrollment = { code: enrollmentCode, serverIdDocument: stranger.serverIdFile };
    await fc.assert(
      fc.asyncProperty(reportOf(stranger, { enrollment }), mutationsArb, async (claims, ms) => {
        const file = await signReport(claims, stranger.privateKey);
        await refusedWithoutChange(
          'enrollment-report',
          applyMutations(file, ms, keysOf(stranger, DOC_TYPES.report)),
          REPORT_CODES,
          (f) => verifyReport(f, stranger.publicKey),
          (f) => s.sync.sync(f),
        );
      }),
      fuzzParams(CASES),
    );
  });

  test('control: the snapshot sees what accepted documents change', async () => {
    const before = await snapshot();
    await s.deployments.returnCertificate(admin, await registered.uninstall(deployed.licenseId, deployed.revision));
    assert.notEqual(await snapshot(), before);
    const afterReturn = await snapshot();
    const [claims] = fc.sample(
      reportOf(stranger, { enrollment: { code: enrollmentCode, serverIdDocument: stranger.serverIdFile } }),
      1,
    );
    await s.sync.sync(await signReport(claims!, stranger.privateKey));
    assert.notEqual(await snapshot(), afterReturn);
  });
});
