import type { AuditFilter } from '@tessera/service-kit';
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
  constructor(private readonly db: Db) {
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
  page(beforeId: number, limit: number, filter: AuditFilter = {}): AuditRow[] {
    const rows =
      Object.keys(filter).length === 0 ? this.pageStmt.all(beforeId, limit) : this.filtered(beforeId, limit, filter);
    return rows.map((r) => ({ ...r, detail: r.detail === null ? null : (JSON.parse(r.detail) as unknown) }));
  }

  /** A filtered page: a statement per call (filters are an operator's occasional question). */
  private filtered(beforeId: number, limit: number, f: AuditFilter) {
    const where = ['id < ?'];
    const args: (string | number)[] = [beforeId];
    if (f.actor !== undefined) {
      where.push('actor = ?');
      args.push(f.actor);
    }
    if (f.action !== undefined) {
      where.push('substr(action, 1, ?) = ?');
      args.push(f.action.length, f.action);
    }
    if (f.outcome !== undefined) where.push(f.outcome === 'ok' ? "outcome = 'ok'" : "outcome <> 'ok'");
    if (f.since !== undefined) {
      where.push('at >= ?');
      args.push(f.since);
    }
    if (f.until !== undefined) {
      where.push('at < ?');
      args.push(f.until);
    }
    return this.db
      .prepare<(string | number)[], Omit<AuditRow, 'detail'> & { detail: string | null }>(
        `SELECT id, at, actor, action, target, outcome, detail FROM audit_log WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`,
      )
      .all(...args, limit);
  }
}
