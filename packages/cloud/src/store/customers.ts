/**
 * Customers.
 */

import type { Db } from './repo.js';
import type { CustomerRecord } from './rows.js';

export class CustomerRepo {
  constructor(private readonly db: Db) {}

  async list(onlyId?: string): Promise<CustomerRecord[]> {
    let q = this.db.selectFrom('customers').selectAll().orderBy('name').orderBy('id');
    if (onlyId !== undefined) q = q.where('id', '=', onlyId);
    const rows = await q.execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
  }

  async get(id: string): Promise<CustomerRecord | undefined> {
    const r = await this.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, name: r.name, createdAt: r.created_at };
  }

  async insert(c: CustomerRecord): Promise<void> {
    await this.db.insertInto('customers').values({ id: c.id, name: c.name, created_at: c.createdAt }).execute();
  }
}
