/**
 * Reports received from License Servers and the usage hours they carry. Same code for
 * SQLite and PostgreSQL, with the bulk upsert written per dialect.
 */
import { createHash } from 'node:crypto';
import { TesseraError } from '@tessera/core';
import { CompiledQuery, sql } from 'kysely';
import type { Dialect } from './db.js';
import type { Db } from './repo.js';

export interface UsageRow {
  serverId: string;
  feature: string;
  hour: string;
  customerId: string;
  peakSeats: number;
  seatSeconds: number;
  checkouts: number;
  denials: number;
  sequence: number;
}

/** Whose usage hours an upsert writes: one server's report. */
export interface UsageOwner {
  serverId: string;
  customerId: string;
  /** The report's sequence: a row is only overwritten by the same or a higher one. */
  sequence: number;
}

/** One feature's values for one hour (a Report's usage hour). */
export interface UsageValues {
  feature: string;
  hour: string;
  peakSeats: number;
  seatSeconds: number;
  checkouts: number;
  denials: number;
}

function byHour(a: UsageValues, b: UsageValues): number {
  return a.hour < b.hour ? -1 : a.hour > b.hour ? 1 : 0;
}

/** Rows per JSON statement on SQLite (a ~1 MB JSON text each). */
const USAGE_CHUNK = 20_000;
/** Rows per `unnest` insert on PostgreSQL (its arrays stay within the default work_mem). */
const PG_USAGE_CHUNK = 20_000;

const UPSERT_USAGE_COLUMNS =
  'insert into usage_hours (server_id, feature, hour, customer_id, peak_seats, seat_seconds, checkouts, denials, sequence)';
const UPSERT_USAGE_CONFLICT =
  'on conflict (server_id, feature, hour) do update set peak_seats = excluded.peak_seats, ' +
  'seat_seconds = excluded.seat_seconds, checkouts = excluded.checkouts, denials = excluded.denials, ' +
  'sequence = excluded.sequence where usage_hours.sequence <= excluded.sequence';
const PG_UPSERT_USAGE =
  `${UPSERT_USAGE_COLUMNS} select $1, u.feature, u.hour, $2, u.peak, u.seconds, u.checkouts, u.denials, $3 ` +
  'from unnest($4::text[], $5::text[], $6::integer[], $7::bigint[], $8::bigint[], $9::bigint[]) ' +
  `as u(feature, hour, peak, seconds, checkouts, denials) ${UPSERT_USAGE_CONFLICT}`;

/** The same rows as {@link PG_UPSERT_USAGE} when none of them is stored yet: a plain insert. */
const PG_INSERT_USAGE =
  `${UPSERT_USAGE_COLUMNS} select $1, u.feature, u.hour, $2, u.peak, u.seconds, u.checkouts, u.denials, $3 ` +
  'from unnest($4::text[], $5::text[], $6::integer[], $7::bigint[], $8::bigint[], $9::bigint[]) ' +
  'as u(feature, hour, peak, seconds, checkouts, denials)';
/** Whether any hour of the given features between two hours is stored for a server: one index range per feature. */
const PG_ANY_STORED =
  'select exists (select 1 from unnest($2::text[]) as f(feature) where exists (select 1 from usage_hours u ' +
  'where u.server_id = $1 and u.feature = f.feature and u.hour >= $3 and u.hour <= $4)) as stored';
/**
 * First number of the two-number advisory locks that serialize one server's usage writes
 * (the second is a hash of the server id). Two numbers, so they never meet the bootstrap
 * lock's single-number key.
 */
const PG_USAGE_LOCK_CLASS = 7_569;

/** The server's usage-lock number: the first 4 bytes of SHA-256 of its id, as a signed 32-bit integer. */
function usageLockKey(serverId: string): number {
  return createHash('sha256').update(serverId).digest().readInt32BE(0);
}

/**
 * A PostgreSQL array literal of integers (safe integers: a Report's counts are checked so).
 * Written with one join: node-pg turns a JS array into the same literal element by element,
 * each number stringified, run through two regex replaces and quoted, which for 648,000
 * values (108,000 hours × 6 columns) cost the Cloud ~0.15 s of CPU per Report.
 */
function pgIntegerArray(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

/**
 * A PostgreSQL array literal of texts, every element quoted, `\` and `"` escaped in one pass
 * over the joined text. The elements are joined with NUL, which no PostgreSQL text can hold
 * (feature names and hour marks of a verified Report are plain ASCII), then NUL becomes `","`.
 */
function pgTextArray(values: readonly string[]): string {
  if (values.length === 0) return '{}';
  return `{"${values.join('\0').replace(/[\\"]/g, '\\$&').replaceAll('\0', '","')}"}`;
}

// `where true`: SQLite needs it to tell an INSERT ... SELECT's ON CONFLICT from a join's ON.
const SQLITE_UPSERT_USAGE =
  `${UPSERT_USAGE_COLUMNS} select ?, u.value ->> 0, u.value ->> 1, ?, u.value ->> 2, u.value ->> 3, ` +
  `u.value ->> 4, u.value ->> 5, ? from jsonb_each(?) as u where true ${UPSERT_USAGE_CONFLICT}`;

export class UsageRepo {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  async reportHash(serverId: string, sequence: number): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('reports')
      .select('payload_hash')
      .where('server_id', '=', serverId)
      .where('sequence', '=', sequence)
      .executeTakeFirst();
    return r?.payload_hash;
  }

  /** Records a report; false when one with this sequence is already there (another node's). */
  async insertReport(r: {
    serverId: string;
    sequence: number;
    hash: string;
    at: string;
    hours: number;
  }): Promise<boolean> {
    const res = await this.db
      .insertInto('reports')
      .values({ server_id: r.serverId, sequence: r.sequence, payload_hash: r.hash, received_at: r.at, hours: r.hours })
      .onConflict((oc) => oc.columns(['server_id', 'sequence']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /**
   * Upserts usage by (server, feature, hour) with absolute values: a row is overwritten only
   * by a report of the same or a higher sequence, so a late, older report never undoes a newer one.
   * All `hours` belong to `owner` (one server's report). A Report may hold 100,000 hours, so the
   * SQL is written here, not built per value: on SQLite one `jsonb_each` statement per
   * {@link USAGE_CHUNK} rows, on PostgreSQL one `unnest` statement per {@link PG_USAGE_CHUNK} rows,
   * the server, customer and sequence bound once per statement. The caller's transaction holds them all.
   */
  async upsert(owner: UsageOwner, report: readonly UsageValues[]): Promise<void> {
    if (report.length === 0) return;
    // Hour by hour (stable: features keep their order within an hour). A Report lists its hours
    // feature by feature; written in that order, each feature's run of hours sweeps once more
    // through the customer's part of the (customer_id, hour) index, which the customer's other
    // servers fill at the same hours: 50 sweeps through an index larger than SQLite's page cache.
    // In hour order its entries go in side by side in one sweep (108,000 new hours beside
    // another server's: ~0.55 s of CPU instead of ~0.9 s), and the key index gets one insertion
    // point per feature.
    const hours = [...report].sort(byHour);
    if (this.dialect === 'postgres') {
      await this.upsertUsagePostgres(owner, hours);
      return;
    }
    // SQLite: the rows as one JSON array of [feature, hour, peak, seconds, checkouts, denials]
    // per statement, unpacked by jsonb_each: one short statement to prepare and four values to
    // bind, where 9 bound values per row in multi-row VALUES cost more to compile and bind than
    // the JSON costs to parse (~150 ms less CPU for 108,000 new hours). jsonb_each, not
    // json_each: its row values are binary, so `->>` does not parse each row's text six times
    // (108,000 rows unpacked in ~90 ms instead of ~220 ms).
    for (let i = 0; i < hours.length; i += USAGE_CHUNK) {
      const n = Math.min(USAGE_CHUNK, hours.length - i);
      const rows = new Array<unknown[]>(n);
      for (let j = 0; j < n; j++) {
        const u = hours[i + j]!;
        rows[j] = [u.feature, u.hour, u.peakSeats, u.seatSeconds, u.checkouts, u.denials];
      }
      await this.db.executeQuery(
        CompiledQuery.raw(SQLITE_UPSERT_USAGE, [
          owner.serverId,
          owner.customerId,
          owner.sequence,
          JSON.stringify(rows),
        ]),
      );
    }
  }

  /**
   * PostgreSQL: one array per column, 20,000 hours per round trip, parsed and planned once.
   * Most Reports bring only hours the Cloud has not seen (those after the last acknowledged
   * one); for them a plain INSERT does the work of INSERT ... ON CONFLICT at about two thirds
   * of PostgreSQL's CPU (no speculative insertion: 108,000 new hours in ~1.4 s of backend CPU
   * instead of ~2.0 s, measured on a busy box). That is safe only if no other transaction
   * writes this server's hours meanwhile: a transaction-scoped advisory lock per server makes a
   * second node's Report of the same server wait here until this one commits, and then see
   * these rows and take the upsert.
   */
  private async upsertUsagePostgres(owner: UsageOwner, hours: readonly UsageValues[]): Promise<void> {
    await this.db.executeQuery(
      CompiledQuery.raw('select pg_advisory_xact_lock($1, $2)', [PG_USAGE_LOCK_CLASS, usageLockKey(owner.serverId)]),
    );
    // What the dropped foreign key checked row by row (migration 0004), once: the server exists,
    // and holding its row's key-share lock until commit, it cannot be deleted under these rows.
    const server = await this.db.executeQuery(
      CompiledQuery.raw('select 1 from servers where id = $1 for key share', [owner.serverId]),
    );
    if (server.rows.length === 0) {
      throw new TesseraError('NOT_FOUND', `no server ${owner.serverId}: its usage hours are not stored`);
    }
    // Sorted by hour: the first and the last bound every hour of the report.
    const features = [...new Set(hours.map((u) => u.feature))];
    const stored = await this.db.executeQuery<{ stored: boolean }>(
      CompiledQuery.raw(PG_ANY_STORED, [owner.serverId, features, hours[0]!.hour, hours.at(-1)!.hour]),
    );
    const statement = stored.rows[0]?.stored === false ? PG_INSERT_USAGE : PG_UPSERT_USAGE;
    for (let i = 0; i < hours.length; i += PG_USAGE_CHUNK) {
      const n = Math.min(PG_USAGE_CHUNK, hours.length - i);
      const feature = new Array<string>(n);
      const hour = new Array<string>(n);
      const peak = new Array<number>(n);
      const seconds = new Array<number>(n);
      const checkouts = new Array<number>(n);
      const denials = new Array<number>(n);
      for (let j = 0; j < n; j++) {
        const u = hours[i + j]!;
        feature[j] = u.feature;
        hour[j] = u.hour;
        peak[j] = u.peakSeats;
        seconds[j] = u.seatSeconds;
        checkouts[j] = u.checkouts;
        denials[j] = u.denials;
      }
      await this.db.executeQuery(
        CompiledQuery.raw(statement, [
          owner.serverId,
          owner.customerId,
          owner.sequence,
          pgTextArray(feature),
          pgTextArray(hour),
          pgIntegerArray(peak),
          pgIntegerArray(seconds),
          pgIntegerArray(checkouts),
          pgIntegerArray(denials),
        ]),
      );
    }
  }

  /**
   * The newest hour stored for a server, or null. The key is (server, feature, hour), so
   * `max(hour) where server_id = ?` reads every hour the server has (216,000 index entries
   * after two 90-day Reports: 40-140 ms on PostgreSQL); instead, feature by feature (a skip
   * scan: the next feature, then its newest hour, two index probes each).
   */
  async newestHour(serverId: string): Promise<string | null> {
    const r = await sql<{ h: string | null }>`
      with recursive f(feature) as (
        select min(feature) from usage_hours where server_id = ${serverId}
        union all
        select (select min(u.feature) from usage_hours u where u.server_id = ${serverId} and u.feature > f.feature)
        from f where f.feature is not null
      )
      select max((select max(u.hour) from usage_hours u where u.server_id = ${serverId} and u.feature = f.feature)) as h
      from f where f.feature is not null`.execute(this.db);
    return r.rows[0]?.h ?? null;
  }

  async list(f: { customerId?: string | undefined; serverId?: string | undefined; from: string }): Promise<UsageRow[]> {
    let q = this.db.selectFrom('usage_hours').selectAll().where('hour', '>=', f.from);
    if (f.customerId !== undefined) q = q.where('customer_id', '=', f.customerId);
    if (f.serverId !== undefined) q = q.where('server_id', '=', f.serverId);
    const rows = await q.orderBy('server_id').orderBy('feature').orderBy('hour').execute();
    return rows.map((r) => ({
      serverId: r.server_id,
      feature: r.feature,
      hour: r.hour,
      customerId: r.customer_id,
      peakSeats: Number(r.peak_seats),
      seatSeconds: Number(r.seat_seconds),
      checkouts: Number(r.checkouts),
      denials: Number(r.denials),
      sequence: Number(r.sequence),
    }));
  }
}
