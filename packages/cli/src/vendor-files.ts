/**
 * The vendor's offline tools as file operations: a signing key pair on disk, and a license
 * file issued from a customer's Server ID file (core's `issueLicense` does the signing).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  generateSigningKey,
  issueLicense,
  type LicenseClaims,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyToPem,
  thumbprint,
} from '@tessera/core';
import { PUBLIC_FILE_MODE, readDocumentFile, readText, SECRET_FILE_MODE, writeNewFile } from './files.js';
import { CliError } from './output.js';

export const VENDOR_KEY_FILE = 'vendor.key';
export const VENDOR_PUB_FILE = 'vendor.pub';

export interface VendorKeyFiles {
  /** Key id (RFC 7638 thumbprint): the `kid` of what the key signs. */
  kid: string;
  privateKey: string;
  publicKey: string;
}

/**
 * Makes `DIR/vendor.key` (PKCS#8 PEM, 0600) and `DIR/vendor.pub` (SPKI PEM, 0644). Refuses
 * when either exists: replacing a vendor key orphans every license it signed.
 */
export async function makeVendorKeyFiles(dir: string): Promise<VendorKeyFiles> {
  const abs = resolve(dir);
  const privatePath = join(abs, VENDOR_KEY_FILE);
  const publicPath = join(abs, VENDOR_PUB_FILE);
  for (const p of [privatePath, publicPath]) {
    if (existsSync(p)) throw new CliError(`${p} exists; refusing to overwrite a vendor key`);
  }
  try {
    mkdirSync(abs, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new CliError(`cannot create ${abs}: ${(err as Error).message}`);
  }
  const { privateKey, publicKey } = generateSigningKey();
  writeNewFile(privatePath, privateKeyToPem(privateKey), SECRET_FILE_MODE, 'vendor key');
  writeNewFile(publicPath, publicKeyToPem(publicKey), PUBLIC_FILE_MODE, 'vendor public key');
  return { kid: await thumbprint(publicKey), privateKey: privatePath, publicKey: publicPath };
}

export interface IssueFileInput {
  signingKeyFile: string;
  serverIdFile: string;
  features: { name: string; count: number }[];
  customer: string;
  maintenanceUntil?: string | undefined;
  expires?: string | undefined;
  licenseId?: string | undefined;
  revision?: number | undefined;
  out: string;
  overwrite?: boolean;
  nowMs?: number;
}

/** Signs a perpetual license for the server of a Server ID file and writes it to `out`. */
export async function issueLicenseFile(i: IssueFileInput): Promise<LicenseClaims> {
  if (!i.overwrite && existsSync(i.out)) {
    throw new CliError(
      `${i.out} exists; refusing to overwrite it (remove it first, pick another --out, or give --force)`,
    );
  }
  const vendorKey = privateKeyFromPem(readText(i.signingKeyFile, 'signing key'));
  const serverIdText = readDocumentFile(i.serverIdFile, 'Server ID file');
  const { claims, file } = await issueLicense({
    serverIdFile: serverIdText,
    vendorKey,
    customer: i.customer,
    features: i.features,
    maintenanceUntil: i.maintenanceUntil ?? null,
    expires: i.expires ?? null,
    ...(i.licenseId !== undefined && { licenseId: i.licenseId }),
    ...(i.revision !== undefined && { revision: i.revision }),
    nowMs: i.nowMs ?? Date.now(),
  });
  writeNewFile(i.out, file, PUBLIC_FILE_MODE, 'license file', { overwrite: !!i.overwrite, forceFlag: '--force' });
  return claims;
}
