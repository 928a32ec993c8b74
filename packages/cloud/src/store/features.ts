/**
 * The feature catalog.
 */

import type { Db } from './repo.js';
import type { FeatureRecord } from './rows.js';

export class FeatureRepo {
  constructor(private readonly db: Db) {}

  async list(): Promise<FeatureRecord[]> {
    const rows = await this.db.selectFrom('features').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, description: r.description, createdAt: r.created_at }));
  }

  async get(name: string): Promise<FeatureRecord | undefined> {
    const r = await this.db.selectFrom('features').selectAll().where('name', '=', name).executeTakeFirst();
    return r && { name: r.name, description: r.description, createdAt: r.created_at };
  }

  /** Inserts the feature; false when one with that name exists. */
  async insert(f: FeatureRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('features')
      .values({ name: f.name, description: f.description, created_at: f.createdAt })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
}
