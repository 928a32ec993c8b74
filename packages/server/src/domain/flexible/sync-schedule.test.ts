import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextSyncAt } from './sync-schedule.js';

const DAY = 86_400;
/** Local time, as the schedule reads it. */
const at = (y: number, mo: number, d: number, h: number, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();

describe('nextSyncAt', () => {
  it('is the end of the interval when no time of day is preferred', () => {
    const last = at(2026, 11, 2, 10);
    assert.equal(nextSyncAt(last, DAY, null, last), last + DAY * 1000);
  });

  it('picks the preferred time within a one-day interval, so syncs settle at that time every day', () => {
    const last = at(2026, 11, 2, 10);
    const first = nextSyncAt(last, DAY, { hour: 3, minute: 30 }, last);
    assert.equal(first, at(2026, 11, 3, 3, 30));
    // Synced at 03:30: the next one is 03:30 the day after, the interval's very end.
    assert.equal(nextSyncAt(first, DAY, { hour: 3, minute: 30 }, first), at(2026, 11, 4, 3, 30));
  });

  it('never waits longer than the interval, and takes the last preferred moment within a week', () => {
    const last = at(2026, 11, 2, 10);
    const next = nextSyncAt(last, 7 * DAY, { hour: 23, minute: 0 }, last);
    assert.equal(next, at(2026, 11, 8, 23, 0));
    assert.ok(next <= last + 7 * DAY * 1000);
  });

  it('falls back to the interval when no preferred moment lies ahead within it', () => {
    const last = at(2026, 11, 2, 10);
    // 60 s interval (tests): 03:00 is nowhere in the next minute.
    assert.equal(nextSyncAt(last, 60, { hour: 3, minute: 0 }, last), last + 60_000);
    // The preferred moment inside the interval is already past (a late sync): the interval's end.
    const late = at(2026, 11, 3, 4);
    assert.equal(nextSyncAt(last, DAY, { hour: 3, minute: 0 }, late), last + DAY * 1000);
  });
});
