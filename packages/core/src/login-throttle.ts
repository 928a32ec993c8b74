/**
 * Slows password guessing: once a key (a user name, an address) has `blockAfterFailures`
 * wrong passwords, further attempts for it are refused for a cooldown that doubles with each
 * further failure, up to `maxCooldownMs`. Kept in memory: a restart forgives, which costs a
 * guesser a restart of a server it does not control. Pure (the clock is handed in): the
 * License Server's admin listener and every Cloud node (each counting for itself) use it.
 */
import { TesseraError } from './errors.js';

export interface LoginThrottlePolicy {
  blockAfterFailures: number;
  firstCooldownMs: number;
  maxCooldownMs: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
}

/** Per user name: 5 wrong passwords, then 30 s, doubling up to 15 minutes. */
export const LOGIN_THROTTLE_POLICY: Readonly<LoginThrottlePolicy> = {
  blockAfterFailures: 5,
  firstCooldownMs: 30_000,
  maxCooldownMs: 15 * 60_000,
  windowMs: 60 * 60_000,
};

/**
 * Per remote address, whatever the user names tried (a guesser walking through names): more
 * room than per name, since many people may sign in through one NAT or proxy.
 */
export const ADDRESS_THROTTLE_POLICY: Readonly<LoginThrottlePolicy> = {
  blockAfterFailures: 30,
  firstCooldownMs: 30_000,
  maxCooldownMs: 15 * 60_000,
  windowMs: 60 * 60_000,
};

/** Records kept at most; older ones are pruned first. */
const MAX_RECORDS = 10_000;

interface FailureRecord {
  failures: number;
  lastFailureMs: number;
  blockedUntilMs: number;
}

export class LoginThrottle {
  private readonly records = new Map<string, FailureRecord>();

  constructor(
    private readonly now: () => number,
    private readonly policy: Readonly<LoginThrottlePolicy> = LOGIN_THROTTLE_POLICY,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfterMs(key: string): number {
    const r = this.records.get(key);
    if (!r) return 0;
    const now = this.now();
    if (now - r.lastFailureMs > this.policy.windowMs) {
      this.records.delete(key);
      return 0;
    }
    return Math.max(0, r.blockedUntilMs - now);
  }

  failed(key: string): void {
    const now = this.now();
    const r = this.records.get(key) ?? { failures: 0, lastFailureMs: now, blockedUntilMs: 0 };
    if (now - r.lastFailureMs > this.policy.windowMs) r.failures = 0;
    r.failures += 1;
    r.lastFailureMs = now;
    const over = r.failures - this.policy.blockAfterFailures;
    if (over >= 0) {
      r.blockedUntilMs = now + Math.min(this.policy.maxCooldownMs, this.policy.firstCooldownMs * 2 ** over);
    }
    this.records.set(key, r);
    if (this.records.size > MAX_RECORDS) this.prune(now);
  }

  succeeded(key: string): void {
    this.records.delete(key);
  }

  private prune(now: number): void {
    for (const [k, r] of this.records) if (now - r.lastFailureMs > this.policy.windowMs) this.records.delete(k);
  }
}

/** The 429 of a throttle: RATE_LIMITED, with the wait in `details.retryAfterSeconds` (and `Retry-After`). */
export function rateLimited(message: string, waitMs: number): TesseraError {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new TesseraError('RATE_LIMITED', `${message}; try again in ${retryAfterSeconds} s`, {
    details: { retryAfterSeconds },
  });
}

/**
 * Sign-in throttling by user name and, when an address is given, by remote address. A success
 * clears the name's failures, never the address's: one good account must not reset the count
 * of a guesser working through others.
 */
export class SignInThrottle {
  private readonly byUser: LoginThrottle;
  private readonly byAddress: LoginThrottle | undefined;

  constructor(
    now: () => number,
    policies: { user: Readonly<LoginThrottlePolicy>; address: Readonly<LoginThrottlePolicy> | null } = {
      user: LOGIN_THROTTLE_POLICY,
      address: ADDRESS_THROTTLE_POLICY,
    },
  ) {
    this.byUser = new LoginThrottle(now, policies.user);
    this.byAddress = policies.address ? new LoginThrottle(now, policies.address) : undefined;
  }

  /** @throws TesseraError RATE_LIMITED while the name or the address is cooling down. */
  check(username: string, address?: string): void {
    const userWait = this.byUser.retryAfterMs(username);
    if (userWait > 0) throw rateLimited(`too many wrong passwords for ${username}`, userWait);
    const addressWait = address !== undefined && this.byAddress ? this.byAddress.retryAfterMs(address) : 0;
    if (addressWait > 0) throw rateLimited(`too many wrong passwords from ${address}`, addressWait);
  }

  failed(username: string, address?: string): void {
    this.byUser.failed(username);
    if (address !== undefined) this.byAddress?.failed(address);
  }

  succeeded(username: string): void {
    this.byUser.succeeded(username);
  }
}
