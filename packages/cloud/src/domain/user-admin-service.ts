/**
 * Managing the Cloud's users once they exist (docs/cloud.md): role, disable and enable,
 * delete, and a reset of another user's password. Vendor staff manage every user; a customer's
 * user manages its own customer's users only (others are answered as if they did not exist).
 * Two rules keep the Cloud administrable: no action may leave it without an enabled vendor
 * staff user (LAST_ADMIN), and nobody does these things to their own account (OWN_ACCOUNT; a
 * password is changed with the current one). Every action is audited with the old and the new
 * value; a disabled, deleted or reset user's sessions end in the same transaction.
 */
import { hashPassword, newSecret, TesseraError } from '@tessera/core';
import type { UserRecord } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { type Actor, customerScope, requireVendor } from './actor.js';
import { audited, type DomainContext } from './context.js';
import { type ResetPasswordView, type UserView, userView } from './views.js';

/** Vendor staff have no customer; a customer's user names its customer. */
export interface RoleChange {
  role: 'vendor' | 'customer';
  customerId?: string | undefined;
}

export class UserAdminService {
  constructor(private readonly ctx: DomainContext) {}

  /**
   * Makes a user vendor staff, or a user of a customer (vendor staff only: a customer's user
   * has one role to give). The user's API tokens are revoked: they carried the old authority.
   */
  async setRole(actor: Actor, username: string, change: RoleChange): Promise<UserView> {
    const action = 'user.role';
    return this.act(actor, action, username, async (user) => {
      requireVendor(actor, "change a user's role");
      const customerId = change.role === 'customer' ? (change.customerId ?? null) : null;
      if (change.role === 'customer' && customerId === null) {
        throw new TesseraError('BAD_REQUEST', 'a customer user needs a customerId');
      }
      if (change.role === 'vendor' && change.customerId !== undefined) {
        throw new TesseraError('BAD_REQUEST', 'vendor staff belong to no customer: leave customerId out');
      }
      if (user.role === change.role && user.customerId === customerId) return userView(user);
      if (customerId !== null && !(await this.ctx.store.customers.get(customerId))) {
        throw new TesseraError('NOT_FOUND', `no customer ${customerId}`);
      }
      if (user.role === 'vendor' && change.role !== 'vendor') await this.keepVendor(user);
      const old = { role: user.role, customerId: user.customerId };
      await this.write(actor, action, user, { old, new: { role: change.role, customerId } }, async (tx) => {
        await tx.users.setRole(user.id, change.role, customerId);
        await tx.tokens.deleteAllOf(user.id);
      });
      return userView({ ...user, role: change.role, customerId });
    });
  }

  async setDisabled(actor: Actor, username: string, disabled: boolean): Promise<UserView> {
    const action = disabled ? 'user.disable' : 'user.enable';
    return this.act(actor, action, username, async (user) => {
      if (user.disabled === disabled) return userView(user);
      if (disabled) await this.keepVendor(user);
      await this.write(actor, action, user, { old: { disabled: user.disabled }, new: { disabled } }, async (tx) => {
        await tx.users.setDisabled(user.id, disabled);
        if (disabled) await tx.sessions.deleteAllOf(user.id);
      });
      return userView({ ...user, disabled });
    });
  }

  /** Deletes the user with its sessions and API tokens; its audit entries stay. */
  async delete(actor: Actor, username: string): Promise<void> {
    await this.act(actor, 'user.delete', username, async (user) => {
      await this.keepVendor(user);
      const old = { role: user.role, customerId: user.customerId, disabled: user.disabled };
      await this.write(actor, 'user.delete', user, { old, new: null }, (tx) => tx.users.delete(user.id));
    });
  }

  /**
   * Gives the user a new random password, shown once to the caller, that must be changed at the
   * next sign-in (as a new user's must); the user's sessions end.
   */
  async resetPassword(actor: Actor, username: string): Promise<ResetPasswordView> {
    return this.act(actor, 'user.password.reset', username, async (user) => {
      const password = newSecret(18);
      const hash = await hashPassword(password);
      const detail = { old: { mustChange: user.mustChange }, new: { mustChange: true } };
      await this.write(actor, 'user.password.reset', user, detail, async (tx) => {
        await tx.users.setPassword(user.id, hash, true);
        await tx.sessions.deleteAllOf(user.id);
      });
      return { id: user.id, username: user.username, password };
    });
  }

  /**
   * Runs an action on the user `username` names, once it is known to be visible to the actor
   * and not the actor's own; refusals are audited.
   */
  private act<T>(actor: Actor, action: string, username: string, fn: (user: UserRecord) => Promise<T>): Promise<T> {
    const name = username.toLowerCase();
    return audited(this.ctx, actor, action, { customerId: actor.customerId, target: name }, async () => {
      const user = await this.ctx.store.users.byUsername(name);
      // A customer's user may not learn that vendor staff or other customers' users exist.
      const visible = user && (actor.role === 'vendor' || user.customerId === customerScope(actor));
      if (!user || !visible) throw new TesseraError('NOT_FOUND', `there is no user ${name}`);
      if (actor.userId === user.id) {
        throw new TesseraError(
          'OWN_ACCOUNT',
          `you are signed in as ${name}: another user must do this to your account` +
            (action === 'user.password.reset' ? ' (change your own password under Account)' : ''),
        );
      }
      return fn(user);
    });
  }

  /** Refuses when `user` is the only enabled vendor staff user. */
  private async keepVendor(user: UserRecord): Promise<void> {
    if (user.role !== 'vendor' || user.disabled) return;
    if ((await this.ctx.store.users.enabledVendorCount()) > 1) return;
    throw new TesseraError(
      'LAST_ADMIN',
      `${user.username} is the only enabled vendor staff user; add or enable another before this, so the Cloud keeps one`,
    );
  }

  private async write(
    actor: Actor,
    action: string,
    user: UserRecord,
    detail: unknown,
    change: (tx: Store) => Promise<void>,
  ): Promise<void> {
    await this.ctx.store.transaction(async (tx) => {
      await change(tx);
      await this.ctx.audit.write(tx, {
        actor,
        action,
        customerId: user.customerId,
        target: user.username,
        outcome: 'ok',
        detail,
      });
    });
  }
}
