import { AuditRepo } from './audit.js';
import type { Db } from './db.js';
import { FlexibleRepo } from './flexible.js';
import { LeaseListing } from './lease-listing.js';
import { LeaseRepo } from './leases.js';
import { LicenseRepo } from './licenses.js';
import { MetaRepo } from './meta.js';
import { SessionRepo } from './sessions.js';
import { UsageRepo } from './usage.js';
import { UserRepo } from './users.js';

export type { AuditRow } from './audit.js';
export type { FlexibleLicenseRow, FlexibleSyncRow } from './flexible.js';
export type { LeaseFilter, LeaseSortKey, SortDirection } from './lease-listing.js';
export type { HeldLeaseRow, LeaseRow } from './leases.js';
export type { InstalledLicenseRow, TombstoneRow } from './licenses.js';
export type { SessionRow } from './sessions.js';
export type { UsageHourRow } from './usage.js';
export type { Role, UserRow } from './users.js';

/**
 * Every repository over one database handle, built once. Every SQL statement of the License
 * Server lives in this folder; the domain sees typed methods.
 */
export class Store {
  readonly meta: MetaRepo;
  readonly leases: LeaseRepo;
  readonly leaseListing: LeaseListing;
  readonly licenses: LicenseRepo;
  readonly audit: AuditRepo;
  readonly users: UserRepo;
  readonly sessions: SessionRepo;
  readonly usage: UsageRepo;
  readonly flexible: FlexibleRepo;
  constructor(readonly db: Db) {
    this.meta = new MetaRepo(db);
    this.leases = new LeaseRepo(db);
    this.leaseListing = new LeaseListing(db);
    this.licenses = new LicenseRepo(db);
    this.audit = new AuditRepo(db);
    this.users = new UserRepo(db);
    this.sessions = new SessionRepo(db);
    this.usage = new UsageRepo(db);
    this.flexible = new FlexibleRepo(db);
  }
}
