import type { Clock } from '@tessera/core';
import type { AuditFilter } from '@tessera/service-kit';
import type { AuditRecord } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { type Actor, customerScope } from './actor.js';
import { cloudId } from './ids.js';
import { AUDIT_PAGE } from './policy.js';

export interface AuditEntry {
  actor: Actor;
  action: string;
  /** The customer the action concerns; customers see entries of their own customer. */
  customerId?: string | null;
  target?: string | null;
  outcome: 'ok' | `refused:${string}`;
  detail?: unknown;
}

/** The audit log: every vendor API action, accepted or refused (docs/security.md). */
export class AuditLog {
  constructor(private readonly clock: Clock) {}

  /** Writes an entry through `store` (pass a transaction's store to commit with the change). */
  async write(store: Store, e: AuditEntry): Promise<void> {
    const now = this.clock.now();
    await store.audit.append({
      id: cloudId('aud', now),
      at: new Date(now).toISOString(),
      actor: e.actor.id,
      customerId: e.customerId ?? e.actor.customerId ?? null,
      action: e.action,
      target: e.target ?? null,
      outcome: e.outcome,
      detail: e.detail ?? null,
    });
  }
}

/** Reading the audit log: vendor staff see every entry, a customer's users their customer's. */
export class AuditQuery {
  constructor(private readonly store: Store) {}

  async page(
    actor: Actor,
    f: { customerId?: string | undefined; beforeId?: string | undefined; limit?: number | undefined },
    filter: AuditFilter = {},
  ): Promise<AuditRecord[]> {
    return this.store.audit.page({
      customerId: customerScope(actor, f.customerId),
      beforeId: f.beforeId,
      limit: Math.min(Math.max(f.limit ?? AUDIT_PAGE.defaultLimit, 1), AUDIT_PAGE.maxLimit),
      filter,
    });
  }
}
