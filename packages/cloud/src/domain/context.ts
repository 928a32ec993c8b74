import { type Clock, TesseraError } from '@tessera/core';
import type { Store } from '../store/store.js';
import type { Actor } from './actor.js';
import type { AuditLog } from './audit.js';

/**
 * The seat pool of a customer's subscriptions is named `PREFIX.CUSTOMER_ID`, where PREFIX is
 * made once per Cloud database: every node sharing the database names a pool alike, and two
 * separate Clouds never do.
 */
export class PoolIds {
  constructor(readonly prefix: string) {}

  of(customerId: string): string {
    return `${this.prefix}.${customerId}`;
  }
}

/** What every domain service needs. */
export interface DomainContext {
  store: Store;
  clock: Clock;
  audit: AuditLog;
  pools: PoolIds;
}

export function nowIso(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

/**
 * Runs a vendor API action. A refusal is written to the audit log (in its own write: the
 * action's transaction was rolled back) and rethrown unchanged; success is audited by the
 * action itself, inside its transaction.
 */
export async function audited<T>(
  ctx: DomainContext,
  actor: Actor,
  action: string,
  target: { customerId?: string | null | undefined; target?: string | null | undefined },
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TesseraError) {
      await ctx.audit
        .write(ctx.store, {
          actor,
          action,
          customerId: target.customerId ?? null,
          target: target.target ?? null,
          outcome: `refused:${err.code}`,
          detail: { message: err.message },
        })
        .catch(() => {}); // the refusal itself is what the caller must hear about
    }
    throw err;
  }
}
