/**
 * Deployments (a license issued to one License Server), their lines, and the revisions
 * signed for them.
 */

import { type Db, json, parse } from './repo.js';
import type { DeploymentLineRecord, DeploymentRecord, LicenseRevisionRecord } from './rows.js';
import type { DeploymentTable } from './schema.js';

function toDeployment(r: DeploymentTable): DeploymentRecord {
  return {
    licenseId: r.license_id,
    customerId: r.customer_id,
    serverId: r.server_id,
    revision: Number(r.revision),
    status: r.status,
    binding: parse(r.binding),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    returnedAt: r.returned_at,
  };
}

export class DeploymentRepo {
  constructor(private readonly db: Db) {}

  async get(licenseId: string): Promise<DeploymentRecord | undefined> {
    const r = await this.db
      .selectFrom('deployments')
      .selectAll()
      .where('license_id', '=', licenseId)
      .executeTakeFirst();
    return r && toDeployment(r);
  }

  async list(f: { customerId?: string | undefined; serverId?: string | undefined }): Promise<DeploymentRecord[]> {
    let q = this.db.selectFrom('deployments').selectAll().orderBy('created_at').orderBy('license_id');
    if (f.customerId !== undefined) q = q.where('customer_id', '=', f.customerId);
    if (f.serverId !== undefined) q = q.where('server_id', '=', f.serverId);
    return (await q.execute()).map(toDeployment);
  }

  async insert(d: DeploymentRecord): Promise<void> {
    await this.db
      .insertInto('deployments')
      .values({
        license_id: d.licenseId,
        customer_id: d.customerId,
        server_id: d.serverId,
        revision: d.revision,
        status: d.status,
        binding: json(d.binding),
        created_at: d.createdAt,
        updated_at: d.updatedAt,
        returned_at: d.returnedAt,
      })
      .execute();
  }

  /**
   * Moves an active deployment from revision `from` to `from + 1`; false when it is no
   * longer at `from` or no longer active (another request revised or returned it first).
   */
  async advanceRevision(licenseId: string, from: number, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('deployments')
      .set({ revision: from + 1, updated_at: at })
      .where('license_id', '=', licenseId)
      .where('revision', '=', from)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Marks an active deployment returned; false when it was returned already. */
  async markReturned(licenseId: string, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('deployments')
      .set({ status: 'returned', returned_at: at, updated_at: at })
      .where('license_id', '=', licenseId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async lines(licenseId: string): Promise<DeploymentLineRecord[]> {
    const rows = await this.db
      .selectFrom('deployment_lines')
      .selectAll()
      .where('license_id', '=', licenseId)
      .orderBy('feature')
      .execute();
    return rows.map((r) => ({
      licenseId: r.license_id,
      feature: r.feature,
      entitlementId: r.entitlement_id,
      count: Number(r.count),
    }));
  }

  /** Active deployments drawing on an entitlement (to re-issue when its dates change). */
  async activeUsingEntitlement(entitlementId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('deployment_lines')
      .innerJoin('deployments', 'deployments.license_id', 'deployment_lines.license_id')
      .select('deployments.license_id')
      .where('deployment_lines.entitlement_id', '=', entitlementId)
      .where('deployments.status', '=', 'active')
      .orderBy('deployments.license_id')
      .execute();
    return rows.map((r) => r.license_id);
  }

  async upsertLine(l: DeploymentLineRecord): Promise<void> {
    await this.db
      .insertInto('deployment_lines')
      .values({ license_id: l.licenseId, feature: l.feature, entitlement_id: l.entitlementId, count: l.count })
      .onConflict((oc) => oc.columns(['license_id', 'feature']).doUpdateSet({ count: l.count }))
      .execute();
  }
}

export class RevisionRepo {
  constructor(private readonly db: Db) {}

  async insert(r: LicenseRevisionRecord): Promise<void> {
    await this.db
      .insertInto('license_revisions')
      .values({
        license_id: r.licenseId,
        revision: r.revision,
        claims: json(r.claims),
        file: r.file,
        issued_at: r.issuedAt,
        reason: r.reason,
      })
      .execute();
  }

  async get(licenseId: string, revision: number): Promise<LicenseRevisionRecord | undefined> {
    const r = await this.db
      .selectFrom('license_revisions')
      .selectAll()
      .where('license_id', '=', licenseId)
      .where('revision', '=', revision)
      .executeTakeFirst();
    return (
      r && {
        licenseId: r.license_id,
        revision: Number(r.revision),
        claims: parse(r.claims),
        file: r.file,
        issuedAt: r.issued_at,
        reason: r.reason,
      }
    );
  }

  /** Every revision of a license, oldest first, without the file text. */
  async history(licenseId: string): Promise<{ revision: number; issuedAt: string; reason: string }[]> {
    const rows = await this.db
      .selectFrom('license_revisions')
      .select(['revision', 'issued_at', 'reason'])
      .where('license_id', '=', licenseId)
      .orderBy('revision')
      .execute();
    return rows.map((r) => ({ revision: Number(r.revision), issuedAt: r.issued_at, reason: r.reason }));
  }
}
