import type { Db } from './db.js';

/** Usage by hour (migration 2). */
export interface UsageHourRow {
  feature: string;
  /** Start of the UTC hour, `YYYY-MM-DDTHH:00:00Z`. */
  hour: string;
  peakSeats: number;
  seatSeconds: number;
  checkouts: number;
  denials: number;
  /**
   * Refusals of the hour by code other than NO_SEATS (those are `denials`), absolute values;
   * absent when there were none.
   */
  refusals?: Record<string, number>;
}

/** One count of `usage_refusals`. */
export interface UsageRefusalRow {
  feature: string;
  hour: string;
  code: string;
  count: number;
}

export class UsageRepo {
  private readonly upsertStmt;
  private readonly getStmt;
  private readonly rangeStmt;
  private readonly upsertRefusalStmt;
  private readonly refusalsOfStmt;
  private readonly refusalRangeStmt;

  constructor(db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO usage_hours (feature, hour, peak_seats, seat_seconds, checkouts, denials)
       VALUES (@feature, @hour, @peakSeats, @seatSeconds, @checkouts, @denials)
       ON CONFLICT (feature, hour) DO UPDATE SET peak_seats = excluded.peak_seats,
         seat_seconds = excluded.seat_seconds, checkouts = excluded.checkouts, denials = excluded.denials`,
    );
    const cols = `feature, hour, peak_seats AS peakSeats, seat_seconds AS seatSeconds, checkouts, denials`;
    this.getStmt = db.prepare<[string, string], UsageHourRow>(
      `SELECT ${cols} FROM usage_hours WHERE feature = ? AND hour = ?`,
    );
    this.rangeStmt = db.prepare<[string, string], UsageHourRow>(
      `SELECT ${cols} FROM usage_hours WHERE hour >= ? AND hour < ? ORDER BY feature, hour`,
    );
    this.upsertRefusalStmt = db.prepare(
      `INSERT INTO usage_refusals (feature, hour, code, count) VALUES (@feature, @hour, @code, @count)
       ON CONFLICT (feature, hour, code) DO UPDATE SET count = excluded.count`,
    );
    this.refusalsOfStmt = db.prepare<[string, string], { code: string; count: number }>(
      'SELECT code, count FROM usage_refusals WHERE feature = ? AND hour = ?',
    );
    this.refusalRangeStmt = db.prepare<[string, string], UsageRefusalRow>(
      'SELECT feature, hour, code, count FROM usage_refusals WHERE hour >= ? AND hour < ? ORDER BY feature, hour, code',
    );
  }

  /** Writes an hour's absolute values (a later write of the same hour replaces them). */
  upsert(row: UsageHourRow): void {
    const { refusals, ...hour } = row;
    this.upsertStmt.run(hour);
    for (const [code, count] of Object.entries(refusals ?? {})) {
      this.upsertRefusalStmt.run({ feature: row.feature, hour: row.hour, code, count });
    }
  }
  /** The refusals by code (NO_SEATS aside) stored for one feature and hour. */
  refusalsOf(feature: string, hour: string): Record<string, number> {
    return Object.fromEntries(this.refusalsOfStmt.all(feature, hour).map((r) => [r.code, r.count]));
  }
  /** Refusal counts in [fromHour, toHour), by feature, hour and code. */
  refusalRange(fromHour: string, toHour: string): UsageRefusalRow[] {
    return this.refusalRangeStmt.all(fromHour, toHour);
  }
  get(feature: string, hour: string): UsageHourRow | undefined {
    return this.getStmt.get(feature, hour);
  }
  /** Hours in [fromHour, toHour), by feature then hour. */
  range(fromHour: string, toHour: string): UsageHourRow[] {
    return this.rangeStmt.all(fromHour, toHour);
  }
}
