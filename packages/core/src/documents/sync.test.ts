import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Keyring } from '../keys.js';
import { DOC_TYPES, signDocument } from './jws.js';
import { type SyncClaims, signSync, verifySync } from './sync.js';
import { flipChar, jwsOf, newKey, newServer, rejectsWith, withJws } from './test-support/fixtures.js';

function claimsFor(serverId: string): SyncClaims {
  return {
    serverId,
    syncCounter: 3,
    reportSequence: 7,
    acknowledgedThrough: '2026-03-02T09:00:00Z',
    licenses: [
      {
        licenseId: 'flex_srv-1_ent-1',
        revision: 2,
        customer: 'ACME Speech Ltd',
        features: [{ name: 'asr.en', count: 5, expires: null, maintenanceUntil: '2027-06-30' }],
      },
    ],
    issuedAt: '2026-03-02T10:15:00.000Z',
    validUntil: '2026-03-09T10:15:00.000Z',
    nextSyncSeconds: 86400,
  };
}

describe('syncs', () => {
  it('round trip: signed by the vendor, verified with the keyring', async () => {
    const vendor = await newKey();
    const server = await newServer();
    const text = await signSync(claimsFor(server.serverId), vendor.privateKey);
    assert.match(text, /^# Tessera sync 3 for srv_/);
    const v = await verifySync(text, await Keyring.from([vendor.publicKey]));
    assert.deepEqual(v.claims, claimsFor(server.serverId));
    assert.equal(v.kid, vendor.kid);
  });

  it('a sync with no licenses and nothing acknowledged is valid', async () => {
    const vendor = await newKey();
    const server = await newServer();
    const c = { ...claimsFor(server.serverId), licenses: [], acknowledgedThrough: null };
    const v = await verifySync(await signSync(c, vendor.privateKey), await Keyring.from([vendor.publicKey]));
    assert.deepEqual(v.claims, c);
  });

  it('tampered, foreign-key and wrong-type syncs are refused', async () => {
    const vendor = await newKey();
    const other = await newKey();
    const server = await newServer();
    const ring = await Keyring.from([vendor.publicKey]);
    const text = await signSync(claimsFor(server.serverId), vendor.privateKey);
    await rejectsWith(verifySync(withJws(text, flipChar(jwsOf(text), 1)), ring), 'DOC_BAD_SIGNATURE');
    await rejectsWith(
      verifySync(await signSync(claimsFor(server.serverId), other.privateKey), ring),
      'DOC_UNKNOWN_KEY',
    );
    // A server key is not a vendor key: a server cannot sign its own Sync.
    await rejectsWith(
      verifySync(await signSync(claimsFor(server.serverId), server.privateKey), ring),
      'DOC_UNKNOWN_KEY',
    );
    const wrong = await signDocument(DOC_TYPES.license, claimsFor(server.serverId), vendor.privateKey);
    await rejectsWith(verifySync(wrong, ring), 'DOC_WRONG_TYPE');
  });

  it('invalid claims are DOC_INVALID naming the field', async () => {
    const vendor = await newKey();
    const server = await newServer();
    const base = claimsFor(server.serverId);
    const cases: [unknown, RegExp][] = [
      [{ ...base, syncCounter: 0 }, /syncCounter must be an integer ≥ 1/],
      [{ ...base, validUntil: base.issuedAt }, /validUntil must be after issuedAt/],
      [{ ...base, acknowledgedThrough: '2026-03-02T09:30:00Z' }, /acknowledgedThrough must be null or an hour mark/],
      [
        { ...base, licenses: [{ ...base.licenses[0], features: [] }] },
        /licenses\[0\]\.features must be a non-empty array/,
      ],
      [{ ...base, licenses: [base.licenses[0], base.licenses[0]] }, /licenses\[1\]\.licenseId repeats/],
      [{ ...base, extra: 1 }, /extra is not a known field/],
    ];
    const ring = await Keyring.from([vendor.publicKey]);
    for (const [c, message] of cases) {
      const text = await signDocument(DOC_TYPES.sync, c, vendor.privateKey);
      await rejectsWith(verifySync(text, ring), 'DOC_INVALID', message);
    }
  });
});
