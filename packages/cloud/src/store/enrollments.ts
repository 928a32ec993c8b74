/**
 * Enrollment codes: one-time codes a License Server enrolls with in the flexible model.
 */
import type { Db } from './repo.js';
import type { CloudDatabase } from './schema.js';

export interface EnrollmentRecord {
  id: string;
  customerId: string;
  codeHash: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  serverId: string | null;
}

export class EnrollmentRepo {
  constructor(private readonly db: Db) {}

  async insert(e: EnrollmentRecord): Promise<void> {
    await this.db
      .insertInto('enrollments')
      .values({
        id: e.id,
        customer_id: e.customerId,
        code_hash: e.codeHash,
        created_by: e.createdBy,
        created_at: e.createdAt,
        expires_at: e.expiresAt,
        used_at: e.usedAt,
        server_id: e.serverId,
      })
      .execute();
  }

  async byCodeHash(codeHash: string): Promise<EnrollmentRecord | undefined> {
    const r = await this.db.selectFrom('enrollments').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
    return r && toEnrollment(r);
  }

  async list(customerId?: string): Promise<EnrollmentRecord[]> {
    let q = this.db.selectFrom('enrollments').selectAll().orderBy('id', 'desc');
    if (customerId !== undefined) q = q.where('customer_id', '=', customerId);
    return (await q.execute()).map(toEnrollment);
  }

  /**
   * Consumes a code: one conditional UPDATE, so of two nodes taking the same code at once
   * exactly one succeeds. True when this call consumed it.
   */
  async consume(codeHash: string, serverId: string, now: string): Promise<boolean> {
    const r = await this.db
      .updateTable('enrollments')
      .set({ used_at: now, server_id: serverId })
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}

function toEnrollment(r: CloudDatabase['enrollments']): EnrollmentRecord {
  return {
    id: r.id,
    customerId: r.customer_id,
    codeHash: r.code_hash,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedAt: r.used_at,
    serverId: r.server_id,
  };
}
