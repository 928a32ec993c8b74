import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CompactSign } from 'jose';
import { TesseraError } from '../errors.js';
import { Keyring, publicKeyToPem } from '../keys.js';
import { DOC_TYPES, decodeDocumentUnverified, signDocument, verifyDocument } from './jws.js';
import { flipChar, jwsOf, newKey, rejectsWith, withJws } from './test-support/fixtures.js';

const claims = { hello: 'world', n: 1 };
const asIs = (p: unknown) => p;

/** Signs a JWS with jose directly, to build documents our signer would never produce. */
async function rawSign(header: Record<string, unknown>, payload: unknown, key: import('node:crypto').KeyObject) {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', ...header })
    .sign(key);
}

describe('signed documents', () => {
  it('round trip: what is signed is what verifies, with a keyring or a single key', async () => {
    const k = await newKey();
    const text = await signDocument(DOC_TYPES.sync, claims, k.privateKey, { summary: ['a sync'] });
    assert.match(text, /^# a sync\n[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}\n$/);
    const byRing = await verifyDocument(text, DOC_TYPES.sync, await Keyring.from([k.publicKey]), asIs);
    assert.deepEqual(byRing, { claims, kid: k.kid, jws: jwsOf(text) });
    const byKey = await verifyDocument(text, DOC_TYPES.sync, k.publicKey, asIs);
    assert.deepEqual(byKey.claims, claims);
  });

  it('carry exactly alg EdDSA, typ and kid (the signing key thumbprint) in the header, and no JWT claims', async () => {
    const k = await newKey();
    const text = await signDocument(DOC_TYPES.report, claims, k.privateKey);
    const { header, payload } = decodeDocumentUnverified(text);
    assert.deepEqual(header, { alg: 'EdDSA', typ: 'tessera-report+jws', kid: k.kid });
    assert.deepEqual(payload, claims);
  });

  it('a tampered payload byte is DOC_BAD_SIGNATURE', async () => {
    const k = await newKey();
    const text = await signDocument(DOC_TYPES.sync, claims, k.privateKey);
    const tampered = withJws(text, flipChar(jwsOf(text), 1));
    await rejectsWith(
      verifyDocument(tampered, DOC_TYPES.sync, k.publicKey, asIs),
      'DOC_BAD_SIGNATURE',
      /does not verify/,
    );
  });

  it('a tampered signature byte is DOC_BAD_SIGNATURE', async () => {
    const k = await newKey();
    const text = await signDocument(DOC_TYPES.sync, claims, k.privateKey);
    const tampered = withJws(text, flipChar(jwsOf(text), 2));
    await rejectsWith(verifyDocument(tampered, DOC_TYPES.sync, k.publicKey, asIs), 'DOC_BAD_SIGNATURE');
  });

  it('a signature spelled with other unused trailing bits is DOC_MALFORMED: one document has one JWS (fuzz finding)', async () => {
    // 64 bytes are 86 base64url characters whose last one carries 4 unused bits: 'A'..'P' all
    // decode to the same bytes. Accepting them made one signed document many JWS strings.
    const k = await newKey();
    const text = await signDocument(DOC_TYPES.sync, claims, k.privateKey);
    const jws = jwsOf(text);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(jws.at(-1)!);
    assert.equal(last & 15, 0, 'a signer writes the unused bits as zeros');
    const respelled = `${jws.slice(0, -1)}${alphabet[last | 1]}`;
    assert.deepEqual(Buffer.from(respelled.split('.')[2]!, 'base64url'), Buffer.from(jws.split('.')[2]!, 'base64url'));
    await rejectsWith(
      verifyDocument(withJws(text, respelled), DOC_TYPES.sync, k.publicKey, asIs),
      'DOC_MALFORMED',
      /signature is not in canonical base64url/,
    );
  });

  it('header values nested deep or made huge are DOC_MALFORMED with a short message (fuzz finding)', async () => {
    const k = await newKey();
    const text = await signDocument(DOC_TYPES.sync, claims, k.privateKey);
    const [, payload, sig] = jwsOf(text).split('.');
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const headers = [
      `{"alg":${deep},"typ":"${DOC_TYPES.sync}","kid":"${k.kid}"}`,
      `{"alg":"EdDSA","typ":${deep},"kid":"${k.kid}"}`,
      `{"alg":"EdDSA","typ":"${DOC_TYPES.sync}","kid":${deep}}`,
      `{"alg":"${'A'.repeat(100_000)}","typ":"${DOC_TYPES.sync}","kid":"${k.kid}"}`,
      `{"alg":"EdDSA","typ":"${'T'.repeat(100_000)}","kid":"${k.kid}"}`,
      `{"alg":"EdDSA","typ":"${DOC_TYPES.sync}","kid":"${'K'.repeat(100_000)}"}`,
      `{"alg":"EdDSA","typ":"${DOC_TYPES.sync}","kid":"${k.kid}","${'X'.repeat(100_000)}":1}`,
    ];
    for (const header of headers) {
      const jws = `${Buffer.from(header).toString('base64url')}.${payload}.${sig}`;
      await assert.rejects(
        verifyDocument(jws, DOC_TYPES.sync, await Keyring.from([k.publicKey]), asIs),
        (e: unknown) => {
          assert.ok(e instanceof TesseraError, `expected a TesseraError, got ${String(e)}`);
          assert.ok(['DOC_MALFORMED', 'DOC_WRONG_TYPE'].includes(e.code), e.code);
          assert.ok(e.message.length < 300, `message of ${e.message.length} characters`);
          assert.ok(JSON.stringify(e.details ?? {}).length < 300, 'details are short too');
          return true;
        },
      );
    }
  });

  it('a truncated file is DOC_MALFORMED, wherever it was cut', async () => {
    const k = await newKey();
    const text = await signDocument(DOC_TYPES.sync, claims, k.privateKey, { summary: ['x'] });
    const jwsStart = text.indexOf('\n') + 1;
    const jwsLength = jwsOf(text).length;
    for (const keep of [1, 3, 5, 9, 20, 40]) {
      const cut = text.slice(0, jwsStart + jwsLength - keep);
      await rejectsWith(verifyDocument(cut, DOC_TYPES.sync, k.publicKey, asIs), 'DOC_MALFORMED');
    }
    await rejectsWith(verifyDocument(text.slice(0, jwsStart + 10), DOC_TYPES.sync, k.publicKey, asIs), 'DOC_MALFORMED');
    await rejectsWith(verifyDocument(text.slice(0, jwsStart - 1), DOC_TYPES.sync, k.publicKey, asIs), 'DOC_MALFORMED');
  });

  it('a document of another typ is DOC_WRONG_TYPE, naming both types', async () => {
    const k = await newKey();
    const text = await signDocument(DOC_TYPES.uninstall, claims, k.privateKey);
    await rejectsWith(
      verifyDocument(text, DOC_TYPES.license, k.publicKey, asIs),
      'DOC_WRONG_TYPE',
      /tessera-uninstall\+jws.*tessera-license\+jws/,
    );
  });

  it('a document signed by a key not in the keyring is DOC_UNKNOWN_KEY, naming the kid', async () => {
    const vendor = await newKey();
    const foreign = await newKey();
    const text = await signDocument(DOC_TYPES.license, claims, foreign.privateKey);
    const ring = await Keyring.from([vendor.publicKey]);
    await rejectsWith(verifyDocument(text, DOC_TYPES.license, ring, asIs), 'DOC_UNKNOWN_KEY', new RegExp(foreign.kid));
  });

  it('a document signed by another key than the one expected is DOC_UNKNOWN_KEY', async () => {
    const server = await newKey();
    const other = await newKey();
    const text = await signDocument(DOC_TYPES.uninstall, claims, other.privateKey);
    await rejectsWith(
      verifyDocument(text, DOC_TYPES.uninstall, server.publicKey, asIs),
      'DOC_UNKNOWN_KEY',
      new RegExp(server.kid),
    );
  });

  it('a kid forged to name a trusted key, signed by another key, is DOC_BAD_SIGNATURE', async () => {
    const vendor = await newKey();
    const attacker = await newKey();
    const jws = await rawSign({ typ: DOC_TYPES.license, kid: vendor.kid }, claims, attacker.privateKey);
    const ring = await Keyring.from([vendor.publicKey]);
    await rejectsWith(verifyDocument(`${jws}\n`, DOC_TYPES.license, ring, asIs), 'DOC_BAD_SIGNATURE');
    await rejectsWith(verifyDocument(`${jws}\n`, DOC_TYPES.license, vendor.publicKey, asIs), 'DOC_BAD_SIGNATURE');
  });

  it('a key embedded in the header is never used: extra header members are DOC_MALFORMED', async () => {
    const attacker = await newKey();
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    const jws = await rawSign({ typ: DOC_TYPES.license, kid: attacker.kid, jwk }, claims, attacker.privateKey);
    const vendor = await newKey();
    await rejectsWith(
      verifyDocument(`${jws}\n`, DOC_TYPES.license, await Keyring.from([vendor.publicKey]), asIs),
      'DOC_MALFORMED',
      /members Tessera does not use: jwk/,
    );
  });

  it('a header without a kid, or with another alg, is DOC_MALFORMED', async () => {
    const k = await newKey();
    const noKid = await rawSign({ typ: DOC_TYPES.sync }, claims, k.privateKey);
    await rejectsWith(verifyDocument(noKid, DOC_TYPES.sync, k.publicKey, asIs), 'DOC_MALFORMED', /kid/);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: DOC_TYPES.sync, kid: k.kid })).toString('base64url');
    const [, payload, sig] = noKid.split('.');
    await rejectsWith(
      verifyDocument(`${header}.${payload}.${sig}`, DOC_TYPES.sync, k.publicKey, asIs),
      'DOC_MALFORMED',
      /alg must be EdDSA/,
    );
  });

  it('a signed payload that is not JSON is DOC_MALFORMED, checked only after the signature', async () => {
    const k = await newKey();
    const jws = await new CompactSign(new TextEncoder().encode('not json'))
      .setProtectedHeader({ alg: 'EdDSA', typ: DOC_TYPES.sync, kid: k.kid })
      .sign(k.privateKey);
    await rejectsWith(verifyDocument(jws, DOC_TYPES.sync, k.publicKey, asIs), 'DOC_MALFORMED', /payload is not JSON/);
  });

  it('claims the validator refuses are refused after the signature verifies', async () => {
    const k = await newKey();
    const text = await signDocument(DOC_TYPES.sync, claims, k.privateKey);
    const failing = () => {
      throw new Error('validator ran');
    };
    await assert.rejects(verifyDocument(text, DOC_TYPES.sync, k.publicKey, failing), /validator ran/);
    const tampered = withJws(text, flipChar(jwsOf(text), 1));
    await rejectsWith(verifyDocument(tampered, DOC_TYPES.sync, k.publicKey, failing), 'DOC_BAD_SIGNATURE');
  });

  it('comments are ignored and never trusted: altering them changes nothing, altering the JWS does', async () => {
    const k = await newKey();
    const text = await signDocument(DOC_TYPES.sync, claims, k.privateKey, { summary: ['1 seat for ACME'] });
    const edited = text.replace('# 1 seat for ACME', '# 1000 seats for EVIL CORP\n# and more');
    const a = await verifyDocument(text, DOC_TYPES.sync, k.publicKey, asIs);
    const b = await verifyDocument(edited, DOC_TYPES.sync, k.publicKey, asIs);
    assert.deepEqual(b, a);
    assert.ok(!('comments' in b), 'verified results carry no comments');
    await rejectsWith(
      verifyDocument(withJws(edited, flipChar(jwsOf(edited), 1)), DOC_TYPES.sync, k.publicKey, asIs),
      'DOC_BAD_SIGNATURE',
    );
  });

  it('decodeDocumentUnverified shows header, payload and comments without checking anything', async () => {
    const k = await newKey();
    const text = await signDocument(DOC_TYPES.sync, claims, k.privateKey, { summary: ['s'] });
    const tampered = withJws(text, flipChar(jwsOf(text), 2));
    const shown = decodeDocumentUnverified(tampered);
    assert.deepEqual(shown.payload, claims);
    assert.deepEqual(shown.comments, ['s']);
  });
});

function opensslVersion(): string | null {
  try {
    return execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

describe('interoperability', { skip: opensslVersion() === null && 'openssl is not installed' }, () => {
  it('openssl pkeyutl -verify -rawin verifies a document with the signer PEM key; a flipped byte fails', async () => {
    const k = await newKey();
    const text = await signDocument(DOC_TYPES.license, { licenseId: 'lic_1' }, k.privateKey, { summary: ['x'] });
    const [header, payload, signature] = jwsOf(text).split('.') as [string, string, string];
    const dir = mkdtempSync(join(tmpdir(), 'tessera-openssl-'));
    try {
      writeFileSync(join(dir, 'pub.pem'), publicKeyToPem(k.publicKey));
      writeFileSync(join(dir, 'input.txt'), `${header}.${payload}`, 'ascii');
      writeFileSync(join(dir, 'sig.bin'), Buffer.from(signature, 'base64url'));
      const verify = () =>
        execFileSync(
          'openssl',
          ['pkeyutl', '-verify', '-rawin', '-pubin', '-inkey', 'pub.pem', '-sigfile', 'sig.bin', '-in', 'input.txt'],
          { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
        );
      assert.match(verify(), /Signature Verified Successfully/);

      const flipped = Buffer.from(`${header}.${payload}`, 'ascii');
      const last = flipped.length - 1;
      flipped.writeUInt8(flipped.readUInt8(last) ^ 0x01, last);
      writeFileSync(join(dir, 'input.txt'), flipped);
      assert.throws(verify, (e: { stdout?: string }) => {
        assert.match(String(e.stdout), /Signature Verification Failure/);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
