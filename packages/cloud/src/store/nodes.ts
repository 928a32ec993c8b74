/**
 * The Cloud's nodes, each seen by the database's clock.
 */
import { sql } from 'kysely';
import { type Dialect, dbNowMs } from './db.js';
import type { Db } from './repo.js';
import type { NodeRecord } from './rows.js';

export class NodeRepo {
  private readonly now: ReturnType<typeof dbNowMs>;

  constructor(
    private readonly db: Db,
    dialect: Dialect,
  ) {
    this.now = dbNowMs(dialect);
  }

  async upsert(n: Omit<NodeRecord, 'seenAt'>): Promise<void> {
    await this.db
      .insertInto('nodes')
      .values({ id: n.id, url: n.url, version: n.version, started_at: n.startedAt, seen_at: this.now })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ url: n.url, version: n.version, started_at: n.startedAt, seen_at: this.now }),
      )
      .execute();
  }

  async touch(id: string): Promise<void> {
    await this.db.updateTable('nodes').set({ seen_at: this.now }).where('id', '=', id).execute();
  }

  /** Nodes seen within `withinMs` by the database's clock, oldest start first. */
  async live(withinMs: number): Promise<NodeRecord[]> {
    const rows = await this.db
      .selectFrom('nodes')
      .selectAll()
      .where('seen_at', '>=', sql<number>`${this.now} - ${withinMs}`)
      .orderBy('started_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      url: r.url,
      version: r.version,
      startedAt: r.started_at,
      seenAt: Number(r.seen_at),
    }));
  }
}
