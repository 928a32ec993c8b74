/**
 * Time, passed in. `now()` is wall-clock milliseconds since the epoch (it may jump: the
 * clock guard watches it); `monotonic()` is milliseconds on a clock that never goes back
 * (lease TTLs run on it).
 */
export interface Clock {
  now(): number;
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock for tests: both readings move only when told. */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;
  constructor(startWallMs: number = Date.UTC(2026, 0, 1)) {
    this.wall = startWallMs;
  }
  now(): number {
    return this.wall;
  }
  monotonic(): number {
    return this.mono;
  }
  /** Time passes: both clocks move forward. */
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
  /** Someone sets the wall clock; monotonic time does not move. */
  setWall(ms: number): void {
    this.wall = ms;
  }
}
