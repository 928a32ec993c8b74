/**
 * Per-server sync state of the flexible model: counters, the last Report and the last Sync.
 */
import { sql } from 'kysely';
import type { Db } from './repo.js';
import type { CloudDatabase } from './schema.js';

export interface ServerSyncRecord {
  serverId: string;
  syncCounter: number;
  lastSequence: number;
  lastReportAt: string | null;
  lastFactors: string | null;
  lastSyncAt: string | null;
  validUntil: string | null;
  acknowledgedThrough: string | null;
  lastSync: string | null;
}

export class ServerSyncRepo {
  constructor(private readonly db: Db) {}

  async get(serverId: string): Promise<ServerSyncRecord | undefined> {
    const r = await this.db.selectFrom('server_sync').selectAll().where('server_id', '=', serverId).executeTakeFirst();
    return r && toSync(r);
  }

  /** Sync rows of one customer's servers (every customer's when undefined). */
  async ofCustomer(customerId?: string): Promise<ServerSyncRecord[]> {
    let q = this.db
      .selectFrom('server_sync')
      .innerJoin('servers', 'servers.id', 'server_sync.server_id')
      .selectAll('server_sync');
    if (customerId !== undefined) q = q.where('servers.customer_id', '=', customerId);
    return (await q.orderBy('server_sync.server_id').execute()).map(toSync);
  }

  /** Makes the server's sync row if missing (counter 0). */
  async ensure(serverId: string): Promise<void> {
    await this.db
      .insertInto('server_sync')
      .values({ server_id: serverId, sync_counter: 0, last_sequence: 0 })
      .onConflict((oc) => oc.column('server_id').doNothing())
      .execute();
  }

  /**
   * Takes the server's next sync counter: `sync_counter + 1` in one UPDATE ... RETURNING,
   * which on PostgreSQL holds the row lock until commit, so counters are exact across nodes.
   * Also raises `last_sequence` (never lowers it) and records the report's facts.
   */
  async nextCounter(
    serverId: string,
    report: { sequence: number; at: string; factors: string },
  ): Promise<{ syncCounter: number; lastSequence: number }> {
    const r = await this.db
      .updateTable('server_sync')
      .set((eb) => ({
        sync_counter: eb('sync_counter', '+', 1),
        last_sequence: sql<number>`case when last_sequence < ${report.sequence} then ${report.sequence} else last_sequence end`,
        last_report_at: report.at,
        last_factors: report.factors,
      }))
      .where('server_id', '=', serverId)
      .returning(['sync_counter', 'last_sequence'])
      .executeTakeFirstOrThrow();
    return { syncCounter: Number(r.sync_counter), lastSequence: Number(r.last_sequence) };
  }

  async record(
    serverId: string,
    s: { at: string; validUntil: string; acknowledgedThrough: string | null; file: string },
  ): Promise<void> {
    await this.db
      .updateTable('server_sync')
      .set({
        last_sync_at: s.at,
        valid_until: s.validUntil,
        acknowledged_through: s.acknowledgedThrough,
        last_sync: s.file,
      })
      .where('server_id', '=', serverId)
      .execute();
  }
}

function toSync(r: CloudDatabase['server_sync']): ServerSyncRecord {
  return {
    serverId: r.server_id,
    syncCounter: Number(r.sync_counter),
    lastSequence: Number(r.last_sequence),
    lastReportAt: r.last_report_at,
    lastFactors: r.last_factors,
    lastSyncAt: r.last_sync_at,
    validUntil: r.valid_until,
    acknowledgedThrough: r.acknowledged_through,
    lastSync: r.last_sync,
  };
}
