/**
 * Ed25519 keys (docs/security.md): the vendor's signing key, each License Server's own key, and
 * the keyring of vendor keys a server trusts. Keys are named by their RFC 7638 thumbprint
 * (`kid` in every JWS), so a server id is simply `srv_` + the thumbprint of its key.
 *
 * Pure crypto only: reading and writing key files is the caller's business.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { shown } from './documents/validate.js';
import { TesseraError } from './errors.js';

/** Public half of an Ed25519 key as a JWK (RFC 8037). Never carries `d`. */
export interface Ed25519PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
}

/** Prefix of server ids: `srv_` + RFC 7638 thumbprint of the server's public key. */
export const SERVER_ID_PREFIX = 'srv_';

// An Ed25519 public key is 32 bytes: 43 base64url characters without padding.
const ED25519_X_RE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Throws unless `key` is an Ed25519 key of the wanted kind. Keys of other algorithms would make
 * jose pick another `alg`, or fail deep inside; refusing them here names the real problem.
 */
function assertEd25519(key: KeyObject, kind: 'public' | 'private' | 'any', what: string): void {
  if (key.type === 'secret' || key.asymmetricKeyType !== 'ed25519') {
    throw new TesseraError(
      'DOC_MALFORMED',
      `${what} must be an Ed25519 key; got ${key.asymmetricKeyType ?? 'a symmetric'} key`,
    );
  }
  if (kind !== 'any' && key.type !== kind) {
    throw new TesseraError('DOC_MALFORMED', `${what} must be an Ed25519 ${kind} key; got a ${key.type} key`);
  }
}

/** The public half of an Ed25519 key (itself when already public). */
function publicOf(key: KeyObject, what: string): KeyObject {
  assertEd25519(key, 'any', what);
  return key.type === 'private' ? createPublicKey(key) : key;
}

/**
 * A fresh Ed25519 key pair: a vendor signing key (`tessera vendor keygen`) or a License
 * Server's identity key (made once, at first start).
 */
export function generateSigningKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url) of an Ed25519 key: the `kid` of every JWS it
 * signs. A private key is accepted and named by its public half, so a signer can compute its
 * own kid.
 */
export async function thumbprint(key: KeyObject): Promise<string> {
  const pub = publicOf(key, 'key');
  return calculateJwkThumbprint(await exportJWK(pub), 'sha256');
}

/** Server id of a License Server key: `srv_` + {@link thumbprint}. */
export async function serverIdOf(publicKey: KeyObject): Promise<string> {
  return SERVER_ID_PREFIX + (await thumbprint(publicKey));
}

/** PKCS#8 PEM of an Ed25519 private key (unencrypted; the file's 0600 mode protects it). */
export function privateKeyToPem(privateKey: KeyObject): string {
  assertEd25519(privateKey, 'private', 'privateKeyToPem key');
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/**
 * SPKI PEM (`BEGIN PUBLIC KEY`) of an Ed25519 public key: the form `openssl pkeyutl -verify
 * -pubin` reads, and the form of `vendor.pub` and `--vendor-key`. A private key is accepted
 * and its public half written.
 */
export function publicKeyToPem(key: KeyObject): string {
  return publicOf(key, 'publicKeyToPem key').export({ format: 'pem', type: 'spki' }).toString();
}

/**
 * Reads a PEM Ed25519 private key (PKCS#8, as `privateKeyToPem` or `openssl genpkey -algorithm
 * ed25519` writes).
 *
 * @throws TesseraError DOC_MALFORMED when the text is no PEM private key, is encrypted, or is not Ed25519.
 */
export function privateKeyFromPem(pem: string): KeyObject {
  if (typeof pem !== 'string' || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new TesseraError('DOC_MALFORMED', 'not a PEM private key (expected "-----BEGIN PRIVATE KEY-----")');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new TesseraError('DOC_MALFORMED', `cannot read the PEM private key: ${(e as Error).message}`, { cause: e });
  }
  assertEd25519(key, 'private', 'the PEM private key');
  return key;
}

/**
 * Reads a PEM Ed25519 public key (SPKI, `BEGIN PUBLIC KEY`). A private key PEM is refused
 * rather than silently reduced to its public half: a private key where a public one is
 * expected is a key being handed around that should not be.
 *
 * @throws TesseraError DOC_MALFORMED when the text is no PEM public key or is not Ed25519.
 */
export function publicKeyFromPem(pem: string): KeyObject {
  if (typeof pem !== 'string') throw new TesseraError('DOC_MALFORMED', 'a PEM public key must be text');
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new TesseraError('DOC_MALFORMED', 'this is a private key; a public key ("BEGIN PUBLIC KEY") is expected');
  }
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new TesseraError('DOC_MALFORMED', 'not a PEM public key (expected "-----BEGIN PUBLIC KEY-----")');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new TesseraError('DOC_MALFORMED', `cannot read the PEM public key: ${(e as Error).message}`, { cause: e });
  }
  assertEd25519(key, 'public', 'the PEM public key');
  return key;
}

/** The public JWK (`kty: OKP`, `crv: Ed25519`, `x`) of an Ed25519 key; never includes `d`. */
export async function publicKeyToJwk(key: KeyObject): Promise<Ed25519PublicJwk> {
  const jwk = await exportJWK(publicOf(key, 'publicKeyToJwk key'));
  // Rebuilt member by member so nothing but the public members can ever leave here.
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string };
}

/**
 * A KeyObject from an Ed25519 public JWK. Only OKP/Ed25519 is accepted, and a JWK carrying the
 * private member `d` is refused (a document must never carry a private key).
 *
 * @throws TesseraError DOC_MALFORMED naming what is wrong with the JWK.
 */
export function publicKeyFromJwk(jwk: unknown): KeyObject {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new TesseraError('DOC_MALFORMED', 'the JWK must be a JSON object');
  }
  const j = jwk as Record<string, unknown>;
  if (j.kty !== 'OKP') throw new TesseraError('DOC_MALFORMED', `the JWK kty must be "OKP", got ${shown(j.kty)}`);
  if (j.crv !== 'Ed25519') {
    throw new TesseraError('DOC_MALFORMED', `the JWK crv must be "Ed25519", got ${shown(j.crv)}`);
  }
  if ('d' in j) throw new TesseraError('DOC_MALFORMED', 'the JWK holds a private key ("d"); a public key is expected');
  if (typeof j.x !== 'string' || !ED25519_X_RE.test(j.x)) {
    throw new TesseraError('DOC_MALFORMED', 'the JWK x must be 43 base64url characters (a 32-byte Ed25519 key)');
  }
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: j.x }, format: 'jwk' });
  } catch (e) {
    throw new TesseraError('DOC_MALFORMED', `cannot read the JWK: ${(e as Error).message}`, { cause: e });
  }
}

const PEM_PUBLIC_BLOCK_RE = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

/**
 * The vendor public keys a License Server trusts, by kid. Documents signed by the vendor
 * (licenses, syncs) are verified only with a key found here under the document's `kid`,
 * never with a key the document names or carries.
 */
export class Keyring {
  readonly #keys = new Map<string, KeyObject>();

  /** A keyring holding `keys` (Ed25519 public keys). */
  static async from(keys: Iterable<KeyObject>): Promise<Keyring> {
    const ring = new Keyring();
    for (const key of keys) await ring.add(key);
    return ring;
  }

  /**
   * A keyring from PEM text holding one or more `BEGIN PUBLIC KEY` blocks (the shipped keyring
   * file is such a bundle; text outside the blocks, e.g. comments, is ignored).
   *
   * @throws TesseraError DOC_MALFORMED when there is no block or a block is not an Ed25519 key.
   */
  static async fromPem(text: string): Promise<Keyring> {
    const blocks = text.match(PEM_PUBLIC_BLOCK_RE) ?? [];
    if (blocks.length === 0) {
      throw new TesseraError('DOC_MALFORMED', 'the keyring holds no "-----BEGIN PUBLIC KEY-----" block');
    }
    return Keyring.from(blocks.map((b) => publicKeyFromPem(b)));
  }

  /**
   * Trusts `key` and returns its kid. Adding a key twice is harmless. A private key is refused:
   * a keyring is what verifiers hold, and they must not hold signing keys.
   */
  async add(key: KeyObject): Promise<string> {
    assertEd25519(key, 'public', 'a keyring key');
    const kid = await thumbprint(key);
    this.#keys.set(kid, key);
    return kid;
  }

  /** The trusted key named `kid`, or undefined when it is not trusted. */
  get(kid: string): KeyObject | undefined {
    return this.#keys.get(kid);
  }

  has(kid: string): boolean {
    return this.#keys.has(kid);
  }

  /** Kids of the trusted keys, in the order they were added. */
  kids(): string[] {
    return [...this.#keys.keys()];
  }

  get size(): number {
    return this.#keys.size;
  }
}
