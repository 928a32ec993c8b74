import type { Db } from './db.js';

export interface LeaseRow {
  leaseId: string;
  licenseId: string;
  feature: string;
  count: number;
  clientId: string;
  host: string | null;
  app: string | null;
  version: string | null;
  releaseDate: string;
  createdAt: number;
}

export type HeldLeaseRow = Pick<LeaseRow, 'leaseId' | 'licenseId' | 'feature' | 'count'>;

export class LeaseRepo {
  private readonly insertStmt;
  private readonly deleteStmt;
  private readonly heldStmt;
  private readonly byFeatureStmt;
  private readonly byLicenseStmt;
  private readonly goneInsertStmt;
  private readonly goneGetStmt;
  private readonly gonePruneStmt;
  private readonly countStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO leases (lease_id, license_id, feature, count, client_id, host, app, version, release_date, created_at)
       VALUES (@leaseId, @licenseId, @feature, @count, @clientId, @host, @app, @version, @releaseDate, @createdAt)`,
    );
    this.deleteStmt = db.prepare<[string]>('DELETE FROM leases WHERE lease_id = ?');
    const cols = `lease_id AS leaseId, license_id AS licenseId, feature, count, client_id AS clientId, host, app,
       version, release_date AS releaseDate, created_at AS createdAt`;
    // Lease ids begin with their creation time, so primary-key order is creation order: no sort.
    this.heldStmt = db
      .prepare<[], [string, string, string, number]>(
        'SELECT lease_id, license_id, feature, count FROM leases ORDER BY lease_id',
      )
      .raw();
    this.byFeatureStmt = db.prepare<[string], LeaseRow>(
      `SELECT ${cols} FROM leases WHERE feature = ? ORDER BY created_at, lease_id`,
    );
    this.byLicenseStmt = db.prepare<[string], LeaseRow>(`SELECT ${cols} FROM leases WHERE license_id = ?`);
    this.goneInsertStmt = db.prepare(
      'INSERT INTO gone_leases (lease_id, reason, gone_at) VALUES (?, ?, ?) ON CONFLICT (lease_id) DO NOTHING',
    );
    this.goneGetStmt = db.prepare<[string], { reason: string }>('SELECT reason FROM gone_leases WHERE lease_id = ?');
    this.gonePruneStmt = db.prepare<[number]>('DELETE FROM gone_leases WHERE gone_at < ?');
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM leases');
  }

  insert(row: LeaseRow): void {
    this.insertStmt.run(row);
  }
  delete(leaseId: string): void {
    this.deleteStmt.run(leaseId);
  }
  /** What the lease engine keeps of each lease, oldest first: loaded once at start. */
  *iterateHeld(): IterableIterator<HeldLeaseRow> {
    for (const [leaseId, licenseId, feature, count] of this.heldStmt.iterate()) {
      yield { leaseId, licenseId, feature, count };
    }
  }
  byFeature(feature: string): LeaseRow[] {
    return this.byFeatureStmt.all(feature);
  }
  byLicense(licenseId: string): LeaseRow[] {
    return this.byLicenseStmt.all(licenseId);
  }
  count(): number {
    return this.countStmt.get()?.n ?? 0;
  }
  markGone(leaseId: string, reason: string, atMs: number): void {
    this.goneInsertStmt.run(leaseId, reason, atMs);
  }
  goneReason(leaseId: string): string | undefined {
    return this.goneGetStmt.get(leaseId)?.reason;
  }
  pruneGone(beforeMs: number): void {
    this.gonePruneStmt.run(beforeMs);
  }
}
