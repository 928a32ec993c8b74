import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  hashSecret,
  LOGIN_THROTTLE_POLICY,
  newSecret,
  passwordProblem,
  SignInThrottle,
  TesseraError,
  verifyPassword,
} from '@tessera/core';
import { storageWrite } from '../store/storage-errors.js';
import type { Role, Store } from '../store/store.js';
import type { Actor, AuditLog } from './audit.js';

export const INITIAL_ADMIN_USER = 'admin';
const CLI_TOKEN_NAME = 'cli';

/** A secret file of the data dir (mode 0600), as the runtime keeps it. */
export interface SecretFile {
  /** The secret, or undefined when the file is not there. */
  read(): string | undefined;
  /** Writes the file unless it exists; false when it did. */
  writeOnce(secret: string): boolean;
  /** Writes the file, replacing what it held. */
  replace(secret: string): void;
  /** Removes the file; nothing when it is not there. */
  remove(): void;
}

/** The secret files the admin credentials are handed out in (docs/security.md). */
export interface AdminSecretFiles {
  /** `DIR/initial-admin-password`: the first admin password, until it is changed. */
  initialPassword: SecretFile;
  /** `DIR/admin.token`: the CLI's token. */
  adminToken: SecretFile;
}

/** `disabled`: the password was right, but an admin disabled the user. */
export type PasswordCheck = { ok: true; actor: Actor; mustChange: boolean } | { ok: false; disabled?: true };

/**
 * Admin credentials (docs/security.md). No default password: the first start makes a random
 * one for `admin` in `DIR/initial-admin-password` (0600) that must be changed at first
 * sign-in, and a separate token for the CLI in `DIR/admin.token`. The database holds only
 * hashes (scrypt for passwords, SHA-256 for 256-bit tokens).
 */
export class AuthService {
  /** Per user name only: the admin listener is on loopback, where every caller has one address. */
  private readonly throttle: SignInThrottle;

  constructor(
    private readonly store: Store,
    private readonly files: AdminSecretFiles,
    private readonly audit: AuditLog,
    private readonly now: () => number,
  ) {
    this.throttle = new SignInThrottle(now, { user: LOGIN_THROTTLE_POLICY, address: null });
  }

  /** Makes the first admin and the CLI token when they do not exist yet. */
  async bootstrap(): Promise<{ initialPasswordWritten: boolean }> {
    let initialPasswordWritten = false;
    if (this.store.users.all().length === 0) {
      const password = newSecret(18);
      const hash = await hashPassword(password);
      this.files.initialPassword.remove(); // a leftover from a data dir whose database was removed
      this.store.db.transaction(() => {
        this.store.users.insert({
          username: INITIAL_ADMIN_USER,
          passwordHash: hash,
          role: 'admin',
          mustChange: true,
          createdAt: new Date(this.now()).toISOString(),
        });
      })();
      initialPasswordWritten = this.files.initialPassword.writeOnce(password);
    }
    const existing = this.files.adminToken.read();
    if (!existing || !this.store.users.tokenByHash(hashSecret(existing))) {
      const token = `tsa_${newSecret(32)}`;
      this.store.users.replaceToken(CLI_TOKEN_NAME, hashSecret(token), 'admin', new Date(this.now()).toISOString());
      this.files.adminToken.replace(token);
    }
    return { initialPasswordWritten };
  }

  authenticateToken(token: string): Actor | undefined {
    const row = this.store.users.tokenByHash(hashSecret(token));
    return row ? { id: `token:${row.name}`, role: row.role } : undefined;
  }

  /**
   * Checks a user name and password. Repeated failures for one name are throttled
   * (`LOGIN_THROTTLE_POLICY`): while blocked, even the right password is refused with
   * RATE_LIMITED (with the wait in `Retry-After`), so guessing cannot go faster than the
   * cooldowns allow.
   */
  async authenticatePassword(username: string, password: string): Promise<PasswordCheck> {
    this.throttle.check(username);
    const user = this.store.users.get(username);
    // Hash anyway when the user is unknown, so timing does not tell which names exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !ok) {
      this.throttle.failed(username);
      return { ok: false };
    }
    this.throttle.succeeded(username);
    if (user.disabled) return { ok: false, disabled: true };
    return { ok: true, actor: { id: `user:${user.username}`, role: user.role }, mustChange: user.mustChange };
  }

  async changePassword(username: string, current: string, next: string): Promise<void> {
    const check = await this.authenticatePassword(username, current);
    const actor: Actor = check.ok ? check.actor : { id: `user:${username}`, role: 'view' };
    if (!check.ok) {
      this.audit.recordRefusal({
        actor,
        action: 'user.password.change',
        target: username,
        outcome: 'refused:UNAUTHORIZED',
      });
      throw new TesseraError('UNAUTHORIZED', 'the current password is wrong');
    }
    const problem =
      passwordProblem(next) ?? (next === current ? 'the new password must differ from the current one' : undefined);
    if (problem) {
      this.audit.recordRefusal({
        actor,
        action: 'user.password.change',
        target: username,
        outcome: 'refused:BAD_REQUEST',
      });
      throw new TesseraError('BAD_REQUEST', problem);
    }
    const hash = await hashPassword(next);
    storageWrite(() =>
      this.store.db.transaction(() => {
        this.store.users.setPassword(username, hash, false);
        this.audit.writer({ actor, action: 'user.password.change', target: username, outcome: 'ok' })();
      })(),
    );
    if (username === INITIAL_ADMIN_USER) this.files.initialPassword.remove();
  }

  async addUser(actor: Actor, username: string, password: string, role: Role): Promise<void> {
    if (!/^[a-z][a-z0-9._-]{1,31}$/.test(username)) {
      throw new TesseraError('BAD_REQUEST', 'username must be 2–32 characters: a-z first, then a-z 0-9 . _ -');
    }
    const problem = passwordProblem(password);
    if (problem) throw new TesseraError('BAD_REQUEST', problem);
    if (this.store.users.get(username)) throw new TesseraError('CONFLICT', `user ${username} exists`);
    const hash = await hashPassword(password);
    storageWrite(() =>
      this.store.db.transaction(() => {
        this.store.users.insert({
          username,
          passwordHash: hash,
          role,
          mustChange: true,
          createdAt: new Date(this.now()).toISOString(),
        });
        this.audit.writer({ actor, action: 'user.add', target: username, outcome: 'ok', detail: { role } })();
      })(),
    );
  }
}
