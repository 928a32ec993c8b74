/**
 * Subscription accounts: the identities a client checks seats out under.
 */

import type { Db } from './repo.js';
import type { AccountRecord } from './rows.js';
import type { AccountTable } from './schema.js';

function toAccount(r: AccountTable): AccountRecord {
  return {
    id: r.id,
    customerId: r.customer_id,
    secretHash: r.secret_hash,
    label: r.label,
    createdAt: r.created_at,
    disabledAt: r.disabled_at,
  };
}

export class AccountRepo {
  constructor(private readonly db: Db) {}

  async insert(a: AccountRecord): Promise<void> {
    await this.db
      .insertInto('accounts')
      .values({
        id: a.id,
        customer_id: a.customerId,
        secret_hash: a.secretHash,
        label: a.label,
        created_at: a.createdAt,
        disabled_at: a.disabledAt,
      })
      .execute();
  }

  async get(id: string): Promise<AccountRecord | undefined> {
    const r = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toAccount(r);
  }

  async list(customerId?: string): Promise<AccountRecord[]> {
    let q = this.db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id');
    if (customerId !== undefined) q = q.where('customer_id', '=', customerId);
    return (await q.execute()).map(toAccount);
  }

  async disable(id: string, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('accounts')
      .set({ disabled_at: at })
      .where('id', '=', id)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
