/**
 * License Servers registered with the Cloud, and their signed documents.
 */

import { type Db, json, parse } from './repo.js';
import type { ServerRecord } from './rows.js';
import type { ServerTable } from './schema.js';

function toServer(r: ServerTable): ServerRecord {
  return {
    id: r.id,
    customerId: r.customer_id,
    hostName: r.host_name,
    productVersion: r.product_version,
    publicKeyJwk: parse(r.public_key_jwk),
    factors: parse(r.factors),
    document: r.document,
    registeredAt: r.registered_at,
    updatedAt: r.updated_at,
  };
}

export class ServerRepo {
  constructor(private readonly db: Db) {}

  async get(id: string): Promise<ServerRecord | undefined> {
    const r = await this.db.selectFrom('servers').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toServer(r);
  }

  async list(customerId?: string): Promise<ServerRecord[]> {
    let q = this.db.selectFrom('servers').selectAll().orderBy('registered_at').orderBy('id');
    if (customerId !== undefined) q = q.where('customer_id', '=', customerId);
    return (await q.execute()).map(toServer);
  }

  /** Inserts the server; false when that server id is registered already. */
  async insert(s: ServerRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('servers')
      .values({
        id: s.id,
        customer_id: s.customerId,
        host_name: s.hostName,
        product_version: s.productVersion,
        public_key_jwk: json(s.publicKeyJwk),
        factors: json(s.factors),
        document: s.document,
        registered_at: s.registeredAt,
        updated_at: s.updatedAt,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /** A newer Server ID file of the same server (say, after a hardware change). */
  async updateDocument(
    id: string,
    s: Pick<ServerRecord, 'hostName' | 'productVersion' | 'factors' | 'document' | 'updatedAt'>,
  ): Promise<void> {
    await this.db
      .updateTable('servers')
      .set({
        host_name: s.hostName,
        product_version: s.productVersion,
        factors: json(s.factors),
        document: s.document,
        updated_at: s.updatedAt,
      })
      .where('id', '=', id)
      .execute();
  }
}
