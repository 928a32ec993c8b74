/**
 * Subscription leases: the seats checked out from the Cloud.
 */
import { sql } from 'kysely';
import { type Dialect, dbNowMs } from './db.js';
import type { Db } from './repo.js';
import type { LeaseExpiry, LeaseRecord, NewLease } from './rows.js';
import type { LeaseTable } from './schema.js';

function toLease(r: LeaseTable): LeaseRecord {
  return {
    id: r.id,
    customerId: r.customer_id,
    entitlementId: r.entitlement_id,
    feature: r.feature,
    count: Number(r.count),
    accountId: r.account_id,
    clientId: r.client_id,
    host: r.host,
    app: r.app,
    version: r.version,
    releaseDate: r.release_date,
    nodeId: r.node_id,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
    endReason: r.end_reason,
  };
}

/** A lease that ended by this statement: what it held, to give back. */
export interface EndedLease {
  id: string;
  entitlementId: string;
  count: number;
}

/**
 * Subscription leases. Times are the database's: `expires_at` is set to its now plus the
 * lease time, and expiry compares with its now, so nodes with different clocks agree.
 */
export class LeaseRepo {
  private readonly now: ReturnType<typeof dbNowMs>;

  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {
    this.now = dbNowMs(dialect);
  }

  /** Inserts leases expiring `ttlMs` after the database's now; returns their expiry. */
  async insertMany(leases: readonly NewLease[], ttlMs: number): Promise<LeaseExpiry[]> {
    if (leases.length === 0) return [];
    if (this.dialect === 'postgres') {
      // One array per column instead of one parameter per value: a batch of hundreds of
      // leases is parsed and planned in half the time.
      const col = <K extends keyof NewLease>(k: K) => leases.map((l) => l[k]);
      const { rows } = await sql<{ id: string; expires_at: number; db_now: number }>`
        insert into leases (id, customer_id, entitlement_id, feature, count, account_id, client_id,
                            host, app, version, release_date, node_id, created_at, expires_at)
        select u.*, ${this.now} + ${ttlMs} from unnest(
          ${col('id')}::text[], ${col('customerId')}::text[], ${col('entitlementId')}::text[],
          ${col('feature')}::text[], ${col('count')}::integer[], ${col('accountId')}::text[],
          ${col('clientId')}::text[], ${col('host')}::text[], ${col('app')}::text[], ${col('version')}::text[],
          ${col('releaseDate')}::text[], ${col('nodeId')}::text[], ${col('createdAt')}::bigint[]
        ) as u
        returning id, expires_at, ${this.now} as db_now`.execute(this.db);
      return rows.map((r) => ({ id: r.id, expiresAt: Number(r.expires_at), dbNow: Number(r.db_now) }));
    }
    const rows = await this.db
      .insertInto('leases')
      .values(
        leases.map((l) => ({
          id: l.id,
          customer_id: l.customerId,
          entitlement_id: l.entitlementId,
          feature: l.feature,
          count: l.count,
          account_id: l.accountId,
          client_id: l.clientId,
          host: l.host,
          app: l.app,
          version: l.version,
          release_date: l.releaseDate,
          node_id: l.nodeId,
          created_at: l.createdAt,
          expires_at: sql<number>`${this.now} + ${ttlMs}`,
          ended_at: null,
          end_reason: null,
        })),
      )
      .returning(['id', 'expires_at'])
      .returning(this.now.as('db_now'))
      .execute();
    return rows.map((r) => ({ id: r.id, expiresAt: Number(r.expires_at), dbNow: Number(r.db_now) }));
  }

  /** Ends live leases (by id, of one customer) for `reason`; returns what they held. */
  async end(customerId: string | undefined, ids: readonly string[], reason: string): Promise<EndedLease[]> {
    if (ids.length === 0) return [];
    let q = this.db
      .updateTable('leases')
      .set({ ended_at: this.now, end_reason: reason })
      .where('id', 'in', [...ids])
      .where('ended_at', 'is', null);
    if (customerId !== undefined) q = q.where('customer_id', '=', customerId);
    const rows = await q.returning(['id', 'entitlement_id', 'count']).execute();
    return rows.map((r) => ({ id: r.id, entitlementId: r.entitlement_id, count: Number(r.count) }));
  }

  /**
   * Extends live, unexpired leases of one customer by `ttlMs` from the database's now: one
   * statement for a whole batch of heartbeats. Ids not returned are gone (see {@link statusOf}).
   */
  async extend(customerId: string, ids: readonly string[], ttlMs: number): Promise<LeaseExpiry[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable('leases')
      .set({ expires_at: sql<number>`${this.now} + ${ttlMs}` })
      .where('customer_id', '=', customerId)
      .where('id', 'in', [...ids])
      .where('ended_at', 'is', null)
      .where('expires_at', '>', this.now)
      .returning(['id', 'expires_at'])
      .returning(this.now.as('db_now'))
      .execute();
    return rows.map((r) => ({ id: r.id, expiresAt: Number(r.expires_at), dbNow: Number(r.db_now) }));
  }

  /** Why leases are not live: ended (with the reason), expired but not yet swept, or unknown. */
  async statusOf(customerId: string, ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (ids.length === 0) return out;
    const rows = await this.db
      .selectFrom('leases')
      .select(['id', 'end_reason', 'ended_at'])
      .select(sql<number>`case when expires_at <= ${this.now} then 1 else 0 end`.as('lapsed'))
      .where('customer_id', '=', customerId)
      .where('id', 'in', [...ids])
      .execute();
    for (const r of rows) {
      out.set(r.id, r.ended_at !== null ? (r.end_reason ?? 'RELEASED') : Number(r.lapsed) === 1 ? 'EXPIRED' : 'LIVE');
    }
    return out;
  }

  /** Entitlements that have live leases past their expiry, by the database's clock. */
  async entitlementsWithLapsed(limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('leases')
      .select('entitlement_id')
      .distinct()
      .where('ended_at', 'is', null)
      .where('expires_at', '<=', this.now)
      .limit(limit)
      .execute();
    return rows.map((r) => r.entitlement_id);
  }

  /** Ends the lapsed leases of these entitlements (their rows locked by the caller). */
  async endLapsed(entitlementIds: readonly string[]): Promise<EndedLease[]> {
    if (entitlementIds.length === 0) return [];
    const rows = await this.db
      .updateTable('leases')
      .set({ ended_at: this.now, end_reason: 'EXPIRED' })
      .where('entitlement_id', 'in', [...entitlementIds])
      .where('ended_at', 'is', null)
      .where('expires_at', '<=', this.now)
      .returning(['id', 'entitlement_id', 'count'])
      .execute();
    return rows.map((r) => ({ id: r.id, entitlementId: r.entitlement_id, count: Number(r.count) }));
  }

  /** Entitlements past their last day (`expires < today`) that still have live leases. */
  async entitlementsPastTerm(today: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('leases')
      .innerJoin('entitlements', 'entitlements.id', 'leases.entitlement_id')
      .select('leases.entitlement_id')
      .distinct()
      .where('leases.ended_at', 'is', null)
      .where('entitlements.expires', 'is not', null)
      .where('entitlements.expires', '<', today)
      .limit(limit)
      .execute();
    return rows.map((r) => r.entitlement_id);
  }

  /** Ends every live lease of these entitlements (their rows locked by the caller) for `reason`. */
  async endAllOf(entitlementIds: readonly string[], reason: string): Promise<EndedLease[]> {
    if (entitlementIds.length === 0) return [];
    const rows = await this.db
      .updateTable('leases')
      .set({ ended_at: this.now, end_reason: reason })
      .where('entitlement_id', 'in', [...entitlementIds])
      .where('ended_at', 'is', null)
      .returning(['id', 'entitlement_id', 'count'])
      .execute();
    return rows.map((r) => ({ id: r.id, entitlementId: r.entitlement_id, count: Number(r.count) }));
  }

  /** Live leases of an entitlement, oldest first (revocation takes the newest). */
  async liveOfEntitlement(entitlementId: string): Promise<LeaseRecord[]> {
    const rows = await this.db
      .selectFrom('leases')
      .selectAll()
      .where('entitlement_id', '=', entitlementId)
      .where('ended_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toLease);
  }

  /** Live leases of a customer (for the portal: who holds what). */
  async liveOfCustomer(customerId: string, limit = 1000): Promise<LeaseRecord[]> {
    const rows = await this.db
      .selectFrom('leases')
      .selectAll()
      .where('customer_id', '=', customerId)
      .where('ended_at', 'is', null)
      .where('expires_at', '>', this.now)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map(toLease);
  }

  async get(id: string): Promise<LeaseRecord | undefined> {
    const r = await this.db.selectFrom('leases').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toLease(r);
  }

  /** Sum of seats held by live leases, per entitlement (a consistency check for tests and metrics). */
  async seatsHeldByEntitlement(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('leases')
      .select(['entitlement_id'])
      .select((eb) => eb.fn.sum<number>('count').as('seats'))
      .where('ended_at', 'is', null)
      .groupBy('entitlement_id')
      .execute();
    return new Map(rows.map((r) => [r.entitlement_id, Number(r.seats)]));
  }

  /** Deletes leases that ended more than `keepMs` ago. */
  async pruneEnded(keepMs: number): Promise<number> {
    const r = await this.db
      .deleteFrom('leases')
      .where('ended_at', 'is not', null)
      .where('ended_at', '<', sql<number>`${this.now} - ${keepMs}`)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
