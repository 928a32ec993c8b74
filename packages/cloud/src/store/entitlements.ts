/**
 * Entitlements: what a customer bought, and how many of its seats are taken.
 */
import type { Expression, SqlBool } from 'kysely';
import type { Dialect } from './db.js';
import type { Db } from './repo.js';
import type { EntitlementRecord } from './rows.js';
import type { EntitlementTable, EntitlementType } from './schema.js';

function toEntitlement(r: EntitlementTable): EntitlementRecord {
  return {
    id: r.id,
    customerId: r.customer_id,
    type: r.type,
    feature: r.feature,
    count: Number(r.count),
    used: Number(r.used),
    maintenanceUntil: r.maintenance_until,
    expires: r.expires,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface EntitlementFilter {
  customerId?: string | undefined;
  type?: EntitlementType | undefined;
  feature?: string | undefined;
}

/** A customer's seats of one feature that a batch of checkouts may draw from. */
export interface SeatKey {
  customerId: string;
  feature: string;
}

export class EntitlementRepo {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  async list(f: EntitlementFilter): Promise<EntitlementRecord[]> {
    let q = this.db.selectFrom('entitlements').selectAll().orderBy('customer_id').orderBy('feature').orderBy('id');
    if (f.customerId !== undefined) q = q.where('customer_id', '=', f.customerId);
    if (f.type !== undefined) q = q.where('type', '=', f.type);
    if (f.feature !== undefined) q = q.where('feature', '=', f.feature);
    return (await q.execute()).map(toEntitlement);
  }

  async get(id: string): Promise<EntitlementRecord | undefined> {
    const r = await this.db.selectFrom('entitlements').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toEntitlement(r);
  }

  async insert(e: EntitlementRecord): Promise<void> {
    await this.db
      .insertInto('entitlements')
      .values({
        id: e.id,
        customer_id: e.customerId,
        type: e.type,
        feature: e.feature,
        count: e.count,
        used: e.used,
        maintenance_until: e.maintenanceUntil,
        expires: e.expires,
        created_at: e.createdAt,
        updated_at: e.updatedAt,
      })
      .execute();
  }

  async update(
    id: string,
    set: {
      count?: number;
      used?: number;
      maintenanceUntil?: string | null;
      expires?: string | null;
      updatedAt: string;
    },
  ): Promise<void> {
    await this.db
      .updateTable('entitlements')
      .set({
        ...(set.count !== undefined ? { count: set.count } : {}),
        ...(set.used !== undefined ? { used: set.used } : {}),
        ...(set.maintenanceUntil !== undefined ? { maintenance_until: set.maintenanceUntil } : {}),
        ...(set.expires !== undefined ? { expires: set.expires } : {}),
        updated_at: set.updatedAt,
      })
      .where('id', '=', id)
      .execute();
  }

  /** Sets the seats taken of several entitlements (absolute values computed under their row locks). */
  async setUsed(changes: Iterable<{ id: string; used: number }>): Promise<void> {
    for (const c of changes) {
      await this.db.updateTable('entitlements').set({ used: c.used }).where('id', '=', c.id).execute();
    }
  }

  /**
   * Reads and locks (PostgreSQL: `FOR NO KEY UPDATE`, in id order so two nodes never deadlock on
   * them) the entitlements of `type` matching the customer/feature keys, plus those named
   * in `ids`. Inside a transaction, no other node can change their seat counts until commit.
   * On SQLite the transaction itself is exclusive for writers.
   */
  async lockForSeats(
    type: EntitlementType,
    keys: readonly SeatKey[],
    ids: readonly string[] = [],
    lock = true,
  ): Promise<EntitlementRecord[]> {
    if (keys.length === 0 && ids.length === 0) return [];
    let q = this.db
      .selectFrom('entitlements')
      .selectAll()
      .where((eb) => {
        const any: Expression<SqlBool>[] = keys.map((k) =>
          eb.and([eb('customer_id', '=', k.customerId), eb('feature', '=', k.feature), eb('type', '=', type)]),
        );
        if (ids.length > 0) any.push(eb('id', 'in', [...ids]));
        return eb.or(any);
      })
      .orderBy('id');
    // NO KEY UPDATE: strong enough to serialize seat counts, and it does not make other
    // transactions' foreign-key checks (a lease or deployment line inserted) wait.
    if (lock && this.dialect === 'postgres') q = q.forNoKeyUpdate();
    return (await q.execute()).map(toEntitlement);
  }

  /** The same rows as {@link lockForSeats}, read without locking them (a snapshot). */
  forSeats(type: EntitlementType, keys: readonly SeatKey[]): Promise<EntitlementRecord[]> {
    return this.lockForSeats(type, keys, [], false);
  }

  /** Locks entitlements by id (see {@link lockForSeats}). */
  lockByIds(ids: readonly string[]): Promise<EntitlementRecord[]> {
    return this.lockForSeats('perpetual', [], ids);
  }
}
