import { type IdPrefix, newId } from '@tessera/core';

/** Prefixes of the ids the Cloud makes; a reader knows what an id names by its prefix. */
export type CloudIdPrefix =
  | 'cus'
  | 'ent'
  | 'acct'
  | 'ret'
  | 'usr'
  | 'tok'
  | 'aud'
  | 'lic'
  | 'lease'
  | 'node'
  | 'enr'
  | 'flag';

/**
 * A prefixed, time-sortable id with 128 random bits (core's `newId`, with the Cloud's
 * prefixes; core's `IdPrefix` lists only the ones it makes itself).
 */
export function cloudId(prefix: CloudIdPrefix, nowMs: number = Date.now()): string {
  return newId(prefix as IdPrefix, nowMs);
}
