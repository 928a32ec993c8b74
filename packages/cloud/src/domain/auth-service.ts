/**
 * Users and credentials of the vendor API (docs/cloud.md, docs/security.md). No default password: the first
 * Cloud start makes user `admin` (vendor staff) with a random password that must be changed
 * at first sign-in, and each node's data dir gets its own CLI token. The database holds only
 * hashes: scrypt for passwords, SHA-256 for tokens.
 */
import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  hashSecret,
  newSecret,
  passwordProblem,
  SignInThrottle,
  TesseraError,
  verifyPassword,
} from '@tessera/core';
import type { UserRecord } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { type Actor, customerScope, requireVendor } from './actor.js';
import { audited, type DomainContext, nowIso } from './context.js';
import { cloudId } from './ids.js';
import { INPUT_RULES } from './policy.js';
import { type NewUserView, type UserView, userView } from './views.js';

export const INITIAL_ADMIN_USER = 'admin';

export type PasswordCheck = { ok: true; actor: Actor; mustChange: boolean } | { ok: false };

export function actorOf(user: UserRecord, via: 'user' | 'token', tokenName?: string): Actor {
  return {
    id: via === 'token' ? `token:${tokenName}` : `user:${user.username}`,
    role: user.role,
    customerId: user.customerId,
    userId: user.id,
    username: user.username,
  };
}

export class AuthService {
  /**
   * Password guessing is slowed per user name (the License Server's rule) and per remote
   * address; each node counts for itself (`LOGIN_THROTTLE_POLICY`, `ADDRESS_THROTTLE_POLICY`).
   */
  private readonly throttle: SignInThrottle;

  constructor(private readonly ctx: DomainContext) {
    this.throttle = new SignInThrottle(() => ctx.clock.now());
  }

  /**
   * Makes user `admin` when the Cloud has no user yet, returning its generated password (the
   * caller writes it to `initial-admin-password`); undefined when the admin exists already
   * (another node made it). Run under the bootstrap lock.
   */
  async bootstrapAdmin(store: Store, beforeCommit: (password: string) => void): Promise<boolean> {
    if ((await store.users.count()) > 0) return false;
    const password = newSecret(18);
    const hash = await hashPassword(password);
    await store.transaction(async (tx) => {
      const now = nowIso(this.ctx.clock);
      await tx.users.insert({
        id: cloudId('usr', this.ctx.clock.now()),
        username: INITIAL_ADMIN_USER,
        passwordHash: hash,
        role: 'vendor',
        customerId: null,
        mustChange: true,
        createdAt: now,
      });
      // The password file is written before the commit: if that fails, there is no admin
      // whose password nobody knows.
      beforeCommit(password);
    });
    return true;
  }

  /** True when `token` is a live API token. */
  async tokenIsValid(token: string): Promise<boolean> {
    return (await this.ctx.store.tokens.userByTokenHash(hashSecret(token))) !== undefined;
  }

  /** Makes (or replaces) the API token called `name` for user `admin`; returns the token. */
  async issueAdminToken(name: string): Promise<string> {
    const admin = await this.ctx.store.users.byUsername(INITIAL_ADMIN_USER);
    if (!admin) throw new TesseraError('INTERNAL', 'the admin user does not exist');
    const token = `tca_${newSecret(32)}`;
    await this.ctx.store.tokens.replace({
      id: cloudId('tok', this.ctx.clock.now()),
      name,
      tokenHash: hashSecret(token),
      userId: admin.id,
      createdAt: nowIso(this.ctx.clock),
    });
    return token;
  }

  async authenticateToken(token: string): Promise<Actor | undefined> {
    const found = await this.ctx.store.tokens.userByTokenHash(hashSecret(token));
    return found ? actorOf(found.user, 'token', found.tokenName) : undefined;
  }

  /**
   * Checks a user name and password; `address` is the caller's (the HTTP peer). While the name
   * or the address is cooling down after wrong passwords, even the right one is refused with
   * RATE_LIMITED, carrying the wait.
   */
  async authenticatePassword(username: string, password: string, address?: string): Promise<PasswordCheck> {
    const name = username.toLowerCase();
    this.throttle.check(name, address);
    const user = await this.ctx.store.users.byUsername(name);
    // Hash anyway when the user is unknown, so timing does not tell which names exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !ok) {
      this.throttle.failed(name, address);
      return { ok: false };
    }
    this.throttle.succeeded(name);
    return { ok: true, actor: actorOf(user, 'user'), mustChange: user.mustChange };
  }

  async changePassword(username: string, current: string, next: string): Promise<void> {
    const check = await this.authenticatePassword(username, current);
    const actor: Actor = check.ok
      ? check.actor
      : { id: `user:${username.slice(0, 64)}`, role: 'customer', customerId: null, userId: null, username: null };
    await audited(this.ctx, actor, 'user.password.change', { target: username }, async () => {
      if (!check.ok) throw new TesseraError('UNAUTHORIZED', 'the current password is wrong');
      const problem =
        passwordProblem(next) ?? (next === current ? 'the new password must differ from the current one' : undefined);
      if (problem) throw new TesseraError('BAD_REQUEST', problem);
      const hash = await hashPassword(next);
      await this.ctx.store.transaction(async (tx) => {
        await tx.users.setPassword(check.actor.userId as string, hash, false);
        await this.ctx.audit.write(tx, { actor, action: 'user.password.change', target: username, outcome: 'ok' });
      });
    });
  }

  /**
   * Adds a user. Vendor staff may add vendor staff and users of any customer; a customer's
   * user may add users of its own customer only. Without a password, one is generated and
   * returned once; either way it must be changed at first sign-in.
   */
  async addUser(
    actor: Actor,
    input: { username: string; password?: string | undefined; role: 'vendor' | 'customer'; customerId?: string },
  ): Promise<NewUserView> {
    return audited(this.ctx, actor, 'user.add', { customerId: input.customerId, target: input.username }, async () => {
      let customerId: string | null = null;
      if (input.role === 'vendor') {
        requireVendor(actor, 'add vendor staff');
      } else {
        customerId = customerScope(actor, input.customerId) ?? null;
        if (customerId === null) throw new TesseraError('BAD_REQUEST', 'a customer user needs a customerId');
        if (!(await this.ctx.store.customers.get(customerId))) {
          throw new TesseraError('NOT_FOUND', `no customer ${customerId}`);
        }
      }
      const username = input.username.toLowerCase();
      if (!INPUT_RULES.username.test(username)) {
        throw new TesseraError('BAD_REQUEST', 'username must be 2–32 characters: a-z first, then a-z 0-9 . _ -');
      }
      const generated = input.password === undefined ? newSecret(18) : undefined;
      const password = input.password ?? (generated as string);
      const problem = passwordProblem(password);
      if (problem) throw new TesseraError('BAD_REQUEST', problem);
      if (await this.ctx.store.users.byUsername(username)) {
        throw new TesseraError('CONFLICT', `user ${username} exists`);
      }
      const hash = await hashPassword(password);
      const user: UserRecord = {
        id: cloudId('usr', this.ctx.clock.now()),
        username,
        passwordHash: hash,
        role: input.role,
        customerId,
        mustChange: true,
        createdAt: nowIso(this.ctx.clock),
      };
      await this.ctx.store.transaction(async (tx) => {
        await tx.users.insert(user);
        await this.ctx.audit.write(tx, {
          actor,
          action: 'user.add',
          customerId,
          target: username,
          outcome: 'ok',
          detail: { role: input.role },
        });
      });
      return generated === undefined ? userView(user) : { ...userView(user), password: generated };
    });
  }

  /** Users a caller may see: all for vendor staff (or one customer's), own customer's otherwise. */
  async listUsers(actor: Actor, customerId?: string): Promise<UserView[]> {
    const scope = customerScope(actor, customerId);
    const users = await this.ctx.store.users.list(scope === undefined ? {} : { customerId: scope });
    return users.map(userView);
  }

  async me(actor: Actor): Promise<UserView & { actor: string }> {
    const user = actor.userId ? await this.ctx.store.users.byId(actor.userId) : undefined;
    if (!user) throw new TesseraError('UNAUTHORIZED', 'no user behind these credentials');
    return { ...userView(user), actor: actor.id };
  }
}
