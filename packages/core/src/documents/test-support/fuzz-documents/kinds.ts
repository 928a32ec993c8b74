/**
 * The document kinds the fuzzer knows: for each, an arbitrary of valid claims, the trusted
 * signer, the verifier under test and the error codes it documents. A new signed document (a
 * seat policy file, say) is one more entry in {@link documentKinds}: the mutation operators and
 * the properties of `fuzz-documents.test.ts` then apply to it unchanged.
 */
import type { KeyObject } from 'node:crypto';
import fc from 'fast-check';
import type { ErrorCode } from '../../../errors.js';
import { Keyring, publicKeyToJwk } from '../../../keys.js';
import type { LicenseClaims } from '../../../license.js';
import { PRODUCT_VERSION } from '../../../version.js';
import { DOC_TYPES, type DocType } from '../../jws.js';
import { signLicense, verifyLicense } from '../../license.js';
import { hourMark, type ReportClaims, signReport, type UsageHour, verifyReport } from '../../report.js';
import { type ServerIdClaims, signServerId, verifyServerId } from '../../server-id.js';
import { type SyncClaims, signSync, verifySync } from '../../sync.js';
import { signUninstall, type UninstallClaims, verifyUninstall } from '../../uninstall.js';
import { newKey, newServer, type TestKey, type TestServer } from '../fixtures.js';
import type { MutationKeys } from './mutations.js';

/** Every code a document verifier documents; anything else escaping one is a defect. */
export const DOCUMENT_CODES: readonly ErrorCode[] = [
  'DOC_MALFORMED',
  'DOC_WRONG_TYPE',
  'DOC_UNKNOWN_KEY',
  'DOC_BAD_SIGNATURE',
  'DOC_INVALID',
];

export interface FuzzedKind<C = unknown> {
  name: string;
  /** Valid claims of this kind, for the fixture's keys. */
  claims: fc.Arbitrary<C>;
  /** The file text of `claims`, signed by the key the verifier trusts. */
  sign(claims: C): Promise<string>;
  /** The parser under test. */
  verify(file: string): Promise<{ claims: unknown; jws: string }>;
  /** The codes it may refuse with. */
  codes: readonly ErrorCode[];
  /** Keys the mutations sign with (never trusted for this kind). */
  keys: MutationKeys;
}

/** Keys of the fuzz fixture: a trusted vendor and server, and an untrusted twin of each. */
export interface FuzzKeys {
  vendor: TestKey;
  otherVendor: TestKey;
  server: TestServer;
  otherServer: TestServer;
}

export async function fuzzKeys(): Promise<FuzzKeys> {
  return {
    vendor: await newKey(),
    otherVendor: await newKey(),
    server: await newServer(),
    otherServer: await newServer(),
  };
}

// ---- claims ----

const DAY = 86_400_000;
const HOUR = 3_600_000;
const FROM = Date.UTC(2020, 0, 1);
const TO = Date.UTC(2040, 0, 1);

export const isoDate = fc
  .integer({ min: FROM / DAY, max: TO / DAY })
  .map((d) => new Date(d * DAY).toISOString().slice(0, 10));
export const instantMs = fc.integer({ min: FROM, max: TO });
export const instant = instantMs.map((ms) => new Date(ms).toISOString());
export const licenseId = fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/);
export const featureName = fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/);
/** Free text of a document (customer, host name): any Unicode, not blank. */
export const text = (max: number) =>
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: Math.min(max, 40) })
    .filter((s) => s.trim() !== '' && s.length <= max);
const factors = fc.dictionary(
  fc.constantFrom('machineId', 'macs', 'cpu', 'productUuid', 'rootFsId', 'hostname'),
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  { maxKeys: 6 },
);

export const licenseFeatures = fc.uniqueArray(
  fc.record({
    name: featureName,
    count: fc.integer({ min: 1, max: 1_000_000 }),
    expires: fc.option(isoDate, { nil: null }),
    maintenanceUntil: fc.option(isoDate, { nil: null }),
  }),
  { minLength: 1, maxLength: 5, selector: (f) => f.name },
);

function licenseClaims(server: TestServer): fc.Arbitrary<LicenseClaims> {
  return fc.record({
    licenseId,
    revision: fc.integer({ min: 1, max: 2 ** 31 }),
    customer: text(256),
    binding: fc.constant({ serverId: server.serverId, factors: server.factors }),
    features: licenseFeatures,
    issuedAt: instant,
  });
}

function serverIdClaims(server: TestServer, jwk: ServerIdClaims['publicKeyJwk']): fc.Arbitrary<ServerIdClaims> {
  return fc.record({
    serverId: fc.constant(server.serverId),
    publicKeyJwk: fc.constant(jwk),
    factors,
    hostName: text(255),
    productVersion: fc.oneof(fc.constant(PRODUCT_VERSION), fc.stringMatching(/^\d{1,3}\.\d{1,3}\.\d{1,3}$/)),
    createdAt: instant,
  });
}

function uninstallClaims(server: TestServer): fc.Arbitrary<UninstallClaims> {
  return fc.record({
    licenseId,
    revision: fc.integer({ min: 1, max: 2 ** 31 }),
    serverId: fc.constant(server.serverId),
    uninstalledAt: instant,
  });
}

/** Usage hours that closed before `createdMs`, each (feature, hour) once. */
export function usageBefore(createdMs: number, maxHours = 8): fc.Arbitrary<UsageHour[]> {
  return fc.uniqueArray(
    fc
      .record({
        feature: featureName,
        hoursAgo: fc.integer({ min: 1, max: 24 * 90 }),
        peakSeats: fc.integer({ min: 0, max: 1_000_000 }),
        share: fc.double({ min: 0, max: 1, noNaN: true }),
        checkouts: fc.integer({ min: 0, max: 1_000_000_000 }),
        denials: fc.integer({ min: 0, max: 1_000_000_000 }),
      })
      .map((u) => ({
        feature: u.feature,
        hour: hourMark(createdMs - u.hoursAgo * HOUR),
        peakSeats: u.peakSeats,
        seatSeconds: Math.floor(u.peakSeats * 3600 * u.share),
        checkouts: u.checkouts,
        denials: u.denials,
      })),
    { maxLength: maxHours, selector: (u) => `${u.feature} ${u.hour}` },
  );
}

function reportClaims(server: TestServer, serverIdFile: string): fc.Arbitrary<ReportClaims> {
  return instantMs.chain((createdMs) =>
    fc
      .record({
        sequence: fc.integer({ min: 1, max: 2 ** 40 }),
        factors,
        acknowledgedThrough: fc.option(
          fc.integer({ min: 1, max: 2000 }).map((h) => hourMark(createdMs - h * HOUR)),
          {
            nil: null,
          },
        ),
        usage: usageBefore(createdMs),
        enrollment: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/), { nil: undefined }),
      })
      .map(({ enrollment, ...r }) => ({
        serverId: server.serverId,
        createdAt: new Date(createdMs).toISOString(),
        ...r,
        ...(enrollment !== undefined ? { enrollment: { code: enrollment, serverIdDocument: serverIdFile } } : {}),
      })),
  );
}

export function syncClaims(serverId: string): fc.Arbitrary<SyncClaims> {
  return fc
    .record({
      syncCounter: fc.integer({ min: 1, max: 2 ** 40 }),
      reportSequence: fc.integer({ min: 1, max: 2 ** 40 }),
      acknowledgedThrough: fc.option(
        instantMs.map((ms) => hourMark(ms)),
        { nil: null },
      ),
      licenses: fc.uniqueArray(
        fc.record({
          licenseId,
          revision: fc.integer({ min: 1, max: 1000 }),
          customer: text(256),
          features: licenseFeatures,
        }),
        { maxLength: 3, selector: (l) => l.licenseId },
      ),
      issued: instantMs,
      validFor: fc.integer({ min: 1, max: 90 * DAY }),
      nextSyncSeconds: fc.integer({ min: 1, max: 2 ** 31 }),
    })
    .map(({ issued, validFor, ...s }) => ({
      serverId,
      ...s,
      issuedAt: new Date(issued).toISOString(),
      validUntil: new Date(issued + validFor).toISOString(),
    }));
}

function mutationKeys(trusted: TestKey, untrusted: TestKey, ownTyp: DocType): MutationKeys {
  return {
    trusted: trusted.privateKey,
    trustedKid: trusted.kid,
    untrusted: untrusted.privateKey,
    untrustedKid: untrusted.kid,
    ownTyp,
  };
}

/**
 * The kinds under test, each verified as the products verify it: licenses and Syncs with the
 * vendor keyring, Server IDs with the key they carry, uninstall certificates and Reports with
 * the server's public key.
 */
export async function documentKinds(k: FuzzKeys): Promise<FuzzedKind[]> {
  const vendorRing = await Keyring.from([k.vendor.publicKey]);
  const jwk = await publicKeyToJwk(k.server.publicKey);
  const serverIdFile = await signServerId(
    {
      serverId: k.server.serverId,
      publicKeyJwk: jwk,
      factors: k.server.factors,
      hostName: 'lic01.example',
      productVersion: PRODUCT_VERSION,
      createdAt: '2026-01-01T00:00:00.000Z',
    },
    k.server.privateKey,
  );
  const serverKey: KeyObject = k.server.publicKey;
  const kinds: FuzzedKind<never>[] = [
    kind<LicenseClaims>({
      name: 'license',
      claims: licenseClaims(k.server),
      sign: (c) => signLicense(c, k.vendor.privateKey),
      verify: (f) => verifyLicense(f, vendorRing),
      keys: mutationKeys(k.vendor, k.otherVendor, DOC_TYPES.license),
    }),
    kind<ServerIdClaims>({
      name: 'server id',
      claims: serverIdClaims(k.server, jwk),
      sign: (c) => signServerId(c, k.server.privateKey),
      verify: (f) => verifyServerId(f),
      keys: mutationKeys(k.server, k.otherServer, DOC_TYPES.serverId),
    }),
    kind<UninstallClaims>({
      name: 'uninstall',
      claims: uninstallClaims(k.server),
      sign: (c) => signUninstall(c, k.server.privateKey),
      verify: (f) => verifyUninstall(f, serverKey),
      keys: mutationKeys(k.server, k.otherServer, DOC_TYPES.uninstall),
    }),
    kind<ReportClaims>({
      name: 'report',
      claims: reportClaims(k.server, serverIdFile),
      sign: (c) => signReport(c, k.server.privateKey),
      verify: (f) => verifyReport(f, serverKey),
      keys: mutationKeys(k.server, k.otherServer, DOC_TYPES.report),
    }),
    kind<SyncClaims>({
      name: 'sync',
      claims: syncClaims(k.server.serverId),
      sign: (c) => signSync(c, k.vendor.privateKey),
      verify: (f) => verifySync(f, vendorRing),
      keys: mutationKeys(k.vendor, k.otherVendor, DOC_TYPES.sync),
    }),
  ];
  return kinds as FuzzedKind[];
}

function kind<C>(o: Omit<FuzzedKind<C>, 'codes'>): FuzzedKind<never> {
  return { ...o, codes: DOCUMENT_CODES } as unknown as FuzzedKind<never>;
}
