/**
 * Who is asking, as the domain sees it: vendor staff (every customer) or a customer's user
 * (only that customer). Services take an Actor and decide what it may see from it alone;
 * the customer id of a customer actor comes from its user record, never from the request.
 */
import { TesseraError } from '@tessera/core';

export interface Actor {
  /** For the audit log: `user:NAME`, `token:NAME` or `system`. */
  id: string;
  role: 'vendor' | 'customer';
  /** The customer a customer actor belongs to; null for vendor staff. */
  customerId: string | null;
  /** The user behind the actor (null for `system`). */
  userId: string | null;
  username: string | null;
}

/** The Cloud itself (start-up, sweeps). */
export const SYSTEM_ACTOR: Actor = { id: 'system', role: 'vendor', customerId: null, userId: null, username: null };

export function isVendor(actor: Actor): boolean {
  return actor.role === 'vendor';
}

/** Refuses a customer actor an action only vendor staff may take. */
export function requireVendor(actor: Actor, action: string): void {
  if (actor.role !== 'vendor') throw new TesseraError('FORBIDDEN', `only vendor staff may ${action}`);
}

/**
 * The customer whose data a request may touch. Vendor staff get what they asked for
 * (undefined: every customer); a customer actor always gets its own customer, and asking for
 * another one is answered as if it did not exist, so ids of other customers cannot be probed.
 */
export function customerScope(actor: Actor, requested?: string): string | undefined {
  if (actor.role === 'vendor') return requested;
  const own = actor.customerId as string;
  if (requested !== undefined && requested !== own) {
    throw new TesseraError('NOT_FOUND', `no customer ${requested}`);
  }
  return own;
}

/**
 * Throws NOT_FOUND (never FORBIDDEN: that would confirm the thing exists) unless the actor may
 * see something that belongs to `ownerCustomerId`.
 */
export function assertVisible(actor: Actor, ownerCustomerId: string, what: string): void {
  if (actor.role === 'customer' && actor.customerId !== ownerCustomerId) {
    throw new TesseraError('NOT_FOUND', `no ${what}`);
  }
}
