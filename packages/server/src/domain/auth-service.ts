import { hashPassword, hashSecret, newSecret, passwordProblem, TesseraError } from '@tessera/core';
import type { AccountDirectory, PasswordGate } from '@tessera/service-kit';
import { storageWrite } from '../store/storage-errors.js';
import type { Role, Store } from '../store/store.js';
import type { Actor, AuditLog } from './audit.js';
import { userAccounts, userPasswords } from './session-ports.js';

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
  /** Dashboard users as the shared session engine sees them. */
  readonly accounts: AccountDirectory<Actor>;
  /** Password checks and changes (the engine of service-kit, with this server's throttle). */
  readonly passwords: PasswordGate<Actor>;

  constructor(
    private readonly store: Store,
    private readonly files: AdminSecretFiles,
    private readonly audit: AuditLog,
    private readonly now: () => number,
  ) {
    this.accounts = userAccounts(store);
    this.passwords = userPasswords(store, audit, now);
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
   * RATE_LIMITED (with the wait in `Retry-After`).
   */
  async authenticatePassword(username: string, password: string): Promise<PasswordCheck> {
    const check = await this.passwords.check(username, password);
    return check.ok ? { ok: true, actor: check.account.actor, mustChange: check.account.mustChange } : check;
  }

  /** Changes one's own password (refusals audited); the initial password's file goes with the first change. */
  async changePassword(username: string, current: string, next: string): Promise<void> {
    await this.passwords.change(username, current, next);
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
