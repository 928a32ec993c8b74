import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOC_TYPES, signDocument } from './jws.js';
import { flipChar, jwsOf, newServer, rejectsWith, withJws } from './test-support/fixtures.js';
import { signUninstall, type UninstallClaims, verifyUninstall } from './uninstall.js';

function claimsFor(serverId: string): UninstallClaims {
  return { licenseId: 'lic_acme-0001', revision: 2, serverId, uninstalledAt: '2026-03-01T12:00:00.000Z' };
}

describe('uninstall certificates', () => {
  it('round trip: signed by the server key, verified with its public key', async () => {
    const server = await newServer();
    const text = await signUninstall(claimsFor(server.serverId), server.privateKey);
    assert.match(text, /^# Tessera uninstall certificate: license lic_acme-0001 rev 2\n/);
    const v = await verifyUninstall(text, server.publicKey);
    assert.deepEqual(v.claims, claimsFor(server.serverId));
    assert.equal(v.kid, server.kid);
  });

  it('a tampered payload byte is DOC_BAD_SIGNATURE', async () => {
    const server = await newServer();
    const text = await signUninstall(claimsFor(server.serverId), server.privateKey);
    await rejectsWith(verifyUninstall(withJws(text, flipChar(jwsOf(text), 1)), server.publicKey), 'DOC_BAD_SIGNATURE');
  });

  it('a certificate from another server is DOC_UNKNOWN_KEY', async () => {
    const server = await newServer();
    const other = await newServer();
    const text = await signUninstall(claimsFor(other.serverId), other.privateKey);
    await rejectsWith(verifyUninstall(text, server.publicKey), 'DOC_UNKNOWN_KEY');
  });

  it('a server speaks only for itself: a certificate naming another server id is refused', async () => {
    const server = await newServer();
    const other = await newServer();
    await rejectsWith(signUninstall(claimsFor(other.serverId), server.privateKey), 'DOC_INVALID', /serverId must be/);
    const text = await signDocument(DOC_TYPES.uninstall, claimsFor(other.serverId), server.privateKey);
    await rejectsWith(verifyUninstall(text, server.publicKey), 'DOC_INVALID', /serverId is srv_.*signed by srv_/);
  });

  it('invalid claims are DOC_INVALID naming the field', async () => {
    const server = await newServer();
    const bad = { ...claimsFor(server.serverId), revision: -1 };
    const text = await signDocument(DOC_TYPES.uninstall, bad, server.privateKey);
    await rejectsWith(verifyUninstall(text, server.publicKey), 'DOC_INVALID', /revision must be an integer ≥ 1/);
  });
});
