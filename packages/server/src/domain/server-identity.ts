import type { KeyObject } from 'node:crypto';
import { type FactorHashes, hashFactors, type RawFactors } from '@tessera/core';

/** The server's Ed25519 key pair and the id derived from it (docs/security.md). */
export interface ServerIdentity {
  serverId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Factor hashes of this machine for this server (salted with the server id). */
export function fingerprintOf(serverId: string, raw: RawFactors): FactorHashes {
  return hashFactors(raw, serverId);
}
