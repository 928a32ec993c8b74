import type { Db } from './db.js';

export type Role = 'view' | 'manage' | 'admin';

export interface UserRow {
  username: string;
  passwordHash: string;
  role: Role;
  mustChange: boolean;
  createdAt: string;
  /** A disabled user cannot sign in (migration 4). */
  disabled: boolean;
  /** The last Dashboard sign-in (ISO instant), or null when there was none. */
  lastSignInAt: string | null;
}

/** What a new user starts with; the rest is the store's defaults. */
export type NewUser = Omit<UserRow, 'disabled' | 'lastSignInAt'>;

export class UserRepo {
  private readonly getStmt;
  private readonly insertStmt;
  private readonly setPasswordStmt;
  private readonly setRoleStmt;
  private readonly setDisabledStmt;
  private readonly setLastSignInStmt;
  private readonly deleteStmt;
  private readonly enabledAdminsStmt;
  private readonly allStmt;
  private readonly tokenGetStmt;
  private readonly tokenInsertStmt;
  private readonly tokenDeleteAllStmt;

  constructor(db: Db) {
    const cols = `username, password_hash AS passwordHash, role, must_change AS mustChange, created_at AS createdAt,
      disabled, last_sign_in_at AS lastSignInAt`;
    this.getStmt = db.prepare<[string], RawUser>(`SELECT ${cols} FROM users WHERE username = ?`);
    this.allStmt = db.prepare<[], RawUser>(`SELECT ${cols} FROM users ORDER BY username`);
    this.insertStmt = db.prepare(
      'INSERT INTO users (username, password_hash, role, must_change, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.setPasswordStmt = db.prepare('UPDATE users SET password_hash = ?, must_change = ? WHERE username = ?');
    this.setRoleStmt = db.prepare<[Role, string]>('UPDATE users SET role = ? WHERE username = ?');
    this.setDisabledStmt = db.prepare<[number, string]>('UPDATE users SET disabled = ? WHERE username = ?');
    this.setLastSignInStmt = db.prepare<[string, string]>('UPDATE users SET last_sign_in_at = ? WHERE username = ?');
    this.deleteStmt = db.prepare<[string]>('DELETE FROM users WHERE username = ?');
    this.enabledAdminsStmt = db
      .prepare<[], number>("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0")
      .pluck();
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
    return r ? fromRaw(r) : undefined;
  }
  all(): UserRow[] {
    return this.allStmt.all().map(fromRaw);
  }
  insert(u: NewUser): void {
    this.insertStmt.run(u.username, u.passwordHash, u.role, u.mustChange ? 1 : 0, u.createdAt);
  }
  setPassword(username: string, hash: string, mustChange: boolean): void {
    this.setPasswordStmt.run(hash, mustChange ? 1 : 0, username);
  }
  setRole(username: string, role: Role): void {
    this.setRoleStmt.run(role, username);
  }
  setDisabled(username: string, disabled: boolean): void {
    this.setDisabledStmt.run(disabled ? 1 : 0, username);
  }
  setLastSignIn(username: string, at: string): void {
    this.setLastSignInStmt.run(at, username);
  }
  delete(username: string): void {
    this.deleteStmt.run(username);
  }
  /** Users who hold the admin role and are not disabled. */
  enabledAdminCount(): number {
    return this.enabledAdminsStmt.get() ?? 0;
  }
  tokenByHash(hash: string): { name: string; role: Role } | undefined {
    return this.tokenGetStmt.get(hash);
  }
  replaceToken(name: string, hash: string, role: Role, at: string): void {
    this.tokenDeleteAllStmt.run(name);
    this.tokenInsertStmt.run(hash, name, role, at);
  }
}

type RawUser = Omit<UserRow, 'mustChange' | 'disabled'> & { mustChange: number; disabled: number };

function fromRaw(r: RawUser): UserRow {
  return { ...r, mustChange: r.mustChange === 1, disabled: r.disabled === 1 };
}
