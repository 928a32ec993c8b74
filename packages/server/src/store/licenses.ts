import type { LicenseClaims } from '@tessera/core';
import type { Db } from './db.js';

export interface InstalledLicenseRow {
  licenseId: string;
  revision: number;
  customer: string;
  serverId: string;
  claims: LicenseClaims;
  document: string;
  issuedAt: string;
  installedAt: string;
}

export interface TombstoneRow {
  licenseId: string;
  revision: number;
  uninstalledAt: string;
  certificate: string;
}

export class LicenseRepo {
  private readonly allStmt;
  private readonly getStmt;
  private readonly upsertStmt;
  private readonly deleteStmt;
  private readonly tombGetStmt;
  private readonly tombInsertStmt;
  private readonly tombAllStmt;

  constructor(db: Db) {
    const cols = `license_id AS licenseId, revision, customer, server_id AS serverId, claims, document,
      issued_at AS issuedAt, installed_at AS installedAt`;
    this.allStmt = db.prepare<[], RawLicense>(`SELECT ${cols} FROM licenses ORDER BY installed_at, license_id`);
    this.getStmt = db.prepare<[string], RawLicense>(`SELECT ${cols} FROM licenses WHERE license_id = ?`);
    this.upsertStmt = db.prepare(
      `INSERT INTO licenses (license_id, revision, customer, server_id, claims, document, issued_at, installed_at)
       VALUES (@licenseId, @revision, @customer, @serverId, @claims, @document, @issuedAt, @installedAt)
       ON CONFLICT (license_id) DO UPDATE SET revision = excluded.revision, customer = excluded.customer,
         claims = excluded.claims, document = excluded.document, issued_at = excluded.issued_at,
         installed_at = excluded.installed_at`,
    );
    this.deleteStmt = db.prepare<[string]>('DELETE FROM licenses WHERE license_id = ?');
    this.tombGetStmt = db.prepare<[string], TombstoneRow>(
      `SELECT license_id AS licenseId, revision, uninstalled_at AS uninstalledAt, certificate
       FROM license_tombstones WHERE license_id = ?`,
    );
    this.tombAllStmt = db.prepare<[], TombstoneRow>(
      `SELECT license_id AS licenseId, revision, uninstalled_at AS uninstalledAt, certificate
       FROM license_tombstones ORDER BY uninstalled_at`,
    );
    this.tombInsertStmt = db.prepare(
      `INSERT INTO license_tombstones (license_id, revision, uninstalled_at, certificate)
       VALUES (@licenseId, @revision, @uninstalledAt, @certificate)`,
    );
  }

  all(): InstalledLicenseRow[] {
    return this.allStmt.all().map(parseLicense);
  }
  get(licenseId: string): InstalledLicenseRow | undefined {
    const r = this.getStmt.get(licenseId);
    return r ? parseLicense(r) : undefined;
  }
  upsert(row: InstalledLicenseRow): void {
    this.upsertStmt.run({ ...row, claims: JSON.stringify(row.claims) });
  }
  delete(licenseId: string): void {
    this.deleteStmt.run(licenseId);
  }
  tombstone(licenseId: string): TombstoneRow | undefined {
    return this.tombGetStmt.get(licenseId);
  }
  tombstones(): TombstoneRow[] {
    return this.tombAllStmt.all();
  }
  addTombstone(row: TombstoneRow): void {
    this.tombInsertStmt.run(row);
  }
}

type RawLicense = Omit<InstalledLicenseRow, 'claims'> & { claims: string };

function parseLicense(r: RawLicense): InstalledLicenseRow {
  return { ...r, claims: JSON.parse(r.claims) as LicenseClaims };
}
