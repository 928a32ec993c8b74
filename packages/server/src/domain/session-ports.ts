/**
 * The License Server's side of the shared session engine (service-kit `sessions/`): its
 * synchronous SQLite tables behind the engine's async ports, its users as accounts, and its
 * audit entries. Sessions are keyed by user name.
 */
import { LOGIN_THROTTLE_POLICY } from '@tessera/core';
import {
  type AccountDirectory,
  type AuthJournal,
  PasswordGate,
  type SessionAccount,
  type SessionRow,
  type SessionStore,
} from '@tessera/service-kit';
import { storageWrite } from '../store/storage-errors.js';
import type { Store } from '../store/store.js';
import type { UserRow } from '../store/users.js';
import type { Actor, AuditLog } from './audit.js';

function accountOf(user: UserRow): SessionAccount<Actor> {
  return {
    subject: user.username,
    username: user.username,
    passwordHash: user.passwordHash,
    mustChange: user.mustChange,
    disabled: user.disabled,
    actor: { id: `user:${user.username}`, role: user.role },
  };
}

/** Dashboard users by name (names compare exactly). */
export function userAccounts(store: Store): AccountDirectory<Actor> {
  const byName = async (username: string) => {
    const user = store.users.get(username);
    return user && accountOf(user);
  };
  return { byName, bySubject: byName };
}

/**
 * Password checks and changes, throttled per user name only: the admin listener is on
 * loopback, where every caller has one address.
 */
export function userPasswords(store: Store, audit: AuditLog, now: () => number): PasswordGate<Actor> {
  return new PasswordGate(userAccounts(store), userJournal(store, audit), {
    now,
    throttle: { user: LOGIN_THROTTLE_POLICY, address: null },
  });
}

/** The `sessions` table; writes that are housekeeping stay raw, so the engine can tell a full disk. */
export function sessionTable(store: Store): SessionStore {
  const repo = store.sessions;
  return {
    get: async (idHash) => {
      const r = repo.get(idHash);
      return (
        r && {
          idHash: r.idHash,
          subject: r.username,
          csrfToken: r.csrfToken,
          createdAt: r.createdAt,
          lastSeen: r.lastSeen,
        }
      );
    },
    touch: async (idHash, atMs) => repo.touch(idHash, atMs),
    delete: async (idHash) => repo.delete(idHash),
    deleteOthersOf: async (username, keepIdHash) => storageWrite(() => repo.deleteOthersOf(username, keepIdHash)),
    prune: async (idleBeforeMs, createdBeforeMs) => {
      repo.prune(idleBeforeMs, createdBeforeMs);
    },
  };
}

/** Sign-in, sign-out and password changes with their audit entries, each in one transaction. */
export function userJournal(store: Store, audit: AuditLog): AuthJournal<Actor> {
  return {
    async signedIn(row, account) {
      storageWrite(() =>
        store.db.transaction(() => {
          store.sessions.insert(sessionRowOf(row));
          store.users.setLastSignIn(account.username, new Date(row.createdAt).toISOString());
          audit.writer({ actor: account.actor, action: 'session.sign-in', outcome: 'ok' })();
        })(),
      );
    },
    async signedOut(session) {
      storageWrite(() =>
        store.db.transaction(() => {
          store.sessions.delete(session.idHash);
          audit.writer({ actor: session.actor, action: 'session.sign-out', outcome: 'ok' })();
        })(),
      );
    },
    async passwordChanged(account, passwordHash) {
      storageWrite(() =>
        store.db.transaction(() => {
          store.users.setPassword(account.username, passwordHash, false);
          audit.writer({
            actor: account.actor,
            action: 'user.password.change',
            target: account.username,
            outcome: 'ok',
          })();
        })(),
      );
    },
    async refused(r) {
      // A name that is cooling down is being guessed: an entry for each further attempt would
      // be a write a guesser repeats at will on the customer's disk.
      if (r.code === 'RATE_LIMITED') return;
      audit.recordRefusal({
        actor: r.actor ?? { id: `user:${r.username.slice(0, 64)}`, role: 'view' },
        action: r.action,
        ...(r.action === 'user.password.change' ? { target: r.username } : {}),
        outcome: `refused:${r.code}`,
      });
    },
  };
}

function sessionRowOf(row: SessionRow) {
  return {
    idHash: row.idHash,
    username: row.subject,
    csrfToken: row.csrfToken,
    createdAt: row.createdAt,
    lastSeen: row.lastSeen,
  };
}
