import type { Db } from './db.js';

/** Dashboard sign-in sessions (migration 2). */
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
  private readonly deleteAllOfStmt;
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
    this.deleteAllOfStmt = db.prepare<[string]>('DELETE FROM sessions WHERE username = ?');
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
  /** Signs a user out everywhere (disabled, deleted, or given a new password by an admin). */
  deleteAllOf(username: string): number {
    return this.deleteAllOfStmt.run(username).changes;
  }
  /** Drops sessions idle since `idleBeforeMs` or created before `createdBeforeMs`. */
  prune(idleBeforeMs: number, createdBeforeMs: number): number {
    return this.pruneStmt.run(idleBeforeMs, createdBeforeMs).changes;
  }
}
