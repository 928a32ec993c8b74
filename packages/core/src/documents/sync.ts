/**
 * The Sync (`*.sync`, docs/protocol.md): the Cloud's signed answer to a Report: the server's
 * flexible licenses, the usage hours acknowledged, and how long it may serve without another
 * Sync. Signed by the vendor; a License Server verifies it with its trusted vendor keyring and
 * checks that it names itself, that the counter is newer than the last one applied, and that
 * valid-until has not passed.
 */
import type { KeyObject } from 'node:crypto';
import type { Keyring } from '../keys.js';
import type { LicenseFeature } from '../license.js';
import { DOC_TYPES, signDocument, type VerifiedDocument, verifyDocument } from './jws.js';
import { readLicenseFeatures } from './license.js';
import { isHourMark } from './report.js';
import {
  invalid,
  join,
  onlyKeys,
  readInstant,
  readInteger,
  readLicenseId,
  readObject,
  readServerId,
  readString,
  shown,
} from './validate.js';

/** A license the Cloud allocated to this server from the customer's flexible entitlements. */
export interface FlexibleLicense {
  /** Stable per server and entitlement. */
  licenseId: string;
  /** Increases whenever the allocation or the entitlement's dates change. */
  revision: number;
  customer: string;
  features: LicenseFeature[];
}

export interface SyncClaims {
  serverId: string;
  /** Per server, increasing (kept in the Cloud's database); orders Syncs. */
  syncCounter: number;
  /** The sequence of the Report this Sync answers. */
  reportSequence: number;
  /** Every usage hour ≤ this mark is acknowledged (`YYYY-MM-DDTHH:00:00Z`), or null. */
  acknowledgedThrough: string | null;
  /** The server's complete set of flexible licenses; `[]` when nothing is allocated. */
  licenses: FlexibleLicense[];
  /** RFC 3339 UTC instant. */
  issuedAt: string;
  /** RFC 3339 UTC instant after which the licenses above are no longer served without a newer Sync. */
  validUntil: string;
  /** Seconds until the server should report again (≥ 1). */
  nextSyncSeconds: number;
}

const DOC = 'sync';
/** Most flexible licenses one Sync may carry. */
const MAX_SYNC_LICENSES = 10_000;

function readLicense(o: Record<string, unknown>, path: string): FlexibleLicense {
  onlyKeys(DOC, o, path, ['licenseId', 'revision', 'customer', 'features']);
  return {
    licenseId: readLicenseId(DOC, o, path, 'licenseId'),
    revision: readInteger(DOC, o, path, 'revision', 1),
    customer: readString(DOC, o, path, 'customer', { max: 256 }),
    features: readLicenseFeatures(DOC, o, path, 'features'),
  };
}

/**
 * Checks Sync claims field by field and returns a clean copy.
 *
 * @throws TesseraError DOC_INVALID naming the field.
 */
export function validateSyncClaims(payload: unknown): SyncClaims {
  const o = readObject(DOC, payload, '');
  onlyKeys(DOC, o, '', [
    'serverId',
    'syncCounter',
    'reportSequence',
    'acknowledgedThrough',
    'licenses',
    'issuedAt',
    'validUntil',
    'nextSyncSeconds',
  ]);
  const serverId = readServerId(DOC, o, '', 'serverId');
  const syncCounter = readInteger(DOC, o, '', 'syncCounter', 1);
  const reportSequence = readInteger(DOC, o, '', 'reportSequence', 1);
  if (!('acknowledgedThrough' in o)) invalid(DOC, 'acknowledgedThrough', 'is missing (use null for none)');
  const ack = o.acknowledgedThrough;
  if (ack !== null && !isHourMark(ack)) {
    invalid(DOC, 'acknowledgedThrough', `must be null or an hour mark like 2026-01-31T13:00:00Z, got ${shown(ack)}`);
  }
  if (!Array.isArray(o.licenses)) invalid(DOC, 'licenses', 'must be an array of licenses');
  if (o.licenses.length > MAX_SYNC_LICENSES) invalid(DOC, 'licenses', `holds more than ${MAX_SYNC_LICENSES} licenses`);
  const seen = new Map<string, number>();
  const licenses = o.licenses.map((l: unknown, i: number) => {
    const p = join('licenses', i);
    const license = readLicense(readObject(DOC, l, p), p);
    const earlier = seen.get(license.licenseId);
    if (earlier !== undefined) invalid(DOC, join(p, 'licenseId'), `repeats licenses[${earlier}].licenseId`);
    seen.set(license.licenseId, i);
    return license;
  });
  const issuedAt = readInstant(DOC, o, '', 'issuedAt');
  const validUntil = readInstant(DOC, o, '', 'validUntil');
  if (Date.parse(validUntil) <= Date.parse(issuedAt)) invalid(DOC, 'validUntil', 'must be after issuedAt');
  const nextSyncSeconds = readInteger(DOC, o, '', 'nextSyncSeconds', 1);
  return {
    serverId,
    syncCounter,
    reportSequence,
    acknowledgedThrough: ack as string | null,
    licenses,
    issuedAt,
    validUntil,
    nextSyncSeconds,
  };
}

/** The human summary written above the JWS of a `.sync` file. */
export function syncSummary(c: SyncClaims): string[] {
  return [
    `Tessera sync ${c.syncCounter} for ${c.serverId} (answers report ${c.reportSequence})`,
    ...c.licenses.flatMap((l) => [
      `license ${l.licenseId} rev ${l.revision} for ${l.customer}`,
      ...l.features.map(
        (f) =>
          `  feature ${f.name}: ${f.count} seat${f.count === 1 ? '' : 's'}, ` +
          `expires ${f.expires ?? 'never'}, maintenance until ${f.maintenanceUntil ?? 'no limit'}`,
      ),
    ]),
    ...(c.licenses.length === 0 ? ['no flexible licenses allocated'] : []),
    `usage acknowledged through ${c.acknowledgedThrough ?? 'nothing yet'}`,
    `issued ${c.issuedAt}, valid until ${c.validUntil}, next sync in ${c.nextSyncSeconds} s`,
    'This summary is not checked; the signed line below is what counts.',
  ];
}

/**
 * Signs a Sync with the vendor's private key, returning the `.sync` file text.
 *
 * @throws TesseraError DOC_INVALID naming the bad field.
 */
export async function signSync(claims: SyncClaims, vendorPrivateKey: KeyObject): Promise<string> {
  const c = validateSyncClaims(claims);
  return signDocument(DOC_TYPES.sync, c, vendorPrivateKey, { summary: syncSummary(c) });
}

/**
 * Verifies a `.sync` file against the trusted vendor keys. Whether it is for this server, newer
 * than the last one applied and still valid is the caller's to judge (its state and clock).
 *
 * @throws TesseraError DOC_MALFORMED, DOC_WRONG_TYPE, DOC_UNKNOWN_KEY, DOC_BAD_SIGNATURE or DOC_INVALID.
 */
export function verifySync(fileText: string, keyring: Keyring): Promise<VerifiedDocument<SyncClaims>> {
  return verifyDocument(fileText, DOC_TYPES.sync, keyring, validateSyncClaims);
}
