/**
 * The Server ID document (`info.bts`, docs/protocol.md): a License Server's id, public key and
 * hardware factor hashes, signed by that server's own key. The vendor issues a perpetual
 * license bound to what it carries.
 */
import type { KeyObject } from 'node:crypto';
import { TesseraError } from '../errors.js';
import type { FactorHashes } from '../fingerprint/factors.js';
import { type Ed25519PublicJwk, publicKeyFromJwk, publicKeyToJwk, SERVER_ID_PREFIX, thumbprint } from '../keys.js';
import { DOC_TYPES, openDocument, signDocument, type VerifiedDocument, verifyOpened } from './jws.js';
import {
  invalid,
  onlyKeys,
  readFactorHashes,
  readInstant,
  readObject,
  readServerId,
  readString,
  shown,
} from './validate.js';

export interface ServerIdClaims {
  /** `srv_` + thumbprint of `publicKeyJwk`. */
  serverId: string;
  /** The server's Ed25519 public key (no private member). */
  publicKeyJwk: Ed25519PublicJwk;
  /** Salted hashes of the hardware factors the server could read. */
  factors: FactorHashes;
  hostName: string;
  productVersion: string;
  /** RFC 3339 UTC instant. */
  createdAt: string;
}

/** A verified Server ID document, with the server's public key ready for later checks. */
export interface VerifiedServerId extends VerifiedDocument<ServerIdClaims> {
  publicKey: KeyObject;
}

const DOC = 'server id document';
const FIELDS = ['serverId', 'publicKeyJwk', 'factors', 'hostName', 'productVersion', 'createdAt'] as const;

/**
 * Checks Server ID claims field by field and returns a clean copy. Does not check that the
 * server id is the key's thumbprint (that needs hashing); {@link verifyServerId} does.
 *
 * @throws TesseraError DOC_INVALID naming the field.
 */
export function validateServerIdClaims(payload: unknown): ServerIdClaims {
  const o = readObject(DOC, payload, '');
  onlyKeys(DOC, o, '', FIELDS);
  const serverId = readServerId(DOC, o, '', 'serverId');
  let publicKeyJwk: Ed25519PublicJwk;
  try {
    publicKeyFromJwk(o.publicKeyJwk);
    const j = o.publicKeyJwk as Ed25519PublicJwk;
    publicKeyJwk = { kty: j.kty, crv: j.crv, x: j.x };
  } catch (e) {
    if (e instanceof TesseraError) invalid(DOC, 'publicKeyJwk', `is not an Ed25519 public JWK: ${e.message}`);
    throw e;
  }
  onlyKeys(DOC, readObject(DOC, o.publicKeyJwk, 'publicKeyJwk'), 'publicKeyJwk', ['kty', 'crv', 'x']);
  return {
    serverId,
    publicKeyJwk,
    factors: readFactorHashes(DOC, o, '', 'factors'),
    hostName: readString(DOC, o, '', 'hostName', { max: 255 }),
    productVersion: readString(DOC, o, '', 'productVersion', { max: 64 }),
    createdAt: readInstant(DOC, o, '', 'createdAt'),
  };
}

/** The human summary written above the JWS of `info.bts`. */
export function serverIdSummary(c: ServerIdClaims): string[] {
  const factorNames = Object.keys(c.factors);
  return [
    `Tessera server id ${c.serverId}`,
    `host ${c.hostName}, Tessera ${c.productVersion}, created ${c.createdAt}`,
    `hardware factors: ${factorNames.length > 0 ? factorNames.join(', ') : 'none'}`,
    'This summary is not checked; the signed line below is what counts.',
  ];
}

/**
 * Signs a Server ID document with the server's own private key. Refuses claims whose server
 * id or public key are not those of `serverPrivateKey`, since such a file could never verify.
 *
 * @throws TesseraError DOC_INVALID on bad claims or a key that does not match them.
 */
export async function signServerId(claims: ServerIdClaims, serverPrivateKey: KeyObject): Promise<string> {
  const c = validateServerIdClaims(claims);
  const own = await publicKeyToJwk(serverPrivateKey);
  if (own.x !== c.publicKeyJwk.x) invalid(DOC, 'publicKeyJwk', 'is not the public key of the signing key');
  const expectedId = SERVER_ID_PREFIX + (await thumbprint(serverPrivateKey));
  if (c.serverId !== expectedId) invalid(DOC, 'serverId', `must be ${expectedId}, the id of the signing key`);
  return signDocument(DOC_TYPES.serverId, c, serverPrivateKey, { summary: serverIdSummary(c) });
}

/**
 * Verifies a Server ID document on its own: the only document checked with a key it carries.
 * That is sound because the server id IS the key's thumbprint: the payload's id must hash from
 * its key, the header kid must be that thumbprint, and the signature must verify with that key,
 * so the file proves possession of the key behind the id, and nothing more (its factors are
 * the server's claim).
 *
 * @throws TesseraError DOC_MALFORMED, DOC_WRONG_TYPE, DOC_INVALID (id not from the key),
 *   DOC_UNKNOWN_KEY (kid not the carried key) or DOC_BAD_SIGNATURE.
 */
export async function verifyServerId(fileText: string): Promise<VerifiedServerId> {
  const doc = openDocument(fileText, DOC_TYPES.serverId);
  // The key is inside the payload, so the payload is read (not yet trusted) before the
  // signature check; every value below is re-checked by the signature that follows.
  let unverified: unknown;
  try {
    unverified = JSON.parse(Buffer.from(doc.payloadSegment, 'base64url').toString('utf8'));
  } catch {
    throw new TesseraError('DOC_MALFORMED', 'the document payload is not JSON');
  }
  const claimed = validateServerIdClaims(unverified);
  const publicKey = publicKeyFromJwk(claimed.publicKeyJwk);
  const kid = await thumbprint(publicKey);
  if (claimed.serverId !== SERVER_ID_PREFIX + kid) {
    invalid(DOC, 'serverId', `${shown(claimed.serverId)} is not the id of publicKeyJwk (${SERVER_ID_PREFIX}${kid})`);
  }
  if (doc.header.kid !== kid) {
    throw new TesseraError(
      'DOC_UNKNOWN_KEY',
      `the server id document is signed by key ${doc.header.kid}, not by the key it carries (${kid})`,
      { details: { kid: doc.header.kid, expected: kid } },
    );
  }
  const payload = await verifyOpened(doc, publicKey);
  return { claims: validateServerIdClaims(payload), kid, jws: doc.jws, publicKey };
}
