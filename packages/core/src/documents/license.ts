/**
 * The License document (`*.lic`, docs/protocol.md): signed by the vendor, bound to one server's id
 * and hardware factors, verified by the License Server against its trusted vendor keyring.
 */
import type { KeyObject } from 'node:crypto';
import type { Keyring } from '../keys.js';
import type { LicenseBinding, LicenseClaims, LicenseFeature } from '../license.js';
import { DOC_TYPES, signDocument, type VerifiedDocument, verifyDocument } from './jws.js';
import {
  invalid,
  join,
  onlyKeys,
  readDateOrNull,
  readFactorHashes,
  readInstant,
  readInteger,
  readLicenseId,
  readObject,
  readServerId,
  readString,
} from './validate.js';

/** Most seats one license may hold for one feature. */
export const MAX_FEATURE_COUNT = 1_000_000;

const DOC = 'license';
const FEATURE_NAME_RE = /^[A-Za-z0-9._-]+$/;

/** A feature name as documents carry it: 1–64 of [A-Za-z0-9._-]. */
export function readFeatureName(doc: string, o: Record<string, unknown>, path: string, key: string): string {
  return readString(doc, o, path, key, { max: 64, pattern: FEATURE_NAME_RE, patternText: 'of [A-Za-z0-9._-]' });
}

function readFeature(doc: string, o: Record<string, unknown>, path: string): LicenseFeature {
  onlyKeys(doc, o, path, ['name', 'count', 'expires', 'maintenanceUntil']);
  return {
    name: readFeatureName(doc, o, path, 'name'),
    count: readInteger(doc, o, path, 'count', 1, MAX_FEATURE_COUNT),
    expires: readDateOrNull(doc, o, path, 'expires'),
    maintenanceUntil: readDateOrNull(doc, o, path, 'maintenanceUntil'),
  };
}

/**
 * A non-empty array of license features under `o[key]`, each name once. Shared by the License
 * and the Sync (whose flexible licenses carry the same features).
 */
export function readLicenseFeatures(
  doc: string,
  o: Record<string, unknown>,
  path: string,
  key: string,
): LicenseFeature[] {
  const p = join(path, key);
  const list = o[key];
  if (!Array.isArray(list) || list.length === 0) invalid(doc, p, 'must be a non-empty array of features');
  const firstIndex = new Map<string, number>();
  return list.map((f: unknown, i: number) => {
    const fp = join(p, i);
    const feature = readFeature(doc, readObject(doc, f, fp), fp);
    const earlier = firstIndex.get(feature.name);
    // One license holds each feature once; two entries would make its seat count ambiguous.
    if (earlier !== undefined) invalid(doc, join(fp, 'name'), `"${feature.name}" repeats ${p}[${earlier}].name`);
    firstIndex.set(feature.name, i);
    return feature;
  });
}

function readBinding(o: Record<string, unknown>): LicenseBinding {
  const b = readObject(DOC, o.binding, 'binding');
  onlyKeys(DOC, b, 'binding', ['serverId', 'factors']);
  const serverId = readServerId(DOC, b, 'binding', 'serverId');
  const factors = readFactorHashes(DOC, b, 'binding', 'factors');
  // The match rule compares only factors the binding names: with none, any machine holding
  // the server key (a copy of the data dir) would pass.
  if (Object.keys(factors).length === 0) {
    invalid(DOC, 'binding.factors', 'must name at least one hardware factor (a binding with none fits any machine)');
  }
  return { serverId, factors };
}

/**
 * Checks License claims field by field and returns a clean copy.
 *
 * @throws TesseraError DOC_INVALID naming the field, e.g. `features[1].count must be an integer from 1 to 1000000`.
 */
export function validateLicenseClaims(payload: unknown): LicenseClaims {
  const o = readObject(DOC, payload, '');
  onlyKeys(DOC, o, '', ['licenseId', 'revision', 'customer', 'binding', 'features', 'issuedAt']);
  const licenseId = readLicenseId(DOC, o, '', 'licenseId');
  const revision = readInteger(DOC, o, '', 'revision', 1);
  const customer = readString(DOC, o, '', 'customer', { max: 256 });
  const binding = readBinding(o);
  const features = readLicenseFeatures(DOC, o, '', 'features');
  return { licenseId, revision, customer, binding, features, issuedAt: readInstant(DOC, o, '', 'issuedAt') };
}

/** The human summary written above the JWS of a `.lic` file. */
export function licenseSummary(c: LicenseClaims): string[] {
  return [
    `Tessera license ${c.licenseId} rev ${c.revision} for ${c.customer}`,
    `bound to ${c.binding.serverId}`,
    ...c.features.map(
      (f) =>
        `feature ${f.name}: ${f.count} seat${f.count === 1 ? '' : 's'}, ` +
        `expires ${f.expires ?? 'never'}, maintenance until ${f.maintenanceUntil ?? 'no limit'}`,
    ),
    `issued ${c.issuedAt}`,
    'This summary is not checked; the signed line below is what counts.',
  ];
}

/**
 * Signs a license with the vendor's private key, returning the `.lic` file text. Claims are
 * validated first so the vendor never issues a file every server would refuse.
 *
 * @throws TesseraError DOC_INVALID naming the bad field.
 */
export async function signLicense(claims: LicenseClaims, vendorPrivateKey: KeyObject): Promise<string> {
  const c = validateLicenseClaims(claims);
  return signDocument(DOC_TYPES.license, c, vendorPrivateKey, { summary: licenseSummary(c) });
}

/**
 * Verifies a `.lic` file against the trusted vendor keys. Says nothing about whether the
 * license fits this server (see `matchFingerprint`) or its revision (the caller's state).
 *
 * @throws TesseraError DOC_MALFORMED, DOC_WRONG_TYPE, DOC_UNKNOWN_KEY, DOC_BAD_SIGNATURE or DOC_INVALID.
 */
export function verifyLicense(fileText: string, keyring: Keyring): Promise<VerifiedDocument<LicenseClaims>> {
  return verifyDocument(fileText, DOC_TYPES.license, keyring, validateLicenseClaims);
}
