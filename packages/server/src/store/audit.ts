import type { Db } from './db.js';

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  detail: unknown;
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
