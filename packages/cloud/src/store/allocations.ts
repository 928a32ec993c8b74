/**
 * Allocations: flexible seats of an entitlement given to one License Server, and what its
 * last Sync issued of them.
 */
import type { Db } from './repo.js';
import type { CloudDatabase } from './schema.js';

export interface AllocationRecord {
  serverId: string;
  entitlementId: string;
  customerId: string;
  feature: string;
  count: number;
  licenseId: string;
  revision: number;
  /** The features issued under `revision` (JSON text), null before the first Sync. */
  issued: string | null;
  updatedAt: string;
}

export class AllocationRepo {
  constructor(private readonly db: Db) {}

  async ofServer(serverId: string): Promise<AllocationRecord[]> {
    const rows = await this.db
      .selectFrom('allocations')
      .selectAll()
      .where('server_id', '=', serverId)
      .orderBy('feature')
      .orderBy('entitlement_id')
      .execute();
    return rows.map(toAllocation);
  }

  async upsert(a: AllocationRecord): Promise<void> {
    await this.db
      .insertInto('allocations')
      .values({
        server_id: a.serverId,
        entitlement_id: a.entitlementId,
        customer_id: a.customerId,
        feature: a.feature,
        count: a.count,
        license_id: a.licenseId,
        revision: a.revision,
        issued: a.issued,
        updated_at: a.updatedAt,
      })
      .onConflict((oc) =>
        oc.columns(['server_id', 'entitlement_id']).doUpdateSet({
          count: a.count,
          revision: a.revision,
          issued: a.issued,
          updated_at: a.updatedAt,
        }),
      )
      .execute();
  }

  /** Allocation rows of one customer's servers (every customer's when undefined), zero counts included. */
  async ofCustomer(customerId?: string): Promise<AllocationRecord[]> {
    let q = this.db.selectFrom('allocations').selectAll();
    if (customerId !== undefined) q = q.where('customer_id', '=', customerId);
    const rows = await q.orderBy('server_id').orderBy('feature').orderBy('entitlement_id').execute();
    return rows.map(toAllocation);
  }
}

function toAllocation(r: CloudDatabase['allocations']): AllocationRecord {
  return {
    serverId: r.server_id,
    entitlementId: r.entitlement_id,
    customerId: r.customer_id,
    feature: r.feature,
    count: Number(r.count),
    licenseId: r.license_id,
    revision: Number(r.revision),
    issued: r.issued,
    updatedAt: r.updated_at,
  };
}
