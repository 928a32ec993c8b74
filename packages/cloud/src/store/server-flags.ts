/**
 * Clone flags raised against License Servers.
 */
import type { Db } from './repo.js';

export interface ServerFlagRecord {
  id: string;
  serverId: string;
  customerId: string;
  kind: string;
  at: string;
  detail: unknown;
}

export class ServerFlagRepo {
  constructor(private readonly db: Db) {}

  async insert(f: ServerFlagRecord): Promise<void> {
    await this.db
      .insertInto('server_flags')
      .values({
        id: f.id,
        server_id: f.serverId,
        customer_id: f.customerId,
        kind: f.kind,
        at: f.at,
        detail: JSON.stringify(f.detail),
      })
      .execute();
  }

  async ofServer(serverId: string): Promise<ServerFlagRecord[]> {
    const rows = await this.db
      .selectFrom('server_flags')
      .selectAll()
      .where('server_id', '=', serverId)
      .orderBy('id', 'desc')
      .limit(100)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      serverId: r.server_id,
      customerId: r.customer_id,
      kind: r.kind,
      at: r.at,
      detail: JSON.parse(r.detail) as unknown,
    }));
  }

  /** Clone flags counted per server and kind, with the newest of each, for one customer (or all). */
  async counts(customerId?: string): Promise<{ serverId: string; kind: string; count: number; lastAt: string }[]> {
    let q = this.db
      .selectFrom('server_flags')
      .select((eb) => ['server_id', 'kind', eb.fn.countAll().as('n'), eb.fn.max('at').as('last_at')])
      .groupBy(['server_id', 'kind']);
    if (customerId !== undefined) q = q.where('customer_id', '=', customerId);
    const rows = await q.orderBy('server_id').orderBy('kind').execute();
    return rows.map((r) => ({
      serverId: r.server_id,
      kind: r.kind,
      count: Number(r.n),
      lastAt: String(r.last_at),
    }));
  }
}
