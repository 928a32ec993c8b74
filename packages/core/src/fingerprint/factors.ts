import { createHash } from 'node:crypto';

/**
 * Hardware factors (docs/security.md). Each is read by the server (I/O lives there) and hashed
 * here with a salt, so that a Server ID file carries no raw hardware data.
 */
export const FACTOR_NAMES = ['machineId', 'macs', 'cpu', 'productUuid', 'rootFsId', 'hostname'] as const;
export type FactorName = (typeof FACTOR_NAMES)[number];

/** Raw values as read from the machine; a factor the machine cannot read is absent. */
export type RawFactors = Partial<Record<FactorName, string>>;
/** Salted SHA-256 of each present factor, base64url. */
export type FactorHashes = Partial<Record<FactorName, string>>;

export function isFactorName(s: string): s is FactorName {
  return (FACTOR_NAMES as readonly string[]).includes(s);
}

/**
 * Hash each present factor as SHA-256(salt ":" name ":" value). The salt is the server id,
 * so hashes of one machine differ between servers and say nothing across them.
 */
export function hashFactors(raw: RawFactors, salt: string): FactorHashes {
  const out: FactorHashes = {};
  for (const name of FACTOR_NAMES) {
    const value = raw[name];
    if (value === undefined || value === '') continue;
    out[name] = createHash('sha256').update(`${salt}:${name}:${value}`).digest('base64url');
  }
  return out;
}
