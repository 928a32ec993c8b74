import { hashSecret, newSecret, secretsEqual, TesseraError } from '@tessera/core';
import { SESSION_ID_PATTERN, SESSION_POLICY, sessionEndsAt, sessionExpired } from '@tessera/service-kit';
import type { SessionRepo } from '../store/sessions.js';
import { storageFailure, storageWrite } from '../store/storage-errors.js';
import type { Store } from '../store/store.js';
import type { Actor, AuditLog } from './audit.js';
import type { AuthService } from './auth-service.js';

/** A signed-in browser: who, and the token its state-changing requests must echo. */
export interface SessionInfo {
  actor: Actor;
  username: string;
  mustChange: boolean;
  csrfToken: string;
  /** SHA-256 of the cookie's session id: names the session without being it. */
  idHash: string;
  /** When the session ends if it stays idle (or at its maximum age, whichever is first). */
  expiresAt: string;
}

/**
 * Dashboard sessions: sign-in with a user name and password gives a random 256-bit session
 * id for an HttpOnly cookie, stored only as SHA-256, plus a CSRF token. Role and the
 * must-change flag are read from the user at every request, so a change applies at once.
 */
export class SessionService {
  private readonly repo: SessionRepo;
  private lastPrune = 0;

  constructor(
    private readonly store: Store,
    private readonly auth: AuthService,
    private readonly audit: AuditLog,
    private readonly now: () => number,
  ) {
    this.repo = store.sessions;
  }

  /** Signs in; the returned `sessionId` goes into the cookie and nowhere else. */
  async signIn(username: string, password: string): Promise<{ sessionId: string; session: SessionInfo }> {
    const check = await this.auth.authenticatePassword(username, password);
    if (!check.ok) {
      this.audit.recordRefusal({
        actor: { id: `user:${username.slice(0, 64)}`, role: 'view' },
        action: 'session.sign-in',
        outcome: 'refused:UNAUTHORIZED',
      });
      throw new TesseraError(
        'UNAUTHORIZED',
        check.disabled ? `user ${username} is disabled; an admin can enable it` : 'wrong user name or password',
        check.disabled ? { reason: 'USER_DISABLED' } : undefined,
      );
    }
    const now = this.now();
    this.pruneNow(now);
    const sessionId = newSecret(SESSION_POLICY.secretBytes);
    const row = {
      idHash: hashSecret(sessionId),
      username,
      csrfToken: newSecret(SESSION_POLICY.secretBytes),
      createdAt: now,
      lastSeen: now,
    };
    storageWrite(() =>
      this.store.db.transaction(() => {
        this.repo.insert(row);
        this.store.users.setLastSignIn(username, new Date(now).toISOString());
        this.audit.writer({ actor: check.actor, action: 'session.sign-in', outcome: 'ok' })();
      })(),
    );
    return { sessionId, session: this.infoOf(row, check.actor.role, check.mustChange) };
  }

  /** The session a cookie names, if it is live; refreshes its idle timer. */
  authenticate(sessionId: string): SessionInfo | undefined {
    if (!SESSION_ID_PATTERN.test(sessionId)) return undefined;
    const row = this.repo.get(hashSecret(sessionId));
    if (!row) return undefined;
    const now = this.now();
    const user = this.store.users.get(row.username);
    if (!user || user.disabled || sessionExpired(row, now)) {
      this.bestEffort(() => this.repo.delete(row.idHash));
      return undefined;
    }
    if (now - row.lastSeen >= SESSION_POLICY.touchEveryMs) {
      // A full disk must not refuse a read: the idle timer is then refreshed at a later request.
      if (this.bestEffort(() => this.repo.touch(row.idHash, now))) row.lastSeen = now;
    }
    return this.infoOf(row, user.role, user.mustChange);
  }

  /** True while the session named by `idHash` is live (for long-lived streams). */
  isLive(idHash: string): boolean {
    const row = this.repo.get(idHash);
    if (row === undefined || sessionExpired(row, this.now())) return false;
    const user = this.store.users.get(row.username);
    return user !== undefined && !user.disabled;
  }

  /** Constant-time check of the CSRF token a request carries against its session's. */
  csrfMatches(session: SessionInfo, presented: string | undefined): boolean {
    return presented !== undefined && secretsEqual(presented, session.csrfToken);
  }

  signOut(session: SessionInfo): void {
    storageWrite(() =>
      this.store.db.transaction(() => {
        this.repo.delete(session.idHash);
        this.audit.writer({ actor: session.actor, action: 'session.sign-out', outcome: 'ok' })();
      })(),
    );
  }

  /** After a password change: every other session of that user ends. */
  endOtherSessions(session: SessionInfo): number {
    return storageWrite(() => this.repo.deleteOthersOf(session.username, session.idHash));
  }

  private infoOf(
    row: { idHash: string; username: string; csrfToken: string; createdAt: number; lastSeen: number },
    role: Actor['role'],
    mustChange: boolean,
  ): SessionInfo {
    return {
      actor: { id: `user:${row.username}`, role },
      username: row.username,
      mustChange,
      csrfToken: row.csrfToken,
      idHash: row.idHash,
      expiresAt: new Date(sessionEndsAt(row)).toISOString(),
    };
  }

  private pruneNow(now: number): void {
    if (now - this.lastPrune < SESSION_POLICY.pruneEveryMs) return;
    if (this.bestEffort(() => this.repo.prune(now - SESSION_POLICY.idleMs, now - SESSION_POLICY.maxAgeMs))) {
      this.lastPrune = now;
    }
  }

  /** Housekeeping writes that can wait: false when the disk refused them (nothing changed). */
  private bestEffort(write: () => void): boolean {
    try {
      write();
      return true;
    } catch (err) {
      if (storageFailure(err)) return false;
      throw err;
    }
  }
}
