/**
 * The Cloud's side of the shared session engine (service-kit `sessions/`): its `sessions`
 * table (SQLite or PostgreSQL), its users as accounts, and its audit entries. Sessions are
 * keyed by user id; user names compare in lower case.
 */
import { ADDRESS_THROTTLE_POLICY, LOGIN_THROTTLE_POLICY } from '@tessera/core';
import {
  type AccountDirectory,
  type AuthJournal,
  PasswordGate,
  type SessionAccount,
  type SessionStore,
} from '@tessera/service-kit';
import type { UserRecord } from '../store/rows.js';
import type { Actor } from './actor.js';
import { audited, type DomainContext } from './context.js';

/** The actor a user is: signed in (or by Basic credentials), or by one of its API tokens. */
export function actorOf(user: UserRecord, via: 'user' | 'token', tokenName?: string): Actor {
  return {
    id: via === 'token' ? `token:${tokenName}` : `user:${user.username}`,
    role: user.role,
    customerId: user.customerId,
    userId: user.id,
    username: user.username,
  };
}

function accountOf(user: UserRecord): SessionAccount<Actor> {
  return {
    subject: user.id,
    username: user.username,
    passwordHash: user.passwordHash,
    mustChange: user.mustChange,
    disabled: user.disabled,
    actor: actorOf(user, 'user'),
  };
}

export function userAccounts(ctx: DomainContext): AccountDirectory<Actor> {
  return {
    byName: async (username) => {
      const user = await ctx.store.users.byUsername(username);
      return user && accountOf(user);
    },
    bySubject: async (userId) => {
      const user = await ctx.store.users.byId(userId);
      return user && accountOf(user);
    },
  };
}

/**
 * Password checks and changes. Guessing is slowed per user name (the License Server's rule)
 * and per remote address; each node counts for itself.
 */
export function userPasswords(ctx: DomainContext): PasswordGate<Actor> {
  return new PasswordGate(userAccounts(ctx), userJournal(ctx), {
    now: () => ctx.clock.now(),
    throttle: { user: LOGIN_THROTTLE_POLICY, address: ADDRESS_THROTTLE_POLICY },
    normalizeName: (username) => username.toLowerCase(),
  });
}

export function sessionTable(ctx: DomainContext): SessionStore {
  const sessions = () => ctx.store.sessions;
  return {
    get: async (idHash) => {
      const r = await sessions().get(idHash);
      return (
        r && {
          idHash: r.idHash,
          subject: r.userId,
          csrfToken: r.csrfToken,
          createdAt: r.createdAt,
          lastSeen: r.lastSeen,
        }
      );
    },
    touch: (idHash, atMs) => sessions().touch(idHash, atMs),
    delete: (idHash) => sessions().delete(idHash),
    deleteOthersOf: (userId, keepIdHash) => sessions().deleteOthersOf(userId, keepIdHash),
    prune: (idleBeforeMs, createdBeforeMs) => sessions().prune(idleBeforeMs, createdBeforeMs),
  };
}

/** Who a refusal names when nobody was authenticated. */
function anonymous(username: string): Actor {
  return { id: `user:${username.slice(0, 64)}`, role: 'customer', customerId: null, userId: null, username: null };
}

/** Sign-in, sign-out and password changes with their audit entries, each in one transaction. */
export function userJournal(ctx: DomainContext): AuthJournal<Actor> {
  return {
    async signedIn(row, account) {
      await ctx.store.transaction(async (tx) => {
        await tx.sessions.insert({
          idHash: row.idHash,
          userId: row.subject,
          csrfToken: row.csrfToken,
          createdAt: row.createdAt,
          lastSeen: row.lastSeen,
        });
        await tx.users.setLastSignIn(row.subject, new Date(row.createdAt).toISOString());
        await ctx.audit.write(tx, { actor: account.actor, action: 'session.sign-in', outcome: 'ok' });
      });
    },
    async signedOut(session) {
      await ctx.store.transaction(async (tx) => {
        await tx.sessions.delete(session.idHash);
        await ctx.audit.write(tx, { actor: session.actor, action: 'session.sign-out', outcome: 'ok' });
      });
    },
    async passwordChanged(account, passwordHash) {
      const { actor, username } = account;
      const entry = { actor, action: 'user.password.change', target: username } as const;
      await audited(ctx, actor, entry.action, { target: username }, () =>
        ctx.store.transaction(async (tx) => {
          await tx.users.setPassword(account.subject, passwordHash, false);
          await ctx.audit.write(tx, { ...entry, outcome: 'ok' });
        }),
      );
    },
    async refused(r) {
      const actor = r.actor ?? anonymous(r.username);
      if (r.action === 'session.sign-in') {
        await ctx.audit.write(ctx.store, { actor, action: r.action, outcome: `refused:${r.code}` });
        return;
      }
      // As `audited` writes a refusal: the refusal itself is what the caller must hear about.
      await ctx.audit
        .write(ctx.store, {
          actor,
          action: r.action,
          customerId: null,
          target: r.username,
          outcome: `refused:${r.code}`,
          detail: { message: r.message },
        })
        .catch(() => {});
    },
  };
}
