/**
 * The vendor signing key of a Cloud node (docs/security.md): `DIR/vendor.key` (0600) and the
 * published `DIR/vendor.pub`. Made at first start, or imported with `--signing-key FILE` (a
 * key from `tessera vendor keygen`, or another node's, so every node signs alike).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateSigningKey,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyToPem,
  TesseraError,
  thumbprint,
} from '@tessera/core';
import { readTextFile, writeFileAtomic } from '@tessera/service-kit';
import type { VendorSigner } from '../domain/deployment-service.js';
import { CLOUD_FILES } from './data-dir.js';

export interface LoadedSigningKey extends VendorSigner {
  publicKeyPem: string;
  /** How the key came to be: made now, imported now, or found in the data dir. */
  origin: 'generated' | 'imported' | 'existing';
  /**
   * Writes `vendor.key` (when made or imported now) and `vendor.pub`. Called once the
   * database has accepted the key, so a refused start leaves the data dir as it was.
   */
  persist(): void;
}

export async function loadSigningKey(dataDir: string, importFile?: string): Promise<LoadedSigningKey> {
  const keyPath = join(dataDir, CLOUD_FILES.vendorKey);
  const existingPem = readTextFile(keyPath);
  let origin: LoadedSigningKey['origin'];
  let privatePem: string;
  if (importFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(importFile, 'utf8');
    } catch (err) {
      throw new TesseraError('BAD_REQUEST', `cannot read --signing-key ${importFile}: ${(err as Error).message}`);
    }
    const imported = privateKeyFromPem(text);
    const importedKid = await thumbprint(imported);
    if (existingPem !== undefined) {
      const existingKid = await thumbprint(privateKeyFromPem(existingPem));
      if (existingKid !== importedKid) {
        throw new TesseraError(
          'CONFLICT',
          `${keyPath} holds vendor key ${existingKid}, not the key of --signing-key (${importedKid}); ` +
            'a node keeps the key it was made with',
        );
      }
      origin = 'existing';
    } else {
      origin = 'imported';
    }
    privatePem = privateKeyToPem(imported);
  } else if (existingPem !== undefined) {
    privatePem = existingPem;
    origin = 'existing';
  } else {
    privatePem = privateKeyToPem(generateSigningKey().privateKey);
    origin = 'generated';
  }
  const privateKey = privateKeyFromPem(privatePem);
  const publicKeyPem = publicKeyToPem(privateKey);
  return {
    privateKey,
    kid: await thumbprint(privateKey),
    publicKeyPem,
    origin,
    persist() {
      if (origin !== 'existing') {
        writeFileAtomic(keyPath, privatePem.endsWith('\n') ? privatePem : `${privatePem}\n`, 0o600);
      }
      writeFileAtomic(join(dataDir, CLOUD_FILES.vendorPub), publicKeyPem, 0o644);
    },
  };
}
