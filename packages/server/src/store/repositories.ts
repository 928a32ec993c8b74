import type { LicenseClaims, PersistedClockMark } from '@tessera/core';
import type { Db } from './db.js';

/** Every SQL statement of the License Server lives in this folder; services see typed methods. */

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

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  detail: unknown;
}

export class MetaRepo {
  private readonly getStmt;
  private readonly setStmt;
  constructor(db: Db) {
    this.getStmt = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    this.setStmt = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }
  get(key: string): string | undefined {
    return this.getStmt.get(key)?.value;
  }
  set(key: string, value: string): void {
    this.setStmt.run(key, value);
  }
  /** The clock guard's persisted mark and the local time it was written (absent before this was recorded). */
  clockMark(): PersistedClockMark | undefined {
    const mark = this.get(CLOCK_MARK_KEYS.mark);
    if (mark === undefined) return undefined;
    const writtenAt = this.get(CLOCK_MARK_KEYS.writtenAt);
    return { mark: Number(mark), writtenAt: writtenAt === undefined ? undefined : Number(writtenAt) };
  }
  setClockMark(mark: number, writtenAt: number): void {
    this.set(CLOCK_MARK_KEYS.mark, String(mark));
    this.set(CLOCK_MARK_KEYS.writtenAt, String(writtenAt));
  }
}

/** Where the clock guard's mark lives in `meta`; the time it was written is a key of its own, so older versions still read the mark. */
const CLOCK_MARK_KEYS = { mark: 'clock.highWater', writtenAt: 'clock.highWaterWrittenAt' } as const;

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

export class AuditRepo {
  private readonly insertStmt;
  private readonly pageStmt;
  constructor(db: Db) {
    this.insertStmt = db.prepare(
      'INSERT INTO audit_log (at, actor, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.pageStmt = db.prepare<[number, number], Omit<AuditRow, 'detail'> & { detail: string | null }>(
      'SELECT id, at, actor, action, target, outcome, detail FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?',
    );
  }
  append(e: { at: string; actor: string; action: string; target?: string | null; outcome: string; detail?: unknown }) {
    this.insertStmt.run(
      e.at,
      e.actor,
      e.action,
      e.target ?? null,
      e.outcome,
      e.detail === undefined ? null : JSON.stringify(e.detail),
    );
  }
  page(beforeId: number, limit: number): AuditRow[] {
    return this.pageStmt
      .all(beforeId, limit)
      .map((r) => ({ ...r, detail: r.detail === null ? null : (JSON.parse(r.detail) as unknown) }));
  }
}

export type Role = 'view' | 'manage' | 'admin';

export interface UserRow {
  username: string;
  passwordHash: string;
  role: Role;
  mustChange: boolean;
  createdAt: string;
}

export class UserRepo {
  private readonly getStmt;
  private readonly insertStmt;
  private readonly setPasswordStmt;
  private readonly allStmt;
  private readonly tokenGetStmt;
  private readonly tokenInsertStmt;
  private readonly tokenDeleteAllStmt;

  constructor(db: Db) {
    const cols = `username, password_hash AS passwordHash, role, must_change AS mustChange, created_at AS createdAt`;
    this.getStmt = db.prepare<[string], RawUser>(`SELECT ${cols} FROM users WHERE username = ?`);
    this.allStmt = db.prepare<[], RawUser>(`SELECT ${cols} FROM users ORDER BY username`);
    this.insertStmt = db.prepare(
      'INSERT INTO users (username, password_hash, role, must_change, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.setPasswordStmt = db.prepare('UPDATE users SET password_hash = ?, must_change = ? WHERE username = ?');
    this.tokenGetStmt = db.prepare<[string], { name: string; role: Role }>(
      'SELECT name, role FROM api_tokens WHERE token_hash = ?',
    );
    this.tokenInsertStmt = db.prepare(
      'INSERT INTO api_tokens (token_hash, name, role, created_at) VALUES (?, ?, ?, ?)',
    );
    this.tokenDeleteAllStmt = db.prepare<[string]>('DELETE FROM api_tokens WHERE name = ?');
  }

  get(username: string): UserRow | undefined {
    const r = this.getStmt.get(username);
    return r ? { ...r, mustChange: r.mustChange === 1 } : undefined;
  }
  all(): UserRow[] {
    return this.allStmt.all().map((r) => ({ ...r, mustChange: r.mustChange === 1 }));
  }
  insert(u: UserRow): void {
    this.insertStmt.run(u.username, u.passwordHash, u.role, u.mustChange ? 1 : 0, u.createdAt);
  }
  setPassword(username: string, hash: string, mustChange: boolean): void {
    this.setPasswordStmt.run(hash, mustChange ? 1 : 0, username);
  }
  tokenByHash(hash: string): { name: string; role: Role } | undefined {
    return this.tokenGetStmt.get(hash);
  }
  replaceToken(name: string, hash: string, role: Role, at: string): void {
    this.tokenDeleteAllStmt.run(name);
    this.tokenInsertStmt.run(hash, name, role, at);
  }
}

type RawUser = Omit<UserRow, 'mustChange'> & { mustChange: number };

/** All repositories over one database handle. */
export class Store {
  readonly meta: MetaRepo;
  readonly leases: LeaseRepo;
  readonly licenses: LicenseRepo;
  readonly audit: AuditRepo;
  readonly users: UserRepo;
  constructor(readonly db: Db) {
    this.meta = new MetaRepo(db);
    this.leases = new LeaseRepo(db);
    this.licenses = new LicenseRepo(db);
    this.audit = new AuditRepo(db);
    this.users = new UserRepo(db);
  }
}

// ---- Dashboard (migration 2): sessions and usage hours ----

export interface SessionRow {
  /** SHA-256 of the session id the cookie holds (base64url); the id itself is never stored. */
  idHash: string;
  username: string;
  csrfToken: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms of the last request seen, for the idle timeout. */
  lastSeen: number;
}

export class SessionRepo {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly touchStmt;
  private readonly deleteStmt;
  private readonly deleteOthersStmt;
  private readonly pruneStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO sessions (id_hash, username, csrf_token, created_at, last_seen)
       VALUES (@idHash, @username, @csrfToken, @createdAt, @lastSeen)`,
    );
    this.getStmt = db.prepare<[string], SessionRow>(
      `SELECT id_hash AS idHash, username, csrf_token AS csrfToken, created_at AS createdAt, last_seen AS lastSeen
       FROM sessions WHERE id_hash = ?`,
    );
    this.touchStmt = db.prepare<[number, string]>('UPDATE sessions SET last_seen = ? WHERE id_hash = ?');
    this.deleteStmt = db.prepare<[string]>('DELETE FROM sessions WHERE id_hash = ?');
    this.deleteOthersStmt = db.prepare<[string, string]>('DELETE FROM sessions WHERE username = ? AND id_hash <> ?');
    this.pruneStmt = db.prepare<[number, number]>('DELETE FROM sessions WHERE last_seen < ? OR created_at < ?');
  }

  insert(row: SessionRow): void {
    this.insertStmt.run(row);
  }
  get(idHash: string): SessionRow | undefined {
    return this.getStmt.get(idHash);
  }
  touch(idHash: string, atMs: number): void {
    this.touchStmt.run(atMs, idHash);
  }
  delete(idHash: string): void {
    this.deleteStmt.run(idHash);
  }
  /** Signs a user out everywhere but one session (after a password change). */
  deleteOthersOf(username: string, keepIdHash: string): number {
    return this.deleteOthersStmt.run(username, keepIdHash).changes;
  }
  /** Drops sessions idle since `idleBeforeMs` or created before `createdBeforeMs`. */
  prune(idleBeforeMs: number, createdBeforeMs: number): number {
    return this.pruneStmt.run(idleBeforeMs, createdBeforeMs).changes;
  }
}

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

// ---- Flexible licensing (migration 3) ----

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
