import { hashPassword, newSecret, TesseraError } from '@tessera/core';
import { storageWrite } from '../store/storage-errors.js';
import type { Role, Store, UserRow } from '../store/store.js';
import type { Actor, AuditLog } from './audit.js';
import { type AdminSecretFiles, INITIAL_ADMIN_USER } from './auth-service.js';

/** A user as the admin API lists it: never the password hash. */
export interface UserView {
  username: string;
  role: Role;
  mustChange: boolean;
  disabled: boolean;
  createdAt: string;
  /** The last Dashboard sign-in (ISO instant), or null when the user never signed in. */
  lastSignInAt: string | null;
}

/**
 * Managing the License Server's users once they exist (docs/security.md): role, disable and
 * enable, delete, and an admin's reset of another user's password. Two rules keep the server
 * administrable: no action may leave it without an enabled admin (LAST_ADMIN), and a signed-in
 * user cannot do these things to their own account (OWN_ACCOUNT; a password is changed
 * with the current one). Every action is audited with the old and the new value; a disabled,
 * deleted or reset user's sessions end in the same transaction.
 */
export class UserService {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
    private readonly files: Pick<AdminSecretFiles, 'initialPassword'>,
  ) {}

  list(): UserView[] {
    return this.store.users.all().map(viewOf);
  }

  setRole(actor: Actor, username: string, role: Role): UserView {
    const user = this.target(actor, 'user.role', username);
    if (user.role === role) return viewOf(user);
    if (user.role === 'admin' && !user.disabled) this.keepAnAdmin(actor, 'user.role', username);
    this.write(actor, 'user.role', username, { old: { role: user.role }, new: { role } }, () =>
      this.store.users.setRole(username, role),
    );
    return viewOf({ ...user, role });
  }

  setDisabled(actor: Actor, username: string, disabled: boolean): UserView {
    const action = disabled ? 'user.disable' : 'user.enable';
    const user = this.target(actor, action, username);
    if (user.disabled === disabled) return viewOf(user);
    if (disabled && user.role === 'admin') this.keepAnAdmin(actor, action, username);
    this.write(actor, action, username, { old: { disabled: user.disabled }, new: { disabled } }, () => {
      this.store.users.setDisabled(username, disabled);
      if (disabled) this.store.sessions.deleteAllOf(username);
    });
    return viewOf({ ...user, disabled });
  }

  delete(actor: Actor, username: string): void {
    const user = this.target(actor, 'user.delete', username);
    if (user.role === 'admin' && !user.disabled) this.keepAnAdmin(actor, 'user.delete', username);
    const old = { role: user.role, disabled: user.disabled };
    this.write(actor, 'user.delete', username, { old, new: null }, () => {
      this.store.users.delete(username);
      this.store.sessions.deleteAllOf(username);
    });
  }

  /**
   * Gives the user a new random password, shown once to the caller, that must be changed at the
   * next sign-in (as the initial admin's must); the user's sessions end.
   */
  async resetPassword(actor: Actor, username: string): Promise<{ username: string; password: string }> {
    const user = this.target(actor, 'user.password.reset', username);
    const password = newSecret(18);
    const hash = await hashPassword(password);
    this.write(
      actor,
      'user.password.reset',
      username,
      { old: { mustChange: user.mustChange }, new: { mustChange: true } },
      () => {
        this.store.users.setPassword(username, hash, true);
        this.store.sessions.deleteAllOf(username);
      },
    );
    // The first password's file would now mislead whoever reads it.
    if (username === INITIAL_ADMIN_USER) this.files.initialPassword.remove();
    return { username, password };
  }

  /** The user an action names, once it is known to exist and not to be the actor. */
  private target(actor: Actor, action: string, username: string): UserRow {
    const user = this.store.users.get(username);
    if (!user) {
      this.refuse(actor, action, username, new TesseraError('NOT_FOUND', `there is no user ${username}`));
    }
    if (actor.id === `user:${username}`) {
      this.refuse(
        actor,
        action,
        username,
        new TesseraError(
          'OWN_ACCOUNT',
          `you are signed in as ${username}: another admin must do this to your account` +
            (action === 'user.password.reset' ? ' (change your own password under Account)' : ''),
        ),
      );
    }
    return user;
  }

  /** Refuses when `username` is the only enabled admin. */
  private keepAnAdmin(actor: Actor, action: string, username: string): void {
    if (this.store.users.enabledAdminCount() > 1) return;
    this.refuse(
      actor,
      action,
      username,
      new TesseraError(
        'LAST_ADMIN',
        `${username} is the only enabled admin; make another user an admin before this, so the server keeps one`,
      ),
    );
  }

  private refuse(actor: Actor, action: string, username: string, err: TesseraError): never {
    this.audit.recordRefusal({ actor, action, target: username, outcome: `refused:${err.code}` });
    throw err;
  }

  private write(actor: Actor, action: string, username: string, detail: unknown, change: () => void): void {
    storageWrite(() =>
      this.store.db.transaction(() => {
        change();
        this.audit.writer({ actor, action, target: username, outcome: 'ok', detail })();
      })(),
    );
  }
}

function viewOf(u: UserRow): UserView {
  return {
    username: u.username,
    role: u.role,
    mustChange: u.mustChange,
    disabled: u.disabled,
    createdAt: u.createdAt,
    lastSignInAt: u.lastSignInAt,
  };
}
