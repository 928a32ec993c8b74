/**
 * Users and their API tokens (a token resolves to its user).
 */

import type { Db } from './repo.js';
import type { UserRecord } from './rows.js';
import type { UserTable } from './schema.js';

function toUser(r: UserTable): UserRecord {
  return {
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    role: r.role,
    customerId: r.customer_id,
    mustChange: Number(r.must_change) === 1,
    createdAt: r.created_at,
    disabled: Number(r.disabled) === 1,
    lastSignInAt: r.last_sign_in_at,
  };
}

export class UserRepo {
  constructor(private readonly db: Db) {}

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async byUsername(username: string): Promise<UserRecord | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return r && toUser(r);
  }

  async byId(id: string): Promise<UserRecord | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toUser(r);
  }

  /** Users of one customer, or every user when `customerId` is undefined. */
  async list(filter: { customerId?: string | undefined; role?: UserRecord['role'] }): Promise<UserRecord[]> {
    let q = this.db.selectFrom('users').selectAll().orderBy('username');
    if (filter.customerId !== undefined) q = q.where('customer_id', '=', filter.customerId);
    if (filter.role !== undefined) q = q.where('role', '=', filter.role);
    return (await q.execute()).map(toUser);
  }

  async insert(u: UserRecord): Promise<void> {
    await this.db
      .insertInto('users')
      .values({
        id: u.id,
        username: u.username,
        password_hash: u.passwordHash,
        role: u.role,
        customer_id: u.customerId,
        must_change: u.mustChange ? 1 : 0,
        created_at: u.createdAt,
        disabled: u.disabled ? 1 : 0,
        last_sign_in_at: u.lastSignInAt,
      })
      .execute();
  }

  async setPassword(id: string, passwordHash: string, mustChange: boolean): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, must_change: mustChange ? 1 : 0 })
      .where('id', '=', id)
      .execute();
  }

  /** Vendor staff who may sign in: the Cloud must always keep one (LAST_ADMIN). */
  async enabledVendorCount(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'vendor')
      .where('disabled', '=', 0)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** A role and the customer that goes with it (null for vendor staff). */
  async setRole(id: string, role: UserRecord['role'], customerId: string | null): Promise<void> {
    await this.db.updateTable('users').set({ role, customer_id: customerId }).where('id', '=', id).execute();
  }

  async setDisabled(id: string, disabled: boolean): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ disabled: disabled ? 1 : 0 })
      .where('id', '=', id)
      .execute();
  }

  async setLastSignIn(id: string, at: string): Promise<void> {
    await this.db.updateTable('users').set({ last_sign_in_at: at }).where('id', '=', id).execute();
  }

  /** Deletes the user with its sessions and API tokens (which refer to it). */
  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', id).execute();
    await this.db.deleteFrom('api_tokens').where('user_id', '=', id).execute();
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  }
}

export class TokenRepo {
  constructor(private readonly db: Db) {}

  /** Revokes a user's API tokens (they carried the authority it no longer has). */
  async deleteAllOf(userId: string): Promise<void> {
    await this.db.deleteFrom('api_tokens').where('user_id', '=', userId).execute();
  }

  async userByTokenHash(hash: string): Promise<{ tokenName: string; user: UserRecord } | undefined> {
    const r = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('users')
      .select('api_tokens.name as token_name')
      .where('api_tokens.token_hash', '=', hash)
      // A disabled user's tokens stop working with it.
      .where('users.disabled', '=', 0)
      .executeTakeFirst();
    if (!r) return undefined;
    const { token_name, ...user } = r;
    return { tokenName: token_name, user: toUser(user) };
  }

  /** Makes or replaces the token called `name`. */
  async replace(t: { id: string; name: string; tokenHash: string; userId: string; createdAt: string }): Promise<void> {
    await this.db.deleteFrom('api_tokens').where('name', '=', t.name).execute();
    await this.db
      .insertInto('api_tokens')
      .values({ id: t.id, name: t.name, token_hash: t.tokenHash, user_id: t.userId, created_at: t.createdAt })
      .execute();
  }
}
