/**
 * Licenses returned by their server, each with the certificate that proves it.
 */

import { type Db, json, parse } from './repo.js';
import type { ReturnRecord } from './rows.js';
import type { ReturnTable } from './schema.js';

function toReturn(r: ReturnTable): ReturnRecord {
  return {
    id: r.id,
    licenseId: r.license_id,
    revision: Number(r.revision),
    serverId: r.server_id,
    customerId: r.customer_id,
    certificateHash: r.certificate_hash,
    certificate: r.certificate,
    uninstalledAt: r.uninstalled_at,
    returnedAt: r.returned_at,
    seats: parse(r.seats),
  };
}

export class ReturnRepo {
  constructor(private readonly db: Db) {}

  async insert(r: ReturnRecord): Promise<void> {
    await this.db
      .insertInto('returns')
      .values({
        id: r.id,
        license_id: r.licenseId,
        revision: r.revision,
        server_id: r.serverId,
        customer_id: r.customerId,
        certificate_hash: r.certificateHash,
        certificate: r.certificate,
        uninstalled_at: r.uninstalledAt,
        returned_at: r.returnedAt,
        seats: json(r.seats),
      })
      .execute();
  }

  async byLicense(licenseId: string): Promise<ReturnRecord | undefined> {
    const r = await this.db.selectFrom('returns').selectAll().where('license_id', '=', licenseId).executeTakeFirst();
    return r && toReturn(r);
  }

  async byCertificateHash(hash: string): Promise<ReturnRecord | undefined> {
    const r = await this.db.selectFrom('returns').selectAll().where('certificate_hash', '=', hash).executeTakeFirst();
    return r && toReturn(r);
  }

  async list(customerId?: string): Promise<ReturnRecord[]> {
    let q = this.db.selectFrom('returns').selectAll().orderBy('returned_at').orderBy('id');
    if (customerId !== undefined) q = q.where('customer_id', '=', customerId);
    return (await q.execute()).map(toReturn);
  }

  /** Returns since `sinceIso` that gave seats back to any of `entitlementIds`. */
  async countTouching(entitlementIds: readonly string[], sinceIso: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (entitlementIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('returns')
      .innerJoin('deployment_lines', 'deployment_lines.license_id', 'returns.license_id')
      .select(['deployment_lines.entitlement_id as id'])
      .where('deployment_lines.entitlement_id', 'in', [...entitlementIds])
      .where('returns.returned_at', '>=', sinceIso)
      .execute();
    for (const r of rows) out.set(r.id, (out.get(r.id) ?? 0) + 1);
    return out;
  }
}
