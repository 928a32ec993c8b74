/**
 * Signing and verifying Tessera documents (docs/protocol.md): compact JWS, `alg: EdDSA` (Ed25519),
 * protected header `{ alg, typ, kid }` and nothing else, UTF-8 JSON payload, no JWT claims.
 *
 * Verification runs in a fixed order so that each refusal has one code:
 * parse file (DOC_MALFORMED) -> decode header (DOC_MALFORMED) -> typ (DOC_WRONG_TYPE) -> kid
 * -> choose key by the caller's rule (DOC_UNKNOWN_KEY) -> signature (DOC_BAD_SIGNATURE) ->
 * payload JSON (DOC_MALFORMED) and claims (DOC_INVALID).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify, errors as joseErrors } from 'jose';
import { TesseraError } from '../errors.js';
import { Keyring, thumbprint } from '../keys.js';
import { formatDocumentFile, parseDocumentFile } from './file.js';
import { shown } from './validate.js';

/** The `typ` header of each document kind; a document is only ever accepted as its own kind. */
export const DOC_TYPES = {
  serverId: 'tessera-server-id+jws',
  license: 'tessera-license+jws',
  uninstall: 'tessera-uninstall+jws',
  report: 'tessera-report+jws',
  sync: 'tessera-sync+jws',
} as const;

export type DocType = (typeof DOC_TYPES)[keyof typeof DOC_TYPES];

/** The only signature algorithm Tessera signs or accepts (Ed25519, RFC 8037). */
export const DOC_ALG = 'EdDSA';

/** The protected header of every Tessera JWS. */
export interface DocumentHeader {
  alg: typeof DOC_ALG;
  typ: string;
  /** RFC 7638 thumbprint of the signing key. */
  kid: string;
}

/** What a successful verification yields. `jws` is the verified compact JWS, fit to store. */
export interface VerifiedDocument<T> {
  claims: T;
  kid: string;
  jws: string;
}

/** Options of {@link signDocument}. */
export interface SignOptions {
  /** Human summary written as `#` comment lines above the JWS (never trusted on reading). */
  summary?: readonly string[];
}

const HEADER_MEMBERS = ['alg', 'typ', 'kid'];
// A kid is an RFC 7638 thumbprint: 43 base64url characters for SHA-256. The bound leaves room
// for a longer hash without letting a megabyte-long kid into messages and lookups.
const KID_RE = /^[A-Za-z0-9_-]{1,128}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });
// Ed25519 signatures are 64 bytes: 86 base64url characters. Checked before any crypto so a
// cut-off file reads as malformed, not as a forgery.
const ED25519_SIGNATURE_CHARS = 86;

/**
 * Signs `claims` as a document of kind `typ` with an Ed25519 private key, returning the file
 * text (summary comments, then the JWS line). The header's kid is the key's thumbprint.
 * Claims are not validated here; the per-kind signers (e.g. `signLicense`) validate first.
 * A file over `MAX_DOCUMENT_BYTES` is refused here (DOC_MALFORMED), not left for its reader to refuse.
 */
export async function signDocument(
  typ: DocType,
  claims: unknown,
  privateKey: KeyObject,
  opts: SignOptions = {},
): Promise<string> {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TesseraError('DOC_MALFORMED', 'documents are signed with an Ed25519 private key');
  }
  const json = JSON.stringify(claims);
  if (json === undefined) throw new TesseraError('DOC_INVALID', 'the claims of a document must be JSON');
  const kid = await thumbprint(privateKey);
  const header: DocumentHeader = { alg: DOC_ALG, typ, kid };
  const jws = await new CompactSign(new TextEncoder().encode(json)).setProtectedHeader({ ...header }).sign(privateKey);
  return formatDocumentFile(jws, opts.summary ?? []);
}

function decodeJsonSegment(segment: string, what: string): unknown {
  let text: string;
  try {
    text = utf8.decode(Buffer.from(segment, 'base64url'));
  } catch {
    throw new TesseraError('DOC_MALFORMED', `the document ${what} is not UTF-8`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new TesseraError('DOC_MALFORMED', `the document ${what} is not JSON`);
  }
}

/** The parts of a document that can be read before its key is chosen. */
export interface OpenedDocument {
  jws: string;
  header: DocumentHeader;
  /** The base64url payload segment, still unverified. */
  payloadSegment: string;
}

/**
 * Steps one to four of verification: parse the file, decode and check the header, check the
 * typ and that a kid is named. Nothing here is trusted yet; it only says which key to try.
 * Exported for the per-kind verifiers (the server-id case); use {@link verifyDocument}.
 */
export function openDocument(fileText: string, expectedTyp: DocType): OpenedDocument {
  const { jws } = parseDocumentFile(fileText);
  const [headerSegment, payloadSegment, signatureSegment] = jws.split('.') as [string, string, string];
  const raw = decodeJsonSegment(headerSegment, 'header');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TesseraError('DOC_MALFORMED', 'the document header is not a JSON object');
  }
  const h = raw as Record<string, unknown>;
  // Only the members we write: anything else (crit, b64, jwk, jku, x5c...) could change how
  // the JWS is read or name a key, and no Tessera signer emits it.
  const extra = Object.keys(h).filter((k) => !HEADER_MEMBERS.includes(k));
  if (extra.length > 0) {
    const names = extra.join(', ');
    throw new TesseraError(
      'DOC_MALFORMED',
      `the document header has members Tessera does not use: ${names.length > 80 ? `${names.slice(0, 77)}...` : names}`,
    );
  }
  // Every header value is echoed shortened (shown() for any JSON): the file is untrusted, and a
  // value nested thousands deep or megabytes long must not overflow the stack or flood a message.
  if (h.alg !== DOC_ALG) {
    throw new TesseraError('DOC_MALFORMED', `the document alg must be ${DOC_ALG}, got ${shown(h.alg)}`);
  }
  if (typeof h.typ !== 'string') throw new TesseraError('DOC_MALFORMED', 'the document header has no typ');
  if (h.typ !== expectedTyp) {
    const typ = h.typ.length > 64 ? `${h.typ.slice(0, 61)}...` : h.typ;
    throw new TesseraError('DOC_WRONG_TYPE', `this is a ${typ} document; a ${expectedTyp} document is expected`, {
      details: { typ, expected: expectedTyp },
    });
  }
  if (typeof h.kid !== 'string' || !KID_RE.test(h.kid)) {
    throw new TesseraError(
      'DOC_MALFORMED',
      h.kid === undefined || h.kid === ''
        ? 'the document header names no signing key (kid)'
        : `the document kid must be a key thumbprint (base64url), got ${shown(h.kid)}`,
    );
  }
  if (signatureSegment.length !== ED25519_SIGNATURE_CHARS) {
    throw new TesseraError(
      'DOC_MALFORMED',
      `the document signature has ${signatureSegment.length} characters; an Ed25519 signature has ${ED25519_SIGNATURE_CHARS} (is the file cut off?)`,
    );
  }
  // 64 bytes leave 4 unused bits in the last character: without this check one signature
  // had 16 spellings, so one signed document had 16 JWS strings (stored, compared, replayed).
  if (Buffer.from(signatureSegment, 'base64url').toString('base64url') !== signatureSegment) {
    throw new TesseraError(
      'DOC_MALFORMED',
      'the document signature is not in canonical base64url (its last character sets bits that carry nothing)',
    );
  }
  return { jws, header: { alg: DOC_ALG, typ: h.typ, kid: h.kid }, payloadSegment };
}

/**
 * Checks the signature of an opened document with `key` and returns the parsed payload.
 * Exported for the per-kind verifiers; use {@link verifyDocument}.
 */
export async function verifyOpened(doc: OpenedDocument, key: KeyObject): Promise<unknown> {
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(doc.jws, key, { algorithms: [DOC_ALG] }));
  } catch (e) {
    const message =
      e instanceof joseErrors.JWSSignatureVerificationFailed
        ? `the document signature does not verify with key ${doc.header.kid}; it was altered or signed by another key`
        : `the document signature cannot be checked: ${(e as Error).message}`;
    throw new TesseraError('DOC_BAD_SIGNATURE', message, { cause: e });
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    throw new TesseraError('DOC_MALFORMED', 'the document payload is not UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new TesseraError('DOC_MALFORMED', 'the document payload is not JSON');
  }
}

/**
 * Verifies a document file and returns its validated claims.
 *
 * The key is the caller's, never the document's: with a {@link Keyring} the document's kid is
 * looked up in it; with a single KeyObject the kid must be that key's thumbprint. Either way
 * the signature is then checked with that trusted key, so a forged kid gains nothing.
 *
 * @param expectedTyp the kind the caller is about to act on; any other kind is refused.
 * @param validate turns the verified payload into typed claims, throwing DOC_INVALID.
 * @throws TesseraError DOC_MALFORMED, DOC_WRONG_TYPE, DOC_UNKNOWN_KEY, DOC_BAD_SIGNATURE or DOC_INVALID.
 */
export async function verifyDocument<T>(
  fileText: string,
  expectedTyp: DocType,
  key: KeyObject | Keyring,
  validate: (payload: unknown) => T,
): Promise<VerifiedDocument<T>> {
  const doc = openDocument(fileText, expectedTyp);
  const { kid } = doc.header;
  let verifyKey: KeyObject;
  if (key instanceof Keyring) {
    const found = key.get(kid);
    if (!found) {
      throw new TesseraError(
        'DOC_UNKNOWN_KEY',
        `the document is signed by key ${kid}, which is not among the ${key.size} trusted key(s)`,
        { details: { kid, trusted: key.kids() } },
      );
    }
    verifyKey = found;
  } else {
    const expected = await thumbprint(key);
    if (expected !== kid) {
      throw new TesseraError('DOC_UNKNOWN_KEY', `the document is signed by key ${kid}; key ${expected} is expected`, {
        details: { kid, expected },
      });
    }
    verifyKey = key.type === 'private' ? createPublicKey(key) : key;
  }
  const payload = await verifyOpened(doc, verifyKey);
  return { claims: validate(payload), kid, jws: doc.jws };
}

/** A document decoded without any check of its signature, key or claims. */
export interface UnverifiedDocument {
  header: Record<string, unknown>;
  payload: unknown;
  comments: string[];
}

/**
 * Decodes a document file WITHOUT verifying anything, for display and debugging (e.g.
 * `tessera doc show`). Never act on the result: use the verify functions for that.
 *
 * @throws TesseraError DOC_MALFORMED when the file, header or payload cannot be decoded.
 */
export function decodeDocumentUnverified(fileText: string): UnverifiedDocument {
  const { jws, comments } = parseDocumentFile(fileText);
  const [headerSegment, payloadSegment] = jws.split('.') as [string, string, string];
  const header = decodeJsonSegment(headerSegment, 'header');
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new TesseraError('DOC_MALFORMED', 'the document header is not a JSON object');
  }
  return { header: header as Record<string, unknown>, payload: decodeJsonSegment(payloadSegment, 'payload'), comments };
}
