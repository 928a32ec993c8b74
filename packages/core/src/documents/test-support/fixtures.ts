/**
 * Shared fixtures of the document tests: keys, a server identity and sample claims. Excluded
 * from the build (tsconfig excludes test-support), imported by tests only.
 */
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { type ErrorCode, TesseraError } from '../../errors.js';
import { type FactorHashes, hashFactors, type RawFactors } from '../../fingerprint/factors.js';
import { generateSigningKey, serverIdOf, thumbprint } from '../../keys.js';
import type { LicenseClaims } from '../../license.js';

export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
}

export async function newKey(): Promise<TestKey> {
  const k = generateSigningKey();
  return { ...k, kid: await thumbprint(k.publicKey) };
}

export const RAW_FACTORS: RawFactors = {
  machineId: '4c4c4544-0042-3510-8052-b4c04f4e3232',
  macs: '00:1a:2b:3c:4d:5e,00:1a:2b:3c:4d:5f',
  cpu: 'Intel(R) Xeon(R) Gold 6230 x 40',
  productUuid: '4c4c4544-0042-3510-8052-b4c04f4e3232',
  rootFsId: '5f1c0a3e-6a55-4b1f-9f44-1b6c4c2a9d01',
  hostname: 'lic01.acme.example',
};

export interface TestServer extends TestKey {
  serverId: string;
  factors: FactorHashes;
}

export async function newServer(raw: RawFactors = RAW_FACTORS): Promise<TestServer> {
  const k = await newKey();
  const serverId = await serverIdOf(k.publicKey);
  return { ...k, serverId, factors: hashFactors(raw, serverId) };
}

export function sampleLicense(server: { serverId: string; factors: FactorHashes }): LicenseClaims {
  return {
    licenseId: 'lic_acme-0001',
    revision: 2,
    customer: 'ACME Speech Ltd',
    binding: { serverId: server.serverId, factors: { ...server.factors } },
    features: [
      { name: 'asr.en', count: 10, expires: null, maintenanceUntil: '2027-06-30' },
      { name: 'tts.en', count: 2, expires: '2026-12-31', maintenanceUntil: null },
    ],
    issuedAt: '2026-01-15T09:30:00.000Z',
  };
}

/** Asserts that `p` rejects with a TesseraError of `code` whose message matches `message`. */
export async function rejectsWith(p: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof TesseraError, `expected a TesseraError, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** Asserts that `fn` throws a TesseraError of `code` whose message matches `message`. */
export function throwsWith(fn: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TesseraError, `expected a TesseraError, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** The JWS line of a document file. */
export function jwsOf(fileText: string): string {
  const line = fileText.split('\n').find((l) => l !== '' && !l.startsWith('#'));
  assert.ok(line, 'file has a JWS line');
  return line;
}

/** Replaces the JWS line of a file, keeping its comments. */
export function withJws(fileText: string, jws: string): string {
  return fileText.replace(jwsOf(fileText), jws);
}

/** Changes one character in the middle of JWS part `part` (0 header, 1 payload, 2 signature). */
export function flipChar(jws: string, part: 0 | 1 | 2): string {
  const parts = jws.split('.');
  const s = parts[part]!;
  const i = Math.floor(s.length / 2);
  parts[part] = s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  return parts.join('.');
}
