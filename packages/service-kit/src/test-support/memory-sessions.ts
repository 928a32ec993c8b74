/**
 * In-memory ports for the session engine's own tests: a product with users, a sessions table
 * and a journal that records what it is told. Not shipped (only the tests import it).
 */
import { hashPassword } from '@tessera/core';
import type {
  AccountDirectory,
  AuthJournal,
  AuthRefusal,
  SessionAccount,
  SessionRow,
  SessionStore,
} from '../sessions/ports.js';

export interface TestActor {
  id: string;
  role: 'reader' | 'admin';
}

/** A product of one table of users and one of sessions, keyed by user id (as the Cloud does). */
export class MemoryProduct implements SessionStore, AccountDirectory<TestActor> {
  readonly users = new Map<
    string,
    {
      id: string;
      username: string;
      passwordHash: string;
      mustChange: boolean;
      disabled: boolean;
      role: TestActor['role'];
    }
  >();
  readonly sessions = new Map<string, SessionRow>();
  readonly refusals: AuthRefusal<TestActor>[] = [];
  readonly events: string[] = [];
  /** Set to make the next housekeeping write (touch, delete, prune) throw it. */
  failNextWrite: Error | undefined;
  prunes = 0;

  async addUser(username: string, password: string, o: { mustChange?: boolean; role?: TestActor['role'] } = {}) {
    const id = `usr_${this.users.size + 1}`;
    const passwordHash = await hashPassword(password);
    this.users.set(id, {
      id,
      username,
      passwordHash,
      mustChange: o.mustChange ?? false,
      disabled: false,
      role: o.role ?? 'reader',
    });
    return id;
  }

  // AccountDirectory
  async byName(username: string) {
    for (const u of this.users.values()) if (u.username === username) return this.accountOf(u.id);
    return undefined;
  }
  async bySubject(subject: string) {
    return this.accountOf(subject);
  }
  private accountOf(id: string): SessionAccount<TestActor> | undefined {
    const u = this.users.get(id);
    return (
      u && {
        subject: u.id,
        username: u.username,
        passwordHash: u.passwordHash,
        mustChange: u.mustChange,
        disabled: u.disabled,
        actor: { id: `user:${u.username}`, role: u.role },
      }
    );
  }

  // SessionStore
  async get(idHash: string) {
    const row = this.sessions.get(idHash);
    return row && { ...row };
  }
  async touch(idHash: string, atMs: number) {
    this.mayFail();
    const row = this.sessions.get(idHash);
    if (row) row.lastSeen = atMs;
  }
  async delete(idHash: string) {
    this.mayFail();
    this.sessions.delete(idHash);
  }
  async deleteOthersOf(subject: string, keepIdHash: string) {
    let n = 0;
    for (const [k, row] of this.sessions) {
      if (row.subject === subject && k !== keepIdHash) {
        this.sessions.delete(k);
        n++;
      }
    }
    return n;
  }
  async prune(idleBeforeMs: number, createdBeforeMs: number) {
    this.mayFail();
    this.prunes++;
    for (const [k, row] of this.sessions) {
      if (row.lastSeen < idleBeforeMs || row.createdAt < createdBeforeMs) this.sessions.delete(k);
    }
  }

  /** The journal both the gate and the engine write through. */
  journal(): AuthJournal<TestActor> {
    return {
      signedIn: async (row, account) => {
        this.sessions.set(row.idHash, { ...row });
        this.events.push(`sign-in ${account.username}`);
      },
      signedOut: async (session) => {
        this.sessions.delete(session.idHash);
        this.events.push(`sign-out ${session.username}`);
      },
      passwordChanged: async (account, passwordHash) => {
        const u = this.users.get(account.subject);
        if (u) Object.assign(u, { passwordHash, mustChange: false });
        this.events.push(`password ${account.username}`);
      },
      refused: async (r) => {
        this.refusals.push(r);
      },
    };
  }

  private mayFail(): void {
    const err = this.failNextWrite;
    this.failNextWrite = undefined;
    if (err) throw err;
  }
}
