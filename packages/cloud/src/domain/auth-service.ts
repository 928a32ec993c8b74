/**
 * Users and credentials of the vendor API (docs/cloud.md, docs/security.md). No default password: the first
 * Cloud start makes user `admin` (vendor staff) with a random password that must be changed
 * at first sign-in, and each node's data dir gets its own CLI token. The database holds only
 * hashes: scrypt for passwords, SHA-256 for tokens.
 */
import { hashPassword, hashSecret, newSecret, passwordProblem, TesseraError } from '@tessera/core';
import type { AccountDirectory, PasswordGate } from '@tessera/service-kit';
import type { UserRecord } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { type Actor, customerScope, requireVendor } from './actor.js';
import { audited, type DomainContext, nowIso } from './context.js';
import { cloudId } from './ids.js';
import { INPUT_RULES } from './policy.js';
import { actorOf, userAccounts, userPasswords } from './session-ports.js';
import { type NewUserView, type UserView, userView } from './views.js';

export const INITIAL_ADMIN_USER = 'admin';

export { actorOf };

export type PasswordCheck = { ok: true; actor: Actor; mustChange: boolean } | { ok: false };

export class AuthService {
  /** Users as the shared session engine sees them. */
  readonly accounts: AccountDirectory<Actor>;
  /** Password checks and changes (the engine of service-kit, with the Cloud's throttle). */
  readonly passwords: PasswordGate<Actor>;

  constructor(private readonly ctx: DomainContext) {
    this.accounts = userAccounts(ctx);
    this.passwords = userPasswords(ctx);
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
        disabled: false,
        lastSignInAt: null,
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

  /**
   * Makes (or replaces) the API token called `name` for user `admin`, or, once `admin` was
   * disabled, demoted or deleted, for the oldest enabled vendor staff user (the Cloud always
   * keeps one); returns the token.
   */
  async issueAdminToken(name: string): Promise<string> {
    const first = await this.ctx.store.users.byUsername(INITIAL_ADMIN_USER);
    const admin =
      first && first.role === 'vendor' && !first.disabled
        ? first
        : (await this.ctx.store.users.list({ role: 'vendor' }))
            .filter((u) => !u.disabled)
            .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
    if (!admin) throw new TesseraError('INTERNAL', 'the Cloud has no enabled vendor staff user');
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
    const check = await this.passwords.check(username, password, address);
    return check.ok ? { ok: true, actor: check.account.actor, mustChange: check.account.mustChange } : { ok: false };
  }

  /** Changes one's own password; refusals are audited. */
  async changePassword(username: string, current: string, next: string): Promise<void> {
    await this.passwords.change(username, current, next);
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
        disabled: false,
        lastSignInAt: null,
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
