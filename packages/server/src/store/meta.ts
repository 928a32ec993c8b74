import type { PersistedClockMark } from '@tessera/core';
import type { Db } from './db.js';

/** Key-value state of the server: the clock guard's mark and the like. */
export class MetaRepo {
  private readonly getStmt;
  private readonly setStmt;
  constructor(db: Db) {
    this.getStmt = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    this.setStmt = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }
  get(key: string): string | undefined {
    return this.getStmt.get(key)?.value;
  }
  set(key: string, value: string): void {
    this.setStmt.run(key, value);
  }
  /** The clock guard's persisted mark and the local time it was written (absent before this was recorded). */
  clockMark(): PersistedClockMark | undefined {
    const mark = this.get(CLOCK_MARK_KEYS.mark);
    if (mark === undefined) return undefined;
    const writtenAt = this.get(CLOCK_MARK_KEYS.writtenAt);
    return { mark: Number(mark), writtenAt: writtenAt === undefined ? undefined : Number(writtenAt) };
  }
  setClockMark(mark: number, writtenAt: number): void {
    this.set(CLOCK_MARK_KEYS.mark, String(mark));
    this.set(CLOCK_MARK_KEYS.writtenAt, String(writtenAt));
  }
  /** The licensing mode the server last ran in (absent before a server start recorded one). */
  lastMode(): string | undefined {
    return this.get(LAST_MODE_KEY);
  }
  setLastMode(mode: string): void {
    this.set(LAST_MODE_KEY, mode);
  }
}

/** Written at each start and each live mode switch, so the next start can say the mode changed. */
const LAST_MODE_KEY = 'server.lastMode';

/** Where the clock guard's mark lives in `meta`; the time it was written is a key of its own, so older versions still read the mark. */
const CLOCK_MARK_KEYS = { mark: 'clock.highWater', writtenAt: 'clock.highWaterWrittenAt' } as const;
