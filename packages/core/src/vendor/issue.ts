import type { KeyObject } from 'node:crypto';
import { isIsoDate } from '../dates.js';
import { signLicense } from '../documents/license.js';
import { verifyServerId } from '../documents/server-id.js';
import { TesseraError } from '../errors.js';
import type { FactorHashes } from '../fingerprint/factors.js';
import { newId } from '../ids.js';
import type { LicenseClaims, LicenseFeature } from '../license.js';

/** `NAME=COUNT` as the CLI and the Cloud take it. */
export function parseFeatureSpec(spec: string): { name: string; count: number } {
  const m = /^([A-Za-z0-9._-]{1,64})=(\d{1,7})$/.exec(spec.trim());
  const count = m ? Number(m[2]) : 0;
  if (!m || count < 1) {
    throw new TesseraError('BAD_REQUEST', `a feature is NAME=COUNT with COUNT ≥ 1 (e.g. asr=10), got "${spec}"`);
  }
  return { name: m[1] as string, count };
}

export interface IssueLicenseInput {
  /** The customer's `info.bts`, verified here: a license is only ever bound to a real server key. */
  serverIdFile: string;
  vendorKey: KeyObject;
  customer: string;
  features: { name: string; count: number }[];
  maintenanceUntil?: string | null;
  expires?: string | null;
  licenseId?: string;
  revision?: number;
  nowMs: number;
}

/**
 * Refuses to bind a license to a server that names no hardware factor: the match rule compares
 * only the factors a binding names, so such a license would fit any machine holding the key.
 *
 * @throws TesseraError NO_HARDWARE_FACTORS naming the server.
 */
export function assertHardwareFactors(serverId: string, factors: FactorHashes): void {
  if (Object.keys(factors).length > 0) return;
  throw new TesseraError(
    'NO_HARDWARE_FACTORS',
    `server ${serverId} names no hardware factor (its Server ID file was made where none could be read); ` +
      'a license bound to it would fit any machine holding its key, so none is issued',
  );
}

/**
 * Signs a perpetual license bound to the server of a Server ID file: the offline signer of
 * `tessera vendor issue` (FlexNet's lmcrypt plays this part), and what the Cloud's deployments use.
 */
export async function issueLicense(input: IssueLicenseInput): Promise<{ claims: LicenseClaims; file: string }> {
  const server = await verifyServerId(input.serverIdFile);
  assertHardwareFactors(server.claims.serverId, server.claims.factors);
  for (const [what, d] of [
    ['maintenance date', input.maintenanceUntil],
    ['expiry date', input.expires],
  ] as const) {
    if (d != null && !isIsoDate(d)) throw new TesseraError('BAD_REQUEST', `the ${what} must be YYYY-MM-DD, got "${d}"`);
  }
  if (input.features.length === 0) throw new TesseraError('BAD_REQUEST', 'a license needs at least one feature');
  const names = new Set<string>();
  const features: LicenseFeature[] = input.features.map((f) => {
    if (names.has(f.name)) throw new TesseraError('BAD_REQUEST', `feature ${f.name} is given twice`);
    names.add(f.name);
    return {
      name: f.name,
      count: f.count,
      expires: input.expires ?? null,
      maintenanceUntil: input.maintenanceUntil ?? null,
    };
  });
  const claims: LicenseClaims = {
    licenseId: input.licenseId ?? newId('lic', input.nowMs),
    revision: input.revision ?? 1,
    customer: input.customer,
    binding: { serverId: server.claims.serverId, factors: server.claims.factors },
    features,
    issuedAt: new Date(input.nowMs).toISOString(),
  };
  return { claims, file: await signLicense(claims, input.vendorKey) };
}
