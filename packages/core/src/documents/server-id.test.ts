import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompactSign } from 'jose';
import { publicKeyToJwk, serverIdOf } from '../keys.js';
import { DOC_TYPES, signDocument } from './jws.js';
import { type ServerIdClaims, signServerId, validateServerIdClaims, verifyServerId } from './server-id.js';
import { flipChar, jwsOf, newKey, newServer, rejectsWith, type TestServer, withJws } from './test-support/fixtures.js';

async function claimsOf(server: TestServer): Promise<ServerIdClaims> {
  return {
    serverId: server.serverId,
    publicKeyJwk: await publicKeyToJwk(server.publicKey),
    factors: server.factors,
    hostName: 'lic01.acme.example',
    productVersion: '0.1.0',
    createdAt: '2026-01-10T08:00:00.000Z',
  };
}

/** Re-encodes a payload under an existing header and signature, as an attacker editing the file would. */
function withPayload(jws: string, payload: unknown): string {
  const [h, , s] = jws.split('.');
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}

describe('server id documents', () => {
  it('a deeply nested or huge JWK member is DOC_INVALID with a short message, not a stack overflow (fuzz finding)', async () => {
    const server = await newServer();
    const claims = await claimsOf(server);
    const text = await signServerId(claims, server.privateKey);
    const [h, , sig] = jwsOf(text).split('.');
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    for (const kty of [deep, JSON.stringify('K'.repeat(100_000))]) {
      const json = JSON.stringify({ ...claims, publicKeyJwk: { ...claims.publicKeyJwk, kty: '@@' } }).replace(
        '"@@"',
        kty,
      );
      const edited = withJws(text, `${h}.${Buffer.from(json).toString('base64url')}.${sig}`);
      await rejectsWith(verifyServerId(edited), 'DOC_INVALID', /^invalid server id document: publicKeyJwk .{0,160}$/);
    }
  });

  it('a deeply nested value where a string belongs is DOC_INVALID, not a stack overflow (fuzz finding)', async () => {
    // The payload is read before the signature check (the key is inside it), so this is any
    // edited file. Describing the bad value in the message once overflowed the stack.
    const server = await newServer();
    const text = await signServerId(await claimsOf(server), server.privateKey);
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const json = JSON.stringify({ ...(await claimsOf(server)), hostName: '@@' }).replace('"@@"', deep);
    const [h, , sig] = jwsOf(text).split('.');
    const edited = withJws(text, `${h}.${Buffer.from(json).toString('base64url')}.${sig}`);
    await rejectsWith(
      verifyServerId(edited),
      'DOC_INVALID',
      /hostName must be a string of .* got a deeply nested array/,
    );
  });

  it('round trip: verify on their own and yield the server key', async () => {
    const server = await newServer();
    const claims = await claimsOf(server);
    const text = await signServerId(claims, server.privateKey);
    assert.match(text, /^# Tessera server id srv_/);
    const v = await verifyServerId(text);
    assert.deepEqual(v.claims, claims);
    assert.equal(v.kid, server.kid);
    assert.equal(await serverIdOf(v.publicKey), server.serverId);
  });

  it('a tampered payload that still reads as valid claims, or a tampered signature, is DOC_BAD_SIGNATURE', async () => {
    const server = await newServer();
    const text = await signServerId(await claimsOf(server), server.privateKey);
    // The key is read from the payload before the signature check, so the edit keeps the claims
    // well-formed: then only the signature can catch it.
    const payload = { ...(await claimsOf(server)), hostName: 'evil.example' };
    await rejectsWith(verifyServerId(withJws(text, withPayload(jwsOf(text), payload))), 'DOC_BAD_SIGNATURE');
    await rejectsWith(verifyServerId(withJws(text, flipChar(jwsOf(text), 2))), 'DOC_BAD_SIGNATURE');
  });

  it('a swapped public key that does not hash to the server id is refused (DOC_INVALID)', async () => {
    const server = await newServer();
    const other = await newKey();
    const text = await signServerId(await claimsOf(server), server.privateKey);
    const swapped = { ...(await claimsOf(server)), publicKeyJwk: await publicKeyToJwk(other.publicKey) };
    await rejectsWith(
      verifyServerId(withJws(text, withPayload(jwsOf(text), swapped))),
      'DOC_INVALID',
      /serverId .* is not the id of publicKeyJwk/,
    );
  });

  it('a swapped key and matching id under the original header and signature is refused (DOC_UNKNOWN_KEY)', async () => {
    const server = await newServer();
    const other = await newKey();
    const text = await signServerId(await claimsOf(server), server.privateKey);
    const swapped = {
      ...(await claimsOf(server)),
      serverId: await serverIdOf(other.publicKey),
      publicKeyJwk: await publicKeyToJwk(other.publicKey),
    };
    await rejectsWith(verifyServerId(withJws(text, withPayload(jwsOf(text), swapped))), 'DOC_UNKNOWN_KEY');
  });

  it('a swapped key with its kid but the original signature is refused (DOC_BAD_SIGNATURE)', async () => {
    const server = await newServer();
    const other = await newKey();
    const text = await signServerId(await claimsOf(server), server.privateKey);
    const swapped = {
      ...(await claimsOf(server)),
      serverId: await serverIdOf(other.publicKey),
      publicKeyJwk: await publicKeyToJwk(other.publicKey),
    };
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: DOC_TYPES.serverId, kid: other.kid })).toString(
      'base64url',
    );
    const forged = withPayload(jwsOf(text), swapped).replace(/^[^.]+/, header);
    await rejectsWith(verifyServerId(withJws(text, forged)), 'DOC_BAD_SIGNATURE');
  });

  it('a document signed by another key than the one it carries is refused (DOC_UNKNOWN_KEY)', async () => {
    const server = await newServer();
    const other = await newKey();
    const text = await signDocument(DOC_TYPES.serverId, await claimsOf(server), other.privateKey);
    await rejectsWith(verifyServerId(text), 'DOC_UNKNOWN_KEY', new RegExp(other.kid));
  });

  it('a kid forged to the carried key, signed by another key, is DOC_BAD_SIGNATURE', async () => {
    const server = await newServer();
    const other = await newKey();
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(await claimsOf(server))))
      .setProtectedHeader({ alg: 'EdDSA', typ: DOC_TYPES.serverId, kid: server.kid })
      .sign(other.privateKey);
    await rejectsWith(verifyServerId(jws), 'DOC_BAD_SIGNATURE');
  });

  it('another document kind is DOC_WRONG_TYPE', async () => {
    const server = await newServer();
    const text = await signDocument(DOC_TYPES.uninstall, await claimsOf(server), server.privateKey);
    await rejectsWith(verifyServerId(text), 'DOC_WRONG_TYPE', /tessera-server-id\+jws/);
  });

  it('a server cannot sign an id or public key that is not its own', async () => {
    const server = await newServer();
    const other = await newServer();
    await rejectsWith(signServerId(await claimsOf(other), server.privateKey), 'DOC_INVALID', /publicKeyJwk/);
    const wrongId = { ...(await claimsOf(server)), serverId: other.serverId };
    await rejectsWith(signServerId(wrongId, server.privateKey), 'DOC_INVALID', /serverId must be srv_/);
  });

  it('claims are checked field by field: a private key member is refused', async () => {
    const server = await newServer();
    const c = await claimsOf(server);
    const withD = { ...c, publicKeyJwk: { ...c.publicKeyJwk, d: server.privateKey.export({ format: 'jwk' }).d } };
    assert.throws(() => validateServerIdClaims(withD), /publicKeyJwk is not an Ed25519 public JWK: .*private key/);
    assert.throws(() => validateServerIdClaims({ ...c, createdAt: 'yesterday' }), /createdAt must be an RFC 3339/);
    assert.throws(
      () => validateServerIdClaims({ ...c, factors: { disk: 'aaaa' } }),
      /factors\.disk is not a known factor/,
    );
    assert.throws(() => validateServerIdClaims({ ...c, productVersion: '' }), /productVersion must be/);
  });
});
