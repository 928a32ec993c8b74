import type { LicenseClaims } from '@tessera/core';
import type { Db } from './db.js';
import type { UsageHourRow } from './usage.js';

/** Flexible licensing (migration 3): Reports, Syncs, the flexible licenses, and their state. */

export interface FlexibleLicenseRow {
  licenseId: string;
  revision: number;
  customer: string;
  claims: LicenseClaims;
  syncCounter: number;
}

export interface FlexibleSyncRow {
  syncCounter: number;
  reportSequence: number;
  acknowledgedThrough: string | null;
  issuedAt: string;
  validUntil: string;
  nextSyncSeconds: number;
  appliedAt: string;
  source: 'online' | 'file';
  document: string;
}

export class FlexibleRepo {
  private readonly stateGetStmt;
  private readonly stateSetStmt;
  private readonly stateDeleteStmt;
  private readonly licensesStmt;
  private readonly licenseIdsStmt;
  private readonly licenseDeleteAllStmt;
  private readonly licenseInsertStmt;
  private readonly lastSyncStmt;
  private readonly syncInsertStmt;
  private readonly reportInsertStmt;
  private readonly lastReportStmt;
  private readonly pendingUsageStmt;
  private readonly pendingCountStmt;

  constructor(db: Db) {
    this.stateGetStmt = db.prepare<[string], { value: string }>('SELECT value FROM flexible_state WHERE key = ?');
    this.stateSetStmt = db.prepare(
      'INSERT INTO flexible_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.stateDeleteStmt = db.prepare<[string]>('DELETE FROM flexible_state WHERE key = ?');
    this.licensesStmt = db.prepare<
      [],
      { licenseId: string; revision: number; customer: string; claims: string; syncCounter: number }
    >(
      `SELECT license_id AS licenseId, revision, customer, claims, sync_counter AS syncCounter
       FROM flexible_licenses ORDER BY license_id`,
    );
    this.licenseIdsStmt = db.prepare<[], { licenseId: string }>(
      'SELECT license_id AS licenseId FROM flexible_licenses ORDER BY license_id',
    );
    this.licenseDeleteAllStmt = db.prepare('DELETE FROM flexible_licenses');
    this.licenseInsertStmt = db.prepare(
      `INSERT INTO flexible_licenses (license_id, revision, customer, claims, sync_counter)
       VALUES (@licenseId, @revision, @customer, @claims, @syncCounter)`,
    );
    this.lastSyncStmt = db.prepare<[], FlexibleSyncRow>(
      `SELECT sync_counter AS syncCounter, report_sequence AS reportSequence,
         acknowledged_through AS acknowledgedThrough, issued_at AS issuedAt, valid_until AS validUntil,
         next_sync_seconds AS nextSyncSeconds, applied_at AS appliedAt, source, document
       FROM flexible_syncs ORDER BY sync_counter DESC LIMIT 1`,
    );
    this.syncInsertStmt = db.prepare(
      `INSERT INTO flexible_syncs (sync_counter, report_sequence, acknowledged_through, issued_at, valid_until,
         next_sync_seconds, applied_at, source, document)
       VALUES (@syncCounter, @reportSequence, @acknowledgedThrough, @issuedAt, @validUntil, @nextSyncSeconds,
         @appliedAt, @source, @document)`,
    );
    this.reportInsertStmt = db.prepare(
      `INSERT INTO flexible_reports (sequence, created_at, acknowledged_through, hours)
       VALUES (@sequence, @createdAt, @acknowledgedThrough, @hours)`,
    );
    this.lastReportStmt = db.prepare<[], { sequence: number }>(
      'SELECT sequence FROM flexible_reports ORDER BY sequence DESC LIMIT 1',
    );
    this.pendingUsageStmt = db.prepare<[string, string], UsageHourRow>(
      `SELECT feature, hour, peak_seats AS peakSeats, seat_seconds AS seatSeconds, checkouts, denials
       FROM usage_hours WHERE hour > ? AND hour < ? ORDER BY feature, hour`,
    );
    this.pendingCountStmt = db.prepare<[string, string], { n: number }>(
      'SELECT COUNT(*) AS n FROM usage_hours WHERE hour > ? AND hour < ?',
    );
  }

  state(key: string): string | undefined {
    return this.stateGetStmt.get(key)?.value;
  }
  setState(key: string, value: string): void {
    this.stateSetStmt.run(key, value);
  }
  deleteState(key: string): void {
    this.stateDeleteStmt.run(key);
  }
  /** Ids of the flexible licenses of the last Sync applied (served or not). */
  licenseIds(): string[] {
    return this.licenseIdsStmt.all().map((r) => r.licenseId);
  }
  licenses(): FlexibleLicenseRow[] {
    return this.licensesStmt.all().map((r) => ({ ...r, claims: JSON.parse(r.claims) as LicenseClaims }));
  }
  /** Replaces every flexible license with `rows`. */
  replaceLicenses(rows: readonly FlexibleLicenseRow[]): void {
    this.licenseDeleteAllStmt.run();
    for (const r of rows) this.licenseInsertStmt.run({ ...r, claims: JSON.stringify(r.claims) });
  }
  lastSync(): FlexibleSyncRow | undefined {
    return this.lastSyncStmt.get();
  }
  insertSync(row: FlexibleSyncRow): void {
    this.syncInsertStmt.run(row);
  }
  /** The highest report sequence taken so far (0 before the first Report). */
  lastReportSequence(): number {
    return this.lastReportStmt.get()?.sequence ?? 0;
  }
  insertReport(row: { sequence: number; createdAt: string; acknowledgedThrough: string | null; hours: number }): void {
    this.reportInsertStmt.run(row);
  }
  /** Usage hours after `afterHour` (exclusive; '' for all) and before `beforeHour` (exclusive). */
  pendingUsage(afterHour: string, beforeHour: string): UsageHourRow[] {
    return this.pendingUsageStmt.all(afterHour, beforeHour);
  }
  /** How many hours `pendingUsage` would give (the Dashboard's status asks often; a Report is rarer). */
  pendingUsageCount(afterHour: string, beforeHour: string): number {
    return this.pendingCountStmt.get(afterHour, beforeHour)?.n ?? 0;
  }
}
