/**
 * The uninstall certificate (`*.uninstall`, docs/protocol.md): a License Server's signed statement
 * that it removed a license revision for good. The Cloud checks it with that server's key
 * (known from its Server ID document) before it lets the seats be issued elsewhere.
 */
import type { KeyObject } from 'node:crypto';
import { serverIdOf } from '../keys.js';
import { DOC_TYPES, signDocument, type VerifiedDocument, verifyDocument } from './jws.js';
import { invalid, onlyKeys, readInstant, readInteger, readLicenseId, readObject, readServerId } from './validate.js';

export interface UninstallClaims {
  licenseId: string;
  revision: number;
  /** The server that uninstalled it, which is also the signer. */
  serverId: string;
  /** RFC 3339 UTC instant. */
  uninstalledAt: string;
}

const DOC = 'uninstall certificate';

/**
 * Checks uninstall claims field by field and returns a clean copy.
 *
 * @throws TesseraError DOC_INVALID naming the field.
 */
export function validateUninstallClaims(payload: unknown): UninstallClaims {
  const o = readObject(DOC, payload, '');
  onlyKeys(DOC, o, '', ['licenseId', 'revision', 'serverId', 'uninstalledAt']);
  return {
    licenseId: readLicenseId(DOC, o, '', 'licenseId'),
    revision: readInteger(DOC, o, '', 'revision', 1),
    serverId: readServerId(DOC, o, '', 'serverId'),
    uninstalledAt: readInstant(DOC, o, '', 'uninstalledAt'),
  };
}

/** The human summary written above the JWS of a `.uninstall` file. */
export function uninstallSummary(c: UninstallClaims): string[] {
  return [
    `Tessera uninstall certificate: license ${c.licenseId} rev ${c.revision}`,
    `uninstalled from ${c.serverId} at ${c.uninstalledAt}`,
    'This summary is not checked; the signed line below is what counts.',
  ];
}

/**
 * Signs an uninstall certificate with the server's own key. The claims' serverId must be that
 * key's id: a server only ever speaks for itself.
 *
 * @throws TesseraError DOC_INVALID on bad claims or a serverId that is not the signer's.
 */
export async function signUninstall(claims: UninstallClaims, serverPrivateKey: KeyObject): Promise<string> {
  const c = validateUninstallClaims(claims);
  const signer = await serverIdOf(serverPrivateKey);
  if (c.serverId !== signer) invalid(DOC, 'serverId', `must be ${signer}, the id of the signing key`);
  return signDocument(DOC_TYPES.uninstall, c, serverPrivateKey, { summary: uninstallSummary(c) });
}

/**
 * Verifies an uninstall certificate with the public key of the server it should come from,
 * and checks that the certificate names that same server.
 *
 * @throws TesseraError DOC_MALFORMED, DOC_WRONG_TYPE, DOC_UNKNOWN_KEY (signed by another key),
 *   DOC_BAD_SIGNATURE or DOC_INVALID (including a serverId that is not the signer's).
 */
export async function verifyUninstall(
  fileText: string,
  serverPublicKey: KeyObject,
): Promise<VerifiedDocument<UninstallClaims>> {
  const verified = await verifyDocument(fileText, DOC_TYPES.uninstall, serverPublicKey, validateUninstallClaims);
  const signer = await serverIdOf(serverPublicKey);
  if (verified.claims.serverId !== signer) {
    invalid(DOC, 'serverId', `is ${verified.claims.serverId}, but the certificate is signed by ${signer}`);
  }
  return verified;
}
