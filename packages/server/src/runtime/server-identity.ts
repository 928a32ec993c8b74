import type { KeyObject } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKey, privateKeyFromPem, privateKeyToPem, serverIdOf } from '@tessera/core';
import { writeFileAtomic } from '@tessera/service-kit';
import type { ServerIdentity } from '../domain/server-identity.js';

export const SERVER_KEY_FILE = 'server.key';

/**
 * The server's Ed25519 key: made at first start in `DIR/server.key` (0600); the server id is
 * `srv_` + its thumbprint. Losing this file is losing the server's identity, so it is written
 * atomically and never replaced once it exists.
 */
export async function loadOrCreateIdentity(dataDir: string): Promise<ServerIdentity> {
  const path = join(dataDir, SERVER_KEY_FILE);
  let privateKey: KeyObject;
  if (existsSync(path)) {
    privateKey = privateKeyFromPem(readFileSync(path, 'utf8'));
    chmodSync(path, 0o600);
  } else {
    privateKey = generateSigningKey().privateKey;
    writeFileAtomic(path, privateKeyToPem(privateKey), 0o600, { exclusive: true });
  }
  const { createPublicKey } = await import('node:crypto');
  const publicKey = createPublicKey(privateKey);
  return { serverId: await serverIdOf(publicKey), privateKey, publicKey };
}
