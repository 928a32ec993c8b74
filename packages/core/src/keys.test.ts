import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { throwsWith } from './documents/test-support/fixtures.js';
import { TesseraError } from './errors.js';
import {
  generateSigningKey,
  Keyring,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyFromJwk,
  publicKeyFromPem,
  publicKeyToJwk,
  publicKeyToPem,
  serverIdOf,
  thumbprint,
} from './keys.js';

// RFC 8037 appendix A.1 / A.3: the example Ed25519 public key and its RFC 7638 thumbprint.
const RFC8037_JWK = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' } as const;
const RFC8037_THUMBPRINT = 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k';

describe('keys', () => {
  it('a thumbprint is the RFC 7638 thumbprint of the key (RFC 8037 test vector)', async () => {
    assert.equal(await thumbprint(publicKeyFromJwk(RFC8037_JWK)), RFC8037_THUMBPRINT);
  });

  it('a thumbprint is base64url SHA-256 of the canonical JWK {crv,kty,x}', async () => {
    const { publicKey } = generateSigningKey();
    const { x } = await publicKeyToJwk(publicKey);
    const canonical = JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x });
    assert.equal(await thumbprint(publicKey), createHash('sha256').update(canonical).digest('base64url'));
  });

  it('a private key has the thumbprint of its public half', async () => {
    const { privateKey, publicKey } = generateSigningKey();
    assert.equal(await thumbprint(privateKey), await thumbprint(publicKey));
  });

  it("a server id is 'srv_' + the thumbprint of the server key", async () => {
    const { publicKey } = generateSigningKey();
    assert.equal(await serverIdOf(publicKey), `srv_${await thumbprint(publicKey)}`);
    assert.match(await serverIdOf(publicKey), /^srv_[A-Za-z0-9_-]{43}$/);
  });

  it('keys survive a PEM round trip (PKCS#8 private, SPKI public)', async () => {
    const { privateKey, publicKey } = generateSigningKey();
    const privPem = privateKeyToPem(privateKey);
    const pubPem = publicKeyToPem(publicKey);
    assert.match(privPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(pubPem, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal(await thumbprint(privateKeyFromPem(privPem)), await thumbprint(publicKey));
    assert.equal(await thumbprint(publicKeyFromPem(pubPem)), await thumbprint(publicKey));
    assert.equal(publicKeyToPem(privateKey), pubPem, 'the public PEM of a private key is its public half');
  });

  it('reading a PEM refuses garbage, the wrong half and other algorithms with DOC_MALFORMED', () => {
    const { privateKey, publicKey } = generateSigningKey();
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ecPriv = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const ecPub = ec.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    throwsWith(() => privateKeyFromPem('hello'), 'DOC_MALFORMED', /not a PEM private key/);
    throwsWith(() => privateKeyFromPem(publicKeyToPem(publicKey)), 'DOC_MALFORMED', /not a PEM private key/);
    throwsWith(() => privateKeyFromPem(ecPriv), 'DOC_MALFORMED', /Ed25519.*got ec/);
    throwsWith(
      () => privateKeyFromPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
      'DOC_MALFORMED',
      /cannot read/,
    );
    throwsWith(() => publicKeyFromPem(''), 'DOC_MALFORMED', /not a PEM public key/);
    throwsWith(() => publicKeyFromPem(privateKeyToPem(privateKey)), 'DOC_MALFORMED', /private key/);
    throwsWith(() => publicKeyFromPem(ecPub), 'DOC_MALFORMED', /Ed25519.*got ec/);
  });

  it('keys survive a JWK round trip, and a public JWK never carries d', async () => {
    const { privateKey, publicKey } = generateSigningKey();
    const jwk = await publicKeyToJwk(privateKey);
    assert.deepEqual(Object.keys(jwk).sort(), ['crv', 'kty', 'x']);
    assert.equal(await thumbprint(publicKeyFromJwk(jwk)), await thumbprint(publicKey));
  });

  it('a JWK is refused unless it is an OKP/Ed25519 public key', () => {
    throwsWith(() => publicKeyFromJwk(null), 'DOC_MALFORMED', /JSON object/);
    throwsWith(() => publicKeyFromJwk({ ...RFC8037_JWK, kty: 'EC' }), 'DOC_MALFORMED', /kty must be "OKP"/);
    throwsWith(() => publicKeyFromJwk({ ...RFC8037_JWK, crv: 'Ed448' }), 'DOC_MALFORMED', /crv must be "Ed25519"/);
    throwsWith(() => publicKeyFromJwk({ ...RFC8037_JWK, x: 'short' }), 'DOC_MALFORMED', /x must be 43/);
    throwsWith(
      () => publicKeyFromJwk({ ...RFC8037_JWK, d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A' }),
      'DOC_MALFORMED',
      /private key/,
    );
  });
});

describe('Keyring', () => {
  it('holds public keys by kid', async () => {
    const a = generateSigningKey();
    const b = generateSigningKey();
    const ring = await Keyring.from([a.publicKey, b.publicKey]);
    const kidA = await thumbprint(a.publicKey);
    const kidB = await thumbprint(b.publicKey);
    assert.equal(ring.size, 2);
    assert.deepEqual(ring.kids(), [kidA, kidB]);
    assert.equal(ring.get(kidA), a.publicKey);
    assert.equal(ring.has(kidB), true);
    assert.equal(ring.get('nope'), undefined);
  });

  it('adding the same key twice keeps one entry', async () => {
    const a = generateSigningKey();
    const ring = await Keyring.from([a.publicKey]);
    assert.equal(await ring.add(a.publicKey), await thumbprint(a.publicKey));
    assert.equal(ring.size, 1);
  });

  it('refuses private keys and keys of other algorithms', async () => {
    const ring = new Keyring();
    await assert.rejects(ring.add(generateSigningKey().privateKey), TesseraError);
    await assert.rejects(ring.add(generateKeyPairSync('ed448').publicKey), /Ed25519/);
    assert.equal(ring.size, 0);
  });

  it('reads a PEM bundle of several public keys, ignoring text between blocks', async () => {
    const a = generateSigningKey();
    const b = generateSigningKey();
    const bundle = `# Tessera vendor keys\n${publicKeyToPem(a.publicKey)}\n# rotated 2026\n${publicKeyToPem(b.publicKey)}`;
    const ring = await Keyring.fromPem(bundle);
    assert.deepEqual(ring.kids(), [await thumbprint(a.publicKey), await thumbprint(b.publicKey)]);
    await assert.rejects(Keyring.fromPem('no keys here'), /no "-----BEGIN PUBLIC KEY-----" block/);
  });
});
