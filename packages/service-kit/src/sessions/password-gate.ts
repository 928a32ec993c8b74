import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  type LoginThrottlePolicy,
  passwordProblem,
  SignInThrottle,
  TesseraError,
  verifyPassword,
} from '@tessera/core';
import type { AccountDirectory, PasswordJournal, SessionAccount } from './ports.js';

/** `disabled`: the password was right, but an admin disabled the account. */
export type PasswordCheck<A> = { ok: true; account: SessionAccount<A> } | { ok: false; disabled?: true };

export interface PasswordGateOptions {
  now: () => number;
  /** Sign-in throttling per user name and per remote address (null: names only). */
  throttle: { user: Readonly<LoginThrottlePolicy>; address: Readonly<LoginThrottlePolicy> | null };
  /** How the product compares user names (the Cloud folds case); the throttle counts the same key. */
  normalizeName?: (username: string) => string;
}

/**
 * Passwords of both products' users: the check every sign-in and HTTP Basic request goes
 * through, and the change of one's own password. Repeated failures are throttled: while a
 * name or an address cools down, even the right password is refused with RATE_LIMITED
 * (carrying the wait), so guessing cannot go faster than the cooldowns allow.
 */
export class PasswordGate<A> {
  private readonly throttle: SignInThrottle;
  private readonly normalizeName: (username: string) => string;

  constructor(
    private readonly accounts: AccountDirectory<A>,
    private readonly journal: PasswordJournal<A>,
    options: PasswordGateOptions,
  ) {
    this.throttle = new SignInThrottle(options.now, options.throttle);
    this.normalizeName = options.normalizeName ?? ((name) => name);
  }

  /**
   * Checks a user name and password; `address` is the caller's, when the product counts addresses.
   * @throws TesseraError RATE_LIMITED while the name or the address is cooling down.
   */
  async check(username: string, password: string, address?: string): Promise<PasswordCheck<A>> {
    const name = this.normalizeName(username);
    this.throttle.check(name, address);
    const account = await this.accounts.byName(name);
    // Hash anyway when the user is unknown, so timing does not tell which names exist.
    const ok = await verifyPassword(password, account?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!account || !ok) {
      this.throttle.failed(name, address);
      return { ok: false };
    }
    this.throttle.succeeded(name);
    if (account.disabled) return { ok: false, disabled: true };
    return { ok: true, account };
  }

  /**
   * Changes a user's own password: the current one must be right, the new one must meet
   * core's rules and differ from it. Refusals are audited (but for RATE_LIMITED: the check
   * throws before anything is known of the caller); the new hash clears the must-change flag.
   */
  async change(username: string, current: string, next: string): Promise<SessionAccount<A>> {
    const check = await this.check(username, current);
    if (!check.ok) {
      const message = 'the current password is wrong';
      await this.journal.refused({
        action: 'user.password.change',
        username,
        actor: undefined,
        code: 'UNAUTHORIZED',
        message,
      });
      throw new TesseraError('UNAUTHORIZED', message);
    }
    const problem =
      passwordProblem(next) ?? (next === current ? 'the new password must differ from the current one' : undefined);
    if (problem) {
      await this.journal.refused({
        action: 'user.password.change',
        username,
        actor: check.account.actor,
        code: 'BAD_REQUEST',
        message: problem,
      });
      throw new TesseraError('BAD_REQUEST', problem);
    }
    await this.journal.passwordChanged(check.account, await hashPassword(next));
    return check.account;
  }
}
