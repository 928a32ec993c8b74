import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyLicense } from '../documents/license.js';
import { signServerId } from '../documents/server-id.js';
import {
  flipChar,
  jwsOf,
  newKey,
  newServer,
  rejectsWith,
  throwsWith,
  withJws,
} from '../documents/test-support/fixtures.js';
import { Keyring, publicKeyToJwk } from '../keys.js';
import { issueLicense, parseFeatureSpec } from './issue.js';

async function serverIdFile(raw?: Parameters<typeof newServer>[0]) {
  const s = await newServer(raw);
  const file = await signServerId(
    {
      serverId: s.serverId,
      publicKeyJwk: await publicKeyToJwk(s.publicKey),
      factors: s.factors,
      hostName: 'host-a',
      productVersion: '0.1.0',
      createdAt: '2026-01-01T00:00:00.000Z',
    },
    s.privateKey,
  );
  return { s, file };
}

test('an issued license is bound to the server of the Server ID file and verifies with the vendor key', async () => {
  const vendor = await newKey();
  const { s, file } = await serverIdFile();
  const { file: lic } = await issueLicense({
    serverIdFile: file,
    vendorKey: vendor.privateKey,
    customer: 'ACME',
    features: [{ name: 'asr', count: 3 }],
    maintenanceUntil: '2027-01-01',
    nowMs: Date.UTC(2026, 0, 2),
  });
  const { claims } = await verifyLicense(lic, await Keyring.from([vendor.publicKey]));
  assert.equal(claims.binding.serverId, s.serverId);
  assert.deepEqual(claims.binding.factors, s.factors);
  assert.equal(claims.features[0]?.maintenanceUntil, '2027-01-01');
  assert.match(claims.licenseId, /^lic_/);
});

test('a forged Server ID file is refused before anything is signed', async () => {
  const vendor = await newKey();
  const { file } = await serverIdFile();
  const forged = withJws(file, flipChar(jwsOf(file), 2));
  await rejectsWith(
    issueLicense({
      serverIdFile: forged,
      vendorKey: vendor.privateKey,
      customer: 'x',
      features: [{ name: 'a', count: 1 }],
      nowMs: 0,
    }),
    'DOC_BAD_SIGNATURE',
  );
});

test('feature specs are NAME=COUNT with a positive count', () => {
  assert.deepEqual(parseFeatureSpec('asr=10'), { name: 'asr', count: 10 });
  throwsWith(() => parseFeatureSpec('asr=0'), 'BAD_REQUEST');
  throwsWith(() => parseFeatureSpec('asr'), 'BAD_REQUEST');
  throwsWith(() => parseFeatureSpec('a b=1'), 'BAD_REQUEST');
});

test('a Server ID file naming no hardware factor gets no license: NO_HARDWARE_FACTORS, nothing signed', async () => {
  const vendor = await newKey();
  const { s, file } = await serverIdFile({});
  assert.deepEqual(s.factors, {});
  await rejectsWith(
    issueLicense({
      serverIdFile: file,
      vendorKey: vendor.privateKey,
      customer: 'ACME',
      features: [{ name: 'asr', count: 1 }],
      nowMs: Date.UTC(2026, 0, 2),
    }),
    'NO_HARDWARE_FACTORS',
    new RegExp(`${s.serverId} names no hardware factor`),
  );
});
