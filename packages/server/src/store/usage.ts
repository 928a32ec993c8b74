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
}

export class UsageRepo {
  private readonly upsertStmt;
  private readonly getStmt;
  private readonly rangeStmt;

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
  }

  /** Writes an hour's absolute values (a later write of the same hour replaces them). */
  upsert(row: UsageHourRow): void {
    this.upsertStmt.run(row);
  }
  get(feature: string, hour: string): UsageHourRow | undefined {
    return this.getStmt.get(feature, hour);
  }
  /** Hours in [fromHour, toHour), by feature then hour. */
  range(fromHour: string, toHour: string): UsageHourRow[] {
    return this.rangeStmt.all(fromHour, toHour);
  }
}
