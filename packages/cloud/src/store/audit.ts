/**
 * The audit log.
 */

import type { AuditFilter } from '@tessera/service-kit';
import { sql } from 'kysely';
import { type Db, json, parse } from './repo.js';
import type { AuditRecord } from './rows.js';
import type { AuditTable } from './schema.js';

function toAudit(r: AuditTable): AuditRecord {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    customerId: r.customer_id,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    detail: r.detail === null ? null : parse(r.detail),
  };
}

export class AuditRepo {
  constructor(private readonly db: Db) {}

  async append(a: AuditRecord): Promise<void> {
    await this.db
      .insertInto('audit')
      .values({
        id: a.id,
        at: a.at,
        actor: a.actor,
        customer_id: a.customerId,
        action: a.action,
        target: a.target,
        outcome: a.outcome,
        detail: a.detail === undefined || a.detail === null ? null : json(a.detail),
      })
      .execute();
  }

  /** Newest first, before `beforeId` (ids sort by time), of one customer or all. */
  async page(f: {
    customerId?: string | undefined;
    beforeId?: string | undefined;
    limit: number;
    filter?: AuditFilter;
  }): Promise<AuditRecord[]> {
    let q = this.db.selectFrom('audit').selectAll().orderBy('id', 'desc').limit(f.limit);
    if (f.customerId !== undefined) q = q.where('customer_id', '=', f.customerId);
    if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
    const w = f.filter ?? {};
    if (w.actor !== undefined) q = q.where('actor', '=', w.actor);
    // substr, not LIKE: the same on both dialects, and `_` or `%` in the text mean themselves.
    if (w.action !== undefined) q = q.where(sql<string>`substr(action, 1, ${w.action.length})`, '=', w.action);
    if (w.outcome !== undefined) q = q.where('outcome', w.outcome === 'ok' ? '=' : '<>', 'ok');
    if (w.since !== undefined) q = q.where('at', '>=', w.since);
    if (w.until !== undefined) q = q.where('at', '<', w.until);
    return (await q.execute()).map(toAudit);
  }
}
