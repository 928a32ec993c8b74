import type { AuditFilter } from '@tessera/service-kit';
import { storageWrite } from '../store/storage-errors.js';
import type { AuditRow, Store } from '../store/store.js';

/** Who did something: a signed-in user, the CLI token, or the server itself. */
export interface Actor {
  /** e.g. `user:admin`, `token:cli`, `cli:local` (direct data-dir access), `system`. */
  id: string;
  role: 'view' | 'manage' | 'admin';
}

export const SYSTEM_ACTOR: Actor = { id: 'system', role: 'admin' };
/** A CLI command that opened the data directory itself, as the OS user who owns it. */
export const LOCAL_CLI_ACTOR: Actor = { id: 'cli:local', role: 'admin' };

export interface AuditEntry {
  actor: Actor;
  action: string;
  target?: string | null;
  outcome: 'ok' | `refused:${string}`;
  detail?: unknown;
}

/** The audit log: every admin action, accepted or refused (docs/security.md). */
export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /** Writes an entry now, in its own transaction; a full disk throws STORAGE_FULL. */
  record(e: AuditEntry): void {
    storageWrite(() => this.store.audit.append(this.row(e)));
  }

  /** Writes several entries in one transaction: all or none. */
  recordAll(entries: readonly AuditEntry[]): void {
    if (entries.length === 0) return;
    const rows = entries.map((e) => this.row(e));
    storageWrite(() =>
      this.store.db.transaction(() => {
        for (const row of rows) this.store.audit.append(row);
      })(),
    );
  }

  /**
   * Writes the entry of a refusal if it can. A refusal changes nothing, and its own code says
   * why better than a full disk would: when the entry cannot be written, the refusal is still
   * answered as it is (false here).
   */
  recordRefusal(e: AuditEntry): boolean {
    try {
      this.record(e);
      return true;
    } catch {
      return false;
    }
  }

  /** The statement to run inside a transaction that also makes the change. */
  writer(e: AuditEntry): () => void {
    const row = this.row(e);
    return () => this.store.audit.append(row);
  }

  page(beforeId: number | undefined, limit: number, filter: AuditFilter = {}): AuditRow[] {
    return this.store.audit.page(beforeId ?? Number.MAX_SAFE_INTEGER, limit, filter);
  }

  private row(e: AuditEntry) {
    return {
      at: new Date(this.now()).toISOString(),
      actor: e.actor.id,
      action: e.action,
      target: e.target ?? null,
      outcome: e.outcome,
      detail: e.detail,
    };
  }
}
