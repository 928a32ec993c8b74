/**
 * State-level fuzzing of the documents a License Server takes (see docs/fuzzing.md): mutated
 * license files through Install and Renew, mutated Sync files through Import Sync File. A
 * mutation the core verifier refuses must be refused by the service with a typed error and
 * change nothing: every table but the audit log, and the lease engine's features view. One
 * server core serves each property; a snapshot is a dump of its small SQLite tables.
 *
 * The Report a License Server takes only as a PLS relaying an ALS's file goes to the Cloud
 * unverified, so it is fuzzed where it is verified: the Cloud's fuzz suite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DOC_TYPES,
  type LicenseClaims,
  ManualClock,
  type RawFactors,
  type SyncClaims,
  signLicense,
  signSync,
  verifyLicense,
  verifyServerId,
  verifySync,
} from '@tessera/core';
import fc from 'fast-check';
import { newKey } from '../../../core/src/documents/test-support/fixtures.js';
import {
  DOCUMENT_CODES,
  instant,
  licenseFeatures,
  licenseId,
  text,
} from '../../../core/src/documents/test-support/fuzz-documents/kinds.js';
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
import { openServerCore, type ServerCore } from '../runtime/core.js';
import { makeVendor, silentLogger, tempDir, type Vendor } from '../test-support/fixtures.js';
import { LOCAL_CLI_ACTOR } from './audit.js';

const CASES = 150;
const T0 = Date.UTC(2026, 5, 15, 12);
const FACTORS: RawFactors = {
  machineId: 'fuzz-machine',
  macs: '02:42:ac:11:00:02',
  cpu: 'Fuzz CPU x 2',
  productUuid: 'fuzz-uuid',
  rootFsId: 'fuzz-rootfs',
  hostname: 'fuzz.example',
};

let t: ReturnType<typeof tempDir>;
let vendor: Vendor;
let core: ServerCore;
let clock: ManualClock;
let keys: MutationKeys;
let binding: LicenseClaims['binding'];
const tally = new FuzzTally();
const INSTALLED = 'lic_fuzz-installed';

/** Everything a refusal must leave as it was: each table but the audit log, and the pool. */
function snapshot(): string {
  const tables = core.store.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'audit_log'")
    .all() as { name: string }[];
  // Rows sorted as text: some tables have no rowid to order by.
  const rows = Object.fromEntries(
    tables.map(({ name }) => [
      name,
      core.store.db
        .prepare(`SELECT * FROM "${name}"`)
        .all()
        .map((r) => JSON.stringify(r))
        .sort(),
    ]),
  );
  return JSON.stringify({ rows, features: core.engine.features() });
}

before(async () => {
  t = tempDir('tessera-fuzz-docs-');
  vendor = makeVendor(t.dir);
  clock = new ManualClock(T0);
  core = await openServerCore({
    dataDir: `${t.dir}/data`,
    vendorKeyFiles: [vendor.pubFile],
    clock,
    logger: silentLogger,
    readFactors: () => FACTORS,
    hostName: 'fuzz.example',
  });
  const sid = await verifyServerId(await core.licenses.makeServerIdFile(LOCAL_CLI_ACTOR));
  binding = { serverId: sid.claims.serverId, factors: sid.claims.factors };
  const other = await newKey();
  keys = {
    trusted: vendor.privateKey,
    trustedKid: (await verifyLicense(await signLicense(licenseOf(INSTALLED, 1), vendor.privateKey), core.keyring)).kid,
    untrusted: other.privateKey,
    untrustedKid: other.kid,
    ownTyp: DOC_TYPES.license,
  };
  // State to keep: an installed license, a Report written and a Sync applied.
  await core.licenses.install(LOCAL_CLI_ACTOR, await signLicense(licenseOf(INSTALLED, 1), vendor.privateKey));
  await core.flexible.createReport(LOCAL_CLI_ACTOR);
  await core.flexible.applySync(LOCAL_CLI_ACTOR, await signSync(syncOf(1), vendor.privateKey), 'file');
});

after(() => {
  console.log(`# fuzz-documents (License Server): ${tally.total()} cases: ${tally}`);
  core?.close();
  t?.cleanup();
});

function licenseOf(id: string, revision: number): LicenseClaims {
  return {
    licenseId: id,
    revision,
    customer: 'Fuzz Ltd',
    binding,
    features: [{ name: 'asr', count: 5, expires: null, maintenanceUntil: null }],
    issuedAt: new Date(T0 - 86_400_000).toISOString(),
  };
}

function syncOf(counter: number, licenses: SyncClaims['licenses'] = []): SyncClaims {
  return {
    serverId: binding.serverId,
    syncCounter: counter,
    reportSequence: 1,
    acknowledgedThrough: null,
    licenses,
    issuedAt: new Date(T0 - 60_000).toISOString(),
    validUntil: new Date(T0 + 7 * 86_400_000).toISOString(),
    nextSyncSeconds: 86_400,
  };
}

/**
 * Runs one case: the mutated file, if the core verifier refuses it, must be refused by
 * `act` with a typed error and leave the snapshot as it was. A mutation the verifier accepts
 * kept the signed line (the parser suite proves that) and is not fed to the service.
 */
async function refusedWithoutChange(
  label: string,
  mutated: string,
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
  const before = snapshot();
  let refused = false;
  try {
    await act(mutated);
  } catch (e) {
    tally.add(`${label}:${assertTypedRefusal(e, DOCUMENT_CODES, label)}`);
    refused = true;
  }
  assert.ok(refused, `${label} accepted a file the verifier refuses`);
  assert.equal(snapshot(), before, `${label} changed state on a refusal`);
}

const newLicense = fc.record({
  licenseId: licenseId.filter((id) => id !== INSTALLED),
  revision: fc.integer({ min: 1, max: 1000 }),
  customer: text(256),
  features: licenseFeatures,
  issuedAt: instant.filter((i) => i < new Date(T0).toISOString()),
});

describe('License Server: mutated documents change nothing', { timeout: fuzzSuiteTimeout() }, () => {
  test('Install License', async () => {
    await fc.assert(
      fc.asyncProperty(newLicense, mutationsArb, async (c, ms) => {
        const file = await signLicense({ ...c, binding }, vendor.privateKey);
        await refusedWithoutChange(
          'install',
          applyMutations(file, ms, keys),
          (f) => verifyLicense(f, core.keyring),
          (f) => core.licenses.install(LOCAL_CLI_ACTOR, f),
        );
      }),
      fuzzParams(CASES),
    );
  });

  test('Renew License', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 1000 }), licenseFeatures, mutationsArb, async (rev, features, ms) => {
        const file = await signLicense({ ...licenseOf(INSTALLED, rev), features }, vendor.privateKey);
        await refusedWithoutChange(
          'renew',
          applyMutations(file, ms, keys),
          (f) => verifyLicense(f, core.keyring),
          (f) => core.licenses.renew(LOCAL_CLI_ACTOR, f),
        );
      }),
      fuzzParams(CASES),
    );
  });

  test('Import Sync File', async () => {
    const licenses = fc.uniqueArray(
      fc.record({
        licenseId,
        revision: fc.integer({ min: 1, max: 50 }),
        customer: text(256),
        features: licenseFeatures,
      }),
      { maxLength: 3, selector: (l) => l.licenseId },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 2 ** 40 }), licenses, mutationsArb, async (counter, ls, ms) => {
        const file = await signSync(syncOf(counter, ls), vendor.privateKey);
        await refusedWithoutChange(
          'sync-import',
          applyMutations(file, ms, { ...keys, ownTyp: DOC_TYPES.sync }),
          (f) => verifySync(f, core.keyring),
          (f) => core.flexible.applySync(LOCAL_CLI_ACTOR, f, 'file'),
        );
      }),
      fuzzParams(CASES),
    );
  });
});

test('control: the snapshot sees what an accepted document changes (else "nothing changed" proves little)', async () => {
  const before = snapshot();
  await core.licenses.install(LOCAL_CLI_ACTOR, await signLicense(licenseOf('lic_fuzz-control', 1), vendor.privateKey));
  assert.notEqual(snapshot(), before);
  const afterInstall = snapshot();
  await core.flexible.applySync(LOCAL_CLI_ACTOR, await signSync(syncOf(2 ** 41), vendor.privateKey), 'file');
  assert.notEqual(snapshot(), afterInstall);
});
