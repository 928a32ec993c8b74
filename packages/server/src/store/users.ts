import type { Db } from './db.js';

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
