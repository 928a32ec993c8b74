/**
 * Portal sessions (docs/security.md): sign-in with a user name and password gives a random 256-bit
 * session id for an HttpOnly SameSite cookie, stored only as SHA-256, and a CSRF token that
 * state-changing requests must echo. Sessions live in the database, so any node serves them.
 */
import { hashSecret, newSecret, secretsEqual, TesseraError } from '@tessera/core';
import { SESSION_ID_PATTERN, SESSION_POLICY, sessionEndsAt, sessionExpired } from '@tessera/service-kit';
import type { Actor } from './actor.js';
import { type AuthService, actorOf } from './auth-service.js';
import type { DomainContext } from './context.js';

export interface SessionInfo {
  actor: Actor;
  username: string;
  mustChange: boolean;
  csrfToken: string;
  idHash: string;
  expiresAt: string;
}

export class SessionService {
  private lastPrune = 0;

  constructor(
    private readonly ctx: DomainContext,
    private readonly auth: AuthService,
  ) {}

  /** Signs in; `address` (the caller's) counts towards the sign-in throttle. */
  async signIn(
    username: string,
    password: string,
    address?: string,
  ): Promise<{ sessionId: string; session: SessionInfo }> {
    const refused = async (code: 'UNAUTHORIZED' | 'RATE_LIMITED') =>
      this.ctx.audit.write(this.ctx.store, {
        actor: {
          id: `user:${username.slice(0, 64)}`,
          role: 'customer',
          customerId: null,
          userId: null,
          username: null,
        },
        action: 'session.sign-in',
        outcome: `refused:${code}`,
      });
    let check: Awaited<ReturnType<AuthService['authenticatePassword']>>;
    try {
      check = await this.auth.authenticatePassword(username, password, address);
    } catch (err) {
      if (err instanceof TesseraError && err.code === 'RATE_LIMITED') await refused('RATE_LIMITED');
      throw err;
    }
    if (!check.ok) {
      await refused('UNAUTHORIZED');
      throw new TesseraError('UNAUTHORIZED', 'wrong user name or password');
    }
    const now = this.ctx.clock.now();
    if (now - this.lastPrune >= SESSION_POLICY.pruneEveryMs) {
      this.lastPrune = now;
      await this.ctx.store.sessions.prune(now - SESSION_POLICY.idleMs, now - SESSION_POLICY.maxAgeMs);
    }
    const sessionId = newSecret(SESSION_POLICY.secretBytes);
    const row = {
      idHash: hashSecret(sessionId),
      userId: check.actor.userId as string,
      csrfToken: newSecret(SESSION_POLICY.secretBytes),
      createdAt: now,
      lastSeen: now,
    };
    await this.ctx.store.transaction(async (tx) => {
      await tx.sessions.insert(row);
      await this.ctx.audit.write(tx, { actor: check.actor, action: 'session.sign-in', outcome: 'ok' });
    });
    return {
      sessionId,
      session: {
        actor: check.actor,
        username: check.actor.username as string,
        mustChange: check.mustChange,
        csrfToken: row.csrfToken,
        idHash: row.idHash,
        expiresAt: this.endOf(row),
      },
    };
  }

  /** The live session a cookie names; the user's role and must-change flag are read fresh. */
  async authenticate(sessionId: string): Promise<SessionInfo | undefined> {
    if (!SESSION_ID_PATTERN.test(sessionId)) return undefined;
    const row = await this.ctx.store.sessions.get(hashSecret(sessionId));
    if (!row) return undefined;
    const now = this.ctx.clock.now();
    const user = await this.ctx.store.users.byId(row.userId);
    if (!user || sessionExpired(row, now)) {
      await this.ctx.store.sessions.delete(row.idHash);
      return undefined;
    }
    if (now - row.lastSeen >= SESSION_POLICY.touchEveryMs) {
      await this.ctx.store.sessions.touch(row.idHash, now);
      row.lastSeen = now;
    }
    return {
      actor: actorOf(user, 'user'),
      username: user.username,
      mustChange: user.mustChange,
      csrfToken: row.csrfToken,
      idHash: row.idHash,
      expiresAt: this.endOf(row),
    };
  }

  csrfMatches(session: SessionInfo, presented: string | undefined): boolean {
    return presented !== undefined && secretsEqual(presented, session.csrfToken);
  }

  async signOut(session: SessionInfo): Promise<void> {
    await this.ctx.store.transaction(async (tx) => {
      await tx.sessions.delete(session.idHash);
      await this.ctx.audit.write(tx, { actor: session.actor, action: 'session.sign-out', outcome: 'ok' });
    });
  }

  /** After a password change through a session: the user's other sessions end. */
  async endOtherSessions(session: SessionInfo): Promise<number> {
    return this.ctx.store.sessions.deleteOthersOf(session.actor.userId as string, session.idHash);
  }

  private endOf(row: { createdAt: number; lastSeen: number }): string {
    return new Date(sessionEndsAt(row)).toISOString();
  }
}
