/**
 * Slows password guessing: once a user name has `blockAfterFailures` wrong passwords, further
 * attempts for it are refused for a cooldown that doubles with each further failure, up to
 * `maxCooldownMs`. A success clears the record. Kept in memory: a restart forgives, which
 * costs a guesser a restart of a server it does not control.
 */
export interface LoginThrottlePolicy {
  blockAfterFailures: number;
  firstCooldownMs: number;
  maxCooldownMs: number;
  windowMs: number;
}

export const LOGIN_THROTTLE_POLICY: Readonly<LoginThrottlePolicy> = {
  blockAfterFailures: 5,
  firstCooldownMs: 30_000,
  maxCooldownMs: 15 * 60_000,
  /** Failures older than this are forgotten. */
  windowMs: 60 * 60_000,
};

interface Record_ {
  failures: number;
  lastFailureMs: number;
  blockedUntilMs: number;
}

export class LoginThrottle {
  private readonly records = new Map<string, Record_>();

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
    if (this.records.size > 10_000) this.prune(now);
  }

  succeeded(key: string): void {
    this.records.delete(key);
  }

  private prune(now: number): void {
    for (const [k, r] of this.records) if (now - r.lastFailureMs > this.policy.windowMs) this.records.delete(k);
  }
}
