import { hashSecret, newSecret, secretsEqual, TesseraError } from '@tessera/core';
import { SESSION_ID_PATTERN, SESSION_POLICY, sessionEndsAt, sessionExpired } from '../session-policy.js';
import type { PasswordGate } from './password-gate.js';
import type {
  AccountDirectory,
  SessionAccount,
  SessionInfo,
  SessionJournal,
  SessionRow,
  SessionStore,
} from './ports.js';

export interface SessionEngineOptions {
  now: () => number;
  /**
   * Errors of housekeeping writes (the idle timer, deleting an expired session, the sweep)
   * that leave the request to go on, nothing changed; any other error fails the request.
   * The License Server passes its full-disk errors: a full disk must not refuse a read.
   */
  housekeepingMayFail?: (err: unknown) => boolean;
}

/**
 * Browser sessions of both products (docs/security.md): sign-in with a user name and password
 * gives a random 256-bit session id for an HttpOnly cookie, stored only as SHA-256, plus a
 * CSRF token that state-changing requests must echo. The account (role, must-change flag,
 * disabled) is read at every request, so a change applies at once. Times: `SESSION_POLICY`.
 */
export class SessionEngine<A> {
  private lastPrune = 0;

  constructor(
    private readonly passwords: PasswordGate<A>,
    private readonly store: SessionStore,
    private readonly accounts: AccountDirectory<A>,
    private readonly journal: SessionJournal<A>,
    private readonly options: SessionEngineOptions,
  ) {}

  /**
   * Signs in; the returned `sessionId` goes into the cookie and nowhere else. `address` (the
   * caller's) counts towards the sign-in throttle where the product counts addresses.
   */
  async signIn(
    username: string,
    password: string,
    address?: string,
  ): Promise<{ sessionId: string; session: SessionInfo<A> }> {
    const refused = (code: 'UNAUTHORIZED' | 'RATE_LIMITED', message: string) =>
      this.journal.refused({ action: 'session.sign-in', username, actor: undefined, code, message });
    let check: Awaited<ReturnType<PasswordGate<A>['check']>>;
    try {
      check = await this.passwords.check(username, password, address);
    } catch (err) {
      if (err instanceof TesseraError && err.code === 'RATE_LIMITED') await refused('RATE_LIMITED', err.message);
      throw err;
    }
    if (!check.ok) {
      const message = check.disabled
        ? `user ${username} is disabled; an admin can enable it`
        : 'wrong user name or password';
      await refused('UNAUTHORIZED', message);
      throw new TesseraError('UNAUTHORIZED', message, check.disabled ? { reason: 'USER_DISABLED' } : undefined);
    }
    const now = this.options.now();
    await this.pruneNow(now);
    const sessionId = newSecret(SESSION_POLICY.secretBytes);
    const row: SessionRow = {
      idHash: hashSecret(sessionId),
      subject: check.account.subject,
      csrfToken: newSecret(SESSION_POLICY.secretBytes),
      createdAt: now,
      lastSeen: now,
    };
    await this.journal.signedIn(row, check.account);
    return { sessionId, session: this.infoOf(row, check.account) };
  }

  /** The live session a cookie names, if any; refreshes its idle timer. */
  async authenticate(sessionId: string): Promise<SessionInfo<A> | undefined> {
    if (!SESSION_ID_PATTERN.test(sessionId)) return undefined;
    const row = await this.store.get(hashSecret(sessionId));
    if (!row) return undefined;
    const now = this.options.now();
    const account = await this.accounts.bySubject(row.subject);
    if (!account || account.disabled || sessionExpired(row, now)) {
      await this.housekeeping(() => this.store.delete(row.idHash));
      return undefined;
    }
    if (now - row.lastSeen >= SESSION_POLICY.touchEveryMs) {
      // When the write may fail, the idle timer is refreshed at a later request.
      if (await this.housekeeping(() => this.store.touch(row.idHash, now))) row.lastSeen = now;
    }
    return this.infoOf(row, account);
  }

  /** True while the session named by `idHash` is live (for long-lived streams); writes nothing. */
  async isLive(idHash: string): Promise<boolean> {
    const row = await this.store.get(idHash);
    if (row === undefined || sessionExpired(row, this.options.now())) return false;
    const account = await this.accounts.bySubject(row.subject);
    return account !== undefined && !account.disabled;
  }

  /** Constant-time check of the CSRF token a request carries against its session's. */
  csrfMatches(session: SessionInfo<A>, presented: string | undefined): boolean {
    return presented !== undefined && secretsEqual(presented, session.csrfToken);
  }

  async signOut(session: SessionInfo<A>): Promise<void> {
    await this.journal.signedOut(session);
  }

  /** After a password change through a session: every other session of that account ends. */
  async endOtherSessions(session: SessionInfo<A>): Promise<number> {
    return this.store.deleteOthersOf(session.subject, session.idHash);
  }

  private infoOf(row: SessionRow, account: SessionAccount<A>): SessionInfo<A> {
    return {
      actor: account.actor,
      subject: row.subject,
      username: account.username,
      mustChange: account.mustChange,
      csrfToken: row.csrfToken,
      idHash: row.idHash,
      expiresAt: new Date(sessionEndsAt(row)).toISOString(),
    };
  }

  /** Sweeps expired sessions at most every `pruneEveryMs`; concurrent sign-ins sweep once. */
  private async pruneNow(now: number): Promise<void> {
    if (now - this.lastPrune < SESSION_POLICY.pruneEveryMs) return;
    const previous = this.lastPrune;
    this.lastPrune = now;
    const swept = await this.housekeeping(() =>
      this.store.prune(now - SESSION_POLICY.idleMs, now - SESSION_POLICY.maxAgeMs),
    );
    if (!swept) this.lastPrune = previous;
  }

  /** Runs a write that can wait: false when it failed in a way the product lets pass (nothing changed). */
  private async housekeeping(write: () => Promise<void>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (err) {
      if (this.options.housekeepingMayFail?.(err)) return false;
      throw err;
    }
  }
}
