/**
 * Timers that fire only when a test says time has passed, with a clock that moves with them.
 */
import type { Clock } from '@tessera/core';
import type { TimerHandle, Timers } from '../types.js';

interface Pending {
  id: number;
  due: number;
  callback: () => void;
}

/** Both readings move only with {@link ManualTimers.advance}. */
class TestClock implements Clock {
  private ms = 0;
  now(): number {
    return Date.UTC(2026, 0, 1) + this.ms;
  }
  monotonic(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export class ManualTimers implements Timers {
  readonly clock = new TestClock();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { id, due: this.clock.monotonic() + ms, callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as number);
  }

  /** Number of timers waiting to fire. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Moves time forward by `ms`, firing due timers in order (each at its due time). Callbacks
   * that schedule new timers within the window fire too.
   */
  advance(ms: number): void {
    const end = this.clock.monotonic() + ms;
    for (;;) {
      const next = [...this.pending.values()]
        .filter((p) => p.due <= end)
        .sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.pending.delete(next.id);
      this.clock.advance(Math.max(0, next.due - this.clock.monotonic()));
      next.callback();
    }
    this.clock.advance(Math.max(0, end - this.clock.monotonic()));
  }
}
